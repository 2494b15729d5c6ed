from datetime import date, datetime

from odoo.tests import tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionJournal(SelectionCase):
    """Companies by the contact journal: entries with the company or its contact persons."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Medium = cls.env["crm.journal.medium"]
        cls.phone = Medium.create({"name": "Phone (test)"})
        cls.mobile = Medium.create({"name": "Mobile (test)", "parent_id": cls.phone.id})
        cls.letter = Medium.create({"name": "Letter (test)"})
        ContentType = cls.env["crm.journal.content.type"]
        cls.complaint = ContentType.create({"name": "Complaint (test)"})
        cls.offer = ContentType.create({"name": "Offer (test)"})

        def entry(name, when, partner=None, contact=None, **vals):
            return {
                "name": name,
                "partner_id": partner and partner.id,
                "contact_id": contact and contact.id,
                "date_start": when,
                **vals,
            }

        cls.env["crm.journal.entry"].create(
            [
                # Müller: two phone calls done in 2024, one of them on a mobile
                entry(
                    "Call about the offer",
                    datetime(2024, 3, 4, 10),
                    cls.mueller,
                    cls.petra,
                    medium_id=cls.phone.id,
                    content_type_id=cls.offer.id,
                    state="done",
                    direction="outgoing",
                ),
                entry(
                    "Follow-up call",
                    datetime(2024, 5, 6, 9),
                    cls.mueller,
                    medium_id=cls.mobile.id,
                    content_type_id=cls.offer.id,
                    state="done",
                    direction="incoming",
                ),
                # Alpen: a complaint by letter, recorded with the contact person only
                entry(
                    "Complaint about a delivery",
                    datetime(2024, 8, 1, 14),
                    contact=cls.ursula,
                    medium_id=cls.letter.id,
                    content_type_id=cls.complaint.id,
                    state="done",
                    direction="incoming",
                ),
                # Kowalski: a call planned for 2025
                entry(
                    "Planned call",
                    datetime(2025, 2, 3, 11),
                    cls.kowalski,
                    medium_id=cls.phone.id,
                    state="planned",
                ),
                # an entry without partner counts for no company
                entry("Internal note", datetime(2024, 3, 4, 10), medium_id=cls.phone.id),
            ]
        )

    def _select(self, **params):
        return self._create_selection([{"kind": "journal", **params}])

    def test_any_entry(self):
        self.assertMembers(self._select(), self.mueller | self.alpen | self.kowalski)

    def test_main_medium_includes_its_sub_media(self):
        self.assertMembers(self._select(medium_ids=[self.phone.id]), self.mueller | self.kowalski)
        self.assertMembers(self._select(medium_ids=[self.mobile.id]), self.mueller)

    def test_entry_of_a_contact_person_counts_for_the_company(self):
        self.assertMembers(self._select(content_type_ids=[self.complaint.id]), self.alpen)

    def test_state_direction_and_period(self):
        self.assertMembers(self._select(journal_state="planned"), self.kowalski)
        self.assertMembers(self._select(journal_direction="incoming"), self.mueller | self.alpen)
        self.assertMembers(
            self._select(date_from=date(2024, 5, 6), date_to=date(2024, 8, 1)),
            self.mueller | self.alpen,
        )
        self.assertMembers(self._select(date_from=date(2025, 1, 1)), self.kowalski)

    def test_minimum_count(self):
        self.assertMembers(self._select(min_count=2), self.mueller)
        self.assertMembers(self._select(min_count=2, medium_ids=[self.mobile.id]), self.Partner)

    def test_companies_without_entries(self):
        """Negated, the journal criterion finds the companies nobody contacted; the entry
        without partner does not make the negation empty (no NULL in NOT IN)."""
        selection = self._create_selection([{"kind": "journal", "negate": True}])
        self.assertMembers(selection, self.bergmann | self.saar | self.nozip)
