from datetime import timedelta

from odoo.fields import Command, Datetime
from odoo.tests import Form, TransactionCase, new_test_user


class TestAppointments(TransactionCase):
    """After a call with Petra Schneider of Müller Maschinenbau, the salesperson schedules a
    visit from the journal entry; the company and its people see the appointment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.mueller = Partner.create(
            {"name": "Müller Maschinenbau GmbH", "is_company": True, "city": "Berlin"}
        )
        cls.bergmann = Partner.create(
            {"name": "Bergmann Datenbanken GmbH", "is_company": True, "city": "München"}
        )
        cls.petra = Partner.create({"name": "Petra Schneider", "parent_id": cls.mueller.id})
        cls.jonas = Partner.create({"name": "Jonas Weber", "parent_id": cls.mueller.id})
        # Anna Bergmann runs her company and sits on the advisory board of Müller
        cls.anna = Partner.create({"name": "Anna Bergmann", "parent_id": cls.bergmann.id})
        cls.env["crm.contact.link"].create(
            {"person_id": cls.anna.id, "organization_id": cls.mueller.id}
        )
        cls.salesperson = new_test_user(
            cls.env, login="k2_appointment_sales", groups="base.group_user"
        )
        cls.entry = cls.env["crm.journal.entry"].create(
            {
                "name": "Offer for the new milling machine",
                "contact_id": cls.petra.id,
                "user_id": cls.salesperson.id,
                "document_link_ids": [
                    Command.create({"res_model": "res.partner", "res_id": cls.bergmann.id})
                ],
            }
        )

    def _appointment(self, **values):
        start = Datetime.now().replace(microsecond=0)
        return self.env["calendar.event"].create(
            {"name": "Visit", "start": start, "stop": start + timedelta(hours=1)} | values
        )

    def test_company_follows_from_the_contact_person(self):
        event = self._appointment(crm_contact_id=self.petra.id)
        self.assertEqual(event.crm_partner_id, self.mueller)
        # a person linked to several companies keeps the company chosen for the appointment
        event = self._appointment(crm_partner_id=self.mueller.id, crm_contact_id=self.anna.id)
        self.assertEqual(event.crm_partner_id, self.mueller)
        event.crm_contact_id = self.petra
        self.assertEqual(event.crm_partner_id, self.mueller)

    def test_choosing_another_company_drops_a_contact_person_not_working_there(self):
        with Form(self.env["calendar.event"]) as event:
            event.name = "Board meeting"
            event.crm_contact_id = self.anna
            self.assertEqual(event.crm_partner_id, self.bergmann)
            event.crm_partner_id = self.mueller
            self.assertEqual(event.crm_contact_id, self.anna)
            event.crm_contact_id = self.petra
            event.crm_partner_id = self.bergmann
            self.assertFalse(event.crm_contact_id)

    def test_appointment_scheduled_from_a_journal_entry(self):
        entry = self.entry.with_user(self.salesperson)
        action = entry.action_crm_schedule_appointment()
        with Form(
            self.env["calendar.event"].with_user(self.salesperson).with_context(action["context"])
        ) as form:
            form.start = Datetime.now().replace(microsecond=0)
        event = form.record
        self.assertEqual(event.name, "Offer for the new milling machine")
        self.assertEqual(event.journal_entry_id, self.entry)
        self.assertEqual(event.crm_partner_id, self.mueller)
        self.assertEqual(event.crm_contact_id, self.petra)
        self.assertEqual(event.partner_ids, self.salesperson.partner_id | self.petra)
        self.assertEqual(event.document_link_ids.res_id, self.bergmann.id)
        self.assertEqual(event.user_id, self.salesperson)
        self.assertEqual(self.entry.appointment_count, 1)
        shown = self.env["calendar.event"].search(entry.action_crm_view_appointments()["domain"])
        self.assertEqual(shown, event)

    def test_entry_deleted_the_appointment_stays(self):
        event = self._appointment(journal_entry_id=self.entry.id, crm_contact_id=self.petra.id)
        self.entry.unlink()
        self.assertTrue(event.exists())
        self.assertFalse(event.journal_entry_id)

    def test_company_counts_the_appointments_of_its_contact_persons(self):
        self._appointment(crm_contact_id=self.petra.id)
        self._appointment(crm_contact_id=self.jonas.id)
        self._appointment(crm_partner_id=self.mueller.id)
        self._appointment(crm_partner_id=self.mueller.id, crm_contact_id=self.anna.id)
        self._appointment(crm_contact_id=self.anna.id)  # at Bergmann Datenbanken
        partners = self.mueller | self.bergmann | self.petra | self.anna
        self.assertEqual(partners.mapped("crm_appointment_count"), [5, 2, 1, 2])
        shown = self.env["calendar.event"].search(
            self.mueller.action_crm_view_appointments()["domain"]
        )
        self.assertEqual(len(shown), 5)

    def test_appointment_scheduled_from_a_contact_person(self):
        action = self.jonas.with_user(self.salesperson).action_crm_schedule_appointment()
        with Form(
            self.env["calendar.event"].with_user(self.salesperson).with_context(action["context"])
        ) as form:
            form.start = Datetime.now().replace(microsecond=0)
        event = form.record
        self.assertEqual(event.crm_partner_id, self.mueller)
        self.assertEqual(event.crm_contact_id, self.jonas)
        self.assertIn(self.jonas, event.partner_ids)
        self.assertEqual(self.jonas.crm_appointment_count, 1)
        self.assertEqual(self.mueller.crm_appointment_count, 1)

    def test_appointment_scheduled_from_a_company(self):
        action = self.mueller.action_crm_schedule_appointment()
        self.assertEqual(action["context"]["default_crm_partner_id"], self.mueller.id)
        self.assertNotIn("default_crm_contact_id", action["context"])

    def test_appointment_list_of_a_contact_person_prefills_new_appointments(self):
        action = self.petra.action_crm_view_appointments()
        self.assertEqual(action["res_model"], "calendar.event")
        defaults = action["context"]
        self.assertEqual(defaults["default_crm_partner_id"], self.mueller.id)
        self.assertEqual(defaults["default_crm_contact_id"], self.petra.id)
        self.assertEqual(
            defaults["default_name"], "Appointment with Müller Maschinenbau GmbH, Petra Schneider"
        )
        self.assertNotIn(
            "default_document_link_ids", defaults, "the person is no document of the appointment"
        )
        arch = self.env["res.partner"].get_views([(False, "form")])["views"]["form"]["arch"]
        for method in ("action_crm_view_appointments", "action_crm_view_tasks"):
            self.assertIn(f'name="{method}"', arch)

    def test_appointment_form_shows_partner_contact_and_documents(self):
        arch = self.env["calendar.event"].get_views([(False, "form")])["views"]["form"]["arch"]
        for field in ("crm_partner_id", "crm_contact_id", "journal_entry_id", "document_link_ids"):
            self.assertIn(f'name="{field}"', arch)
