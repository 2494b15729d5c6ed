from odoo import api
from odoo.addons.crm_campaign_stages.models.crm_campaign_engine import WorkingDayPlanner
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, new_test_user, tagged
from odoo.tests.common import get_db_name
from odoo.tools import SQL

OPERATOR_GROUPS = "base.group_user,crm_campaign_stages.group_crm_campaign_user"


@tagged("post_install", "-at_install")
class TestEngineConcurrency(BaseCase):
    """Two workers run the engine at once, each in its own committed transaction."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry = Registry(get_db_name())
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            cls.user_ids = [
                new_test_user(env, login, name=name, groups=OPERATOR_GROUPS, tz="Europe/Berlin").id
                for login, name in (
                    ("anna.concurrency.engine", "Anna Nowak"),
                    ("bernd.concurrency.engine", "Bernd Zieliński"),
                )
            ]
        cls.addClassCleanup(cls._remove_users)

    @classmethod
    def _remove_users(cls):
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            users = env["res.users"].browse(cls.user_ids)
            partners = users.partner_id
            env["mail.message"].search(
                ["|", ("author_id", "in", partners.ids), ("partner_ids", "in", partners.ids)]
            ).unlink()
            users.unlink()
            partners.unlink()

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {})
            partners = env["res.partner"].create(
                [
                    {"name": f"Concurrency Test Kunde {index}", "is_company": True}
                    for index in range(4)
                ]
            )
            self.partner_ids = partners.ids
            campaigns = env["crm.campaign"].create(
                [
                    {
                        "name": name,
                        "operator_user_ids": [Command.set(self.user_ids)],
                        "assignment_mode": "round_robin",
                        "notify_days_before": 30,
                        "target_partner_ids": [Command.set(partners.ids)],
                        "stage_ids": [
                            Command.create(
                                {
                                    "name": "Erstkontakt",
                                    "condition": "actions_done",
                                    "action_ids": [
                                        Command.create(
                                            {
                                                "name": "Anruf",
                                                "action_type": "call",
                                                "day_offset": 1,
                                            }
                                        )
                                    ],
                                }
                            )
                        ],
                    }
                    for name in ("Concurrency Test A", "Concurrency Test B")
                ]
            )
            campaigns.action_start()
            self.campaign_ids = campaigns.ids
        self.addCleanup(self._remove_records)

    def _remove_records(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            campaigns = env["crm.campaign"].browse(self.campaign_ids)
            participants = campaigns.participant_ids
            env["mail.message"].search(
                [
                    "|",
                    "&",
                    ("model", "=", "crm.campaign"),
                    ("res_id", "in", campaigns.ids),
                    "&",
                    ("model", "=", "crm.campaign.participant"),
                    ("res_id", "in", participants.ids),
                ]
            ).unlink()
            participants.unlink()
            campaigns.unlink()
            env["res.partner"].browse(self.partner_ids).unlink()

    def _state(self):
        """Per campaign: (tasks per participant, holders, notified tasks), and the number of
        advance notices per operator, as committed."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, api.SUPERUSER_ID, {"active_test": False})
            result = []
            for campaign in env["crm.campaign"].browse(self.campaign_ids):
                tasks = env["mail.activity"].search([("campaign_id", "=", campaign.id)])
                per_participant = sorted(
                    len(
                        tasks.filtered(
                            lambda task, p=participant: task.campaign_participant_id == p
                        )
                    )
                    for participant in campaign.participant_ids
                )
                result.append(
                    (
                        per_participant,
                        sorted(tasks.user_id.ids),
                        len(tasks.filtered("campaign_notified")),
                    )
                )
            users = env["res.users"].browse(self.user_ids)
            notices = [
                env["mail.message"].search_count(
                    [
                        ("model", "=", "crm.campaign"),
                        ("res_id", "in", self.campaign_ids),
                        ("partner_ids", "in", user.partner_id.ids),
                    ]
                )
                for user in users
            ]
            return result, notices

    def test_concurrent_runs_create_each_task_and_notice_once(self):
        # Worker 1 locks campaign A and processes it, but has not committed yet.
        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, api.SUPERUSER_ID, {})
            campaign_a = env1["crm.campaign"]._lock_for_engine(self.campaign_ids[0])
            self.assertTrue(campaign_a)
            participants = env1["crm.campaign.participant"]._lock_batch_for_engine(campaign_a)
            self.assertEqual(len(participants), 4)
            stats = participants._process_for_engine(WorkingDayPlanner(env1))
            self.assertEqual(stats["tasks"], 4)
            self.assertEqual(len(campaign_a._notify_due_tasks()), 4)
            # Worker 2 runs the whole engine, committing its batches: it leaves campaign A
            # to worker 1 and processes campaign B.
            with self.registry.cursor() as cr2:
                cr2.execute(SQL("SET LOCAL lock_timeout = '10s'"))
                env2 = api.Environment(cr2, api.SUPERUSER_ID, {})
                self.assertFalse(env2["crm.campaign"]._lock_for_engine(self.campaign_ids[0]))
                stats_2 = env2["crm.campaign"].browse(self.campaign_ids)._run_engine(commit=True)
            self.assertEqual(stats_2["tasks"], 4, "worker 2 did campaign B only")
        state = self._state()
        self.assertEqual(state[0][0], ([1, 1, 1, 1], sorted(self.user_ids), 4))
        self.assertEqual(state[0][1], ([1, 1, 1, 1], sorted(self.user_ids), 4))
        # One notice per operator and campaign.
        self.assertEqual(state[1], [2, 2])
        # A third run, after both: nothing changes.
        with self.registry.cursor() as cr3:
            env3 = api.Environment(cr3, api.SUPERUSER_ID, {})
            stats_3 = env3["crm.campaign"].browse(self.campaign_ids)._run_engine(commit=True)
        self.assertEqual(stats_3, {"tasks": 0, "moved": 0, "notified": 0})
        self.assertEqual(self._state(), state)

    def test_participant_held_by_a_user_is_left_for_the_next_run(self):
        # A user completing a task holds the first participant of campaign A.
        with self.registry.cursor() as cr1:
            env1 = api.Environment(cr1, api.SUPERUSER_ID, {})
            held = env1["crm.campaign"].browse(self.campaign_ids[0]).participant_ids.sorted("id")[0]
            held._lock_for_engine()
            with self.registry.cursor() as cr2:
                cr2.execute(SQL("SET LOCAL lock_timeout = '10s'"))
                env2 = api.Environment(cr2, api.SUPERUSER_ID, {})
                stats = env2["crm.campaign"].browse(self.campaign_ids)._run_engine(commit=True)
            self.assertEqual(stats["tasks"], 7, "all but the held participant")
        with self.registry.cursor() as cr3:
            env3 = api.Environment(cr3, api.SUPERUSER_ID, {})
            stats = env3["crm.campaign"].browse(self.campaign_ids)._run_engine(commit=True)
        self.assertEqual(stats["tasks"], 1, "the held participant gets its task next run")
        self.assertEqual(self._state()[0][0][0], [1, 1, 1, 1])
