from odoo import Command
from odoo.tests import tagged

from .common_campaign import CampaignCase


@tagged("post_install", "-at_install")
class TestForecast(CampaignCase):
    """Expected value = deal value x probability, per stage and per campaign."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.extra = cls.Partner.create({"name": "Nowak Software Sp. z o.o.", "is_company": True})
        cls.campaign = cls._create_campaign(
            target_partner_ids=[
                Command.set((cls.mueller | cls.bergmann | cls.kowalski | cls.extra).ids)
            ]
        )
        cls.campaign.action_start()
        cls.first, cls.offer = cls.campaign.stage_ids.sorted("sequence")

    def test_expected_value_per_stage_and_campaign(self):
        # 4 x 10,000 x 10 %
        self.assertAlmostEqual(self.first.expected_value, 4000.0)
        self.assertAlmostEqual(self.campaign.expected_value, 4000.0)
        self._participant(self.campaign, self.mueller).action_record_success()
        self._participant(self.campaign, self.bergmann).action_record_success()
        # 2 x 1,000 in the first stage, 2 x 20,000 x 50 % in the offer
        self.assertEqual(self.first.participant_count, 2)
        self.assertEqual(self.offer.participant_count, 2)
        self.assertAlmostEqual(self.first.expected_value, 2000.0)
        self.assertAlmostEqual(self.offer.expected_value, 20000.0)
        self.assertAlmostEqual(self.campaign.expected_value, 22000.0)

    def test_won_and_lost_leave_the_forecast(self):
        mueller = self._participant(self.campaign, self.mueller)
        mueller.action_record_success()
        mueller.action_record_success()
        self._participant(self.campaign, self.kowalski)._mark_lost(self.no_budget)
        self.assertEqual(mueller.state, "won")
        self.assertAlmostEqual(mueller.expected_value, 20000.0)
        self.assertAlmostEqual(self.campaign.expected_value, 2000.0)
        self.assertAlmostEqual(self.campaign.won_value, 20000.0)

    def test_participant_deal_value_overrides_the_stage(self):
        participant = self._participant(self.campaign, self.extra)
        participant.write({"deal_value": 50000.0, "probability": 20.0})
        self.assertAlmostEqual(participant.expected_value, 10000.0)
        self.assertAlmostEqual(self.campaign.expected_value, 3 * 1000.0 + 10000.0)

    def test_forecast_in_pivot(self):
        self._participant(self.campaign, self.mueller).action_record_success()
        groups = self.Participant._read_group(
            [("campaign_id", "=", self.campaign.id), ("state", "=", "running")],
            ["stage_id"],
            ["expected_value:sum"],
        )
        self.assertEqual(
            {stage.name: value for stage, value in groups},
            {"First Contact": 3000.0, "Offer": 10000.0},
        )

    def test_conversion_per_stage(self):
        mueller = self._participant(self.campaign, self.mueller)
        bergmann = self._participant(self.campaign, self.bergmann)
        mueller.action_record_success()
        bergmann.action_record_success()
        mueller.action_record_success()
        self._participant(self.campaign, self.kowalski)._mark_lost(self.no_budget)
        bergmann._mark_lost(self.no_interest)
        self.env.invalidate_all()
        self.assertEqual(self.first.entered_count, 4)
        self.assertEqual(self.first.passed_count, 2)
        self.assertAlmostEqual(self.first.conversion_rate, 50.0)
        self.assertEqual(self.offer.entered_count, 2)
        self.assertEqual(self.offer.passed_count, 1)
        self.assertAlmostEqual(self.offer.conversion_rate, 50.0)

    def test_won_lost_and_failure_codes_in_reporting(self):
        self._participant(self.campaign, self.mueller).action_mark_won()
        self._participant(self.campaign, self.kowalski)._mark_lost(self.no_budget)
        self._participant(self.campaign, self.bergmann)._mark_lost(self.no_budget)
        self._participant(self.campaign, self.extra)._mark_lost(self.no_interest)
        groups = self.Participant._read_group(
            [("campaign_id", "=", self.campaign.id), ("state", "in", ["won", "lost"])],
            ["state", "failure_code_id"],
            ["__count"],
        )
        self.assertEqual(
            {(state, code.code or False): count for state, code, count in groups},
            {("won", False): 1, ("lost", "no_budget"): 2, ("lost", "no_interest"): 1},
        )
        self.assertEqual(self.campaign.won_count, 1)
        self.assertEqual(self.campaign.lost_count, 3)
        self.assertAlmostEqual(self.campaign.conversion_rate, 25.0)
