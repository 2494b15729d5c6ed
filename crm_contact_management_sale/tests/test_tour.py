from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestLogCallTour(HttpCase):
    """Lea Brunner, a salesperson, calls Ursula Meier of Alpen Präzision about the quotation,
    logs the call from the quotation's smart button and finishes it with its report."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.company = Partner.create(
            {"name": "Alpen Präzision AG", "is_company": True, "city": "Zürich"}
        )
        cls.contact = Partner.create(
            {"name": "Ursula Meier", "parent_id": cls.company.id, "type": "contact"}
        )
        cls.salesperson = new_test_user(
            cls.env,
            login="lea.brunner.tour",
            name="Lea Brunner",
            groups="sales_team.group_sale_salesman",
        )
        cls.quotation = cls.env["sale.order"].create(
            {"partner_id": cls.company.id, "user_id": cls.salesperson.id}
        )

    def test_log_a_call_from_the_quotation_and_finish_it(self):
        self.start_tour(
            f"/odoo/sales/{self.quotation.id}",
            "crm_contact_management_sale_log_call",
            login=self.salesperson.login,
        )
        link = self.env["crm.document.link"].search(
            [("res_model", "=", "sale.order"), ("res_id", "=", self.quotation.id)]
        )
        self.assertEqual(len(link), 1, "the call is linked to the quotation once")
        entry = link.journal_entry_id
        self.assertRecordValues(
            entry,
            [
                {
                    "name": "Delivery date of the spindles",
                    "partner_id": self.company.id,
                    "contact_id": self.contact.id,
                    "medium_id": self.env.ref("crm_contact_management.crm_journal_medium_phone").id,
                    "state": "done",
                    "duration": 0.75,
                    "user_id": self.salesperson.id,
                    "create_uid": self.salesperson.id,
                }
            ],
        )
        self.assertIn("Delivery of the spindles confirmed for week 12.", entry.report)
        self.assertTrue(entry.date_finished)
        self.assertEqual(self.quotation.crm_journal_count, 1)
