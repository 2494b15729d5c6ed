from datetime import date

from odoo.tests import freeze_time, tagged

from .test_engine import CampaignEngineCase


@tagged("post_install", "-at_install")
class TestTaskCompletion(CampaignEngineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.campaign = cls._make_campaign(
            [
                [
                    cls._call(responsible_rule="user", user_id=cls.anna.id),
                    {
                        "name": "Prospekt per Post",
                        "action_type": "letter",
                        "day_offset": 2,
                        "responsible_rule": "user",
                        "user_id": cls.anna.id,
                    },
                ],
                [
                    {
                        "name": "Besuch vor Ort",
                        "action_type": "visit",
                        "day_offset": 5,
                        "responsible_rule": "user",
                        "user_id": cls.bernd.id,
                    }
                ],
            ]
        )
        cls.stage_1, cls.stage_2 = cls.campaign.stage_ids.sorted("sequence")

    def setUp(self):
        super().setUp()
        self.participant = self._start(self.campaign, self.partners[:1])
        self._run(self.campaign)
        tasks = self._tasks(self.participant)
        self.call = tasks.filtered(lambda task: task.campaign_action_id.action_type == "call")
        self.letter = tasks - self.call

    def test_operator_completes_a_task_and_the_journal_logs_the_measure(self):
        self._complete(self.call, user=self.anna, feedback="Bedarf an zwei Fräsmaschinen")
        self.assertFalse(self.call.active)
        self.assertEqual(self.call.date_done, date(2025, 6, 16))
        self.assertTrue(self.participant.contacted)
        entry = self.env["crm.journal.entry"].search(
            [("campaign_participant_id", "=", self.participant.id)]
        )
        self.assertEqual(len(entry), 1)
        self.assertEqual(entry.state, "done")
        self.assertEqual(entry.campaign_id, self.campaign)
        self.assertEqual(entry.partner_id, self.partners[0])
        self.assertEqual(entry.user_id, self.anna)
        self.assertEqual(
            entry.medium_id, self.env.ref("crm_contact_management.crm_journal_medium_phone")
        )
        self.assertEqual(
            entry.content_type_id,
            self.env.ref("crm_contact_management.crm_journal_content_type_measure"),
        )
        self.assertIn("zwei Fräsmaschinen", str(entry.report))
        # One action of the stage is still open.
        self.assertEqual(self.participant.open_action_count, 1)
        self.assertEqual(self.participant.stage_id, self.stage_1)

    def test_a_plain_task_does_not_mark_the_participant_contacted(self):
        self.letter.campaign_action_id.action_type = "task"
        self._complete(self.letter, user=self.anna)
        self.assertFalse(self.participant.contacted)
        entry = self.env["crm.journal.entry"].search(
            [("campaign_participant_id", "=", self.participant.id)]
        )
        self.assertFalse(entry.medium_id)

    def test_participant_moves_on_when_all_actions_of_its_stage_are_done(self):
        self._complete(self.call, user=self.anna)
        self._complete(self.letter, user=self.anna, when="2025-06-17 09:00:00")
        self.assertEqual(self.participant.stage_id, self.stage_2)
        self.assertEqual(len((self.call | self.letter).exists()), 2, "done tasks stay")
        self.assertEqual(self.participant.state, "running")
        # The engine (triggered) plans the visit of the next stage.
        self._run(self.campaign, when="2025-06-17 10:00:00")
        visit = self._tasks(self.participant)
        self.assertEqual(visit.campaign_stage_id, self.stage_2)
        self.assertEqual(visit.user_id, self.bernd)
        self.assertEqual(visit.date_deadline, date(2025, 6, 24))
        # Its completion ends the participant as won.
        self._complete(visit, user=self.bernd, when="2025-06-24 15:00:00")
        self.assertEqual(self.participant.state, "won")
        self.assertEqual(
            self.env["crm.journal.entry"]
            .search([("campaign_participant_id", "=", self.participant.id)])
            .mapped("medium_id"),
            self.env.ref("crm_contact_management.crm_journal_medium_visit")
            | self.env.ref("crm_contact_management.crm_journal_medium_letter")
            | self.env.ref("crm_contact_management.crm_journal_medium_phone"),
        )

    def test_completing_all_tasks_at_once_moves_the_participant_once(self):
        self._complete(self.call | self.letter, user=self.anna)
        self.assertEqual(self.participant.stage_id, self.stage_2)
        history = self.participant.history_ids
        stats = self._run(self.campaign, when="2025-06-16 12:00:00")
        self.assertEqual(stats["moved"], 0, "already moved: not moved twice")
        self.assertEqual(self.participant.history_ids, history)

    def test_leaving_the_stage_cancels_its_open_tasks(self):
        self._complete(self.call, user=self.anna)
        with freeze_time("2025-06-16 12:00:00"):
            self.participant._mark_lost(self.env["crm.campaign.failure.code"].search([], limit=1))
        self.assertEqual(self.participant.state, "lost")
        self.assertFalse(self.letter.exists(), "the open task is removed")
        self.assertTrue(self.call.exists(), "the done task stays")
        self.assertEqual(self._run(self.campaign, when="2025-06-16 13:00:00")["tasks"], 0)

    def test_success_recorded_moves_on_and_cancels_the_open_tasks(self):
        with freeze_time("2025-06-16 12:00:00"):
            self.participant.action_record_success()
        self.assertEqual(self.participant.stage_id, self.stage_2)
        self.assertFalse((self.call | self.letter).exists())
        self._run(self.campaign, when="2025-06-16 13:00:00")
        self.assertEqual(self._tasks(self.participant).campaign_stage_id, self.stage_2)

    def test_operator_sees_the_task_in_the_schedule_and_the_activity_menu(self):
        item = (
            self.env["crm.schedule.item"]
            .with_user(self.anna)
            .search([("activity_id", "=", self.call.id)])
        )
        self.assertEqual(len(item), 1)
        self.assertEqual(item.user_id, self.anna)
        self.assertEqual(item.kind, "task")
        self.assertEqual(item.date, date(2025, 6, 16))
        with freeze_time("2025-06-16 08:00:00"):
            groups = self.env["res.users"].with_user(self.anna)._get_activity_groups()
        group = next(
            (group for group in groups if group.get("model") == "crm.campaign.participant"),
            None,
        )
        self.assertTrue(group, "campaign tasks show up in Anna's activity menu")
        self.assertEqual(group["total_count"], 1, "one participant with a task due today")
        self.assertFalse(
            self.env["crm.schedule.item"].search(
                [("activity_id", "=", self.call.id), ("user_id", "=", self.bernd.id)]
            )
        )


@tagged("post_install", "-at_install")
class TestRepeatActions(CampaignEngineCase):
    def test_repeat_action_comes_back_after_completion_while_in_the_stage(self):
        campaign = self._make_campaign(
            [
                [
                    self._call(
                        name="Wöchentlicher Anruf",
                        day_offset=0,
                        repeat_interval=7,
                        responsible_rule="user",
                        user_id=self.anna.id,
                    ),
                    self._call(
                        name="Angebot",
                        day_offset=10,
                        responsible_rule="user",
                        user_id=self.bernd.id,
                    ),
                ],
                [self._call(name="Nachfassen")],
            ]
        )
        participant = self._start(campaign, self.partners[:1], when="2025-06-16 08:00:00")
        self._run(campaign, when="2025-06-16 09:00:00")
        weekly = self._tasks(participant).filtered(lambda task: task.user_id == self.anna)
        offer = self._tasks(participant) - weekly
        self.assertEqual(weekly.date_deadline, date(2025, 6, 16))
        self._complete(weekly, user=self.anna, when="2025-06-17 10:00:00")
        self.assertEqual(participant.open_action_count, 1, "a repeat counts done once done")
        self._run(campaign, when="2025-06-17 11:00:00")
        repeat = self._tasks(participant).filtered(lambda task: task.user_id == self.anna)
        self.assertEqual(len(repeat), 1)
        self.assertEqual(repeat.campaign_occurrence, 2)
        self.assertEqual(repeat.date_deadline, date(2025, 6, 24))
        # Running again does not repeat it twice.
        self._run(campaign, when="2025-06-17 12:00:00")
        self.assertEqual(
            len(self._tasks(participant).filtered(lambda task: task.user_id == self.anna)), 1
        )
        # The offer done, the participant moves on: the pending repeat is cancelled.
        self._complete(offer, user=self.bernd, when="2025-06-18 10:00:00")
        self.assertEqual(participant.stage_id, campaign.stage_ids.sorted("sequence")[1])
        self.assertFalse(repeat.exists())
        self._run(campaign, when="2025-06-18 11:00:00")
        self.assertFalse(
            self._tasks(participant).filtered(lambda task: task.campaign_action_id.repeat_interval),
            "no repeat once the participant left the stage",
        )

    def test_repeat_falls_on_a_working_day(self):
        campaign = self._make_campaign(
            [
                [
                    self._call(
                        day_offset=0,
                        repeat_interval=4,
                        responsible_rule="user",
                        user_id=self.anna.id,
                    ),
                    self._call(
                        name="Offen", day_offset=20, responsible_rule="user", user_id=self.bernd.id
                    ),
                ]
            ]
        )
        participant = self._start(campaign, self.partners[:1], when="2025-06-16 08:00:00")
        self._run(campaign, when="2025-06-16 09:00:00")
        weekly = self._tasks(participant).filtered(lambda task: task.user_id == self.anna)
        # Done Tuesday 17: four days later is Saturday 21, due Monday 23.
        self._complete(weekly, user=self.anna, when="2025-06-17 10:00:00")
        self._run(campaign, when="2025-06-17 11:00:00")
        repeat = self._tasks(participant).filtered(lambda task: task.user_id == self.anna)
        self.assertEqual(repeat.date_deadline, date(2025, 6, 23))


@tagged("post_install", "-at_install")
class TestStageVisits(CampaignEngineCase):
    def test_stage_without_actions_is_passed_once(self):
        campaign = self._make_campaign([[], [self._call()]])
        stage_1, stage_2 = campaign.stage_ids.sorted("sequence")
        participant = self._start(campaign, self.partners[:1])
        self.assertEqual(participant.stage_id, stage_1)
        stats = self._run(campaign)
        self.assertEqual(stats["moved"], 1)
        self.assertEqual(participant.stage_id, stage_2)
        self.assertEqual(stats["tasks"], 1, "the task of the stage entered comes at once")
        self.assertEqual(self._run(campaign, when="2025-06-13 11:00:00")["moved"], 0)
        self.assertEqual(
            len(participant.history_ids.filtered(lambda h: h.stage_to_id == stage_2)), 1
        )

    def test_back_in_a_stage_its_actions_start_again(self):
        campaign = self._make_campaign([[self._call()], [self._call(name="Nachfassen")]])
        stage_1, stage_2 = campaign.stage_ids.sorted("sequence")
        participant = self._start(campaign, self.partners[:1])
        self._run(campaign)
        first_call = self._tasks(participant)
        self._complete(first_call, user=first_call.user_id)
        self.assertEqual(participant.stage_id, stage_2)
        with freeze_time("2025-06-17 09:00:00"):
            participant._move_to_stage(stage_1)
        self.assertFalse(self._tasks(participant), "the open task of stage 2 is cancelled")
        self.assertEqual(participant.open_action_count, 1, "the call is to be made again")
        self._run(campaign, when="2025-06-17 10:00:00")
        second_call = self._tasks(participant)
        self.assertEqual(second_call.campaign_action_id, first_call.campaign_action_id)
        self.assertEqual(second_call.campaign_occurrence, 2)
        self.assertEqual(second_call.date_deadline, date(2025, 6, 18))
