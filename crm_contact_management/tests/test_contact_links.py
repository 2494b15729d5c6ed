from datetime import date

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.addons.crm_contact_management.models.crm_contact_link import NO_SYNC_CONTEXT_KEY
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, freeze_time, new_test_user
from odoo.tools import mute_logger


class TestContactLinks(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.Link = cls.env["crm.contact.link"]
        cls.purchaser = cls.env.ref("crm_contact_management.crm_contact_function_purchaser")
        cls.director = cls.env.ref("crm_contact_management.crm_contact_function_managing_director")
        cls.advisory_board = cls.env.ref(
            "crm_contact_management.crm_contact_function_advisory_board"
        )
        cls.machine_builder, cls.carrier, cls.bank = cls.Partner.create(
            [
                {"name": "Maschinenbau Test GmbH", "is_company": True, "city": "Berlin"},
                {"name": "Spedition Test KG", "is_company": True, "city": "Hamburg"},
                {"name": "Testbank AG", "is_company": True, "city": "Basel"},
            ]
        )
        cls.person = cls.Partner.create(
            {
                "name": "Petra Schneider",
                "parent_id": cls.machine_builder.id,
                "function_id": cls.purchaser.id,
            }
        )
        cls.main_link = cls.person.contact_link_ids

    def _link(self, organization, **values):
        return self.Link.create(
            {"person_id": self.person.id, "organization_id": organization.id, **values}
        )

    # ------------------------------------------------------------
    # A person created for a company shows up as its contact person
    # ------------------------------------------------------------

    def test_person_created_with_company_gets_main_link(self):
        self.assertRecordValues(
            self.main_link,
            [
                {
                    "organization_id": self.machine_builder.id,
                    "function_id": self.purchaser.id,
                    "is_main": True,
                    "is_current": True,
                }
            ],
        )
        self.assertEqual(self.machine_builder.organization_link_ids, self.main_link)

    def test_person_created_in_form_gets_main_link(self):
        with Form(self.Partner) as person_form:
            person_form.company_type = "person"
            person_form.name = "Jonas Weber"
            person_form.parent_id = self.carrier
            person_form.function_id = self.director
        person = person_form.record
        self.assertEqual(person.function, "Managing Director")
        self.assertRecordValues(
            person.contact_link_ids,
            [
                {
                    "organization_id": self.carrier.id,
                    "function_id": self.director.id,
                    "is_main": True,
                }
            ],
        )

    def test_persons_created_in_batch_get_their_main_links(self):
        persons = self.Partner.create(
            [
                {"name": "Klaus Schmidt", "parent_id": self.carrier.id},
                {"name": "Reto Baumann", "parent_id": self.bank.id},
                {"name": "Freelancer without company"},
            ]
        )
        self.assertEqual(persons[0].contact_link_ids.organization_id, self.carrier)
        self.assertEqual(persons[1].contact_link_ids.organization_id, self.bank)
        self.assertFalse(persons[2].contact_link_ids)

    def test_addresses_of_a_company_are_not_contact_persons(self):
        delivery = self.Partner.create(
            {"name": "Warehouse", "parent_id": self.machine_builder.id, "type": "delivery"}
        )
        self.assertFalse(delivery.contact_link_ids)
        self.assertNotIn(delivery, self.machine_builder.organization_link_ids.person_id)

        self.person.type = "invoice"
        self.assertFalse(self.main_link.is_main, "an address has no main company")
        self.person.type = "contact"
        self.assertTrue(self.main_link.is_main)

    def test_existing_child_contacts_become_main_links(self):
        """Child contacts that exist before the module is installed get their main link."""
        legacy_person, legacy_address = self.Partner.with_context(
            **{NO_SYNC_CONTEXT_KEY: True}
        ).create(
            [
                {"name": "Anna Bergmann", "parent_id": self.bank.id},
                {"name": "Invoicing", "parent_id": self.bank.id, "type": "invoice"},
            ]
        )
        self.assertFalse(legacy_person.contact_link_ids)

        created = self.Link._create_main_links_for_child_contacts()

        self.assertGreaterEqual(created, 1)
        self.assertRecordValues(
            legacy_person.contact_link_ids,
            [{"organization_id": self.bank.id, "is_main": True}],
        )
        self.assertFalse(legacy_address.contact_link_ids)
        self.assertEqual(self.person.contact_link_ids, self.main_link, "no second main link")
        self.assertEqual(self.Link._create_main_links_for_child_contacts(), 0, "idempotent")

    # ------------------------------------------------------------
    # Several companies, one main company
    # ------------------------------------------------------------

    def test_person_works_for_several_companies(self):
        board_link = self._link(
            self.bank,
            function_id=self.advisory_board.id,
            department="Supervisory Board",
            phone="+41 61 287 45 10",
            email="p.schneider@testbank.ch",
        )
        self.assertEqual(self.person.contact_link_ids, self.main_link | board_link)
        self.assertEqual(self.person.linked_organization_ids, self.machine_builder | self.bank)
        self.assertEqual(self.person.parent_id, self.machine_builder, "main company unchanged")
        self.assertEqual(self.person.function_id, self.purchaser, "function at main company")
        self.assertIn(self.person, self.bank.organization_link_ids.person_id)
        self.assertEqual(
            self.Partner.search([("linked_organization_ids", "in", self.bank.ids)]), self.person
        )
        self.assertEqual(
            self.Partner.search([("linked_organization_ids", "ilike", "Testbank")]), self.person
        )

    def test_company_form_lists_people_employed_elsewhere(self):
        with Form(self.bank) as company_form:
            with company_form.organization_link_ids.new() as line:
                line.person_id = self.person
                line.function_id = self.advisory_board
                line.department = "Supervisory Board"
        self.assertEqual(self.bank.organization_link_ids.person_id, self.person)
        self.assertEqual(self.person.parent_id, self.machine_builder)

    def test_person_form_makes_another_company_the_main_one(self):
        with Form(self.person) as person_form:
            with person_form.contact_link_ids.new() as line:
                line.organization_id = self.carrier
                line.is_main = True
        self.assertEqual(self.person.parent_id, self.carrier)
        self.assertFalse(self.main_link.is_main)

    def test_only_one_main_link_per_person_in_database(self):
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self.Link.with_context(**{NO_SYNC_CONTEXT_KEY: True}).create(
                {
                    "person_id": self.person.id,
                    "organization_id": self.carrier.id,
                    "is_main": True,
                }
            )

    def test_same_link_twice_from_the_same_date_is_refused(self):
        self._link(self.bank)
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self._link(self.bank)
        self._link(self.bank, date_from=date(2020, 1, 1), date_to=date(2020, 12, 31))
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self._link(self.bank, date_from=date(2020, 1, 1))

    def test_end_date_before_start_date_is_refused(self):
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"):
            self._link(self.bank, date_from=date(2024, 5, 1), date_to=date(2024, 4, 30))

    def test_only_persons_are_linked_to_companies(self):
        with self.assertRaises(ValidationError):
            self.Link.create(
                {"person_id": self.carrier.id, "organization_id": self.machine_builder.id}
            )
        freelancer = self.Partner.create({"name": "Freelancer"})
        with self.assertRaises(ValidationError):
            self._link(freelancer)
        with self.assertRaises(ValidationError):
            self.person.is_company = True

    # ------------------------------------------------------------
    # Related company (parent_id) and main link stay in sync
    # ------------------------------------------------------------

    def test_making_a_link_main_changes_the_related_company(self):
        bank_link = self._link(self.bank, function_id=self.advisory_board.id)
        bank_link.is_main = True
        self.assertEqual(self.person.parent_id, self.bank)
        self.assertEqual(self.person.function_id, self.advisory_board)
        self.assertFalse(self.main_link.is_main)
        self.assertEqual(self.person.contact_link_ids.filtered("is_main"), bank_link)

    def test_creating_a_main_link_changes_the_related_company(self):
        carrier_link = self._link(self.carrier, is_main=True)
        self.assertEqual(self.person.parent_id, self.carrier)
        self.assertEqual(self.person.contact_link_ids.filtered("is_main"), carrier_link)

    def test_moving_the_main_link_to_another_company(self):
        self.main_link.organization_id = self.carrier
        self.assertEqual(self.person.parent_id, self.carrier)

    def test_changing_the_related_company_moves_the_main_link(self):
        self.person.parent_id = self.carrier
        carrier_link = self.person.contact_link_ids.filtered("is_main")
        self.assertEqual(carrier_link.organization_id, self.carrier)
        self.assertEqual(carrier_link.function_id, self.purchaser)
        self.assertFalse(self.main_link.is_main, "the former main link stays as a second link")

        self.person.parent_id = self.machine_builder
        self.assertTrue(self.main_link.is_main, "the existing link becomes main again")
        self.assertEqual(len(self.person.contact_link_ids), 2, "no duplicate link")

    def test_changing_the_related_company_of_several_persons(self):
        colleague = self.Partner.create(
            {"name": "Jonas Weber", "parent_id": self.machine_builder.id}
        )
        (self.person | colleague).parent_id = self.bank
        for person in self.person | colleague:
            self.assertEqual(person.contact_link_ids.filtered("is_main").organization_id, self.bank)

    def test_removing_the_related_company_ends_the_main_flag(self):
        self.person.parent_id = False
        self.assertFalse(self.main_link.is_main)
        self.assertEqual(self.person.contact_link_ids, self.main_link)

    def test_unchecking_or_deleting_the_main_link_removes_the_related_company(self):
        self.main_link.is_main = False
        self.assertFalse(self.person.parent_id)

        self.main_link.is_main = True
        self.assertEqual(self.person.parent_id, self.machine_builder)
        self.main_link.unlink()
        self.assertFalse(self.person.parent_id)

    # ------------------------------------------------------------
    # Current links
    # ------------------------------------------------------------

    @freeze_time("2025-06-16")
    def test_current_flag_and_search(self):
        past = self._link(self.bank, date_from=date(2019, 1, 1), date_to=date(2024, 12, 31))
        future = self._link(self.carrier, date_from=date(2025, 7, 1))
        ending_today = self._link(self.bank, date_from=date(2025, 1, 1), date_to=date(2025, 6, 16))
        links = self.main_link | past | future | ending_today
        self.assertEqual(links.mapped("is_current"), [True, False, False, True])
        self.assertEqual(
            links.filtered_domain([("is_current", "=", True)]), self.main_link | ending_today
        )
        person_links = [("person_id", "=", self.person.id)]
        self.assertEqual(
            self.Link.search([*person_links, ("is_current", "=", True)]),
            self.main_link | ending_today,
        )
        self.assertEqual(
            self.Link.search([*person_links, ("is_current", "=", False)]), past | future
        )
        self.assertEqual(self.person.linked_organization_ids, self.machine_builder | self.bank)

    # ------------------------------------------------------------
    # Function, person code, preferred channel
    # ------------------------------------------------------------

    def test_function_fills_the_job_position(self):
        self.assertEqual(self.person.function, "Purchaser")
        with Form(self.person) as person_form:
            person_form.function_id = self.director
            self.assertEqual(person_form.function, "Managing Director")
        self.assertEqual(self.main_link.function_id, self.director, "main link follows")

        self.director.name = "Chief Executive"
        self.assertEqual(self.person.function, "Chief Executive")

        self.main_link.function_id = self.purchaser
        self.assertEqual(self.person.function_id, self.purchaser, "person follows main link")
        self.assertEqual(self.person.function, "Purchaser")

    def test_free_job_position_without_function(self):
        freelancer = self.Partner.create({"name": "Freelancer", "function": "Consultant"})
        self.assertEqual(freelancer.function, "Consultant")

    def test_person_code_and_preferred_channel(self):
        code = self.env["crm.person.code"].create({"name": "Key account", "code": "TEST_KEY"})
        with Form(self.person) as person_form:
            person_form.person_code_id = code
            person_form.preferred_channel = "letter"
        self.assertEqual(self.person.person_code_id, code)
        self.assertEqual(self.person.preferred_channel, "letter")

    # ------------------------------------------------------------
    # Access rights
    # ------------------------------------------------------------

    def test_internal_user_reads_but_does_not_create_links(self):
        user = new_test_user(self.env, login="cm_link_reader", groups="base.group_user")
        link = self.main_link.with_user(user)
        self.assertEqual(link.organization_id.name, "Maschinenbau Test GmbH")
        self.assertEqual(self.person.with_user(user).contact_link_ids, link)
        with self.assertRaises(AccessError):
            self.Link.with_user(user).create(
                {"person_id": self.person.id, "organization_id": self.bank.id}
            )
        with self.assertRaises(AccessError):
            link.department = "Purchasing"

    def test_partner_manager_manages_links(self):
        manager = new_test_user(
            self.env,
            login="cm_link_manager",
            groups="base.group_user,base.group_partner_manager",
        )
        link = self.Link.with_user(manager).create(
            {"person_id": self.person.id, "organization_id": self.bank.id, "is_main": True}
        )
        self.assertEqual(self.person.parent_id, self.bank)
        link.department = "Treasury"
        link.unlink()
        self.assertFalse(self.person.parent_id)
