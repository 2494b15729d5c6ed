from datetime import date, datetime, timedelta

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, freeze_time, new_test_user
from odoo.tools import SQL, mute_logger


class JournalCase(TransactionCase):
    """Companies with contact persons, a salesperson with the least rights, a colleague and a
    contact management administrator."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Entry = cls.env["crm.journal.entry"]
        cls.Partner = cls.env["res.partner"]
        cls.salesperson = new_test_user(
            cls.env,
            "cm_journal_salesperson",
            groups="base.group_user",
            email="sales@example.com",
            tz="Europe/Berlin",
        )
        cls.colleague = new_test_user(
            cls.env,
            "cm_journal_colleague",
            groups="base.group_user",
            email="colleague@example.com",
            tz="Europe/Berlin",
        )
        cls.manager = new_test_user(
            cls.env,
            "cm_journal_manager",
            groups="base.group_user,crm_contact_management.group_crm_contact_manager",
            email="manager@example.com",
        )
        cls.machine_builder, cls.database_house = cls.Partner.create(
            [
                {"name": "Maschinenbau Test GmbH", "is_company": True, "city": "Berlin"},
                {"name": "Datenbank Test GmbH", "is_company": True, "city": "München"},
            ]
        )
        cls.purchaser = cls.Partner.create(
            {"name": "Petra Schneider", "parent_id": cls.machine_builder.id}
        )
        cls.director = cls.Partner.create(
            {"name": "Anna Bergmann", "parent_id": cls.database_house.id}
        )
        # Anna Bergmann also sits on the advisory board of the machine builder
        cls.env["crm.contact.link"].create(
            {"person_id": cls.director.id, "organization_id": cls.machine_builder.id}
        )
        cls.phone = cls.env.ref("crm_contact_management.crm_journal_medium_phone")
        cls.mobile = cls.env.ref("crm_contact_management.crm_journal_medium_phone_mobile")
        cls.complaint_delivery = cls.env.ref(
            "crm_contact_management.crm_journal_content_type_complaint_delivery"
        )

    def _entry(self, **values):
        return self.Entry.create(
            {
                "name": "Call about the delivery",
                "contact_id": self.purchaser.id,
                "user_id": self.salesperson.id,
                **values,
            }
        )


class TestJournal(JournalCase):
    # ------------------------------------------------------------
    # The company follows from the contact person
    # ------------------------------------------------------------

    def test_company_follows_the_contact_person_in_the_form(self):
        with Form(self.Entry) as entry_form:
            entry_form.name = "Call about the delivery"
            entry_form.contact_id = self.purchaser
            self.assertEqual(entry_form.partner_id, self.machine_builder)
            entry_form.medium_id = self.mobile
            entry_form.content_type_id = self.complaint_delivery
        self.assertRecordValues(
            entry_form.record,
            [
                {
                    "partner_id": self.machine_builder.id,
                    "contact_id": self.purchaser.id,
                    "state": "planned",
                    "user_id": self.env.user.id,
                }
            ],
        )

    def test_chosen_company_stays_for_a_person_linked_to_it(self):
        with Form(self.Entry) as entry_form:
            entry_form.name = "Advisory board meeting"
            entry_form.partner_id = self.machine_builder
            entry_form.contact_id = self.director
            self.assertEqual(entry_form.partner_id, self.machine_builder)
        self.assertEqual(entry_form.record.partner_id, self.machine_builder)

    def test_person_of_another_company_brings_their_main_company(self):
        with Form(self.Entry) as entry_form:
            entry_form.name = "Database maintenance"
            entry_form.partner_id = self.machine_builder
            entry_form.contact_id = self.purchaser
            entry_form.contact_id = self.Partner.create(
                {"name": "Jonas Weber", "parent_id": self.database_house.id}
            )
            self.assertEqual(entry_form.partner_id, self.database_house)

    def test_choosing_another_company_drops_a_person_not_linked_to_it(self):
        with Form(self.Entry) as entry_form:
            entry_form.name = "Call"
            entry_form.contact_id = self.purchaser
            entry_form.partner_id = self.database_house
            self.assertFalse(entry_form.contact_id)
            self.assertEqual(entry_form.partner_id, self.database_house)
            entry_form.contact_id = self.director
            entry_form.partner_id = self.machine_builder
            self.assertEqual(entry_form.contact_id, self.director, "linked to both companies")

    def test_entry_keeps_its_company_when_the_person_moves(self):
        entry = self._entry()
        self.purchaser.parent_id = self.database_house
        self.assertEqual(entry.partner_id, self.machine_builder)
        self.assertEqual(self._entry().partner_id, self.database_house)

    def test_private_person_has_no_company(self):
        private = self.Partner.create({"name": "Erika Mustermann"})
        self.assertFalse(self._entry(contact_id=private.id).partner_id)

    def test_entry_with_a_company_only(self):
        entry = self._entry(contact_id=False, partner_id=self.database_house.id)
        self.assertEqual(entry.partner_id, self.database_house)

    def test_contact_person_must_be_a_person(self):
        with self.assertRaisesRegex(ValidationError, "must be a person"):
            self._entry(contact_id=self.machine_builder.id)

    def test_contact_autocomplete_finds_persons_of_the_company(self):
        """The contact person field suggests, from any words typed, the persons of the
        chosen company (the domain of the form)."""
        domain = [
            ("is_company", "=", False),
            ("type", "=", "contact"),
            "|",
            ("parent_id", "=", self.machine_builder.id),
            ("linked_organization_ids", "in", [self.machine_builder.id]),
        ]
        found = self.Partner.name_search("bergmann anna", domain=domain)
        self.assertEqual([partner_id for partner_id, _name in found], self.director.ids)
        found = self.Partner.name_search("schneider", domain=domain)
        self.assertEqual([partner_id for partner_id, _name in found], self.purchaser.ids)
        self.Partner.create({"name": "Jonas Weber", "parent_id": self.database_house.id})
        self.assertFalse(self.Partner.name_search("weber", domain=domain))

    # ------------------------------------------------------------
    # Database constraints
    # ------------------------------------------------------------

    @mute_logger("odoo.sql_db")
    def test_duration_cannot_be_negative(self):
        with self.assertRaises(CheckViolation):
            self._entry(duration=-0.5)

    @mute_logger("odoo.sql_db")
    def test_not_done_needs_a_reason_in_the_database(self):
        entry = self._entry()
        entry.flush_recordset()
        with self.assertRaises(CheckViolation):
            self.env.cr.execute(
                SQL(
                    "UPDATE crm_journal_entry SET state = 'not_done', not_done_reason = '  '"
                    " WHERE id = %s",
                    entry.id,
                )
            )

    def test_not_done_needs_a_reason(self):
        entry = self._entry()
        with self.assertRaisesRegex(ValidationError, "did not take place"):
            entry.write({"state": "not_done"})
        with self.assertRaisesRegex(UserError, "did not take place"):
            entry.action_not_done("   ")

    @mute_logger("odoo.sql_db")
    def test_master_data_codes_are_unique(self):
        with self.assertRaises(UniqueViolation):
            self.env["crm.journal.medium"].create({"name": "Handy", "code": "phone_mobile"})

    # ------------------------------------------------------------
    # State machine
    # ------------------------------------------------------------

    @freeze_time("2025-03-10 15:00:00")
    def test_done_with_duration_and_report(self):
        entry = self._entry(date_start=datetime(2025, 3, 10, 14, 0))
        entry.action_done(duration=0.75, report="<p>Replacement agreed.</p>")
        self.assertRecordValues(
            entry,
            [
                {
                    "state": "done",
                    "duration": 0.75,
                    "date_finished": datetime(2025, 3, 10, 15, 0),
                }
            ],
        )
        self.assertIn("Replacement agreed.", entry.report)

    @freeze_time("2025-03-10 15:00:00")
    def test_not_done_counts_as_finished(self):
        entry = self._entry(date_start=datetime(2025, 3, 10, 14, 0))
        entry.action_not_done("Not reachable, on holiday")
        self.assertRecordValues(
            entry,
            [
                {
                    "state": "not_done",
                    "not_done_reason": "Not reachable, on holiday",
                    "date_finished": datetime(2025, 3, 10, 15, 0),
                }
            ],
        )

    def test_finished_entry_cannot_be_finished_again(self):
        entry = self._entry()
        entry.action_done()
        with self.assertRaisesRegex(UserError, "already finished"):
            entry.action_not_done("Changed my mind")
        with self.assertRaisesRegex(UserError, "reopen it"):
            entry.write({"state": "not_done", "not_done_reason": "Changed my mind"})

    def test_entry_created_as_done_is_finished(self):
        entry = self._entry(state="done")
        self.assertTrue(entry.date_finished)

    def test_finish_wizard_done(self):
        entry = self._entry(duration=0.5)
        action = entry.action_open_finish_wizard()
        self.assertEqual(action["res_model"], "crm.journal.finish")
        with Form(self.env["crm.journal.finish"].with_context(action["context"])) as wizard_form:
            self.assertEqual(wizard_form.result, "done")
            self.assertEqual(wizard_form.duration, 0.5)
            wizard_form.duration = 1.25
            wizard_form.report = "<p>Offer accepted, order follows.</p>"
        wizard_form.record.action_confirm()
        self.assertEqual(entry.state, "done")
        self.assertEqual(entry.duration, 1.25)
        self.assertIn("Offer accepted", entry.report)

    def test_finish_wizard_not_done_requires_a_reason(self):
        entries = self._entry() | self._entry(name="Second call", duration=0.5)
        context = entries.with_context(default_result="not_done").action_open_finish_wizard()[
            "context"
        ]
        wizard = self.env["crm.journal.finish"].with_context(context).create({})
        self.assertEqual(wizard.result, "not_done")
        self.assertEqual(wizard.entry_ids, entries)
        with self.assertRaisesRegex(UserError, "reason"):
            wizard.action_confirm()
        wizard.not_done_reason = "The customer cancelled the appointment."
        wizard.action_confirm()
        self.assertEqual(set(entries.mapped("state")), {"not_done"})
        self.assertEqual(set(entries.mapped("not_done_reason")), {wizard.not_done_reason})

    def test_finish_wizard_keeps_the_durations_of_several_entries(self):
        entries = self._entry(duration=0.25) | self._entry(name="Second call", duration=0.5)
        context = entries.action_open_finish_wizard()["context"]
        wizard = self.env["crm.journal.finish"].with_context(context).create({})
        self.assertFalse(wizard.duration)
        wizard.action_confirm()
        self.assertEqual(entries.mapped("duration"), [0.25, 0.5])
        self.assertEqual(set(entries.mapped("state")), {"done"})

    def test_only_administrators_reopen(self):
        entry = self._entry()
        entry.with_user(self.salesperson).action_not_done("Line busy all day")
        with self.assertRaisesRegex(AccessError, "administrators"):
            entry.with_user(self.salesperson).action_reopen()
        entry.with_user(self.manager).action_reopen()
        self.assertRecordValues(
            entry, [{"state": "planned", "date_finished": False, "not_done_reason": False}]
        )

    # ------------------------------------------------------------
    # A salesperson with the least rights
    # ------------------------------------------------------------

    def test_salesperson_logs_and_finishes_own_contacts(self):
        Entry = self.Entry.with_user(self.salesperson)
        with Form(Entry) as entry_form:
            entry_form.name = "Incoming call: invoice question"
            entry_form.contact_id = self.purchaser
            entry_form.direction = "incoming"
            entry_form.medium_id = self.mobile
        entry = entry_form.record
        self.assertEqual(entry.user_id, self.salesperson)
        self.assertEqual(entry.partner_id, self.machine_builder)
        entry.action_done(duration=0.25, report="<p>Explained the discount.</p>")
        self.assertEqual(entry.state, "done")
        entry.message_post(body="Customer confirmed by e-mail.")

    def test_salesperson_reads_all_but_changes_only_own_or_followed_up(self):
        colleague_entry = self._entry(user_id=self.colleague.id)
        followed_up = self._entry(user_id=self.colleague.id, followup_user_id=self.salesperson.id)
        Entry = self.Entry.with_user(self.salesperson)
        self.assertEqual(
            Entry.search([("id", "in", (colleague_entry | followed_up).ids)]),
            colleague_entry | followed_up,
        )
        self.assertEqual(colleague_entry.with_user(self.salesperson).name, colleague_entry.name)
        with self.assertRaises(AccessError):
            colleague_entry.with_user(self.salesperson).write({"name": "Changed"})
        with self.assertRaises(AccessError):
            colleague_entry.with_user(self.salesperson).action_done()
        followed_up.with_user(self.salesperson).action_done(duration=0.5)
        self.assertEqual(followed_up.state, "done")
        # colleagues comment on entries they cannot change
        colleague_entry.with_user(self.salesperson).message_post(body="I know them well.")

    def test_salesperson_cannot_log_contacts_for_others_alone(self):
        Entry = self.Entry.with_user(self.salesperson)
        with self.assertRaises(AccessError):
            Entry.create(
                {"name": "Call", "contact_id": self.purchaser.id, "user_id": self.colleague.id}
            )
        entry = Entry.create(
            {
                "name": "Call",
                "contact_id": self.purchaser.id,
                "user_id": self.colleague.id,
                "followup_user_id": self.salesperson.id,
            }
        )
        self.assertEqual(entry.user_id, self.colleague)

    def test_salesperson_cannot_delete_entries(self):
        entry = self._entry()
        with self.assertRaises(AccessError):
            entry.with_user(self.salesperson).unlink()
        entry.with_user(self.manager).unlink()
        self.assertFalse(entry.exists())

    def test_salesperson_reads_but_does_not_edit_master_data(self):
        medium = self.mobile.with_user(self.salesperson)
        self.assertEqual(medium.complete_name, "Phone > Mobile")
        with self.assertRaises(AccessError):
            medium.write({"name": "Cell phone"})

    def test_administrator_changes_every_entry(self):
        entry = self._entry(user_id=self.colleague.id)
        entry.with_user(self.manager).write({"name": "Renamed by the administrator"})
        self.assertEqual(entry.name, "Renamed by the administrator")

    # ------------------------------------------------------------
    # Master data
    # ------------------------------------------------------------

    def test_master_data_has_two_levels(self):
        self.assertEqual(
            self.env.ref(
                "crm_contact_management.crm_journal_medium_letter_registered"
            ).display_name,
            "Letter > Registered",
        )
        self.assertEqual(self.complaint_delivery.complete_name, "Complaint > Delivery")
        measure = self.env.ref("crm_contact_management.crm_journal_content_type_measure")
        self.assertFalse(measure.parent_id)
        self.assertEqual(
            set(self.phone.child_ids.mapped("code")), {"phone_landline", "phone_mobile"}
        )
        with self.assertRaisesRegex(ValidationError, "two levels"):
            self.env["crm.journal.medium"].create(
                {"name": "Smartphone", "parent_id": self.mobile.id}
            )
        with self.assertRaisesRegex(ValidationError, "two levels"):
            self.phone.parent_id = self.env.ref("crm_contact_management.crm_journal_medium_visit")

    # ------------------------------------------------------------
    # Threads
    # ------------------------------------------------------------

    def test_thread_gathers_its_entries(self):
        thread = self.env["crm.journal.thread"].create(
            {"name": "Complaint order S00042", "partner_id": self.machine_builder.id}
        )
        first = self._entry(thread_id=thread.id, date_start=datetime(2025, 3, 3, 9, 0))
        last = self._entry(thread_id=thread.id, date_start=datetime(2025, 3, 5, 9, 0))
        self.assertEqual(thread.entry_ids, first | last)
        self.assertEqual(thread.entry_count, 2)
        self.assertEqual(thread.date_last, datetime(2025, 3, 5, 9, 0))
        action = thread.action_view_entries()
        self.assertEqual(self.Entry.search(action["domain"]), first | last)

    # ------------------------------------------------------------
    # Roll-up on the partner
    # ------------------------------------------------------------

    def test_company_shows_the_entries_of_all_its_contact_persons(self):
        on_company = self._entry(contact_id=False, partner_id=self.machine_builder.id)
        purchaser_entry = self._entry()
        director_at_home = self._entry(contact_id=self.director.id)
        other = self._entry(contact_id=False, partner_id=self.database_house.id)
        self.assertEqual(director_at_home.partner_id, self.database_house)

        self.assertEqual(self.machine_builder.crm_journal_count, 3)
        self.assertEqual(
            self.machine_builder.crm_journal_entry_ids,
            on_company | purchaser_entry | director_at_home,
        )
        self.assertEqual(self.database_house.crm_journal_entry_ids, director_at_home | other)
        self.assertEqual(self.purchaser.crm_journal_entry_ids, purchaser_entry)
        self.assertEqual(self.director.crm_journal_count, 1)

        action = self.machine_builder.action_view_crm_journal_entries()
        self.assertEqual(
            self.Entry.search(action["domain"]), on_company | purchaser_entry | director_at_home
        )
        self.assertEqual(action["context"], {"default_partner_id": self.machine_builder.id})
        action = self.purchaser.action_view_crm_journal_entries()
        self.assertEqual(self.Entry.search(action["domain"]), purchaser_entry)

    def test_former_contact_person_no_longer_rolls_up(self):
        entry_then = self._entry(contact_id=self.director.id, partner_id=self.machine_builder.id)
        later = self._entry(contact_id=self.director.id)
        link = self.director.contact_link_ids.filtered(
            lambda link: link.organization_id == self.machine_builder
        )
        link.date_to = date.today() - timedelta(days=1)
        self.machine_builder.invalidate_recordset()
        self.assertEqual(self.machine_builder.crm_journal_entry_ids, entry_then)
        self.assertIn(later, self.database_house.crm_journal_entry_ids)

    def test_roll_up_counts_in_batch(self):
        self._entry()
        self._entry(contact_id=self.director.id)
        partners = self.machine_builder | self.database_house | self.purchaser | self.director
        partners.invalidate_recordset()
        self.assertEqual(partners.mapped("crm_journal_count"), [2, 1, 1, 1])

    def test_salesperson_sees_the_roll_up(self):
        self._entry(user_id=self.colleague.id)
        partner = self.machine_builder.with_user(self.salesperson)
        self.assertEqual(partner.crm_journal_count, 1)

    # ------------------------------------------------------------
    # Views
    # ------------------------------------------------------------

    def test_journal_action_offers_every_view(self):
        action = self.env.ref("crm_contact_management.crm_journal_entry_action")
        self.assertEqual(
            action.view_mode.split(","), ["list", "kanban", "calendar", "pivot", "graph", "form"]
        )
        search_arch = self.Entry.get_view(view_type="search")["arch"]
        for name in (
            "filter_my",
            "filter_due",
            "filter_overdue",
            "filter_planned",
            "filter_done",
            "filter_not_done",
            "filter_incoming",
            "filter_outgoing",
            "group_by_medium",
            "group_by_content_type",
            "group_by_direction",
            "group_by_state",
        ):
            self.assertIn(f'name="{name}"', search_arch)

    @freeze_time("2025-03-10 10:00:00")
    def test_due_and_overdue(self):
        overdue = self._entry(date_start=datetime(2025, 3, 7, 9, 0))
        due_today = self._entry(date_start=datetime(2025, 3, 10, 8, 0))
        later = self._entry(date_start=datetime(2025, 3, 11, 8, 0))
        done = self._entry(date_start=datetime(2025, 3, 6, 8, 0), state="done")
        entries = overdue | due_today | later | done
        self.assertEqual(entries.filtered("is_overdue"), overdue)
        Entry = self.Entry.with_user(self.salesperson)
        self.assertEqual(
            Entry.search(
                [("id", "in", entries.ids), ("state", "=", "planned"), ("date_start", "<=", "now")]
            ),
            overdue | due_today,
        )
        self.assertEqual(
            Entry.search(
                [("id", "in", entries.ids), ("state", "=", "planned"), ("date_start", "<", "today")]
            ),
            overdue,
        )
