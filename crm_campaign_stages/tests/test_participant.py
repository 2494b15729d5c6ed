from unittest.mock import patch

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common_campaign import CampaignCase


@tagged("post_install", "-at_install")
class TestParticipantTransitions(CampaignCase):
    """Participants move through "First Contact" and "Offer" until they are won or lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls._create_campaign(
            target_partner_ids=[Command.set((cls.mueller | cls.bergmann | cls.kowalski).ids)]
        )
        cls.campaign.action_start()
        cls.first, cls.offer = cls.campaign.stage_ids.sorted("sequence")

    def test_success_moves_to_the_next_stage_then_wins(self):
        participant = self._participant(self.campaign, self.mueller)
        self.assertEqual(participant.stage_id, self.first)
        participant.action_record_success()
        self.assertEqual(participant.stage_id, self.offer)
        self.assertEqual(participant.state, "running")
        self.assertFalse(participant.success_recorded, "the result is reset in the new stage")
        participant.action_record_success()
        self.assertEqual(participant.state, "won")
        self.assertEqual(participant.stage_id, self.offer, "a won participant keeps its last stage")
        self.assertTrue(participant.date_end)
        history = participant.history_ids.sorted("id")
        self.assertEqual(
            [(h.stage_from_id.name, h.stage_to_id.name, h.state) for h in history],
            [
                (False, "First Contact", "running"),
                ("First Contact", "Offer", "running"),
                ("Offer", "Offer", "won"),
            ],
        )
        self.assertEqual(history.user_id, self.env.user)
        self.assertEqual(history.campaign_id, self.campaign)
        self.assertEqual(history.partner_id, self.mueller)
        with self.assertRaises(UserError):
            participant.action_record_success()

    def test_success_condition_waits_for_a_recorded_result(self):
        participant = self._participant(self.campaign, self.mueller)
        self.assertFalse(participant._check_stage_condition())
        self.assertEqual(participant.stage_id, self.first)

    def test_all_actions_done_condition(self):
        self.first.condition = "actions_done"
        self.first.action_ids = [Command.create({"name": "Call purchaser", "action_type": "call"})]
        mueller = self._participant(self.campaign, self.mueller)
        bergmann = self._participant(self.campaign, self.bergmann)
        open_counts = {mueller.id: 1, bergmann.id: 0}
        with patch.object(
            type(self.Participant),
            "_get_open_action_count",
            lambda records: {p.id: open_counts.get(p.id, 0) for p in records},
        ):
            moved = (mueller | bergmann)._check_stage_condition()
        self.assertEqual(moved, bergmann)
        self.assertEqual(mueller.stage_id, self.first)
        self.assertEqual(bergmann.stage_id, self.offer)

    def test_stage_without_actions_is_done_at_once(self):
        self.first.condition = "actions_done"
        participant = self._participant(self.campaign, self.kowalski)
        participant._check_stage_condition()
        self.assertEqual(participant.stage_id, self.offer)

    def test_success_counts_in_an_actions_done_stage_too(self):
        self.first.condition = "actions_done"
        self.first.action_ids = [Command.create({"name": "Call purchaser", "action_type": "call"})]
        participant = self._participant(self.campaign, self.mueller)
        with patch.object(
            type(self.Participant),
            "_get_open_action_count",
            lambda records: dict.fromkeys(records.ids, 1),
        ):
            participant.action_record_success()
        self.assertEqual(participant.stage_id, self.offer)

    def test_mark_won_directly(self):
        participant = self._participant(self.campaign, self.bergmann)
        participant.action_mark_won()
        self.assertEqual(participant.state, "won")
        self.assertEqual(participant.probability, 100.0)
        self.assertEqual(participant.history_ids.sorted("id")[-1].state, "won")

    def test_mark_lost_with_a_failure_code_through_the_wizard(self):
        participant = self._participant(self.campaign, self.kowalski)
        action = participant.action_mark_lost()
        self.assertEqual(action["res_model"], "crm.campaign.lost")
        wizard_form = Form(self.env["crm.campaign.lost"].with_context(action["context"]))
        wizard_form.failure_code_id = self.no_budget
        wizard_form.note = "Budget frozen until next year."
        wizard_form.save().action_mark_lost()
        self.assertEqual(participant.state, "lost")
        self.assertEqual(participant.failure_code_id, self.no_budget)
        self.assertEqual(participant.expected_value, 0.0)
        last = participant.history_ids.sorted("id")[-1]
        self.assertEqual((last.state, last.failure_code_id), ("lost", self.no_budget))
        self.assertIn("Budget frozen", participant.message_ids[0].body)
        with self.assertRaises(UserError):
            participant.action_mark_won()

    def test_lost_wizard_needs_a_failure_code(self):
        participant = self._participant(self.campaign, self.kowalski)
        wizard_form = Form(
            self.env["crm.campaign.lost"].with_context(participant.action_mark_lost()["context"])
        )
        with self.assertRaises(AssertionError):
            wizard_form.save()
        self.assertEqual(participant.state, "running")

    def test_operator_marks_lost(self):
        participant = self._participant(self.campaign, self.kowalski).with_user(self.operator)
        wizard = (
            self.env["crm.campaign.lost"]
            .with_user(self.operator)
            .create(
                {
                    "participant_ids": [Command.set(participant.ids)],
                    "failure_code_id": self.no_interest.id,
                }
            )
        )
        wizard.action_mark_lost()
        self.assertEqual(participant.state, "lost")

    def test_flags_and_indicators(self):
        mueller = self._participant(self.campaign, self.mueller)
        bergmann = self._participant(self.campaign, self.bergmann)
        kowalski = self._participant(self.campaign, self.kowalski)
        (mueller | bergmann).write({"contacted": True})
        mueller.write({"responded": True, "interested": True})
        mueller.action_mark_won()
        kowalski._mark_lost(self.no_interest)
        campaign = self.campaign
        self.assertEqual(campaign.participant_count, 3)
        self.assertEqual(campaign.running_count, 1)
        self.assertEqual(campaign.won_count, 1)
        self.assertEqual(campaign.lost_count, 1)
        self.assertEqual(campaign.contacted_count, 2)
        self.assertEqual(campaign.responded_count, 1)
        self.assertEqual(campaign.interested_count, 1)
        self.assertAlmostEqual(campaign.conversion_rate, 50.0)
        self.assertAlmostEqual(campaign.response_rate, 100.0 / 3)

    def test_participant_in_a_stopped_campaign_does_not_move(self):
        participant = self._participant(self.campaign, self.mueller)
        self.campaign.action_done()
        with self.assertRaises(UserError):
            participant.action_record_success()
        self.assertFalse(participant._check_stage_condition())
        self.assertEqual(participant.stage_id, self.first)

    def test_a_partner_takes_part_once(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            self.Participant.create(
                {"campaign_id": self.campaign.id, "partner_id": self.mueller.id}
            )
            self.env.flush_all()

    def test_kanban_shows_every_stage_of_the_campaign(self):
        groups = self.Participant.with_context(
            default_campaign_id=self.campaign.id, read_group_expand=True
        ).web_read_group([("campaign_id", "=", self.campaign.id)], ["stage_id"], ["__count"])
        self.assertEqual(
            [group["stage_id"][0] for group in groups["groups"]], [self.first.id, self.offer.id]
        )
