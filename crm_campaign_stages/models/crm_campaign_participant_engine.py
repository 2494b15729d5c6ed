from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL

from .crm_campaign_engine import BATCH_SIZE, WorkingDayPlanner
from .mail_activity import BULK_CONTEXT_KEY

CRON_XMLID = "crm_campaign_stages.ir_cron_campaign_engine"


class CrmCampaignParticipant(models.Model):
    """What the campaign engine does for each participant: the tasks of the actions of its
    stage, assigned to an operator and due in their working time, the repeats of repeat
    actions, and the move to the next stage once the stage's actions are all done."""

    _inherit = "crm.campaign.participant"

    campaign_task_ids = fields.One2many(
        "mail.activity",
        "campaign_participant_id",
        string="Campaign Tasks",
        readonly=True,
        context={"active_test": False},
    )
    open_action_count = fields.Integer(
        string="Open Actions",
        compute="_compute_open_action_count",
        help="Actions of the current stage not done yet.",
    )

    def _compute_open_action_count(self):
        counts = self._get_open_action_count()
        for participant in self:
            participant.open_action_count = counts.get(participant.id, 0)

    def write(self, vals):
        res = super().write(vals)
        if {"stage_id", "state", "date_stage_entered"} & vals.keys():
            self._cancel_stale_campaign_tasks()
        return res

    def message_subscribe(self, partner_ids=None, subtype_ids=None):
        # The engine subscribed the users of the tasks it creates before creating them
        # (``_subscribe_task_users``): mail.activity's create need not check them again.
        subscribed = self.env.context.get("crm_campaign_subscribed")
        if (
            subscribed
            and partner_ids
            and not subtype_ids
            and all((res_id, pid) in subscribed for res_id in self.ids for pid in partner_ids)
        ):
            return True
        return super().message_subscribe(partner_ids=partner_ids, subtype_ids=subtype_ids)

    # ------------------------------------------------------------
    # Stage condition
    # ------------------------------------------------------------

    def _get_open_action_count(self):
        """{participant id: actions of its current stage not done yet}.

        An action is done once a task of it was completed since the participant entered the
        stage: open tasks and actions whose task is not generated yet count as open; a repeat
        action counts as done after its first completion.
        """
        counts = dict.fromkeys(self.ids, 0)
        participants = self.filtered("stage_id")
        if not participants:
            return counts
        done_keys = participants._get_done_action_keys()
        for participant in participants:
            entered = participant._get_stage_entered()
            counts[participant.id] = sum(
                1
                for action in participant.stage_id.action_ids
                if (participant.id, action.id, entered) not in done_keys
            )
        return counts

    def _get_done_action_keys(self):
        """{(participant id, action id, stage entered)} of the completed campaign tasks."""
        tasks = (
            self.env["mail.activity"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                Domain("campaign_participant_id", "in", self.ids)
                & Domain("campaign_action_id", "!=", False)
                & Domain("active", "=", False),
                ["campaign_participant_id", "campaign_action_id", "campaign_stage_entered"],
            )
        )
        return {
            (
                task.campaign_participant_id.id,
                task.campaign_action_id.id,
                task.campaign_stage_entered,
            )
            for task in tasks
        }

    def _get_stage_entered(self):
        self.ensure_one()
        return self.date_stage_entered or self.create_date

    # ------------------------------------------------------------
    # Engine
    # ------------------------------------------------------------

    def _engine_domain(self, campaign_ids):
        return SQL(
            "campaign_id IN %(campaign_ids)s AND state = 'running' AND stage_id IS NOT NULL",
            campaign_ids=tuple(campaign_ids) or (0,),
        )

    def _count_for_engine(self, campaign_ids):
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(*) FROM crm_campaign_participant WHERE %s",
                self._engine_domain(campaign_ids),
            )
        )
        return self.env.cr.fetchone()[0]

    def _lock_batch_for_engine(self, campaign, after_id=0, limit=BATCH_SIZE):
        """Lock the next running participants of the campaign; those another transaction
        holds (a worker, a user completing a task) are skipped."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT id
                  FROM crm_campaign_participant
                 WHERE id > %(after_id)s AND %(condition)s
              ORDER BY id
                 LIMIT %(limit)s
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                after_id=after_id,
                condition=self._engine_domain(campaign.ids),
                limit=limit,
            )
        )
        participants = self.browse(row[0] for row in self.env.cr.fetchall())
        # Another transaction may have changed them since they were last read.
        participants.invalidate_recordset()
        return participants

    def _lock_for_engine(self):
        """Wait for and lock these participants (a user completing their task)."""
        if not self:
            return
        self.env.cr.execute(
            SQL(
                "SELECT id FROM crm_campaign_participant WHERE id IN %s ORDER BY id "
                "FOR NO KEY UPDATE",
                tuple(self.ids),
            )
        )
        self.invalidate_recordset()

    def _process_for_engine(self, planner):
        """One batch of the engine on these locked participants."""
        moved = self._check_stage_condition()
        tasks = self._generate_campaign_tasks(planner)
        return {"tasks": len(tasks), "moved": len(moved)}

    # ------------------------------------------------------------
    # Task generation
    # ------------------------------------------------------------

    def _generate_campaign_tasks(self, planner=None):
        """Create the missing tasks of the participants' current stage: the first task of
        each action, and the next occurrence of a repeat action whose last task was done.

        :return: the created tasks
        """
        Activity = self.env["mail.activity"].sudo()
        participants = self.sudo().filtered(
            lambda participant: participant.state == "running"
            and participant.stage_id
            and participant.campaign_id.state == "running"
            and participant.campaign_id.active
        )
        if not participants:
            return Activity
        planner = planner or WorkingDayPlanner(self.env)
        to_create = participants._get_missing_campaign_tasks()
        if not to_create:
            return Activity
        model_id = self.env["ir.model"]._get_id(self._name)
        vals_list = []
        texts = {}
        campaigns = participants.campaign_id
        for campaign in campaigns:
            todo = [item for item in to_create if item[0].campaign_id == campaign]
            if not todo:
                continue
            assigner = _Assigner(campaign, planner)
            for participant, action, occurrence, start, offset in todo:
                user, due = assigner.assign(participant, action, start, offset)
                vals_list.append(
                    participant._prepare_campaign_task_values(
                        action, occurrence, user, due, model_id, texts
                    )
                )
            assigner.save_pointer()
        # What mail.activity's create does record by record, done for the whole batch: the
        # assigned users follow the participants (create then knows they follow), and the
        # tasks' record name (the participant's name) and user time zone are read for all
        # at once (the ORM still computes them after the insert: it finds them right).
        subscribed = participants._subscribe_task_users(
            [(vals["res_id"], vals["user_id"]) for vals in vals_list if vals["user_id"]]
        )
        Activity = Activity.with_context(
            mail_activity_quick_update=True,
            crm_campaign_subscribed=subscribed,
            **{BULK_CONTEXT_KEY: True},
        )
        names = {
            participant.id: participant.display_name
            for participant in participants.with_env(Activity.env)
        }
        users = self.env["res.users"].sudo().browse({vals["user_id"] for vals in vals_list})
        time_zones = {user.id: user.tz for user in users}
        for vals in vals_list:
            vals["res_name"] = names[vals["res_id"]]
            vals["user_tz"] = time_zones.get(vals["user_id"], False)
        return Activity.create(vals_list).with_env(self.env["mail.activity"].sudo().env)

    def _get_missing_campaign_tasks(self):
        """[(participant, action, occurrence, start day, working day offset)] of the tasks
        to create."""
        tasks = (
            self.env["mail.activity"]
            .sudo()
            .with_context(active_test=False)
            .search_fetch(
                Domain("campaign_participant_id", "in", self.ids)
                & Domain("campaign_action_id", "!=", False),
                [
                    "campaign_participant_id",
                    "campaign_action_id",
                    "campaign_stage_id",
                    "campaign_occurrence",
                    "campaign_stage_entered",
                    "active",
                    "date_done",
                ],
            )
        )
        by_action = defaultdict(list)
        for task in tasks:
            by_action[task.campaign_participant_id.id, task.campaign_action_id.id].append(task)
        missing = []
        for participant in self:
            entered = participant._get_stage_entered()
            for action in participant.stage_id.action_ids:
                action_tasks = by_action[participant.id, action.id]
                occurrence = max((task.campaign_occurrence for task in action_tasks), default=0) + 1
                visit = [
                    task
                    for task in action_tasks
                    if task.campaign_stage_id == participant.stage_id
                    and task.campaign_stage_entered == entered
                ]
                if not visit:
                    start = participant._local_date(entered)
                    missing.append((participant, action, occurrence, start, action.day_offset))
                elif action.repeat_interval and not any(task.active for task in visit):
                    last_done = max(task.date_done for task in visit if task.date_done)
                    start = last_done + timedelta(days=action.repeat_interval)
                    missing.append((participant, action, occurrence, start, 0))
        return missing

    def _prepare_campaign_task_values(self, action, occurrence, user, due, model_id, texts=None):
        """Values of the task; ``texts`` keeps the actions' texts per language for a batch."""
        self.ensure_one()
        lang = user.lang if user else self.env.lang
        texts = {} if texts is None else texts
        if (action.id, lang) not in texts:
            action_lang = action.with_context(lang=lang)
            texts[action.id, lang] = (action_lang.name, action_lang.note)
        summary, note = texts[action.id, lang]
        activity_type = action.activity_type_id or self.env.ref("mail.mail_activity_data_todo")
        return {
            "res_model_id": model_id,
            "res_id": self.id,
            "activity_type_id": activity_type.id,
            "summary": summary,
            "note": note,
            "date_deadline": due,
            "user_id": user.id if user else False,
            "automated": True,
            "campaign_id": self.campaign_id.id,
            "campaign_participant_id": self.id,
            "campaign_stage_id": self.stage_id.id,
            "campaign_action_id": action.id,
            "campaign_occurrence": occurrence,
            "campaign_stage_entered": self._get_stage_entered(),
        }

    def _subscribe_task_users(self, pairs):
        """Make the users of the tasks to create followers of their participants, as
        ``mail.activity.create`` does (``message_subscribe`` of the user's partner with the
        default subtypes, external ones for a share partner; inactive partners are left out,
        but for the current user's own), in one statement for all.

        :param pairs: [(participant id, user id)]
        :return: frozenset of the (participant id, partner id) now following
        """
        if not pairs:
            return frozenset()
        users = self.env["res.users"].sudo().browse({user_id for _dummy, user_id in pairs})
        current = self.env.user.partner_id
        partner_of = {
            user.id: user.partner_id
            for user in users
            if user.partner_id.active or user.partner_id == current
        }
        rows = {
            (res_id, partner_of[user_id].id) for res_id, user_id in pairs if user_id in partner_of
        }
        if not rows:
            return frozenset()
        Subtype = self.env["mail.message.subtype"].sudo()
        default, _internal, external = Subtype.default_subtypes(self._name)
        subtype_rows = [
            (partner.id, subtype_id)
            for partner in set(partner_of.values())
            for subtype_id in (
                external.ids if partner.partner_share and partner != current else default.ids
            )
        ]
        self.env["mail.followers"].flush_model()
        res_ids, partner_ids = zip(*sorted(rows), strict=True)
        self.env.cr.execute(
            SQL(
                """
                WITH follower AS (
                    INSERT INTO mail_followers (res_model, res_id, partner_id)
                    SELECT %(model)s, pair.res_id, pair.partner_id
                      FROM unnest(%(res_ids)s::int[], %(partner_ids)s::int[])
                           AS pair(res_id, partner_id)
                        ON CONFLICT (res_model, res_id, partner_id) DO NOTHING
                 RETURNING id, partner_id
                )
                INSERT INTO mail_followers_mail_message_subtype_rel
                            (mail_followers_id, mail_message_subtype_id)
                SELECT follower.id, subtype.subtype_id
                  FROM follower
                  JOIN unnest(%(subtype_partner_ids)s::int[], %(subtype_ids)s::int[])
                       AS subtype(partner_id, subtype_id)
                       ON subtype.partner_id = follower.partner_id
                """,
                model=self._name,
                res_ids=list(res_ids),
                partner_ids=list(partner_ids),
                subtype_partner_ids=[partner_id for partner_id, _dummy in subtype_rows],
                subtype_ids=[subtype_id for _dummy, subtype_id in subtype_rows],
            )
        )
        self.env["mail.followers"].invalidate_model()
        self.browse({res_id for res_id, _dummy in rows}).invalidate_recordset(
            ["message_follower_ids", "message_partner_ids", "message_is_follower"]
        )
        return frozenset(rows)

    def _local_date(self, value):
        """The day of the datetime ``value`` in the campaign responsible's time zone."""
        self.ensure_one()
        tz_name = self.campaign_id.user_id.tz or self.env.user.tz or "UTC"
        try:
            tz = pytz.timezone(tz_name)
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc
        return pytz.utc.localize(value).astimezone(tz).date()

    # ------------------------------------------------------------
    # Cancelling tasks and notifying operators
    # ------------------------------------------------------------

    def _cancel_stale_campaign_tasks(self):
        """Remove the open tasks of a stage the participants left (moved on, won, lost):
        done tasks stay, and the journal keeps the measures taken."""
        tasks = (
            self.env["mail.activity"]
            .sudo()
            .search(
                Domain("campaign_participant_id", "in", self.ids)
                & Domain("campaign_action_id", "!=", False)
                & Domain("active", "=", True)
            )
        )
        stale = tasks.filtered(
            lambda task: task.campaign_participant_id.state != "running"
            or task.campaign_stage_id != task.campaign_participant_id.stage_id
            or task.campaign_stage_entered != task.campaign_participant_id._get_stage_entered()
        )
        stale.unlink()

    def _cancel_campaign_tasks_of(self, campaigns):
        """Remove the open tasks of campaigns that no longer run."""
        self.env["mail.activity"].sudo().search(
            Domain("campaign_id", "in", campaigns.ids)
            & Domain("campaign_participant_id", "!=", False)
            & Domain("active", "=", True)
        ).unlink()

    def _trigger_engine(self):
        """Let the scheduled action generate what follows (next stage, repeats) soon."""
        cron = self.env.ref(CRON_XMLID, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()


class _Assigner:
    """Assigns the tasks of one campaign: the responsible rule of the action, and for the
    team the round robin pointer or the operators' open campaign tasks."""

    def __init__(self, campaign, planner):
        self.campaign = campaign
        self.planner = planner
        self.operators = campaign._get_operators()
        self.last = campaign.last_operator_id
        self.loads = (
            campaign._get_operator_loads(self.operators)
            if self.operators and campaign.assignment_mode == "least_loaded"
            else {}
        )
        planner.prefetch_absences(self.operators)

    def assign(self, participant, action, start, offset):
        """(user, due date) of a task of ``action`` for ``participant``."""
        rule = action.responsible_rule
        user = None
        if rule == "user":
            user = action.user_id
        elif rule == "salesperson":
            user = participant.partner_id.user_id or participant.commercial_partner_id.user_id
        elif rule == "campaign_user":
            user = self.campaign.user_id
        if rule == "team" or (rule == "salesperson" and not user):
            if self.operators:
                return self._assign_team(start, offset)
        user = user or self.campaign.user_id
        if not user:
            return user, self.planner.due_date(self.campaign.env.user, start, offset)
        return user, self.planner.due_date(user, start, offset)

    def _assign_team(self, start, offset):
        """The first operator by the assignment mode who is not absent on the due date; if
        all are absent, the first one, with the due date after their absence."""
        if self.campaign.assignment_mode == "least_loaded":
            ordered = self.operators.sorted(lambda user: (self.loads.get(user.id, 0), user.id))
        else:
            # Round robin: the operator after the last assigned one comes first.
            ids = self.operators.ids
            first = ids.index(self.last.id) + 1 if self.last.id in ids else 0
            ordered = self.operators.browse(ids[first:] + ids[:first])
        chosen = next(
            (
                user
                for user in ordered
                if not self.planner.is_absent(
                    user, self.planner.due_date(user, start, offset, skip_absences=False)
                )
            ),
            ordered[0],
        )
        self.last = chosen
        self.loads[chosen.id] = self.loads.get(chosen.id, 0) + 1
        return chosen, self.planner.due_date(chosen, start, offset)

    def save_pointer(self):
        if self.last and self.last != self.campaign.last_operator_id:
            self.campaign.sudo().last_operator_id = self.last
