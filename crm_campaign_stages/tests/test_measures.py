from datetime import datetime

from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .test_engine import CampaignEngineCase


@tagged("post_install", "-at_install")
class TestMeasures(CampaignEngineCase):
    """Measures in the contact journal belong to a campaign."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.measure = cls.env.ref("crm_contact_management.crm_journal_content_type_measure")
        cls.campaign = cls._make_campaign([[cls._call()]])
        cls.campaign.target_partner_ids = cls.partners[:2]
        cls.campaign.action_start()
        cls.participant = cls.campaign.participant_ids.sorted("id")[0]

    def _entry(self, **values):
        return self.env["crm.journal.entry"].create(
            {
                "name": "Messebesuch Einladung",
                "partner_id": self.partners[0].id,
                "user_id": self.anna.id,
                "date_start": datetime(2025, 6, 16, 9, 0),
                "content_type_id": self.measure.id,
                **values,
            }
        )

    def test_measure_cannot_be_done_without_a_campaign(self):
        entry = self._entry()
        with self.assertRaises(ValidationError) as error:
            entry.action_done()
        self.assertIn("choose its campaign", str(error.exception))
        self.assertEqual(entry.state, "planned")
        entry.campaign_id = self.campaign
        entry.action_done()
        self.assertEqual(entry.state, "done")

    def test_a_kind_of_measure_needs_a_campaign_too(self):
        mailing = self.env["crm.journal.content.type"].create(
            {"name": "Mailing", "code": "measure_mailing_test", "parent_id": self.measure.id}
        )
        entry = self._entry(content_type_id=mailing.id)
        self.assertTrue(entry.is_measure)
        with self.assertRaises(ValidationError):
            entry.action_done()

    def test_a_measure_cannot_be_created_done_without_a_campaign(self):
        with self.assertRaises(ValidationError):
            self._entry(state="done")

    def test_other_contacts_are_done_without_a_campaign(self):
        offer = self.env.ref("crm_contact_management.crm_journal_content_type_offer")
        entry = self._entry(content_type_id=offer.id)
        self.assertFalse(entry.is_measure)
        entry.action_done()
        self.assertEqual(entry.state, "done")

    def test_not_done_measure_needs_no_campaign(self):
        entry = self._entry()
        entry.action_not_done("Kunde nicht erreicht")
        self.assertEqual(entry.state, "not_done")

    def test_link_stays_when_the_partner_leaves_the_campaign(self):
        entry = self._entry(
            campaign_id=self.campaign.id, campaign_participant_id=self.participant.id
        )
        entry.action_done()
        self.participant.unlink()
        self.assertTrue(entry.exists())
        self.assertEqual(entry.campaign_id, self.campaign)
        self.assertFalse(entry.campaign_participant_id)
        self.assertIn(
            entry,
            self.env["crm.journal.entry"].search(
                [("partner_id", "=", self.partners[0].id), ("campaign_id", "=", self.campaign.id)]
            ),
        )

    def test_archived_campaign_cannot_be_chosen(self):
        entry = self._entry(campaign_id=self.campaign.id)
        entry.action_done()
        self.campaign.action_done()
        self.campaign.action_archive()
        self.assertFalse(self.campaign.active)
        # The history keeps the link ...
        self.assertEqual(entry.campaign_id, self.campaign)
        entry.write({"report": "<p>Nachtrag</p>"})
        # ... but no new entry gets the campaign.
        with self.assertRaises(ValidationError) as error:
            self._entry(campaign_id=self.campaign.id)
        self.assertIn("archived", str(error.exception))
        other = self._entry()
        with self.assertRaises(ValidationError):
            other.campaign_id = self.campaign
        self.assertFalse(other.campaign_id)

    def test_participant_of_another_campaign_is_refused(self):
        other = self._make_campaign([[self._call()]])
        with self.assertRaises(ValidationError):
            self._entry(campaign_id=other.id, campaign_participant_id=self.participant.id)

    def test_choosing_the_participant_fills_in_the_campaign(self):
        with Form(self.env["crm.journal.entry"].with_user(self.anna)) as form:
            form.name = "Nachfassen nach Mailing"
            form.partner_id = self.partners[0]
            form.content_type_id = self.measure
            form.campaign_participant_id = self.participant
            self.assertEqual(form.campaign_id, self.campaign)
        entry = form.record
        self.assertEqual(entry.campaign_id, self.campaign)
        entry.with_user(self.anna).action_done()
        self.assertEqual(entry.state, "done")
