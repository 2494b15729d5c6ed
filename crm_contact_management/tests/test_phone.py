from odoo.fields import Domain
from odoo.tests import Form, TransactionCase, new_test_user, tagged


# post install: creating companies needs the fields of every installed module
@tagged("post_install", "-at_install")
class TestPhoneNormalization(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.germany = cls.env.ref("base.de")
        cls.switzerland = cls.env.ref("base.ch")
        cls.env.company.country_id = cls.germany
        cls.swiss_company = cls.env["res.company"].create(
            {"name": "Rheinbank Basel AG", "country_id": cls.switzerland.id}
        )
        Partner = cls.env["res.partner"]
        cls.mueller = Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "country_id": cls.germany.id,
                "phone": "+49 30 1234567",
            }
        )
        # no country, no company: the number is read as a number of the current company
        cls.weber = Partner.create({"name": "Jonas Weber", "phone": "030 / 765 43 21"})
        cls.alpen = Partner.create(
            {
                "name": "Alpen Präzision AG",
                "is_company": True,
                "country_id": cls.switzerland.id,
                "phone": "044 668 18 00",
            }
        )
        # an address of its own without country: the number is read as a number of its company
        cls.alpen_delivery = Partner.create(
            {
                "name": "Wareneingang",
                "type": "delivery",
                "parent_id": cls.alpen.id,
                "country_id": False,
                "phone": "044 668 18 01",
            }
        )
        cls.partners = cls.mueller | cls.weber | cls.alpen | cls.alpen_delivery

    def _search_phone(self, number):
        return self.env["res.partner"].search(
            Domain("phone_mobile_search", "ilike", number) & Domain("id", "in", self.partners.ids)
        )

    def test_number_stored_as_entered_and_normalized(self):
        self.assertEqual(self.mueller.phone, "+49 30 1234567")
        self.assertEqual(self.mueller.phone_sanitized, "+49301234567")
        self.assertEqual(self.weber.phone, "030 / 765 43 21")
        self.assertEqual(self.weber.phone_sanitized, "+49307654321")
        self.assertEqual(self.alpen.phone_sanitized, "+41446681800")

    def test_country_falls_back_to_the_parent_company(self):
        self.assertFalse(self.alpen_delivery.country_id)
        self.assertEqual(self.alpen_delivery.phone_sanitized, "+41446681801")

    def test_country_of_the_parent_company_change_normalizes_again(self):
        workshop = self.env["res.partner"].create(
            {"name": "Werkstatt Basel", "is_company": True, "country_id": False}
        )
        site = self.env["res.partner"].create(
            {"name": "Lager", "type": "other", "parent_id": workshop.id, "phone": "061 123 45 67"}
        )
        self.assertEqual(site.phone_sanitized, "+49611234567", "current company: Germany")
        workshop.country_id = self.switzerland
        self.assertFalse(site.country_id)
        self.assertEqual(site.phone_sanitized, "+41611234567", "company: Switzerland")

    def test_country_falls_back_to_the_current_company(self):
        basel = (
            self.env["res.partner"]
            .with_company(self.swiss_company)
            .create({"name": "Reto Baumann", "phone": "061 123 45 67"})
        )
        self.assertFalse(basel.country_id)
        self.assertEqual(basel.phone_sanitized, "+41611234567")

    def test_search_finds_numbers_typed_in_any_format(self):
        for number in ("+49 30 1234567", "030/1234567", "0049301234567", "(030) 123-4567"):
            with self.subTest(number=number):
                self.assertEqual(self._search_phone(number), self.mueller)
        # stored in national format, searched in international formats
        for number in ("+49 30 7654321", "0049307654321", "030/7654321", "+49307654321"):
            with self.subTest(number=number):
                self.assertEqual(self._search_phone(number), self.weber)

    def test_search_partial_numbers_match_digits(self):
        self.assertEqual(self._search_phone("1234567"), self.mueller)
        self.assertEqual(self._search_phone("030 123"), self.mueller)
        self.assertEqual(self._search_phone("765 43"), self.weber)
        self.assertEqual(self._search_phone("+49 30 765"), self.weber)
        self.assertEqual(self._search_phone("668 18"), self.alpen | self.alpen_delivery)
        self.assertEqual(self._search_phone("+41 44 668 18 01"), self.alpen_delivery)

    def test_search_negative_and_exact_operators(self):
        Partner = self.env["res.partner"]
        scope = Domain("id", "in", self.partners.ids)
        self.assertEqual(
            Partner.search(Domain("phone_mobile_search", "=", "030/1234567") & scope),
            self.mueller,
        )
        self.assertEqual(
            Partner.search(Domain("phone_mobile_search", "not ilike", "668 18") & scope),
            self.mueller | self.weber,
        )

    def test_phone_filter_of_the_search_view(self):
        # phone_validation replaces the Phone filter of the contacts by phone_mobile_search
        view = self.env.ref("base.view_res_partner_filter")
        arch = self.env["res.partner"].get_views([(view.id, "search")])["views"]["search"]["arch"]
        self.assertIn("phone_mobile_search", arch)
        user = new_test_user(self.env, login="phone_search_user", groups="base.group_user")
        self.assertEqual(
            self.env["res.partner"]
            .with_user(user)
            .search(Domain("phone_mobile_search", "ilike", "0049 30 1234567")),
            self.mueller,
        )

    def test_autocomplete_finds_numbers_typed_in_any_format(self):
        Partner = self.env["res.partner"]
        for number in ("+49 30 1234567", "030/1234567", "0049301234567"):
            with self.subTest(number=number):
                ids = [result["id"] for result in Partner.crm_autocomplete(number)]
                self.assertEqual(ids, self.mueller.ids)
                self.assertIn(self.mueller.id, [pid for pid, _name in Partner.name_search(number)])

    def test_invalid_number_warns_in_the_form_and_is_kept(self):
        form = Form(self.env["res.partner"])
        form.name = "Thomas Keller"
        with self.assertLogs("odoo.tests.form.onchange", "WARNING") as logs:
            form.phone = "12345"
        self.assertIn("Invalid phone number", logs.output[0])
        self.assertEqual(form.phone, "12345", "the number is kept as entered")
        partner = form.save()
        self.assertEqual(partner.phone, "12345")
        self.assertFalse(partner.phone_sanitized)

    def test_valid_number_is_not_reformatted_in_the_form(self):
        form = Form(self.env["res.partner"])
        form.name = "Klaus Schmidt"
        with self.assertNoLogs("odoo.tests.form.onchange", "WARNING"):
            form.phone = "040/3344556"
        self.assertEqual(form.phone, "040/3344556")
        self.assertEqual(form.save().phone_sanitized, "+49403344556")

    def test_invalid_numbers_never_crash_create_write_or_import(self):
        Partner = self.env["res.partner"]
        partners = Partner.create(
            [
                {"name": "Ungültig Eins", "phone": "not a number"},
                {"name": "Ungültig Zwei", "phone": "+999 12"},
                {"name": "Gültig", "phone": "089 1234567"},
            ]
        )
        self.assertEqual(partners.mapped("phone"), ["not a number", "+999 12", "089 1234567"])
        self.assertEqual(partners.mapped("phone_sanitized"), [False, False, "+49891234567"])
        partners[2].phone = "0000"
        self.assertEqual(partners[2].phone, "0000")
        self.assertFalse(partners[2].phone_sanitized)

        result = Partner.load(
            ["name", "phone"], [["Import Eins", "12"], ["Import Zwei", "+41 61 1"]]
        )
        self.assertFalse(result["messages"])
        imported = Partner.browse(result["ids"])
        self.assertEqual(imported.mapped("phone"), ["12", "+41 61 1"])
        self.assertFalse(any(imported.mapped("phone_sanitized")))
