from psycopg2 import errors

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tools import SQL, mute_logger


class TestDefaultAddresses(TransactionCase):
    """A company is its own contact address; of its delivery and invoice addresses, exactly
    one of each kind is the default, and documents for the company use it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.company = cls.Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "street": "Alt-Moabit 101",
                "zip": "10559",
                "city": "Berlin",
                "country_id": cls.env.ref("base.de").id,
            }
        )
        cls.other_company = cls.Partner.create({"name": "Alpen Präzision AG", "is_company": True})
        cls.petra = cls.Partner.create(
            {"name": "Petra Schneider", "parent_id": cls.company.id, "type": "contact"}
        )

    def _address(self, name, kind="delivery", company=None, **values):
        return self.Partner.create(
            {
                "name": name,
                "type": kind,
                "parent_id": (company or self.company).id,
                "city": "Berlin",
                **values,
            }
        )

    def _defaults(self, company=None, kind="delivery"):
        return self.Partner.search(
            [
                ("parent_id", "=", (company or self.company).id),
                ("type", "=", kind),
                ("is_default_address", "=", True),
            ]
        )

    # --- one default of each kind ---

    def test_first_address_of_a_kind_becomes_the_default(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        billing = self._address("Buchhaltung", kind="invoice")
        self.assertTrue(spandau.is_default_address)
        self.assertFalse(tegel.is_default_address)
        self.assertTrue(billing.is_default_address, "each kind has its own default")
        self.assertFalse(self.petra.is_default_address, "a contact person is no address")
        self.assertFalse(self.company.is_default_address)

    def test_addresses_created_in_one_batch(self):
        companies = self.Partner.create(
            [
                {
                    "name": f"Kunde {number}",
                    "is_company": True,
                    "child_ids": [
                        Command.create({"name": "Lager Nord", "type": "delivery"}),
                        Command.create({"name": "Lager Süd", "type": "delivery"}),
                        Command.create({"name": "Rechnungen", "type": "invoice"}),
                    ],
                }
                for number in range(20)
            ]
        )
        addresses = self.Partner.create(
            [
                {"name": f"Außenlager {number}", "type": "delivery", "parent_id": company.id}
                for company in companies
                for number in range(2)
            ]
        )
        for company in companies:
            delivery = company.child_ids.filtered(lambda child: child.type == "delivery")
            self.assertEqual(delivery.filtered("is_default_address"), delivery.sorted("id")[:1])
            self.assertEqual(len(self._defaults(company, "invoice")), 1)
        self.assertFalse(any(addresses.mapped("is_default_address")))

    def test_marking_another_address_moves_the_default(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        tegel.action_set_default_address()
        self.assertTrue(tegel.is_default_address)
        self.assertFalse(spandau.is_default_address)
        self.assertEqual(self._defaults(), tegel)

    def test_new_address_created_as_default(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel", is_default_address=True)
        self.assertTrue(tegel.is_default_address)
        self.assertFalse(spandau.is_default_address)

    def test_two_defaults_of_one_kind_are_refused(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        with self.assertRaises(ValidationError):
            (spandau | tegel).action_set_default_address()
        with self.assertRaises(ValidationError):
            self.petra.action_set_default_address()

    def test_database_refuses_a_second_default(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        self.env.flush_all()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(errors.UniqueViolation) as caught,
        ):
            self.env.cr.execute(
                SQL("UPDATE res_partner SET is_default_address = TRUE WHERE id = %s", tegel.id)
            )
        self.assertIn(
            "only one default delivery address",
            self.Partner._sql_error_to_message(caught.exception),
            "the violation of the index is explained to the user",
        )
        with mute_logger("odoo.sql_db"), self.assertRaises(errors.CheckViolation):
            self.env.cr.execute(
                SQL("UPDATE res_partner SET type = 'contact' WHERE id = %s", spandau.id)
            )

    def test_archived_default_hands_over(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        wedding = self._address("Lager Wedding")
        spandau.action_archive()
        self.assertFalse(spandau.is_default_address)
        self.assertTrue(tegel.is_default_address, "the oldest remaining address takes over")
        self.assertFalse(wedding.is_default_address)
        spandau.action_unarchive()
        self.assertFalse(spandau.is_default_address)
        self.assertEqual(self._defaults(), tegel)

    def test_deleted_default_hands_over(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        spandau.unlink()
        self.assertTrue(tegel.is_default_address)

    def test_retyped_default_hands_over(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        spandau.type = "invoice"
        self.assertTrue(tegel.is_default_address)
        self.assertTrue(spandau.is_default_address, "first invoice address: default invoice")
        spandau.type = "other"
        self.assertFalse(spandau.is_default_address)
        self.assertFalse(self._defaults(kind="invoice"))
        spandau.type = "delivery"
        self.assertFalse(spandau.is_default_address)
        self.assertEqual(self._defaults(), tegel)

    def test_moved_default_hands_over(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        spandau.parent_id = self.other_company
        self.assertTrue(tegel.is_default_address)
        self.assertTrue(spandau.is_default_address, "first delivery address of the other company")
        tegel.parent_id = self.other_company
        self.assertFalse(tegel.is_default_address)
        self.assertFalse(self._defaults())
        self.assertEqual(self._defaults(self.other_company), spandau)

    def test_unsetting_the_flag_hands_over(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        spandau.is_default_address = False
        self.assertTrue(tegel.is_default_address)
        tegel.is_default_address = False
        self.assertEqual(self._defaults(), spandau)

    def test_company_without_addresses_has_no_default(self):
        spandau = self._address("Lager Spandau")
        spandau.action_archive()
        self.assertFalse(self._defaults())
        addresses = self.company.address_get(["delivery", "invoice"])
        self.assertEqual(addresses["delivery"], self.company.id)
        self.assertEqual(addresses["invoice"], self.company.id)

    def test_deleting_the_company_releases_its_addresses(self):
        spandau = self._address("Lager Spandau", company=self.other_company)
        self.other_company.unlink()
        self.assertFalse(spandau.parent_id)
        self.assertFalse(spandau.is_default_address)

    def test_existing_addresses_get_defaults_on_install(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        billing = self._address("Buchhaltung", kind="invoice")
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "UPDATE res_partner SET is_default_address = FALSE WHERE id IN %s",
                (spandau | tegel | billing)._ids,
            )
        )
        self.Partner.init()
        self.Partner.invalidate_model(["is_default_address"])
        self.assertEqual(self._defaults(), spandau)
        self.assertEqual(self._defaults(kind="invoice"), billing)

    # --- addresses of documents ---

    def test_address_get_returns_the_defaults(self):
        # the standard depth-first search would find "Aachen" first (children are
        # ordered by name)
        self._address("Lager Aachen")
        zwickau = self._address("Lager Zwickau")
        billing_old = self._address("Buchhaltung Alt", kind="invoice")
        billing = self._address("Buchhaltung", kind="invoice")
        zwickau.action_set_default_address()
        billing.action_set_default_address()
        expected = {"contact": self.company.id, "delivery": zwickau.id, "invoice": billing.id}
        self.assertEqual(self.company.address_get(["delivery", "invoice"]), expected)
        self.assertEqual(
            self.petra.address_get(["delivery", "invoice"])["delivery"],
            zwickau.id,
            "a contact person without own addresses uses the defaults of the company",
        )
        billing_old.action_set_default_address()
        self.assertEqual(self.company.address_get(["invoice"])["invoice"], billing_old.id)

    def test_own_address_of_a_person_wins(self):
        self._address("Lager Spandau")
        home = self._address("Petra privat", company=self.petra)
        self.assertTrue(home.is_default_address, "a person can have addresses, too")
        self.assertEqual(self.petra.address_get(["delivery"])["delivery"], home.id)
        self.assertEqual(home.address_get(["delivery"])["delivery"], home.id)

    # --- who may change defaults ---

    def test_only_partner_managers_change_defaults(self):
        spandau = self._address("Lager Spandau")
        tegel = self._address("Lager Tegel")
        user = new_test_user(self.env, login="cm_address_user", groups="base.group_user")
        manager = new_test_user(
            self.env,
            login="cm_address_manager",
            groups="base.group_user,base.group_partner_manager",
        )
        with self.assertRaises(AccessError):
            tegel.with_user(user).action_set_default_address()
        self.assertTrue(spandau.is_default_address)
        tegel.with_user(manager).action_set_default_address()
        self.assertTrue(tegel.is_default_address)
        self.assertFalse(spandau.is_default_address)


@tagged("post_install", "-at_install")
class TestDefaultAddressesUi(HttpCase):
    def test_make_another_address_the_default_on_the_company_form(self):
        company = self.env["res.partner"].create(
            {
                "name": "Schmidt Logistik GmbH & Co. KG",
                "is_company": True,
                "child_ids": [
                    Command.create({"name": "Lager Spandau", "type": "delivery"}),
                    Command.create({"name": "Lager Tegel", "type": "delivery"}),
                ],
            }
        )
        self.start_tour(
            f"/odoo/contacts/{company.id}",
            "crm_contact_management_default_address",
            login="admin",
        )
        self.assertEqual(company.child_ids.filtered("is_default_address").name, "Lager Tegel")
