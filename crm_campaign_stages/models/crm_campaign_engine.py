import time as time_module
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_date

# Participants locked, processed and committed together by the scheduled action.
BATCH_SIZE = 500
# The advance notice lists this many tasks, the earliest first, and counts the others.
NOTICE_TASK_LIMIT = 50
# Working days are looked up this many days at a time ...
WINDOW_DAYS = 62
# ... for at most this many windows (about two years) before giving up on a calendar.
MAX_WINDOWS = 12
MANAGER_GROUP = "crm_campaign_stages.group_crm_campaign_manager"
# A scheduled run recomputes the campaign's indicators at its end and at least this often.
INDICATOR_REFRESH_SECONDS = 60


class CrmCampaign(models.Model):
    """The campaign engine: generates the operator tasks of the running campaigns, moves on
    the participants whose stage is complete and notifies the operators of the tasks falling
    due. Runs as a scheduled action and from the campaign's "Run Engine" button."""

    _inherit = "crm.campaign"

    last_operator_id = fields.Many2one(
        "res.users",
        string="Last Assigned Operator",
        readonly=True,
        copy=False,
        help="Round robin: the operator of the campaign team who got the last task.",
    )

    def write(self, vals):
        res = super().write(vals)
        if vals.get("state") and vals["state"] != "running":
            # A stopped campaign has no open tasks; the done ones stay as history.
            self.env["crm.campaign.participant"]._cancel_campaign_tasks_of(self)
        return res

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_run_engine(self):
        """Run the engine now for these running campaigns (campaign managers)."""
        if not self.env.user.has_group(MANAGER_GROUP):
            raise UserError(self.env._("Only campaign managers can run the campaign engine."))
        self.check_access("write")
        running = self.filtered(lambda campaign: campaign.state == "running" and campaign.active)
        if not running:
            raise UserError(
                self.env._("The engine only works on running campaigns: start the campaign first.")
            )
        stats = running.sudo()._run_engine()
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Campaign engine"),
                "message": self.env._(
                    "Tasks created: %(tasks)s. Participants moved on: %(moved)s. "
                    "Tasks notified: %(notified)s.",
                    tasks=stats["tasks"],
                    moved=stats["moved"],
                    notified=stats["notified"],
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _cron_run_engine(self, batch_size=BATCH_SIZE):
        """Process the running participants of all running campaigns, in committed batches."""
        campaigns = self.search([("state", "=", "running")])
        campaigns._run_engine(batch_size=batch_size, commit=True)

    def _run_engine(self, batch_size=BATCH_SIZE, commit=False):
        """Generate the due tasks, move on the participants whose stage is complete and
        notify the operators, for the running participants of these campaigns.

        Each batch first locks its campaign, then its participants, with ``FOR UPDATE SKIP
        LOCKED``: a second worker running at the same time leaves a campaign being processed
        to the first one, so a task is never created twice (the unique index on the task's
        participant, action and occurrence guards it too), a participant never moved twice
        and an operator never notified twice. After the last batch of a campaign, still
        under its lock, the operators get their advance notices. With ``commit``, every
        batch is committed with its progress (``ir.cron._commit_progress``).

        :return: dict of counts: tasks created, participants moved on, tasks notified
        """
        Cron = self.env["ir.cron"]
        Participant = self.env["crm.campaign.participant"]
        stats = {"tasks": 0, "moved": 0, "notified": 0}
        campaign_ids = self.ids
        if commit:
            Cron._commit_progress(remaining=Participant._count_for_engine(campaign_ids))
        planner = WorkingDayPlanner(self.env)
        indicators = self._get_indicator_fields()
        for campaign_id in campaign_ids:
            last_id = 0
            # the campaign's indicators not recomputed since batches of it were processed
            pending = self.browse()
            refreshed = time_module.monotonic()
            while True:
                # First statement of the transaction: lock the campaign (round robin pointer).
                campaign = self._lock_for_engine(campaign_id)
                if not campaign:
                    # Another worker is on it (and refreshes the indicators at its end), or it
                    # no longer runs: then the batches committed so far still count.
                    if pending:
                        self._refresh_indicators_of(campaign_id, commit)
                    break
                participants = Participant._lock_batch_for_engine(
                    campaign, after_id=last_id, limit=batch_size
                )
                if not participants:
                    # All participants processed: one notice per operator of the campaign.
                    campaign._refresh_indicators()
                    stats["notified"] += len(campaign._notify_due_tasks())
                    if commit:
                        Cron._commit_progress()
                    break
                last_id = max(participants.ids)
                # The indicators count all the campaign's participants: computed once at the
                # end of the campaign rather than after each batch.
                with self.env.protecting(indicators, campaign):
                    batch_stats = participants._process_for_engine(planner)
                pending = campaign
                for key, count in batch_stats.items():
                    stats[key] += count
                if commit and time_module.monotonic() - refreshed > INDICATOR_REFRESH_SECONDS:
                    # a long scheduled run keeps them reasonably current in between
                    campaign._refresh_indicators()
                    pending, refreshed = self.browse(), time_module.monotonic()
                if commit and not Cron._commit_progress(len(participants)):
                    if pending:
                        self._refresh_indicators_of(campaign_id, commit)
                    return stats
        return stats

    @api.model
    def _get_indicator_fields(self):
        """The stored fields computed by ``_compute_indicators``."""
        return self.pool.field_computed[self._fields["participant_count"]]

    def _refresh_indicators(self, commit=False):
        """Recompute the stored indicators of these campaigns now (the engine defers them
        while it processes their participants); with ``commit``, commit them."""
        if not self:
            return
        for field in self._get_indicator_fields():
            self.env.add_to_compute(field, self)
        self.flush_recordset()
        if commit:
            self.env["ir.cron"]._commit_progress()

    @api.model
    def _refresh_indicators_of(self, campaign_id, commit=False):
        """Refresh the indicators of the campaign in a transaction of their own, unless
        another worker holds the campaign (that one refreshes them at its end)."""
        self._lock_for_engine(campaign_id, running=False)._refresh_indicators(commit)

    @api.model
    def _lock_for_engine(self, campaign_id, running=True):
        """Lock the campaign (with ``running``, only if it runs), unless another transaction
        holds it."""
        self.env.cr.execute(
            SQL(
                """
                SELECT id
                  FROM crm_campaign
                 WHERE id = %(id)s AND %(running)s
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                id=campaign_id,
                running=SQL("state = 'running' AND active") if running else SQL("TRUE"),
            )
        )
        campaign = self.browse(row[0] for row in self.env.cr.fetchall())
        campaign.invalidate_recordset()
        return campaign

    # ------------------------------------------------------------
    # Assignment
    # ------------------------------------------------------------

    def _get_operators(self):
        """The campaign team able to take tasks, in a stable order."""
        self.ensure_one()
        operators = self.operator_user_ids.filtered(lambda user: user.active and not user.share)
        return operators.sorted("id")

    @api.model
    def _get_operator_loads(self, users):
        """Open campaign tasks per operator, over all campaigns."""
        groups = (
            self.env["mail.activity"]
            .sudo()
            ._read_group(
                Domain("campaign_id", "!=", False)
                & Domain("active", "=", True)
                & Domain("user_id", "in", users.ids),
                ["user_id"],
                ["__count"],
            )
        )
        return {user.id: count for user, count in groups}

    # ------------------------------------------------------------
    # Notification in advance
    # ------------------------------------------------------------

    def _notify_due_tasks(self):
        """Tell each operator once about their open tasks of the campaign due within its
        notification period (``notify_days_before``).

        :return: the tasks notified
        """
        self.ensure_one()
        horizon = fields.Date.today() + timedelta(days=max(self.notify_days_before, 0))
        tasks = (
            self.env["mail.activity"]
            .sudo()
            .search_fetch(
                Domain("campaign_id", "=", self.id)
                & Domain("campaign_participant_id", "!=", False)
                & Domain("active", "=", True)
                & Domain("campaign_notified", "=", False)
                & Domain("user_id", "!=", False)
                & Domain("date_deadline", "<=", horizon),
                ["user_id", "date_deadline", "summary", "campaign_participant_id"],
            )
        )
        for user, user_tasks in tasks.grouped("user_id").items():
            self._notify_operator(user, user_tasks)
        tasks._mark_campaign_notified()
        return tasks

    def _notify_operator(self, user, tasks):
        """One message to the operator listing their campaign tasks falling due soon."""
        self.ensure_one()
        campaign = self.with_context(lang=user.lang or self.env.lang)
        env = campaign.env
        items = Markup().join(
            Markup("<li>%s: %s (%s)</li>")
            % (
                format_date(env, task.date_deadline),
                task.campaign_participant_id._get_html_link(
                    title=task.summary or task.campaign_participant_id.display_name
                ),
                task.campaign_participant_id.partner_id.display_name,
            )
            for task in tasks.sorted(lambda task: (task.date_deadline, task.id))[:NOTICE_TASK_LIMIT]
        )
        body = Markup("<p>%s</p><ul>%s</ul>") % (
            env._(
                "Your tasks of the campaign %(campaign)s falling due soon:",
                campaign=campaign.name,
            ),
            items,
        )
        if len(tasks) > NOTICE_TASK_LIMIT:
            body += Markup("<p>%s</p>") % env._(
                "... and %(count)s more: see your activities.",
                count=len(tasks) - NOTICE_TASK_LIMIT,
            )
        campaign.message_notify(
            partner_ids=user.partner_id.ids,
            subject=env._("Campaign tasks due soon: %(campaign)s", campaign=campaign.name),
            body=body,
            subtype_xmlid="mail.mt_note",
            email_layout_xmlid="mail.mail_notification_light",
        )


class WorkingDayPlanner:
    """Due dates in the operators' working time.

    A working day of a user is a day with working hours in their working time (their resource
    calendar, else their company's), that is not a leave of that calendar (public holidays)
    or of the user, and not a day of one of their absences (``crm.absence``). Looked-up
    days are kept for the planner's life: one engine run.
    """

    def __init__(self, env):
        self.env = env
        self._days = {}  # (calendar id, resource id, tz) -> (first, last, set of working days)
        self._absences = {}  # user id -> [(date_from, date_to)]
        self._working_times = {}  # user id -> (calendar, resource, tz name)
        self._due_dates = {}  # (user id, start, offset, skip_absences) -> due date

    def prefetch_absences(self, users):
        missing = users.filtered(lambda user: user.id not in self._absences)
        if not missing:
            return
        for user in missing:
            self._absences[user.id] = []
        absences = (
            self.env["crm.absence"]
            .sudo()
            .search_fetch(
                [
                    ("user_id", "in", missing.ids),
                    ("active", "=", True),
                    ("date_to", ">=", fields.Date.today() - timedelta(days=366)),
                ],
                ["user_id", "date_from", "date_to"],
            )
        )
        for absence in absences:
            self._absences[absence.user_id.id].append((absence.date_from, absence.date_to))

    def is_absent(self, user, day):
        self.prefetch_absences(user)
        return any(start <= day <= end for start, end in self._absences[user.id])

    def due_date(self, user, start, offset=0, skip_absences=True):
        """The ``offset``-th working day of ``user`` after the day ``start`` (with an offset
        of 0, ``start`` itself when it is a working day, else the next working day); with
        ``skip_absences``, a day the user is absent moves to their first working day after
        the absence.

        The days and absences looked up are kept for the planner's life: so is the due date
        found (the tasks of a batch mostly share their start day)."""
        key = (user.id, start, offset, skip_absences)
        day = self._due_dates.get(key)
        if day is None:
            day = self._nth_working_day(user, start, offset)
            if skip_absences:
                while self.is_absent(user, day):
                    day = self._nth_working_day(user, day, 1)
            self._due_dates[key] = day
        return day

    def _nth_working_day(self, user, start, offset):
        first = start if offset <= 0 else start + timedelta(days=1)
        needed = max(offset, 1)
        found = 0
        for window in range(MAX_WINDOWS):
            window_start = first + timedelta(days=window * WINDOW_DAYS)
            window_end = window_start + timedelta(days=WINDOW_DAYS)
            working = self._working_days(user, window_start, window_end)
            for day in sorted(working):
                if window_start <= day < window_end:
                    found += 1
                    if found == needed:
                        return day
        # No working time at all (an empty calendar): count calendar days.
        return first + timedelta(days=needed - 1)

    def _calendar(self, user):
        return (
            user.sudo().resource_calendar_id
            or user.company_id.resource_calendar_id
            or self.env.company.resource_calendar_id
        )

    def _working_time(self, user):
        """(calendar, resource, time zone name) of the user's working time."""
        working_time = self._working_times.get(user.id)
        if working_time is None:
            user = user.sudo()
            calendar = self._calendar(user)
            resource = user.resource_ids.filtered(
                lambda resource: resource.calendar_id == calendar
            )[:1]
            tz_name = user.tz or calendar.tz or "UTC"
            working_time = self._working_times[user.id] = (calendar, resource, tz_name)
        return working_time

    def _working_days(self, user, start, end):
        """The working days of the user's calendar in [start, end), leaves taken off."""
        calendar, resource, tz_name = self._working_time(user)
        if not calendar:
            return set()
        key = (calendar.id, resource.id, tz_name)
        cached = self._days.get(key)
        if cached and cached[0] <= start and end <= cached[1]:
            return cached[2]
        if cached:
            start, end = min(start, cached[0]), max(end, cached[1])
        tz = pytz.timezone(tz_name)
        start_dt = tz.localize(datetime.combine(start, time.min))
        end_dt = tz.localize(datetime.combine(end, time.min))
        intervals = calendar._work_intervals_batch(
            start_dt, end_dt, resources=resource or None, tz=tz
        )[resource.id if resource else False]
        days = {interval_start.date() for interval_start, _stop, _meta in intervals}
        self._days[key] = (start, end, days)
        return days
