from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestContactPersonTour(HttpCase):
    """A sales assistant opens a company, adds a contact person, gives her a deputy and an
    attribute value, and then finds her by last name and city in a partner autocomplete."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        germany = cls.env.ref("base.de")
        cls.company = Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "street": "Alt-Moabit 101",
                "zip": "10559",
                "city": "Berlin",
                "country_id": germany.id,
            }
        )
        cls.jonas = Partner.create({"name": "Jonas Weber", "parent_id": cls.company.id})
        # a namesake in Hamburg who also works for the company: "hoffmann" alone finds both
        carrier = Partner.create(
            {
                "name": "Schmidt Logistik GmbH & Co. KG",
                "is_company": True,
                "city": "Hamburg",
                "country_id": germany.id,
            }
        )
        cls.karl = Partner.create({"name": "Karl Hoffmann", "parent_id": carrier.id})
        cls.env["crm.contact.link"].create(
            {"person_id": cls.karl.id, "organization_id": cls.company.id}
        )
        cls.trade_fair = cls.env["crm.attribute"].create(
            {
                "name": "Favourite Trade Fair",
                "code": "favourite_trade_fair",
                "value_type": "text",
                "applies_to": "person",
            }
        )
        cls.user = new_test_user(
            cls.env,
            login="cm_tour_assistant",
            name="Sabine Krüger",
            groups="base.group_user,base.group_partner_manager",
        )

    def test_add_a_contact_person_with_deputy_and_attribute(self):
        self.assertFalse(
            self.user.has_group("crm_contact_management.group_crm_contact_manager"),
            "the tour runs without the contact management administrator rights",
        )
        self.start_tour(
            f"/odoo/contacts/{self.company.id}",
            "crm_contact_management_contact_person_tour",
            login=self.user.login,
        )

        lena = self.env["res.partner"].search([("name", "=", "Lena Hoffmann")])
        self.assertEqual(len(lena), 1, "the tour created exactly one contact person")
        self.assertRecordValues(
            lena,
            [
                {
                    "is_company": False,
                    "type": "contact",
                    "parent_id": self.company.id,
                    "city": "Berlin",
                    "email": "lena.hoffmann@mueller-maschinenbau.de",
                    "current_deputy_id": self.jonas.id,
                }
            ],
        )
        self.assertRecordValues(
            lena.contact_link_ids,
            [{"organization_id": self.company.id, "is_main": True, "is_current": True}],
        )
        self.assertEqual(lena.deputy_ids.deputy_id, self.jonas)
        self.assertEqual(lena._get_attribute_value(self.trade_fair), "Hannover Messe")
        self.assertEqual(lena.create_uid, self.user)
        # picked in the autocomplete by "hoffmann berlin"; Karl Hoffmann was not suggested
        self.assertEqual(self.jonas.deputy_ids.deputy_id, lena)
