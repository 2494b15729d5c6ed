from datetime import date

from odoo.exceptions import AccessError
from odoo.tests import TransactionCase, new_test_user

PRIVATE_FIELDS = [
    "private_street",
    "private_street2",
    "private_zip",
    "private_city",
    "private_country_id",
    "private_phone",
    "private_email",
    "birthday",
    "private_note",
]


class TestPrivateData(TransactionCase):
    """Only the group "Private contact data" reads, searches, exports and groups the private
    data of contact persons; every way the web client and RPC offer is closed to others."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env["res.partner"].create(
            {"name": "Maschinenbau Test GmbH", "is_company": True, "city": "Berlin"}
        )
        cls.person = cls.env["res.partner"].create(
            {
                "name": "Hans Müller",
                "parent_id": cls.company.id,
                "email": "h.mueller@maschinenbau-test.de",
                "private_street": "Onkel-Tom-Straße 58",
                "private_zip": "14169",
                "private_city": "Berlin",
                "private_country_id": cls.env.ref("base.de").id,
                "private_phone": "030 8012 4477",
                "private_email": "hans.mueller@web.de",
                "birthday": "1962-04-17",
                "private_note": "Sails on the Wannsee.",
            }
        )
        # internal users who may export, the least privileges to reach every path
        cls.user = new_test_user(
            cls.env,
            "cm_private_no",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export",
        )
        cls.confidant = new_test_user(
            cls.env,
            "cm_private_yes",
            groups="base.group_user,base.group_partner_manager,base.group_allow_export,"
            "crm_contact_management.group_private_contact_data",
        )
        cls.partner_domain = [("id", "=", cls.person.id)]

    # ------------------------------------------------------------
    # Users without the group
    # ------------------------------------------------------------

    def test_fields_and_views_hide_private_data(self):
        Partner = self.env["res.partner"].with_user(self.user)

        fields_description = Partner.fields_get()
        views = Partner.get_views([(False, "form"), (False, "list"), (False, "search")])

        for field_name in PRIVATE_FIELDS:
            self.assertNotIn(field_name, fields_description)
            self.assertNotIn(field_name, views["models"]["res.partner"]["fields"])
            for view_type in ("form", "list", "search"):
                self.assertNotIn(field_name, views["views"][view_type]["arch"], view_type)
        self.assertNotIn('<page string="Private"', views["views"]["form"]["arch"])

    def test_private_data_cannot_be_read(self):
        person = self.person.with_user(self.user)
        for field_name in PRIVATE_FIELDS:
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                person.read([field_name])
        with self.assertRaises(AccessError):
            person[PRIVATE_FIELDS[0]]
        with self.assertRaises(AccessError):
            person.search_read(self.partner_domain, ["name", "birthday"])
        with self.assertRaises(AccessError):
            person.web_read({"name": {}, "private_email": {}})
        with self.assertRaises(AccessError):
            person.web_search_read(self.partner_domain, {"private_country_id": {}})
        with self.assertRaises(AccessError):
            self.company.with_user(self.user).web_read({"child_ids": {"fields": {"birthday": {}}}})

        self.assertEqual(person.read(["name"])[0]["name"], "Hans Müller")

    def test_private_data_cannot_be_searched(self):
        Partner = self.env["res.partner"].with_user(self.user)
        for domain in (
            [("private_city", "=", "Berlin")],
            [("birthday", "<", "1970-01-01")],
            [("private_email", "ilike", "web.de")],
            [("child_ids.private_phone", "ilike", "8012")],
            [("private_country_id.code", "=", "DE")],
        ):
            with self.subTest(domain=domain), self.assertRaises(AccessError):
                Partner.search(domain)

    def test_private_data_cannot_be_exported(self):
        person = self.person.with_user(self.user)
        self.assertEqual(
            person.export_data(["name", "email"])["datas"],
            [["Hans Müller", "h.mueller@maschinenbau-test.de"]],
        )
        for field_name in ("private_email", "birthday", "private_country_id/name"):
            with self.subTest(field=field_name), self.assertRaises(AccessError):
                person.export_data(["name", field_name])
        with self.assertRaises(AccessError):
            self.company.with_user(self.user).export_data(["child_ids/private_phone"])

    def test_private_data_cannot_be_grouped(self):
        Partner = self.env["res.partner"].with_user(self.user)
        with self.assertRaises(AccessError):
            Partner.formatted_read_group(self.partner_domain, ["private_city"], ["__count"])
        with self.assertRaises(AccessError):
            Partner.formatted_read_group(self.partner_domain, ["birthday:month"], ["__count"])
        with self.assertRaises(AccessError):
            Partner.formatted_read_group(self.partner_domain, ["city"], ["birthday:max"])
        with self.assertRaises(AccessError):
            Partner.web_read_group(self.partner_domain, ["private_country_id"], ["__count"])
        with self.assertRaises(AccessError):
            Partner._read_group(self.partner_domain, ["private_zip"], ["__count"])

    def test_private_data_cannot_be_written(self):
        with self.assertRaises(AccessError):
            self.person.with_user(self.user).write({"private_city": "Potsdam"})
        with self.assertRaises(AccessError):
            self.env["res.partner"].with_user(self.user).create(
                {"name": "Neue Person", "birthday": "1990-01-01"}
            )

    def test_contact_can_still_be_edited_and_duplicated(self):
        person = self.person.with_user(self.user)
        person.write({"email": "hans.mueller@maschinenbau-test.de"})

        duplicate = person.copy()

        self.assertEqual(duplicate.name, "Hans Müller (copy)")
        self.assertFalse(duplicate.sudo().private_city, "private data is not copied")
        self.assertEqual(self.person.private_city, "Berlin", "private data is kept")

    # ------------------------------------------------------------
    # Users of the group
    # ------------------------------------------------------------

    def test_group_reads_searches_exports_and_groups_private_data(self):
        Partner = self.env["res.partner"].with_user(self.confidant)
        person = self.person.with_user(self.confidant)

        self.assertTrue(set(PRIVATE_FIELDS) <= Partner.fields_get().keys())
        form_arch = Partner.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="private_street"', form_arch)
        self.assertEqual(person.read(["birthday"])[0]["birthday"], date(1962, 4, 17))
        self.assertEqual(
            person.web_read({"private_country_id": {"fields": {"display_name": {}}}})[0][
                "private_country_id"
            ]["display_name"],
            "Germany",
        )
        self.assertEqual(
            Partner.search([("private_email", "ilike", "hans.mueller@web")]), self.person
        )
        self.assertEqual(
            person.export_data(["name", "private_city", "private_country_id/name"])["datas"],
            [["Hans Müller", "Berlin", "Germany"]],
        )
        groups = Partner.formatted_read_group(self.partner_domain, ["private_city"], ["__count"])
        self.assertEqual(
            [(group["private_city"], group["__count"]) for group in groups], [("Berlin", 1)]
        )

        person.write({"private_city": "Potsdam", "birthday": "1962-04-18"})
        self.assertEqual(self.person.private_city, "Potsdam")

    def test_contact_manager_needs_the_group_too(self):
        manager = new_test_user(
            self.env,
            "cm_private_manager",
            groups="crm_contact_management.group_crm_contact_manager",
        )
        with self.assertRaises(AccessError):
            self.person.with_user(manager).read(["private_phone"])
