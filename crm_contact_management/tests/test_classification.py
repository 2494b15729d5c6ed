from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, new_test_user
from odoo.tools import mute_logger


class TestClassification(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        Industry = cls.env["res.partner.industry"]
        cls.machine_building, cls.database_software, cls.application_software = Industry.create(
            [
                {"name": "Machine building"},
                {"name": "Database software"},
                {"name": "Application software"},
            ]
        )
        cls.automation, cls.cloud = cls.env["crm.interest.area"].create(
            [
                {"name": "Automation", "code": "T-AUTO"},
                {"name": "Cloud Services", "code": "T-CLOUD"},
            ]
        )
        cls.key_account, cls.dealer = cls.env["crm.company.class"].create(
            [{"name": "Key Account", "code": "T-KEY"}, {"name": "Dealer", "code": "T-DEALER"}]
        )
        cls.salesman = new_test_user(cls.env, "cm_class_salesman", groups="base.group_user")
        cls.representative, cls.agent = cls.env["crm.sales.representative"].create(
            [
                {"name": "Claudia Vogt", "user_id": cls.salesman.id},
                {"name": "Stefan Braun", "code": "T-101"},
            ]
        )
        cls.customer = cls.env.ref("crm_contact_management.crm_business_relation_customer")
        cls.supplier = cls.env.ref("crm_contact_management.crm_business_relation_supplier")
        cls.carrier = cls.env.ref("crm_contact_management.crm_business_relation_carrier")
        cls.machine_builder = cls.Partner.create(
            {
                "name": "Maschinenbau Test GmbH",
                "is_company": True,
                "industry_id": cls.machine_building.id,
                "interest_area_ids": [(6, 0, cls.automation.ids)],
                "company_class_id": cls.key_account.id,
                "sales_representative_id": cls.agent.id,
                "abc_class": "a",
                "business_relation_ids": [(6, 0, (cls.customer | cls.supplier).ids)],
            }
        )
        cls.software_house = cls.Partner.create(
            {
                "name": "Softwarehaus Test Sp. z o.o.",
                "is_company": True,
                "industry_id": cls.application_software.id,
                "industry_ids": [(6, 0, (cls.application_software | cls.database_software).ids)],
                "interest_area_ids": [(6, 0, (cls.automation | cls.cloud).ids)],
                "company_class_id": cls.dealer.id,
                "sales_representative_id": cls.representative.id,
                "abc_class": "c",
                "business_relation_ids": [(6, 0, cls.customer.ids)],
            }
        )
        cls.user = new_test_user(cls.env, "cm_class_user", groups="base.group_user")
        cls.manager = new_test_user(
            cls.env,
            "cm_class_manager",
            groups="crm_contact_management.group_crm_contact_manager",
        )

    # ------------------------------------------------------------
    # Industries: the main industry is always one of the industries
    # ------------------------------------------------------------

    def test_main_industry_is_one_of_the_industries(self):
        self.assertEqual(self.machine_builder.industry_ids, self.machine_building)
        self.assertEqual(
            self.software_house.industry_ids,
            self.application_software | self.database_software,
        )

        self.machine_builder.industry_id = self.database_software

        self.assertEqual(self.machine_builder.industry_id, self.database_software)
        self.assertEqual(
            self.machine_builder.industry_ids, self.machine_building | self.database_software
        )

    def test_industries_without_the_main_industry_are_refused(self):
        with self.assertRaises(ValidationError):
            self.software_house.industry_ids = self.database_software

    def test_removing_the_main_industry_in_the_form_promotes_the_next_one(self):
        with Form(self.software_house) as company_form:
            company_form.industry_ids.remove(id=self.application_software.id)
            self.assertEqual(company_form.industry_id, self.database_software)
        self.assertEqual(self.software_house.industry_ids, self.database_software)

    def test_choosing_the_main_industry_in_the_form_adds_it_to_the_industries(self):
        with Form(self.Partner.with_context(default_is_company=True)) as company_form:
            company_form.name = "Neue Firma AG"
            company_form.industry_id = self.machine_building
            self.assertEqual(list(company_form.industry_ids), [self.machine_building])
        self.assertEqual(company_form.record.industry_ids, self.machine_building)

    # ------------------------------------------------------------
    # The classification of a company is shared by its contact persons
    # ------------------------------------------------------------

    def test_contact_persons_share_the_classification_of_their_company(self):
        person = self.Partner.create({"name": "Jonas Weber", "parent_id": self.software_house.id})
        self.assertRecordValues(
            person,
            [
                {
                    "industry_id": self.application_software.id,
                    "industry_ids": (self.application_software | self.database_software).ids,
                    "interest_area_ids": (self.automation | self.cloud).ids,
                    "company_class_id": self.dealer.id,
                    "sales_representative_id": self.representative.id,
                    "abc_class": "c",
                    "business_relation_ids": self.customer.ids,
                }
            ],
        )

        self.software_house.write(
            {
                "company_class_id": self.key_account.id,
                "abc_class": "b",
                "business_relation_ids": [(4, self.carrier.id)],
            }
        )

        self.assertEqual(person.company_class_id, self.key_account)
        self.assertEqual(person.abc_class, "b")
        self.assertEqual(person.business_relation_ids, self.customer | self.carrier)

    # ------------------------------------------------------------
    # Searching, filtering and grouping companies by classification
    # ------------------------------------------------------------

    def test_search_and_group_companies_by_classification(self):
        companies = self.machine_builder | self.software_house
        Companies = self.Partner.with_user(self.user)
        base_domain = [("id", "in", companies.ids)]

        self.assertEqual(
            Companies.search([*base_domain, ("business_relation_ids.code", "=", "supplier")]),
            self.machine_builder,
        )
        self.assertEqual(
            Companies.search([*base_domain, ("industry_ids", "in", self.database_software.ids)]),
            self.software_house,
        )
        self.assertEqual(
            Companies.search([*base_domain, ("interest_area_ids", "=", "Automation")]),
            companies,
        )
        self.assertEqual(
            Companies.search([*base_domain, ("abc_class", "=", "a")]), self.machine_builder
        )

        by_interest_area = dict(
            Companies._read_group(base_domain, ["interest_area_ids"], ["__count"])
        )
        self.assertEqual(by_interest_area, {self.automation: 2, self.cloud: 1})
        by_class = Companies.formatted_read_group(
            base_domain, ["company_class_id", "abc_class"], ["__count"]
        )
        self.assertEqual(len(by_class), 2)
        by_relation = dict(
            Companies._read_group(base_domain, ["business_relation_ids"], ["__count"])
        )
        self.assertEqual(by_relation, {self.customer: 2, self.supplier: 1})
        by_representative = dict(
            Companies._read_group(base_domain, ["sales_representative_id"], ["__count"])
        )
        self.assertEqual(by_representative, {self.agent: 1, self.representative: 1})

    def test_master_data_counts_and_opens_its_companies(self):
        self.Partner.create({"name": "Anna Bergmann", "parent_id": self.machine_builder.id})
        self.assertEqual(self.automation.company_count, 2)
        self.assertEqual(self.cloud.company_count, 1)
        self.assertEqual(self.key_account.company_count, 1)
        self.assertEqual(self.agent.company_count, 1)

        action = self.cloud.action_view_companies()

        self.assertEqual(action["res_model"], "res.partner")
        self.assertEqual(self.Partner.search(action["domain"]), self.software_house)

    # ------------------------------------------------------------
    # Master data: translatable, unique codes, edited by the managers
    # ------------------------------------------------------------

    def test_master_data_names_are_translatable(self):
        self.env["res.lang"]._activate_lang("de_DE")
        self.automation.with_context(lang="de_DE").name = "Automatisierung"
        self.customer.with_context(lang="de_DE").name = "Kunde"

        self.assertEqual(self.automation.with_context(lang="en_US").name, "Automation")
        self.assertEqual(self.automation.with_context(lang="de_DE").name, "Automatisierung")
        self.assertEqual(self.customer.with_context(lang="en_US").name, "Customer")
        for model in ("crm.interest.area", "crm.company.class", "crm.business.relation"):
            self.assertTrue(self.env[model]._fields["name"].translate, model)

    def test_codes_are_unique(self):
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self.env["crm.interest.area"].create({"name": "Automatisierung", "code": "T-AUTO"})
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self.env["crm.business.relation"].create({"name": "Kunde", "code": "customer"})

    def test_standard_business_relations(self):
        relations = self.env["crm.business.relation"].search([])
        self.assertTrue(
            {"customer", "supplier", "prospect", "carrier", "bank", "other"}
            <= set(relations.mapped("code"))
        )

    def test_only_managers_edit_master_data(self):
        classes = self.key_account | self.dealer
        self.assertEqual(
            self.env["crm.company.class"].with_user(self.user).search([("id", "in", classes.ids)]),
            classes,
        )
        for model in (
            "crm.interest.area",
            "crm.company.class",
            "crm.business.relation",
            "crm.sales.representative",
        ):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user).create({"name": "Test", "code": "TEST"})
            record = self.env[model].with_user(self.manager).create({"name": "Test", "code": "T1"})
            record.action_archive()
            self.assertFalse(record.active)

    def test_sales_representative_takes_name_and_contact_from_user(self):
        with Form(self.env["crm.sales.representative"]) as representative_form:
            representative_form.user_id = self.salesman
            self.assertEqual(representative_form.name, self.salesman.name)
            self.assertEqual(representative_form.partner_id, self.salesman.partner_id)
        self.assertEqual(representative_form.record.email, self.salesman.email)

    def test_company_form_shows_the_classification(self):
        arch = self.Partner.with_user(self.user).get_views([(False, "form")])["views"]["form"][
            "arch"
        ]
        for field_name in (
            "industry_id",
            "industry_ids",
            "interest_area_ids",
            "company_class_id",
            "sales_representative_id",
            "abc_class",
            "business_relation_ids",
        ):
            self.assertIn(f'name="{field_name}"', arch)
