from contextlib import contextmanager
from datetime import date, datetime
from unittest.mock import patch

from psycopg2.errors import UniqueViolation

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import TransactionCase, freeze_time, new_test_user, tagged
from odoo.tools import SQL, mute_logger

OPERATOR_GROUPS = "base.group_user,crm_campaign_stages.group_crm_campaign_user"
MANAGER_GROUPS = "base.group_user,crm_campaign_stages.group_crm_campaign_manager"


class CampaignEngineCase(TransactionCase):
    """A team of three operators in Berlin working Monday to Friday, and customers in
    Germany, Switzerland and Poland. June 2025: Friday 6, Whit Monday 9 (a public holiday
    added by the tests that need it), Friday 13, Monday 16."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.env["resource.calendar"].create(
            {"name": "Vertrieb 40 Stunden", "tz": "Europe/Berlin"}
        )
        cls.env.company.resource_calendar_id = cls.calendar
        cls.anna = new_test_user(
            cls.env, "anna.engine", name="Anna Schulz", groups=OPERATOR_GROUPS, tz="Europe/Berlin"
        )
        cls.bernd = new_test_user(
            cls.env, "bernd.engine", name="Bernd Keller", groups=OPERATOR_GROUPS, tz="Europe/Berlin"
        )
        cls.clara = new_test_user(
            cls.env, "clara.engine", name="Clara Vogt", groups=OPERATOR_GROUPS, tz="Europe/Berlin"
        )
        cls.manager = new_test_user(
            cls.env, "maria.engine", name="Maria Brandt", groups=MANAGER_GROUPS, tz="Europe/Berlin"
        )
        cls.partners = cls.env["res.partner"].create(
            [
                {"name": "Müller Test Maschinenbau GmbH", "is_company": True, "city": "Stuttgart"},
                {"name": "Alpen Test Präzision AG", "is_company": True, "city": "Zürich"},
                {
                    "name": "Kowalski Test Dystrybucja Sp. z o.o.",
                    "is_company": True,
                    "city": "Łódź",
                },
                {"name": "Bergmann Test Datenbanken KG", "is_company": True, "city": "Leipzig"},
            ]
        )
        cls.call_type = cls.env.ref("mail.mail_activity_data_call")

    @classmethod
    def _make_campaign(cls, stages, **values):
        """A campaign with ``stages``: a list of lists of action values, one list per stage."""
        return cls.env["crm.campaign"].create(
            {
                "name": "Frühjahrsaktion Werkzeugmaschinen",
                "user_id": cls.manager.id,
                "operator_user_ids": [Command.set((cls.anna | cls.bernd | cls.clara).ids)],
                "assignment_mode": "round_robin",
                "notify_days_before": 1,
                "stage_ids": [
                    Command.create(
                        {
                            "name": f"Stufe {index + 1}",
                            "sequence": index + 1,
                            "condition": "actions_done",
                            "action_ids": [Command.create(action) for action in actions],
                        }
                    )
                    for index, actions in enumerate(stages)
                ],
                **values,
            }
        )

    @staticmethod
    def _call(**values):
        return {"name": "Anruf Bedarf klären", "action_type": "call", "day_offset": 1, **values}

    def _start(self, campaign, partners, when="2025-06-13 09:00:00"):
        with freeze_time(when):
            campaign.target_partner_ids = [Command.set(partners.ids)]
            campaign.action_start()
        return campaign.participant_ids.sorted("id")

    @contextmanager
    def _no_commit(self):
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf")
        ) as progress:
            yield progress

    def _run(self, campaigns, when="2025-06-13 10:00:00"):
        with freeze_time(when):
            return campaigns._run_engine()

    def _tasks(self, participants, active=True):
        domain = [("campaign_participant_id", "in", participants.ids)]
        if active is not None:
            domain.append(("active", "=", active))
        return (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(domain, order="campaign_participant_id, campaign_action_id, id")
        )

    def _notices(self, campaign, user):
        return self.env["mail.message"].search(
            [
                ("model", "=", "crm.campaign"),
                ("res_id", "=", campaign.id),
                ("partner_ids", "in", user.partner_id.ids),
                ("subject", "ilike", "due soon"),
            ]
        )

    def _complete(self, tasks, user=None, when="2025-06-16 11:00:00", feedback=False):
        with freeze_time(when):
            tasks = tasks.with_user(user) if user else tasks
            tasks.action_feedback(feedback=feedback)
            self.env.flush_all()


@tagged("post_install", "-at_install")
class TestEngine(CampaignEngineCase):
    def test_engine_creates_one_task_per_participant_and_action(self):
        campaign = self._make_campaign(
            [[self._call(), {"name": "Angebot per Post", "action_type": "letter", "day_offset": 3}]]
        )
        participants = self._start(campaign, self.partners[:2])
        stats = self._run(campaign)
        tasks = self._tasks(participants)
        self.assertEqual(stats["tasks"], 4)
        self.assertEqual(len(tasks), 4)
        call = tasks.filtered(lambda task: task.campaign_action_id.action_type == "call")[0]
        self.assertEqual(call.res_model, "crm.campaign.participant")
        self.assertEqual(call.res_id, participants[0].id)
        self.assertEqual(call.activity_type_id, self.call_type)
        self.assertEqual(call.summary, "Anruf Bedarf klären")
        self.assertEqual(call.campaign_id, campaign)
        self.assertEqual(call.campaign_stage_id, participants[0].stage_id)
        self.assertEqual(call.campaign_occurrence, 1)
        self.assertTrue(call.automated)
        self.assertEqual(participants.mapped("open_action_count"), [2, 2])

    def test_running_the_engine_twice_creates_nothing_more(self):
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners)
        self._run(campaign)
        first = self._tasks(participants)
        stats = self._run(campaign, when="2025-06-13 11:00:00")
        self.assertEqual(stats, {"tasks": 0, "moved": 0, "notified": 0})
        self.assertEqual(self._tasks(participants), first)
        self.assertEqual(len(first), 4)

    def test_a_task_cannot_exist_twice(self):
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners[:1])
        self._run(campaign)
        task = self._tasks(participants)
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation):
            task.copy({"date_deadline": task.date_deadline})
            self.env.flush_all()

    def test_draft_and_cancelled_campaigns_get_no_tasks(self):
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners[:2])
        self._run(campaign)
        self.assertEqual(len(self._tasks(participants)), 2)
        campaign.action_cancel()
        self.assertFalse(self._tasks(participants), "open tasks of a cancelled campaign go")
        self.assertEqual(self._run(campaign)["tasks"], 0)

    def test_cron_processes_all_running_campaigns_in_batches(self):
        first = self._make_campaign([[self._call()]])
        second = self._make_campaign([[self._call(responsible_rule="campaign_user")]])
        participants = self._start(first, self.partners) | self._start(second, self.partners[:2])
        with self._no_commit() as progress, freeze_time("2025-06-13 10:00:00"):
            self.env["crm.campaign"]._cron_run_engine(batch_size=3)
        self.assertEqual(len(self._tasks(participants)), 6)
        processed = sum(call.args[0] for call in progress.call_args_list if call.args)
        self.assertEqual(processed, 6)
        self.assertEqual(progress.call_args_list[0].kwargs, {"remaining": 6})

    def test_manager_runs_the_engine_from_the_campaign(self):
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners[:2])
        with freeze_time("2025-06-13 10:00:00"):
            action = campaign.with_user(self.manager).action_run_engine()
        self.assertEqual(action["tag"], "display_notification")
        self.assertIn("2", action["params"]["message"])
        self.assertEqual(len(self._tasks(participants)), 2)

    def test_operator_cannot_run_the_engine(self):
        campaign = self._make_campaign([[self._call()]])
        self._start(campaign, self.partners[:1])
        with self.assertRaises(UserError):
            campaign.with_user(self.anna).action_run_engine()
        with self.assertRaises(AccessError):
            campaign.with_user(self.anna).write({"last_operator_id": self.anna.id})

    def test_engine_refuses_a_draft_campaign(self):
        campaign = self._make_campaign([[self._call()]])
        with self.assertRaises(UserError):
            campaign.with_user(self.manager).action_run_engine()


@tagged("post_install", "-at_install")
class TestAssignment(CampaignEngineCase):
    def test_round_robin_goes_around_the_team_and_remembers_its_place(self):
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners[:3] | self.partners[3])
        self._run(campaign)
        self.assertEqual(
            self._tasks(participants).mapped("user_id"),
            self.anna | self.bernd | self.clara | self.anna,
        )
        # the list keeps the order of the records: check each task
        users = [task.user_id for task in self._tasks(participants)]
        self.assertEqual(users, [self.anna, self.bernd, self.clara, self.anna])
        self.assertEqual(campaign.last_operator_id, self.anna)
        # A partner added later gets the next operator.
        newcomer = self.env["res.partner"].create({"name": "Nowak Test Software S.A."})
        with freeze_time("2025-06-13 12:00:00"):
            added = campaign._add_participants(newcomer)
        self._run(campaign, when="2025-06-13 12:30:00")
        self.assertEqual(self._tasks(added).user_id, self.bernd)
        self.assertEqual(campaign.last_operator_id, self.bernd)

    def test_least_loaded_gives_the_task_to_the_operator_with_fewest_open_tasks(self):
        # Anna holds two open campaign tasks and Clara one from another campaign.
        other = self._make_campaign(
            [
                [
                    self._call(responsible_rule="user", user_id=self.anna.id),
                    self._call(name="Rückruf", responsible_rule="user", user_id=self.anna.id),
                ],
            ]
        )
        self._start(other, self.partners[:1])
        third = self._make_campaign([[self._call(responsible_rule="user", user_id=self.clara.id)]])
        self._start(third, self.partners[:1])
        self._run(other | third)
        campaign = self._make_campaign([[self._call()]], assignment_mode="least_loaded")
        participants = self._start(campaign, self.partners[1:])
        self._run(campaign)
        users = [task.user_id for task in self._tasks(participants)]
        self.assertEqual(users, [self.bernd, self.bernd, self.clara])

    def test_responsible_rules(self):
        self.partners[0].user_id = self.clara
        campaign = self._make_campaign(
            [
                [
                    self._call(name="Team"),
                    self._call(name="Verantwortlich", responsible_rule="campaign_user"),
                    self._call(name="Vertrieb", responsible_rule="salesperson"),
                    self._call(name="Fest", responsible_rule="user", user_id=self.bernd.id),
                ]
            ]
        )
        participants = self._start(campaign, self.partners[:2])
        self._run(campaign)
        tasks = self._tasks(participants)

        def holder(participant, name):
            return tasks.filtered(
                lambda task: task.campaign_participant_id == participant and task.summary == name
            ).user_id

        self.assertEqual(holder(participants[0], "Verantwortlich"), self.manager)
        self.assertEqual(holder(participants[0], "Vertrieb"), self.clara)
        self.assertEqual(holder(participants[0], "Fest"), self.bernd)
        # No salesperson: the team takes the task.
        self.assertIn(holder(participants[1], "Vertrieb"), self.anna | self.bernd | self.clara)
        self.assertIn(holder(participants[0], "Team"), self.anna | self.bernd | self.clara)


@tagged("post_install", "-at_install")
class TestDueDates(CampaignEngineCase):
    def _due(self, campaign, participants, when):
        self._run(campaign, when=when)
        return self._tasks(participants).mapped("date_deadline")

    def test_due_date_skips_the_weekend(self):
        campaign = self._make_campaign(
            [[self._call(), self._call(name="Nachfassen", day_offset=3)]]
        )
        participants = self._start(campaign, self.partners[:1], when="2025-06-13 09:00:00")
        self.assertEqual(
            sorted(self._due(campaign, participants, "2025-06-13 10:00:00")),
            [date(2025, 6, 16), date(2025, 6, 18)],
        )

    def test_offset_zero_on_a_saturday_is_due_on_monday(self):
        campaign = self._make_campaign([[self._call(day_offset=0)]])
        participants = self._start(campaign, self.partners[:1], when="2025-06-14 09:00:00")
        self.assertEqual(
            self._due(campaign, participants, "2025-06-14 10:00:00"), [date(2025, 6, 16)]
        )

    def test_due_date_skips_a_public_holiday(self):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Pfingstmontag",
                "calendar_id": False,
                "company_id": self.env.company.id,
                "date_from": datetime(2025, 6, 8, 22, 0),
                "date_to": datetime(2025, 6, 9, 21, 59, 59),
            }
        )
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners[:1], when="2025-06-06 09:00:00")
        self.assertEqual(
            self._due(campaign, participants, "2025-06-06 10:00:00"), [date(2025, 6, 10)]
        )

    def test_due_date_follows_the_operators_own_working_time(self):
        four_days = self.env["resource.calendar"].create(
            {
                "name": "Teilzeit Montag bis Donnerstag",
                "tz": "Europe/Berlin",
                "attendance_ids": [
                    Command.create(
                        {
                            "name": "Arbeitstag",
                            "dayofweek": str(day),
                            "hour_from": 8,
                            "hour_to": 16,
                        }
                    )
                    for day in range(4)
                ],
            }
        )
        self.env["resource.resource"].create(
            {
                "name": self.clara.name,
                "user_id": self.clara.id,
                "calendar_id": four_days.id,
                "tz": "Europe/Berlin",
            }
        )
        self.assertEqual(self.clara.resource_calendar_id, four_days)
        campaign = self._make_campaign(
            [
                [
                    self._call(day_offset=2, responsible_rule="user", user_id=self.clara.id),
                    self._call(
                        name="Rückruf", day_offset=2, responsible_rule="user", user_id=self.bernd.id
                    ),
                ]
            ]
        )
        # Wednesday 11 June: Thursday is the first working day for both; Friday is the
        # second for Bernd, Monday for Clara.
        participants = self._start(campaign, self.partners[:1], when="2025-06-11 09:00:00")
        self._run(campaign, when="2025-06-11 10:00:00")
        tasks = self._tasks(participants)
        self.assertEqual(
            tasks.filtered(lambda task: task.user_id == self.clara).date_deadline,
            date(2025, 6, 16),
        )
        self.assertEqual(
            tasks.filtered(lambda task: task.user_id == self.bernd).date_deadline,
            date(2025, 6, 13),
        )


@tagged("post_install", "-at_install")
class TestAbsentOperators(CampaignEngineCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Anna is on vacation from Monday 16 to Friday 20 June 2025.
        cls.env["crm.absence"].create(
            {
                "user_id": cls.anna.id,
                "date_from": date(2025, 6, 16),
                "date_to": date(2025, 6, 20),
                "deputy_user_id": cls.bernd.id,
            }
        )

    def test_absent_operator_is_skipped(self):
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners[:3])
        self._run(campaign)
        tasks = self._tasks(participants)
        self.assertNotIn(self.anna, tasks.user_id)
        self.assertEqual([task.user_id for task in tasks], [self.bernd, self.clara, self.bernd])
        self.assertEqual(set(tasks.mapped("date_deadline")), {date(2025, 6, 16)})

    def test_operator_back_before_the_due_date_gets_the_task(self):
        campaign = self._make_campaign([[self._call(day_offset=6)]])
        participants = self._start(campaign, self.partners[:1])
        self._run(campaign)
        task = self._tasks(participants)
        # Due Monday 23: Anna is back.
        self.assertEqual(task.user_id, self.anna)
        self.assertEqual(task.date_deadline, date(2025, 6, 23))

    def test_when_the_whole_team_is_absent_the_task_waits_for_the_first_back(self):
        campaign = self._make_campaign([[self._call()]])
        campaign.operator_user_ids = self.anna
        participants = self._start(campaign, self.partners[:1])
        self._run(campaign)
        task = self._tasks(participants)
        self.assertEqual(task.user_id, self.anna)
        self.assertEqual(task.date_deadline, date(2025, 6, 23))

    def test_fixed_user_task_is_due_after_the_absence(self):
        campaign = self._make_campaign(
            [[self._call(responsible_rule="user", user_id=self.anna.id)]]
        )
        participants = self._start(campaign, self.partners[:1])
        self._run(campaign)
        self.assertEqual(self._tasks(participants).date_deadline, date(2025, 6, 23))


@tagged("post_install", "-at_install")
class TestAdvanceNotice(CampaignEngineCase):
    def test_operator_is_notified_once_before_the_due_date(self):
        campaign = self._make_campaign(
            [[self._call(responsible_rule="user", user_id=self.anna.id)]]
        )
        participants = self._start(campaign, self.partners[:2])
        # Friday: due Monday, more than one day ahead.
        self._run(campaign, when="2025-06-13 10:00:00")
        tasks = self._tasks(participants)
        self.assertFalse(any(tasks.mapped("campaign_notified")))
        self.assertFalse(self._notices(campaign, self.anna))
        # Sunday: one day before.
        stats = self._run(campaign, when="2025-06-15 07:00:00")
        self.assertEqual(stats["notified"], 2)
        self.assertTrue(all(tasks.mapped("campaign_notified")))
        notice = self._notices(campaign, self.anna)
        self.assertEqual(len(notice), 1, "one message listing both tasks")
        self.assertIn("Müller Test Maschinenbau", notice.body)
        self.assertIn("Alpen Test Präzision", notice.body)
        # Monday: nothing more.
        self.assertEqual(self._run(campaign, when="2025-06-16 07:00:00")["notified"], 0)
        self.assertEqual(len(self._notices(campaign, self.anna)), 1)

    def test_notice_period_is_set_per_campaign(self):
        campaign = self._make_campaign(
            [[self._call(day_offset=5, responsible_rule="user", user_id=self.bernd.id)]],
            notify_days_before=3,
        )
        participants = self._start(campaign, self.partners[:1])
        # Due Friday 20: notified from Tuesday 17 on.
        self._run(campaign, when="2025-06-16 10:00:00")
        self.assertFalse(self._tasks(participants).campaign_notified)
        self._run(campaign, when="2025-06-17 10:00:00")
        self.assertTrue(self._tasks(participants).campaign_notified)
        self.assertEqual(len(self._notices(campaign, self.bernd)), 1)


@tagged("post_install", "-at_install")
class TestEngineBatchWork(CampaignEngineCase):
    """What the engine does for a whole batch at once must equal what the ORM gives record
    by record: the campaign's indicators, the operators following their participants, the
    tasks' stored values."""

    def _silently_done(self, tasks):
        """Tasks done without their completion's follow-up (as in the operators' lists when
        the engine did not run yet)."""
        tasks.write({"active": False})
        self.env.flush_all()

    def _expected_indicators(self, campaign):
        participants = campaign.with_context(active_test=False).participant_ids
        running = participants.filtered(lambda p: p.state == "running")
        won = participants.filtered(lambda p: p.state == "won")
        lost = participants.filtered(lambda p: p.state == "lost")
        return {
            "participant_count": len(participants),
            "running_count": len(running),
            "won_count": len(won),
            "lost_count": len(lost),
            "contacted_count": len(participants.filtered("contacted")),
            "conversion_rate": 100.0 * len(won) / (len(won) + len(lost)) if won or lost else 0.0,
            "expected_value": sum(running.mapped("expected_value")),
            "won_value": sum(won.mapped("deal_value")),
        }

    def _stored_indicators(self, campaign, names):
        self.env.invalidate_all()
        self.env.cr.execute(
            SQL(
                "SELECT %s FROM crm_campaign WHERE id = %s",
                SQL(", ").join(SQL.identifier(name) for name in names),
                campaign.id,
            )
        )
        return dict(zip(names, self.env.cr.fetchone(), strict=True))

    def _check_indicators(self, campaign):
        expected = self._expected_indicators(campaign)
        stored = self._stored_indicators(campaign, list(expected))
        for name, value in expected.items():
            self.assertAlmostEqual(float(stored[name]), float(value), 2, name)
        return expected

    def test_indicators_are_exact_after_a_run_in_batches(self):
        campaign = self._make_campaign([[self._call()]])
        campaign.stage_ids.write({"deal_value": 8000.0, "probability": 25.0})
        participants = self._start(campaign, self.partners)
        self._run(campaign)
        # Two participants' tasks were done: the engine ends them as won (last stage).
        self._silently_done(self._tasks(participants[:2]))
        participants[3].contacted = True
        self.env.flush_all()
        compute = type(campaign)._compute_indicators
        with (
            patch.object(
                type(campaign), "_compute_indicators", autospec=True, side_effect=compute
            ) as computed,
            freeze_time("2025-06-16 10:00:00"),
        ):
            stats = campaign._run_engine(batch_size=1)
            self.env.flush_all()
        self.assertEqual(stats["moved"], 2)
        self.assertEqual(computed.call_count, 1, "computed once for the run, not per batch")
        expected = self._check_indicators(campaign)
        self.assertEqual(expected["won_count"], 2)
        self.assertEqual(expected["running_count"], 2)
        self.assertEqual(expected["contacted_count"], 1)
        self.assertEqual(expected["won_value"], 16000.0)
        self.assertEqual(expected["expected_value"], 4000.0)
        self.assertEqual(campaign.conversion_rate, 100.0)

    def test_scheduled_run_leaves_exact_indicators_when_it_stops_early(self):
        campaign = self._make_campaign([[self._call()], [self._call(name="Nachfassen")]])
        first, second = campaign.stage_ids.sorted("sequence")
        first.write({"deal_value": 1000.0, "probability": 10.0})
        second.write({"deal_value": 5000.0, "probability": 50.0})
        participants = self._start(campaign, self.partners)
        self._run(campaign)
        self._silently_done(self._tasks(participants))
        # The scheduled action's time is up after the first batch of two.
        with (
            patch.object(
                type(self.env["ir.cron"]), "_commit_progress", side_effect=[1.0, 0.0, 0.0]
            ),
            freeze_time("2025-06-16 10:00:00"),
        ):
            stats = campaign._run_engine(batch_size=2, commit=True)
        self.assertEqual(stats["moved"], 2)
        in_second = participants.filtered(lambda p: p.stage_id.sequence == 2)
        self.assertEqual(len(in_second), 2)
        stored = self._stored_indicators(campaign, ["running_count", "expected_value"])
        self.assertEqual(stored["running_count"], 4)
        # two participants at 10 % of 1,000, two moved on to 50 % of 5,000
        self.assertAlmostEqual(float(stored["expected_value"]), 5200.0, 2)

    def test_operators_follow_their_participants_as_with_a_plain_activity(self):
        campaign = self._make_campaign([[self._call()]])
        participants = self._start(campaign, self.partners[:3])
        first, second, third = participants
        # The reference: a task of the same action created through mail.activity's create.
        action = campaign.stage_ids.action_ids
        model_id = self.env["ir.model"]._get_id("crm.campaign.participant")
        with freeze_time("2025-06-13 10:00:00"):
            reference = (
                self.env["mail.activity"]
                .sudo()
                .with_context(mail_activity_quick_update=True)
                .create(
                    second._prepare_campaign_task_values(
                        action, 1, self.clara, date(2025, 6, 16), model_id
                    )
                )
            )
        # Anna already follows the third participant: she is not added twice.
        third.message_subscribe(partner_ids=self.anna.partner_id.ids)
        self.assertIn(self.clara.partner_id, second.message_partner_ids)
        self._run(campaign)
        tasks = self._tasks(first | third)
        self.assertEqual(tasks.user_id, self.anna | self.bernd)
        created = {task.campaign_participant_id: task for task in tasks}

        def subscription(participant, user):
            follower = participant.message_follower_ids.filtered(
                lambda follower: follower.partner_id == user.partner_id
            )
            self.assertEqual(len(follower), 1, f"{user.name} follows {participant.display_name}")
            return follower.subtype_ids

        # read right after the run: the cache knows the new followers
        task = created[first]
        self.assertIn(task.user_id.partner_id, first.message_partner_ids)
        self.assertTrue(first.with_user(task.user_id).message_is_follower)
        self.assertEqual(subscription(first, task.user_id), subscription(second, self.clara))
        self.assertTrue(subscription(first, task.user_id))
        self.assertEqual(len(third.message_follower_ids.partner_id & self.anna.partner_id), 1)
        # the stored values are the ones mail.activity's create gives
        self.assertEqual(task.res_name, first.display_name)
        self.assertEqual(reference.res_name, second.display_name)
        self.env.invalidate_all()
        own = {"id", "res_id", "res_name", "campaign_participant_id", "user_id"}
        own |= {"create_date", "write_date"}
        for name, field in task._fields.items():
            if field.store and name not in own:
                self.assertEqual(task[name], reference[name], name)
        self.assertEqual(task.res_model, "crm.campaign.participant")
        self.assertEqual(task.user_tz, "Europe/Berlin")
        self.assertTrue(task.active)
        self.assertIn(task, first.activity_ids)

    def test_notified_tasks_are_written_as_the_orm_writes_them(self):
        campaign = self._make_campaign(
            [[self._call(day_offset=0, responsible_rule="user", user_id=self.anna.id)]]
        )
        participants = self._start(campaign, self.partners[:2])
        campaign.notify_days_before = 0
        with freeze_time("2025-06-12 10:00:00"):
            campaign._run_engine()  # due Friday 13: not notified yet
            self.env.flush_all()
        tasks = self._tasks(participants)
        self.assertEqual(len(tasks), 2)
        # the reference: the flag written through the ORM, on one task, by the manager
        reference, task = tasks
        tasks.write({"crm_exchange_dirty": False})
        reference.with_user(self.manager).sudo().write({"campaign_notified": True})
        self.env.flush_all()
        reference.invalidate_recordset()
        self.assertTrue(task.campaign_participant_id)
        self.assertFalse(task.campaign_notified)
        with freeze_time("2025-06-13 07:00:00"):
            stats = campaign.with_user(self.manager).sudo()._run_engine()
        self.assertEqual(stats["notified"], 1)
        self.assertTrue(task.campaign_notified, "read after the run: the cache knows it")
        self.env.invalidate_all()
        self.assertTrue(task.campaign_notified)
        self.assertEqual(task.write_uid, reference.write_uid)
        self.assertEqual(task.write_uid, self.manager)
        self.assertEqual(task.write_date, reference.write_date)
        self.assertFalse(task.crm_exchange_dirty, "not a field Exchange syncs")
        self.assertEqual(len(self._notices(campaign, self.anna)), 1)

    def _stored(self, tasks, names):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, %s FROM mail_activity WHERE id IN %s ORDER BY id",
                SQL(", ").join(SQL.identifier(name) for name in names),
                tuple(tasks.ids),
            )
        )
        return self.env.cr.fetchall()

    def test_record_names_and_time_zones_given_are_the_computed_ones(self):
        dora = new_test_user(
            self.env, "dora.engine", name="Dora Lange", groups=OPERATOR_GROUPS, tz=False
        )
        person = self.env["res.partner"].create(
            {"name": "Jana Krüger", "parent_id": self.partners[0].id, "city": "Stuttgart"}
        )
        campaign = self._make_campaign(
            [
                [
                    self._call(responsible_rule="user", user_id=self.anna.id),
                    self._call(name="Angebot senden", responsible_rule="user", user_id=dora.id),
                ]
            ]
        )
        participants = self._start(campaign, self.partners[1] | person)
        self._run(campaign)
        tasks = self._tasks(participants)
        self.assertEqual(len(tasks), 4)
        names = ["res_name", "user_tz"]
        # kept as given: nothing left to compute after the create
        for name in names:
            self.assertFalse(self.env.records_to_compute(tasks._fields[name]) & tasks, name)
        given = self._stored(tasks, names)
        by_partner = {
            task.campaign_participant_id.partner_id: (task.res_name, task.user_tz)
            for task in tasks
            if task.user_id == dora
        }
        self.assertEqual(by_partner[person], ("Müller Test Maschinenbau GmbH, Jana Krüger", False))
        self.assertEqual(by_partner[self.partners[1]][0], "Alpen Test Präzision AG")
        self.assertEqual(
            set(tasks.filtered(lambda task: task.user_id == self.anna).mapped("user_tz")),
            {"Europe/Berlin"},
        )
        # what the ORM computes for them
        self.env.invalidate_all()
        for name in names:
            self.env.add_to_compute(tasks._fields[name], tasks)
        self.assertEqual(self._stored(tasks, names), given)

    def test_a_plain_create_still_computes_the_record_name(self):
        campaign = self._make_campaign([[self._call()]])
        participant = self._start(campaign, self.partners[:1])
        activity = (
            self.env["mail.activity"]
            .sudo()
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("crm.campaign.participant"),
                    "res_id": participant.id,
                    "activity_type_id": self.call_type.id,
                    "user_id": self.anna.id,
                    "res_name": "Falscher Name",
                    "user_tz": "Europe/Warsaw",
                }
            )
        )
        self.assertEqual(
            self._stored(activity, ["res_name", "user_tz"]),
            [(activity.id, "Müller Test Maschinenbau GmbH", "Europe/Berlin")],
        )

    def test_engine_batches_classify_their_tasks_as_mail_does(self):
        from odoo.addons.crm_campaign_stages.models.mail_activity import BULK_CONTEXT_KEY

        campaign = self._make_campaign([[self._call(), self._call(name="Angebot senden")]])
        participants = self._start(campaign, self.partners[:3])
        self._run(campaign)
        other = (
            self.env["mail.activity"]
            .sudo()
            .create(
                {
                    "res_model_id": self.env["ir.model"]._get_id("res.partner"),
                    "res_id": self.partners[3].id,
                    "activity_type_id": self.call_type.id,
                    "user_id": self.anna.id,
                }
            )
        )
        tasks = self._tasks(participants)
        activities = tasks[:3] + other + tasks[3:]
        reference = activities._classify_by_model()
        bulk = activities.with_context(**{BULK_CONTEXT_KEY: True})._classify_by_model()
        self.assertEqual(list(bulk), ["crm.campaign.participant", "res.partner"])
        self.assertEqual(list(bulk), list(reference))
        for model, data in reference.items():
            self.assertEqual(bulk[model]["activities"].ids, data["activities"].ids, model)
            self.assertEqual(bulk[model]["record_ids"], data["record_ids"], model)
        self.assertEqual(bulk["crm.campaign.participant"]["activities"], tasks)
        self.assertEqual(bulk["res.partner"]["record_ids"], self.partners[3].ids)
