"""The story every business document carrying the contact journal tells: the glue addons
(sales, purchase, manufacturing, lots, invoices, products) run it on their documents."""

from odoo import fields
from odoo.tests import Form


class DocumentLinkedCase:
    """Mixed into a ``TransactionCase`` of a glue addon, whose ``setUpClass`` sets:

    - ``document`` and ``other_document``: two records of the model;
    - ``expected_company`` and ``expected_contact``: the business partner and the contact
      person a contact logged from ``document`` is with (empty when the document has none);
    - ``document_user``: the least privileged user working with ``document``.
    """

    # run the tests of this class in every test case mixing it in
    allow_inherited_tests_method = True

    @classmethod
    def _create_business_partner(cls):
        """A company with a contact person, for the documents of the test."""
        Partner = cls.env["res.partner"]
        cls.company = Partner.create(
            {"name": "Alpen Präzision AG", "is_company": True, "city": "Zürich"}
        )
        cls.contact = Partner.create(
            {"name": "Ursula Meier", "parent_id": cls.company.id, "type": "contact"}
        )

    def _log_contact(self, document, subject="Call about the document"):
        """A journal entry logged from the document, as its form would save it."""
        action = document.action_crm_log_contact()
        self.assertEqual(action["res_model"], "crm.journal.entry")
        with Form(self.env["crm.journal.entry"].with_context(action["context"])) as entry:
            entry.name = subject
        return entry.record

    def _schedule_appointment(self, document):
        action = document.action_crm_schedule_appointment()
        self.assertEqual(action["res_model"], "calendar.event")
        with Form(self.env["calendar.event"].with_context(action["context"])) as event:
            event.start = fields.Datetime.now().replace(microsecond=0)
        return event.record

    def _plan_task(self, document, summary="Check the delivery date"):
        action = document.action_crm_plan_task()
        self.assertEqual(action["res_model"], "mail.activity.schedule")
        with Form(self.env["mail.activity.schedule"].with_context(action["context"])) as wizard:
            wizard.activity_type_id = self.env.ref("mail.mail_activity_data_todo")
            wizard.summary = summary
        wizard.record.action_schedule_activities()
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", document._name),
                ("res_id", "=", document.id),
                ("summary", "=", summary),
            ]
        )

    def _records_of(self, action):
        return (
            self.env[action["res_model"]]
            .with_context(active_test=False)
            .search(action.get("domain") or [])
        )

    def test_log_contact_prefills_partner_contact_and_link(self):
        entry = self._log_contact(self.document)
        self.assertEqual(entry.partner_id, self.expected_company)
        self.assertEqual(entry.contact_id, self.expected_contact)
        self.assertEqual(entry.document_link_ids.res_model, self.document._name)
        self.assertEqual(entry.document_link_ids.res_id, self.document.id)
        self.assertEqual(entry.document_link_ids.display_name, self.document.display_name)

    def test_schedule_appointment_prefills_partner_contact_and_link(self):
        event = self._schedule_appointment(self.document)
        self.assertEqual(event.name, self.document.display_name)
        self.assertEqual(event.crm_partner_id, self.expected_company)
        self.assertEqual(event.crm_contact_id, self.expected_contact)
        self.assertLessEqual(self.expected_contact, event.partner_ids, "invited as attendee")
        self.assertEqual(event.document_link_ids.res_model, self.document._name)
        self.assertEqual(event.document_link_ids.res_id, self.document.id)

    def test_plan_task_schedules_an_activity_on_the_document(self):
        task = self._plan_task(self.document)
        self.assertEqual(len(task), 1)
        self.assertEqual(task.user_id, self.env.user)

    def test_document_counts_its_journal_appointments_and_open_tasks(self):
        documents = self.document | self.other_document
        self._log_contact(self.document, "First call")
        self._log_contact(self.document, "Second call")
        self._log_contact(self.other_document, "Call about the other document")
        self._schedule_appointment(self.document)
        self._plan_task(self.document, "Open task")
        self._plan_task(self.document, "Finished task").action_feedback(feedback="Done.")
        documents.invalidate_recordset()
        self.assertEqual(documents.mapped("crm_journal_count"), [2, 1])
        self.assertEqual(documents.mapped("crm_appointment_count"), [1, 0])
        self.assertEqual(documents.mapped("crm_open_task_count"), [1, 0])

    def test_smart_buttons_open_the_records_of_the_document(self):
        entry = self._log_contact(self.document)
        self._log_contact(self.other_document)
        event = self._schedule_appointment(self.document)
        open_task = self._plan_task(self.document, "Open task")
        done_task = self._plan_task(self.document, "Finished task")
        done_task.action_feedback(feedback="Done.")
        self._plan_task(self.other_document, "Task of the other document")

        journal = self.document.action_crm_view_journal()
        self.assertEqual(self._records_of(journal), entry)
        self.assertEqual(
            journal["context"]["default_document_link_ids"][0][2],
            {"res_model": self.document._name, "res_id": self.document.id},
            "a contact logged from the list is linked to the document too",
        )
        self.assertEqual(self._records_of(self.document.action_crm_view_appointments()), event)
        tasks = self.document.action_crm_view_tasks()
        self.assertEqual(self._records_of(tasks), open_task | done_task)
        self.assertTrue(tasks["context"]["search_default_filter_open"])

    def test_least_privileged_user_works_from_the_document(self):
        document = self.document.with_user(self.document_user)
        self.env = document.env
        entry = self._log_contact(document)
        self.assertEqual(entry.user_id, self.document_user)
        event = self._schedule_appointment(document)
        self.assertEqual(event.user_id, self.document_user)
        self.assertIn(self.document_user.partner_id, event.partner_ids)
        task = self._plan_task(document)
        task.action_feedback(feedback="Checked with the customer.")
        self.assertEqual(task.done_user_id, self.document_user)
        document.invalidate_recordset()
        self.assertEqual(document.crm_journal_count, 1)
        self.assertEqual(document.crm_appointment_count, 1)
        self.assertEqual(document.crm_open_task_count, 0)
        self.assertEqual(self._records_of(document.action_crm_view_journal()), entry)

    def test_document_form_has_the_contact_journal_buttons(self):
        arch = self.document.get_views([(False, "form")])["views"]["form"]["arch"]
        for method in (
            "action_crm_view_journal",
            "action_crm_view_appointments",
            "action_crm_view_tasks",
            "action_crm_log_contact",
            "action_crm_schedule_appointment",
            "action_crm_plan_task",
        ):
            self.assertIn(f'name="{method}"', arch)

    def test_document_kind_can_be_picked_for_a_link(self):
        models = dict(self.env["crm.document.link"]._selection_reference())
        self.assertIn(self.document._name, models)
