from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common_campaign import CampaignCase


@tagged("post_install", "-at_install")
class TestChaining(CampaignCase):
    """Lost with "no budget" -> "Follow up in six months"; won -> "Service offer"."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.six_months = cls._create_campaign(name="Follow up in six months")
        cls.six_months.action_start()
        cls.service = cls._create_campaign(name="Service offer")
        cls.campaign = cls._create_campaign(
            target_partner_ids=[Command.set((cls.mueller | cls.bergmann | cls.kowalski).ids)],
            chain_rule_ids=[
                Command.create(
                    {
                        "trigger": "lost",
                        "failure_code_id": cls.no_budget.id,
                        "next_campaign_id": cls.six_months.id,
                    }
                ),
                Command.create({"trigger": "won", "next_campaign_id": cls.service.id}),
            ],
        )
        cls.campaign.action_start()

    def test_lost_with_the_failure_code_enters_the_next_campaign(self):
        participant = self._participant(self.campaign, self.mueller)
        participant._mark_lost(self.no_budget)
        chained = self._participant(self.six_months, self.mueller)
        self.assertTrue(chained)
        self.assertEqual(chained.source, "chain")
        self.assertEqual(chained.chained_from_id, participant)
        self.assertEqual(participant.chained_ids, chained)
        self.assertEqual(chained.stage_id, self.six_months._get_first_stage())
        self.assertEqual(chained.state, "running")
        self.assertFalse(self._participant(self.service, self.mueller))

    def test_lost_with_another_failure_code_is_not_chained(self):
        participant = self._participant(self.campaign, self.bergmann)
        participant._mark_lost(self.no_interest)
        self.assertFalse(self._participant(self.six_months, self.bergmann))

    def test_rule_without_failure_code_takes_any_code(self):
        self.campaign.chain_rule_ids.filtered(lambda r: r.trigger == "lost").failure_code_id = False
        self._participant(self.campaign, self.bergmann)._mark_lost(self.no_interest)
        self.assertTrue(self._participant(self.six_months, self.bergmann))

    def test_won_enters_a_draft_campaign_when_it_starts(self):
        participant = self._participant(self.campaign, self.kowalski)
        participant.action_mark_won()
        chained = self._participant(self.service, self.kowalski)
        self.assertEqual(chained.source, "chain")
        self.assertFalse(chained.stage_id, "a draft campaign keeps it waiting")
        self.service.action_start()
        self.assertEqual(chained.stage_id, self.service._get_first_stage())
        self.assertEqual(chained.chained_from_id, participant)
        self.assertEqual(len(self._participant(self.service, self.kowalski)), 1)

    def test_won_after_the_last_stage_chains(self):
        participant = self._participant(self.campaign, self.mueller)
        participant.action_record_success()
        participant.action_record_success()
        self.assertEqual(participant.state, "won")
        self.assertTrue(self._participant(self.service, self.mueller))

    def test_a_campaign_cannot_chain_into_itself(self):
        with self.assertRaises(ValidationError):
            self.campaign.write(
                {
                    "chain_rule_ids": [
                        Command.create({"trigger": "won", "next_campaign_id": self.campaign.id})
                    ]
                }
            )

    def test_a_chain_loop_ends_when_the_partner_is_in(self):
        # six months -> back to the campaign on no budget: the partner is in it already
        self.six_months.write(
            {
                "chain_rule_ids": [
                    Command.create(
                        {
                            "trigger": "lost",
                            "failure_code_id": self.no_budget.id,
                            "next_campaign_id": self.campaign.id,
                        }
                    )
                ]
            }
        )
        participant = self._participant(self.campaign, self.mueller)
        participant._mark_lost(self.no_budget)
        chained = self._participant(self.six_months, self.mueller)
        chained._mark_lost(self.no_budget)
        self.assertEqual(len(self._participant(self.campaign, self.mueller)), 1)
        self.assertEqual(self._participant(self.campaign, self.mueller).state, "lost")
        self.assertFalse(chained.chained_ids)

    def test_a_closed_next_campaign_takes_nobody(self):
        self.six_months.action_cancel()
        participant = self._participant(self.campaign, self.mueller)
        participant._mark_lost(self.no_budget)
        self.assertEqual(participant.state, "lost")
        self.assertFalse(self._participant(self.six_months, self.mueller))
        self.assertIn("was not chained", self.campaign.message_ids[0].body)

    def test_operator_triggers_the_chain(self):
        participant = self._participant(self.campaign, self.kowalski).with_user(self.operator)
        participant.action_mark_won()
        self.assertTrue(self._participant(self.service, self.kowalski))
