from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command, Datetime
from odoo.tests import TransactionCase, new_test_user
from odoo.tools import mute_logger


class TestDocumentLinks(TransactionCase):
    """A salesperson links a contact with Schmidt Logistik to the carrier's record and to the
    appointment planned with them; links survive the documents they point to."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.carrier = Partner.create(
            {"name": "Schmidt Logistik GmbH & Co. KG", "is_company": True, "city": "Hamburg"}
        )
        cls.dispatcher = Partner.create({"name": "Klaus Schmidt", "parent_id": cls.carrier.id})
        cls.salesperson = new_test_user(cls.env, login="k2_link_sales", groups="base.group_user")
        cls.colleague = new_test_user(cls.env, login="k2_link_colleague", groups="base.group_user")
        cls.entry = cls.env["crm.journal.entry"].create(
            {
                "name": "Delivery dates for the spring",
                "contact_id": cls.dispatcher.id,
                "user_id": cls.salesperson.id,
            }
        )
        cls.event = cls.env["calendar.event"].create(
            {
                "name": "Visit in Hamburg",
                "start": Datetime.now(),
                "stop": Datetime.now(),
                "crm_contact_id": cls.dispatcher.id,
            }
        )

    def _link(self, **values):
        return self.env["crm.document.link"].create(
            {"journal_entry_id": self.entry.id, "reference": f"res.partner,{self.carrier.id}"}
            | values
        )

    def test_picking_a_document_fills_model_and_id(self):
        link = self._link()
        self.assertEqual((link.res_model, link.res_id), ("res.partner", self.carrier.id))
        self.assertEqual(link.reference, self.carrier)
        self.assertEqual(link.display_name, self.carrier.display_name)
        self.assertEqual(link.res_model_name, "Contact")
        self.assertTrue(link.document_exists)
        action = link.action_open_document()
        self.assertEqual((action["res_model"], action["res_id"]), ("res.partner", self.carrier.id))

    def test_document_picked_in_the_form_of_the_entry(self):
        entry = self.entry.with_user(self.salesperson)
        entry.write(
            {"document_link_ids": [Command.create({"reference": f"res.partner,{self.carrier.id}"})]}
        )
        self.assertEqual(entry.document_link_ids.res_id, self.carrier.id)

    def test_changing_the_reference_moves_the_link(self):
        link = self._link()
        link.reference = self.dispatcher
        self.assertEqual(link.res_id, self.dispatcher.id)

    def test_partners_can_be_picked_and_glue_addons_add_their_documents(self):
        models = dict(self.env["crm.document.link"]._selection_reference())
        self.assertIn("res.partner", models)
        self.assertTrue(all(model in self.env for model in models))

    def test_link_belongs_to_exactly_one_entry_or_appointment(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._link(journal_entry_id=False)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._link(calendar_event_id=self.event.id)

    def test_document_is_linked_once_to_the_same_entry_or_appointment(self):
        self._link()
        # the same document may be linked to another entry and to an appointment
        other_entry = self.entry.copy({"name": "Second call"})
        self._link(journal_entry_id=other_entry.id)
        self._link(journal_entry_id=False, calendar_event_id=self.event.id)
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"):
            self._link()

    def test_document_must_be_of_a_known_kind(self):
        with self.assertRaises(ValidationError):
            self.env["crm.document.link"].create(
                {"journal_entry_id": self.entry.id, "res_model": "no.such.model", "res_id": 1}
            )

    def test_link_to_a_deleted_document_shows_it_as_deleted(self):
        prospect = self.env["res.partner"].create({"name": "Nowak Software S.A."})
        link = self._link(reference=f"res.partner,{prospect.id}")
        prospect.unlink()
        link.invalidate_recordset()
        self.assertFalse(link.document_exists)
        self.assertFalse(link.reference)
        self.assertEqual(link.display_name, "Nowak Software S.A. (deleted)")
        with self.assertRaises(ValidationError):
            link.action_open_document()

    def test_link_to_a_deleted_contact_shows_the_name_it_had_last(self):
        """A contact is a document like any other: renamed, then deleted, its links show its
        last name, not the one it had when it was linked."""
        prospect = self.env["res.partner"].create({"name": "Nowak Software S.A."})
        link = self._link(reference=f"res.partner,{prospect.id}")
        prospect.name = "Nowak Software Sp. z o.o."
        prospect.unlink()
        link.invalidate_recordset()
        self.assertEqual(link.display_name, "Nowak Software Sp. z o.o. (deleted)")

    def test_links_go_with_their_entry_or_appointment(self):
        links = self._link() | self._link(journal_entry_id=False, calendar_event_id=self.event.id)
        self.entry.unlink()
        self.event.unlink()
        self.assertFalse(links.exists())

    def test_links_of_an_entry_are_changed_by_who_changes_the_entry(self):
        link = self._link()
        self.assertEqual(link.with_user(self.colleague).display_name, self.carrier.display_name)
        with self.assertRaises(AccessError):
            link.with_user(self.colleague).unlink()
        with self.assertRaises(AccessError):
            link.with_user(self.colleague).write({"reference": self.dispatcher})
        link.with_user(self.salesperson).unlink()
        self.assertFalse(link.exists())
