from collections import defaultdict
from datetime import datetime, time, timedelta

import pytz
from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tools import SQL, format_date, str2bool

HAND_BACK_PARAM = "crm_contact_management.absence_hand_back"
# Absences locked, processed and committed together by the scheduled action.
BATCH_SIZE = 20

# What is handed to the deputy: (kind, model, field holding the absent user).
# The deputy also joins the appointments as an attendee ("partner_ids").
HANDOVER_FIELDS = [
    ("task", "mail.activity", "user_id"),
    ("appointment", "calendar.event", "user_id"),
    ("appointment", "calendar.event", "partner_ids"),
    ("journal", "crm.journal.entry", "user_id"),
    ("journal", "crm.journal.entry", "followup_user_id"),
]


class CrmAbsence(models.Model):
    """A user's absence (whole days, ``date_from`` to ``date_to`` included, in the user's time
    zone) with the deputy who takes over their tasks, appointments and planned contacts.

    The scheduled action ``_cron_redirect_absences`` hands the open work of absent users to their
    deputies and, when an absence has ended and ``hand_back`` is set, hands back what is still
    open and still with the deputy. Every handover is one ``crm.absence.redirection`` row.
    """

    _name = "crm.absence"
    _description = "Absence"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    @api.model
    def _default_hand_back(self):
        param = self.env["ir.config_parameter"].sudo().get_param(HAND_BACK_PARAM, "True")
        return str2bool(param, True)

    active = fields.Boolean(default=True, tracking=True)
    user_id = fields.Many2one(
        "res.users",
        string="Absent User",
        required=True,
        index=True,
        ondelete="cascade",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
    )
    date_from = fields.Date(
        string="From", required=True, default=fields.Date.context_today, tracking=True
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
        help="Last day of absence.",
    )
    reason = fields.Selection(
        [("vacation", "Vacation"), ("sickness", "Sickness"), ("other", "Other")],
        required=True,
        default="vacation",
        tracking=True,
    )
    note = fields.Char()
    deputy_user_id = fields.Many2one(
        "res.users",
        string="Deputy",
        required=True,
        index=True,
        ondelete="restrict",
        compute="_compute_deputy_user_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('share', '=', False), ('id', '!=', user_id)]",
        tracking=True,
        help="Takes over the open tasks, appointments and planned contacts during the absence.",
    )
    hand_back = fields.Boolean(
        default=_default_hand_back,
        help="When the absence has ended, hand back what is still open and still with the deputy.",
    )
    hand_back_done = fields.Boolean(string="Handed Back", readonly=True, copy=False)
    state = fields.Selection(
        [
            ("planned", "Planned"),
            ("current", "Current"),
            ("ended", "Ended"),
            ("cancelled", "Cancelled"),
        ],
        compute="_compute_state",
        search="_search_state",
    )
    redirection_ids = fields.One2many(
        "crm.absence.redirection", "absence_id", string="Handed Over", readonly=True
    )
    redirection_count = fields.Integer(compute="_compute_redirection_count")

    _date_range = models.Constraint(
        "CHECK (date_to >= date_from)",
        "An absence cannot end before it starts.",
    )
    _deputy_not_absent_user = models.Constraint(
        "CHECK (deputy_user_id <> user_id)",
        "The deputy must be another user than the absent one.",
    )
    _no_overlap = models.Constraint(
        "EXCLUDE USING gist (user_id WITH =, daterange(date_from, date_to, '[]') WITH &&) "
        "WHERE (active)",
        "A user cannot be absent twice on the same day: the absence overlaps another one.",
    )
    _user_dates_idx = models.Index("(user_id, date_from, date_to)")

    def _auto_init(self):
        # The exclusion constraint compares the user in a GiST index: it needs the (trusted)
        # btree_gist extension, created before Odoo adds the table constraints.
        self.env.cr.execute(SQL("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        return super()._auto_init()

    @api.depends("user_id")
    def _compute_deputy_user_id(self):
        for absence in self:
            if not absence.deputy_user_id or absence.deputy_user_id == absence.user_id:
                absence.deputy_user_id = absence.user_id.crm_default_deputy_id

    @api.depends("user_id.name", "reason", "date_from", "date_to")
    def _compute_display_name(self):
        for absence in self:
            absence.display_name = self.env._(
                "%(user)s: %(absence)s",
                user=absence.user_id.name or "",
                absence=absence._describe(),
            )

    @api.depends("active", "date_from", "date_to", "user_id.tz")
    def _compute_state(self):
        for absence in self:
            if not absence.active:
                absence.state = "cancelled"
                continue
            today = absence._local_today()
            if not absence.date_from or absence.date_from > today:
                absence.state = "planned"
            elif absence.date_to and absence.date_to < today:
                absence.state = "ended"
            else:
                absence.state = "current"

    def _search_state(self, operator, value):
        if operator not in ("in", "not in"):
            return NotImplemented
        today = fields.Date.context_today(self)
        domains = {
            "planned": Domain("active", "=", True) & Domain("date_from", ">", today),
            "current": Domain("active", "=", True)
            & Domain("date_from", "<=", today)
            & Domain("date_to", ">=", today),
            "ended": Domain("active", "=", True) & Domain("date_to", "<", today),
            "cancelled": Domain("active", "=", False),
        }
        domain = Domain.OR(domains[state] for state in value if state in domains)
        return ~domain if operator == "not in" else domain

    @api.depends("redirection_ids")
    def _compute_redirection_count(self):
        counts = dict(
            self.env["crm.absence.redirection"]._read_group(
                [("absence_id", "in", self.ids)], ["absence_id"], ["__count"]
            )
        )
        for absence in self:
            absence.redirection_count = counts.get(absence, 0)

    @api.constrains("user_id", "deputy_user_id")
    def _check_deputy_user_id(self):
        for absence in self:
            if absence.deputy_user_id == absence.user_id:
                raise ValidationError(
                    self.env._("%(user)s cannot be their own deputy.", user=absence.user_id.name)
                )
            if absence.deputy_user_id.share:
                raise ValidationError(
                    self.env._(
                        "The deputy %(deputy)s must be an internal user.",
                        deputy=absence.deputy_user_id.name,
                    )
                )

    def write(self, vals):
        if {"date_from", "date_to", "active"} & vals.keys():
            # A moved end may need another hand back.
            vals = {**vals, "hand_back_done": False}
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_handed_over(self):
        if self.redirection_ids.filtered(lambda row: row.state == "redirected"):
            raise UserError(
                self.env._(
                    "Records were handed to the deputy during this absence: end the absence "
                    "instead of deleting it, so that they can be handed back."
                )
            )

    def action_end(self):
        """End the absences today: the user is back (early). Hands back right away."""
        self.check_access("write")
        self._end_now()
        return True

    def action_view_redirections(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Handed Over"),
            "res_model": "crm.absence.redirection",
            "view_mode": "list,form",
            "domain": [("absence_id", "=", self.id)],
            "context": {"create": False},
        }

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _cron_redirect_absences(self, batch_size=BATCH_SIZE):
        """Hand the open work of absent users to their deputies, and back after the absence.

        Absences are locked in batches with ``FOR UPDATE SKIP LOCKED``: a second worker running
        at the same time skips the absences the first one is processing. Each batch is committed
        with its progress; the deputies get one summary each at the end of the run.
        """
        Cron = self.env["ir.cron"]
        Cron._commit_progress(remaining=self._count_to_process())
        notices = _Notices()
        last_id = 0
        while True:
            absences = self._lock_to_process(after_id=last_id, limit=batch_size)
            if not absences:
                break
            last_id = max(absences.ids)
            absences._process(notices)
            if not Cron._commit_progress(len(absences)):
                break
        notices.send(self.env)
        Cron._commit_progress()

    @api.model
    def _to_process_condition(self):
        # The day differs between time zones: take one day of margin on both sides and let
        # _process() check each absence in its user's time zone.
        today = fields.Date.today()
        return SQL(
            "active AND date_from <= %(latest)s AND (date_to >= %(earliest)s "
            "OR (hand_back AND NOT COALESCE(hand_back_done, FALSE)))",
            latest=today + timedelta(days=1),
            earliest=today - timedelta(days=1),
        )

    @api.model
    def _count_to_process(self):
        self.flush_model()
        self.env.cr.execute(
            SQL(
                "SELECT COUNT(*) FROM crm_absence WHERE %s",
                self._to_process_condition(),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _lock_to_process(self, after_id=0, limit=BATCH_SIZE):
        """Lock the next absences to process; those another worker holds are skipped."""
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                SELECT id
                  FROM crm_absence
                 WHERE id > %(after_id)s AND %(condition)s
              ORDER BY id
                 LIMIT %(limit)s
                   FOR UPDATE SKIP LOCKED
                """,
                after_id=after_id,
                condition=self._to_process_condition(),
                limit=limit,
            )
        )
        absences = self.browse(row[0] for row in self.env.cr.fetchall())
        # Another worker may have changed them since they were last read.
        absences.invalidate_recordset()
        return absences

    def _process(self, notices):
        """Hand over or back what is due for these (locked) absences."""
        for absence in self:
            today = absence._local_today()
            if absence.date_from <= today <= absence.date_to:
                absence._redirect_to_deputy(notices)
            elif today > absence.date_to and absence.hand_back and not absence.hand_back_done:
                absence._hand_back(notices)

    def _end_now(self):
        """End the absences today and hand back; planned absences are removed."""
        for absence in self.sudo():
            absence.lock_for_update()
            today = absence._local_today()
            if not absence.active:
                continue
            if absence.date_from > today:
                if not absence.redirection_ids:
                    absence.unlink()
                    continue
                absence.active = False
            elif absence.date_from < today:
                absence.date_to = min(absence.date_to, today - timedelta(days=1))
            else:
                absence.active = False  # absent since today only: as if it never was
            notices = _Notices()
            if absence.hand_back:
                absence._hand_back(notices)
            notices.send(self.env)

    # ------------------------------------------------------------
    # Handing over
    # ------------------------------------------------------------

    def _redirect_to_deputy(self, notices):
        self.ensure_one()
        candidates = self._handover_candidates()
        rows = [
            (kind, record, field_name)
            for kind, model, field_name in HANDOVER_FIELDS
            for record in candidates.get((model, field_name), [])
        ]
        reason = self.env._(
            "%(absence)s of %(user)s; deputy: %(deputy)s",
            absence=self._describe(),
            user=self.user_id.name,
            deputy=self.deputy_user_id.name,
        )
        claimed = self.env["crm.absence.redirection"]._claim(self, rows, reason)
        handed = [
            (kind, record, field_name)
            for kind, record, field_name in rows
            if (record._name, record.id, field_name) in claimed
        ]
        if not handed:
            return
        self._assign(handed, self.user_id, self.deputy_user_id)
        self._log_on_records(handed, back=False)
        notices.add(self.deputy_user_id, self, handed, back=False)

    def _hand_back(self, notices):
        self.ensure_one()
        rows_by_field = self.redirection_ids.filtered(
            lambda row: row.state == "redirected"
        ).grouped(lambda row: (row.res_model, row.field_name))
        handed = []
        returned_rows = self.env["crm.absence.redirection"]
        organizer_back = set()  # appointments whose organizer is handed back
        for kind, model, field_name in HANDOVER_FIELDS:
            field_rows = rows_by_field.get((model, field_name))
            if not field_rows:
                continue
            records = self.env[model].browse(field_rows.mapped("res_id")).exists()
            if field_name == "partner_ids":
                # The deputy leaves the appointments handed back to their organizer.
                records = records.browse(sorted(set(records.ids) & organizer_back))
            records = self._still_with_deputy(records, field_name)
            if model == "calendar.event" and field_name == "user_id":
                organizer_back = set(records.ids)
            handed += [(kind, record, field_name) for record in records]
            returned_rows |= field_rows.filtered_domain([("res_id", "in", records.ids)])
        if handed:
            self._assign(handed, self.deputy_user_id, self.user_id, back=True)
            self._log_on_records(handed, back=True)
            notices.add(self.user_id, self, handed, back=True)
        returned_rows.write({"state": "handed_back", "date_handed_back": fields.Datetime.now()})
        self.hand_back_done = True

    def _handover_candidates(self):
        """The open work of the absent user falling in the absence, per (model, field).

        Tasks and planned contacts due by the end of the absence (overdue ones included: they
        are due while the user is away), appointments organized by the user and not over, that
        start during the absence. Private appointments stay with their organizer.
        """
        self.ensure_one()
        user = self.user_id
        start, end = self._utc_bounds()
        now = fields.Datetime.now()
        candidates = {}
        candidates["mail.activity", "user_id"] = self.env["mail.activity"].search(
            [
                ("user_id", "=", user.id),
                ("date_deadline", "<=", self.date_to),
                "|",
                ("calendar_event_id", "=", False),
                ("calendar_event_id.user_id", "!=", user.id),
            ]
        )
        privacy = Domain("privacy", "in", ["public", "confidential"])
        if user.calendar_default_privacy != "private":
            privacy |= Domain("privacy", "=", False)
        events = self.env["calendar.event"].search(
            Domain("user_id", "=", user.id)
            & Domain("start", ">=", start)
            & Domain("start", "<", end)
            & Domain("stop", ">=", now)
            & privacy
        )
        candidates["calendar.event", "user_id"] = events
        candidates["calendar.event", "partner_ids"] = events.filtered(
            lambda event: self.deputy_user_id.partner_id not in event.partner_ids
        )
        entries = self.env["crm.journal.entry"].search(
            [
                ("state", "=", "planned"),
                ("date_start", "<", end),
                "|",
                ("user_id", "=", user.id),
                ("followup_user_id", "=", user.id),
            ]
        )
        candidates["crm.journal.entry", "user_id"] = entries.filtered(
            lambda entry: entry.user_id == user
        )
        candidates["crm.journal.entry", "followup_user_id"] = entries.filtered(
            lambda entry: entry.followup_user_id == user
        )
        return candidates

    def _still_with_deputy(self, records, field_name):
        """The records still open and still held by the deputy."""
        deputy = self.deputy_user_id
        if records._name == "mail.activity":
            records = records.filtered("active")
        elif records._name == "calendar.event":
            now = fields.Datetime.now()
            records = records.filtered(lambda event: event.active and event.stop >= now)
        elif records._name == "crm.journal.entry":
            records = records.filtered(lambda entry: entry.state == "planned")
        if field_name == "partner_ids":
            return records.filtered(lambda event: deputy.partner_id in event.partner_ids)
        return records.filtered(lambda record: record[field_name] == deputy)

    @api.model
    def _assign(self, handed, from_user, to_user, back=False):
        """Write the new holder on the records, one write per model and field."""
        grouped = defaultdict(list)
        for _kind, record, field_name in handed:
            grouped[record._name, field_name].append(record.id)
        deputy_partner = (from_user if back else to_user).partner_id
        for (model, field_name), ids in grouped.items():
            # The holder gets one summary of the whole handover (_Notices), not one
            # "assigned to you" mail per record.
            records = (
                self.env[model]
                .browse(ids)
                .with_context(
                    mail_activity_quick_update=True,
                    skip_attendee_notification=True,
                    mail_auto_subscribe_no_notify=True,
                )
            )
            if field_name == "partner_ids":
                # The deputy joins the appointments, and leaves them when handing back.
                command = Command.unlink if back else Command.link
                records.write({"partner_ids": [command(deputy_partner.id)]})
            else:
                records.write({field_name: to_user.id})

    def _log_on_records(self, handed, back):
        """Leave a note in the chatter of the records (of the task's document for tasks)."""
        self.ensure_one()
        notes = defaultdict(lambda: defaultdict(list))
        for _kind, record, field_name in handed:
            if field_name == "partner_ids":
                continue  # the organizer note says it all
            document = record
            if record._name == "mail.activity":
                if not record.res_model or not record.res_id:
                    continue
                document = self.env[record.res_model].browse(record.res_id)
            if not hasattr(document, "_message_log_batch"):
                continue
            notes[document._name][document.id].append(self._note(record, field_name, back))
        for model, bodies in notes.items():
            documents = self.env[model].browse(bodies)
            documents._message_log_batch(
                {res_id: Markup("<br/>").join(lines) for res_id, lines in bodies.items()}
            )

    def _note(self, record, field_name, back):
        role = self._role_label(record, field_name)
        if back:
            return self.env._(
                "%(role)s handed back from %(deputy)s to %(user)s after the absence (%(absence)s).",
                role=role,
                deputy=self.deputy_user_id.name,
                user=self.user_id.name,
                absence=self._describe(),
            )
        return self.env._(
            "%(role)s handed over from %(user)s to %(deputy)s: %(user)s is absent (%(absence)s).",
            role=role,
            deputy=self.deputy_user_id.name,
            user=self.user_id.name,
            absence=self._describe(),
        )

    def _role_label(self, record, field_name):
        if record._name == "mail.activity":
            return self.env._("Task “%(task)s”", task=record.summary or record.display_name)
        if record._name == "calendar.event":
            return self.env._("Appointment")
        if field_name == "followup_user_id":
            return self.env._("Follow-up")
        return self.env._("Responsibility")

    def _notice_section(self, handed, back):
        """One paragraph and list of the summary: the records of one absence."""
        self.ensure_one()
        if back:
            intro = self.env._(
                "Welcome back! Handed back to you from %(deputy)s after your absence "
                "(%(absence)s):",
                deputy=self.deputy_user_id.name,
                absence=self._describe(),
            )
        else:
            intro = self.env._(
                "You stand in for %(user)s (%(absence)s). Handed over to you:",
                user=self.user_id.name,
                absence=self._describe(),
            )
        items = []
        for _kind, record, field_name in handed:
            if field_name == "partner_ids":
                continue
            document = record
            title = record.display_name
            if record._name == "mail.activity" and record.res_model and record.res_id:
                document = self.env[record.res_model].browse(record.res_id)
                title = record.summary or record.res_name or record.display_name
            items.append(
                Markup("<li>%s: %s</li>")
                % (self._role_label(record, field_name), document._get_html_link(title=title))
            )
        return Markup("<p>%s</p><ul>%s</ul>") % (intro, Markup().join(items))

    def _local_today(self):
        self.ensure_one()
        tz = self.user_id.tz or self.env.user.tz or "UTC"
        return fields.Date.context_today(self.with_context(tz=tz))

    def _utc_bounds(self):
        """Start of the first and end of the last day of absence, as naive UTC datetimes."""
        self.ensure_one()
        try:
            tz = pytz.timezone(self.user_id.tz or "UTC")
        except pytz.UnknownTimeZoneError:
            tz = pytz.utc

        def utc(day):
            local = tz.localize(datetime.combine(day, time.min))
            return local.astimezone(pytz.utc).replace(tzinfo=None)

        return utc(self.date_from), utc(self.date_to + timedelta(days=1))

    def _describe(self):
        """'Vacation, 16/06/2025 - 20/06/2025' in the current language."""
        self.ensure_one()
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        return self.env._(
            "%(reason)s, %(date_from)s – %(date_to)s",  # noqa: RUF001
            reason=reasons.get(self.reason, ""),
            date_from=format_date(self.env, self.date_from) if self.date_from else "",
            date_to=format_date(self.env, self.date_to) if self.date_to else "",
        )


class _Notices:
    """What was handed to each user during one run: one summary message per user."""

    def __init__(self):
        self._handed = defaultdict(list)  # (user, back) -> [(absence, handed)]

    def add(self, user, absence, handed, back):
        self._handed[user, back].append((absence, handed))

    def send(self, env):
        for (user, back), entries in self._handed.items():
            first_absence = entries[0][0]
            first_absence = first_absence.with_context(lang=user.lang or env.lang)
            body = Markup().join(
                absence.with_context(lang=user.lang or env.lang)._notice_section(handed, back)
                for absence, handed in entries
            )
            subject = (
                first_absence.env._("Handed back to you after your absence")
                if back
                else first_absence.env._("You stand in for an absent colleague")
            )
            first_absence.message_notify(
                partner_ids=user.partner_id.ids,
                subject=subject,
                body=body,
                subtype_xmlid="mail.mt_note",
                email_layout_xmlid="mail.mail_notification_light",
            )
        self._handed.clear()
