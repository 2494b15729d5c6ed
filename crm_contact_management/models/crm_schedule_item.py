from datetime import datetime, time, timedelta

import pytz

from odoo import api, fields, models, tools
from odoo.fields import Domain
from odoo.tools import SQL, format_date, format_datetime

# Row ids are ``source id * ID_FACTOR + source``: stable between two reads, unique over the union.
ID_FACTOR = 8
SOURCE_ATTENDEE = 1  # calendar.attendee: a user invited to an appointment
SOURCE_ORGANIZER = 2  # calendar.event: its organizer, when not among the attendees
SOURCE_ACTIVITY = 3  # mail.activity
SOURCE_JOURNAL_RESPONSIBLE = 4  # crm.journal.entry: its responsible user
SOURCE_JOURNAL_FOLLOWUP = 5  # crm.journal.entry: its follow-up user, when another user

# Colour of each kind in the calendar view.
KIND_COLORS = {"appointment": 4, "task": 2, "journal": 10}
# Tasks have a deadline, not a time: shown as all-day items from 8 to 18 h UTC, like all-day
# appointments, so they stay on their day in every time zone.
TASK_DAY_START = time(8)
TASK_DAY_STOP = time(18)


class CrmScheduleItem(models.Model):
    """What a user has to attend to: appointments, open tasks and planned journal entries.

    A read-only SQL view with one row per record and user: an appointment shows up for its
    organizer and for every user invited who has not declined; a task for its assignee; a
    planned journal entry for its responsible and its follow-up user.
    """

    _name = "crm.schedule.item"
    _description = "Schedule Item"
    _auto = False
    _order = "date_start, id"
    _depends = {
        "calendar.event": [
            "name",
            "start",
            "stop",
            "allday",
            "start_date",
            "user_id",
            "active",
            "privacy",
            "res_model",
            "res_id",
        ],
        "calendar.attendee": ["event_id", "partner_id", "state"],
        "mail.activity": [
            "summary",
            "res_name",
            "date_deadline",
            "user_id",
            "active",
            "res_model",
            "res_id",
            "activity_type_id",
            "calendar_event_id",
            "automated",
        ],
        "crm.journal.entry": [
            "name",
            "date_start",
            "duration",
            "state",
            "user_id",
            "followup_user_id",
            "partner_id",
            "contact_id",
            "company_id",
        ],
        "res.users": ["partner_id", "active"],
    }

    kind = fields.Selection(
        [("appointment", "Appointment"), ("task", "Task"), ("journal", "Planned Contact")],
        readonly=True,
    )
    name = fields.Char(readonly=True)
    date_start = fields.Datetime(string="Start", readonly=True)
    date_stop = fields.Datetime(string="End", readonly=True)
    allday = fields.Boolean(string="All Day", readonly=True)
    date = fields.Date(
        string="Day",
        readonly=True,
        help="Deadline of a task, day of an all-day appointment, day (UTC) of the others.",
    )
    state = fields.Selection(
        [
            ("overdue", "Overdue"),
            ("due", "Today"),
            ("planned", "Planned"),
            ("past", "Past"),
        ],
        compute="_compute_state",
        search="_search_state",
        help="Overdue: a task or planned contact whose day has passed. Past: an appointment "
        "that is over.",
    )
    user_id = fields.Many2one("res.users", string="User", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Business Partner", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    res_model = fields.Char(string="Document Model", readonly=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", readonly=True)
    activity_id = fields.Many2one("mail.activity", string="Task", readonly=True)
    activity_type_id = fields.Many2one("mail.activity.type", string="Task Type", readonly=True)
    calendar_event_id = fields.Many2one("calendar.event", string="Appointment", readonly=True)
    journal_entry_id = fields.Many2one("crm.journal.entry", string="Journal Entry", readonly=True)
    private = fields.Boolean(readonly=True, help="A private appointment.")
    color = fields.Integer(readonly=True)

    def init(self):
        tools.drop_view_if_exists(self.env.cr, self._table)
        self.env.cr.execute(
            SQL(
                "CREATE OR REPLACE VIEW %s AS (%s)",
                SQL.identifier(self._table),
                self._schedule_query(),
            )
        )

    def _schedule_query(self):
        return SQL(
            " UNION ALL ".join(["(%s)"] * 4),
            self._appointment_query(),
            self._task_query(),
            self._journal_query(SOURCE_JOURNAL_RESPONSIBLE, "user_id"),
            self._journal_query(SOURCE_JOURNAL_FOLLOWUP, "followup_user_id"),
        )

    def _appointment_query(self):
        # An invited user is found through the attendee's partner; an organizer without an
        # attendee row of their own still sees the appointment.
        return SQL(
            """
            WITH event_user AS (
                SELECT attendee.id * %(factor)s + %(attendee)s AS id,
                       attendee.event_id,
                       attendee_user.id AS user_id
                  FROM calendar_attendee attendee
                  JOIN LATERAL (
                        SELECT u.id
                          FROM res_users u
                         WHERE u.partner_id = attendee.partner_id AND u.active
                      ORDER BY u.share, u.id
                         LIMIT 1
                       ) attendee_user ON TRUE
                 WHERE attendee.state IS DISTINCT FROM 'declined'
                 UNION ALL
                SELECT event.id * %(factor)s + %(organizer)s, event.id, event.user_id
                  FROM calendar_event event
                  JOIN res_users organizer ON organizer.id = event.user_id
                 WHERE NOT EXISTS (
                        SELECT 1
                          FROM calendar_attendee attendee
                         WHERE attendee.event_id = event.id
                           AND attendee.partner_id = organizer.partner_id
                       )
            )
            SELECT event_user.id,
                   'appointment' AS kind,
                   event.name,
                   event.start AS date_start,
                   event.stop AS date_stop,
                   COALESCE(event.allday, FALSE) AS allday,
                   COALESCE(event.start_date, event.start::date) AS date,
                   event_user.user_id,
                   CASE
                       WHEN event.res_model = 'res.partner' THEN event.res_id
                       ELSE COALESCE(entry.partner_id, entry.contact_id)
                   END AS partner_id,
                   entry.company_id,
                   'calendar.event' AS res_model,
                   event.id AS res_id,
                   NULL::integer AS activity_id,
                   NULL::integer AS activity_type_id,
                   event.id AS calendar_event_id,
                   entry.id AS journal_entry_id,
                   event.privacy IS NOT DISTINCT FROM 'private' AS private,
                   %(color)s AS color
              FROM event_user
              JOIN calendar_event event ON event.id = event_user.event_id
         LEFT JOIN crm_journal_entry entry
                ON event.res_model = 'crm.journal.entry' AND entry.id = event.res_id
             WHERE event.active
            """,
            factor=ID_FACTOR,
            attendee=SOURCE_ATTENDEE,
            organizer=SOURCE_ORGANIZER,
            color=KIND_COLORS["appointment"],
        )

    def _task_query(self):
        # Tasks of an appointment (the "Meeting" activities) are the appointment itself, and
        # the automatic reminder of a planned journal entry is the entry itself, for the users
        # who see the entry. A task without a document opens the task.
        return SQL(
            """
            SELECT activity.id * %(factor)s + %(source)s AS id,
                   'task' AS kind,
                   COALESCE(NULLIF(activity.summary, ''), activity.res_name) AS name,
                   activity.date_deadline + %(day_start)s AS date_start,
                   activity.date_deadline + %(day_stop)s AS date_stop,
                   TRUE AS allday,
                   activity.date_deadline AS date,
                   activity.user_id,
                   CASE
                       WHEN activity.res_model = 'res.partner' THEN activity.res_id
                       ELSE COALESCE(entry.partner_id, entry.contact_id)
                   END AS partner_id,
                   entry.company_id,
                   COALESCE(activity.res_model, 'mail.activity') AS res_model,
                   COALESCE(activity.res_id, activity.id) AS res_id,
                   activity.id AS activity_id,
                   activity.activity_type_id,
                   NULL::integer AS calendar_event_id,
                   entry.id AS journal_entry_id,
                   FALSE AS private,
                   %(color)s AS color
              FROM mail_activity activity
         LEFT JOIN crm_journal_entry entry
                ON activity.res_model = 'crm.journal.entry' AND entry.id = activity.res_id
             WHERE activity.active
               AND activity.user_id IS NOT NULL
               AND activity.calendar_event_id IS NULL
               AND NOT COALESCE(
                       activity.automated
                       AND entry.state = 'planned'
                       AND activity.user_id IN (entry.user_id, entry.followup_user_id),
                       FALSE
                   )
            """,
            factor=ID_FACTOR,
            source=SOURCE_ACTIVITY,
            day_start=TASK_DAY_START,
            day_stop=TASK_DAY_STOP,
            color=KIND_COLORS["task"],
        )

    def _journal_query(self, source, user_field):
        # The follow-up user sees the entry once, when they are also its responsible.
        other_user = (
            SQL("AND entry.followup_user_id IS DISTINCT FROM entry.user_id")
            if user_field == "followup_user_id"
            else SQL()
        )
        return SQL(
            """
            SELECT entry.id * %(factor)s + %(source)s AS id,
                   'journal' AS kind,
                   entry.name,
                   entry.date_start,
                   entry.date_start
                       + make_interval(secs => COALESCE(entry.duration, 0) * 3600) AS date_stop,
                   FALSE AS allday,
                   entry.date_start::date AS date,
                   entry.%(user_field)s AS user_id,
                   COALESCE(entry.partner_id, entry.contact_id) AS partner_id,
                   entry.company_id,
                   'crm.journal.entry' AS res_model,
                   entry.id AS res_id,
                   NULL::integer AS activity_id,
                   NULL::integer AS activity_type_id,
                   NULL::integer AS calendar_event_id,
                   entry.id AS journal_entry_id,
                   FALSE AS private,
                   %(color)s AS color
              FROM crm_journal_entry entry
             WHERE entry.state = 'planned'
               AND entry.%(user_field)s IS NOT NULL
               %(other_user)s
            """,
            factor=ID_FACTOR,
            source=source,
            user_field=SQL.identifier(user_field),
            other_user=other_user,
            color=KIND_COLORS["journal"],
        )

    @api.depends("kind", "name", "activity_type_id", "private", "user_id")
    @api.depends_context("uid")
    def _compute_display_name(self):
        for item in self:
            if item.private and item.user_id != self.env.user:
                item.display_name = self.env._("Private appointment")
            elif item.kind == "task" and item.activity_type_id:
                item.display_name = self.env._(
                    "%(task_type)s: %(name)s",
                    task_type=item.activity_type_id.name,
                    name=item.name or "",
                )
            else:
                item.display_name = item.name

    @api.depends("kind", "allday", "date", "date_start", "date_stop")
    @api.depends_context("uid", "tz")
    def _compute_state(self):
        bounds = self._today_bounds()
        for item in self:
            item.state = item._state_on(bounds)

    def _search_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        states = set(value)
        if operator == "not in":
            states = {key for key, _label in self._fields["state"].selection} - states
        return self._state_domain(states)

    @api.model
    def _today_bounds(self):
        """Today in the current user's time zone, and its start and end as naive UTC."""
        today = fields.Date.context_today(self)
        tz = self.env.tz

        def utc_start(day):
            local = tz.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return {
            "today": today,
            "day_start": utc_start(today),
            "day_end": utc_start(today + timedelta(days=1)),
            "now": fields.Datetime.now(),
        }

    def _state_on(self, bounds):
        self.ensure_one()
        if self.allday:
            before, today, after = (
                self.date < bounds["today"],
                self.date == bounds["today"],
                self.date > bounds["today"],
            )
        else:
            before = self.date_start < bounds["day_start"]
            after = self.date_start >= bounds["day_end"]
            today = not before and not after
        if after:
            return "planned"
        if self.kind != "appointment":
            return "overdue" if before else "due"
        if today or (self.date_stop and self.date_stop >= bounds["now"]):
            return "due"
        return "past"

    @api.model
    def _state_domain(self, states):
        """Domain of the items in the given states, as seen today by the current user."""
        bounds = self._today_bounds()
        allday = Domain("allday", "=", True)
        timed = Domain("allday", "=", False)
        before = (allday & Domain("date", "<", bounds["today"])) | (
            timed & Domain("date_start", "<", bounds["day_start"])
        )
        today = (allday & Domain("date", "=", bounds["today"])) | (
            timed
            & Domain("date_start", ">=", bounds["day_start"])
            & Domain("date_start", "<", bounds["day_end"])
        )
        after = (allday & Domain("date", ">", bounds["today"])) | (
            timed & Domain("date_start", ">=", bounds["day_end"])
        )
        appointment = Domain("kind", "=", "appointment")
        ongoing = appointment & before & Domain("date_stop", ">=", bounds["now"])
        domains = {
            "overdue": ~appointment & before,
            "due": today | ongoing,
            "planned": after,
            "past": appointment & before & ~Domain("date_stop", ">=", bounds["now"]),
        }
        return Domain.OR(domains[state] for state in states if state in domains)

    def action_open_record(self):
        """Open the appointment, the document of the task or the journal entry."""
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            return False
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def _login_notice_values(self):
        """The items as the login notification lists them."""
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        states = dict(self._fields["state"]._description_selection(self.env))
        values = []
        for item in self:
            if item.allday:
                when = format_date(self.env, item.date)
            else:
                when = format_datetime(self.env, item.date_start, dt_format="short")
            values.append(
                {
                    "id": item.id,
                    "kind": item.kind,
                    "kind_label": kinds.get(item.kind, ""),
                    "name": item.display_name or "",
                    "state": item.state,
                    "state_label": states.get(item.state, ""),
                    "when": when,
                    "partner": item.partner_id.display_name or "",
                    "res_model": item.res_model,
                    "res_id": item.res_id,
                }
            )
        return values
