import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import split_every

_logger = logging.getLogger(__name__)

JOURNAL_REMINDER_DAYS_PARAM = "crm_contact_management.journal_reminder_days"
DEFAULT_JOURNAL_REMINDER_DAYS = 1
MAX_JOURNAL_REMINDER_DAYS = 365
FINISHED_STATES = ("done", "not_done")
MANAGER_GROUP = "crm_contact_management.group_crm_contact_manager"
# fields whose change may create, move, hand over or remove the reminder to-do of an entry
REMINDER_TRIGGER_FIELDS = {"reminder", "state", "date_start", "user_id", "followup_user_id"}


class CrmJournalEntry(models.Model):
    """One contact with a business partner: who, when, how, about what, and what follows.

    Planned entries are finished as done (with their duration and report) or not done (with a
    reason); both count as finished. A planned entry with the reminder flag has a to-do for its
    follow-up user and sends them an e-mail some days before it starts. A recurring entry plans
    its next occurrence when it is finished.
    """

    _name = "crm.journal.entry"
    _description = "Contact Journal Entry"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    # colleagues comment on and attach files to the entries they can read
    _mail_post_access = "read"

    name = fields.Char(string="Subject", required=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Business Partner",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        precompute=True,
        index=True,
        tracking=True,
        domain="[('is_company', '=', True)]",
        help="The company the contact was with. It follows from the contact person and stays "
        "when the person later moves to another company.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        index="btree_not_null",
        tracking=True,
        domain="[('is_company', '=', False)]",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    followup_user_id = fields.Many2one(
        "res.users",
        string="Follow-up by",
        index="btree_not_null",
        tracking=True,
        domain="[('share', '=', False)]",
        help="Who follows the entry up; gets its reminders instead of the responsible.",
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index=True, required=True
    )
    medium_id = fields.Many2one("crm.journal.medium", index="btree_not_null", tracking=True)
    content_type_id = fields.Many2one(
        "crm.journal.content.type", index="btree_not_null", tracking=True
    )
    direction = fields.Selection(
        [("incoming", "Incoming"), ("outgoing", "Outgoing")], default="outgoing", required=True
    )
    state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("not_done", "Not Done")],
        default="planned",
        required=True,
        index=True,
        tracking=True,
        copy=False,
    )
    date_start = fields.Datetime(
        string="Start", default=fields.Datetime.now, required=True, index=True, tracking=True
    )
    duration = fields.Float(help="Duration in hours.")
    reminder = fields.Boolean(
        help="The follow-up user (else the responsible) gets a to-do due on the start day and "
        "an e-mail some days before (see the settings)."
    )
    report = fields.Html(copy=False)
    not_done_reason = fields.Text(
        copy=False, tracking=True, help="Why the contact did not take place."
    )
    date_finished = fields.Datetime(string="Finished On", readonly=True, copy=False)
    is_overdue = fields.Boolean(
        string="Overdue",
        compute="_compute_is_overdue",
        help="Still planned, and its start day has passed.",
    )
    thread_id = fields.Many2one(
        "crm.journal.thread",
        string="Thread",
        index="btree_not_null",
        tracking=True,
        domain="['|', ('partner_id', '=', False), ('partner_id', '=', partner_id)]",
    )
    document_link_ids = fields.One2many(
        "crm.document.link", "journal_entry_id", string="Linked Documents"
    )
    attachment_ids = fields.One2many(
        "ir.attachment",
        "res_id",
        string="Attachments",
        domain=[("res_model", "=", "crm.journal.entry")],
        readonly=True,
    )
    reminder_activity_id = fields.Many2one(
        "mail.activity",
        string="Reminder To-Do",
        readonly=True,
        copy=False,
        ondelete="set null",
        index="btree_not_null",
    )
    date_reminder_sent = fields.Datetime(
        string="Reminder Sent On",
        readonly=True,
        copy=False,
        help="When the reminder e-mail was queued; moving the start sends it again.",
    )
    # recurrence: the rule travels with each occurrence, the series links them
    is_recurring = fields.Boolean(
        string="Repeat", help="Finishing the entry plans the next one of the series."
    )
    recurrence_interval = fields.Integer(string="Repeat Every", default=1)
    recurrence_unit = fields.Selection(
        [("days", "Days"), ("weeks", "Weeks"), ("months", "Months")],
        string="Repeat Unit",
        default="weeks",
    )
    recurrence_end_type = fields.Selection(
        [
            ("count", "Number of occurrences"),
            ("until", "End date"),
            ("forever", "Forever"),
        ],
        string="Repeat Until",
        default="count",
    )
    recurrence_count = fields.Integer(
        string="Occurrences Left",
        default=2,
        help="How many occurrences of the series are left, this one included.",
    )
    recurrence_until = fields.Date(
        string="Repeat Until Date", help="The last day an occurrence can be planned on."
    )
    series_id = fields.Many2one(
        "crm.journal.entry",
        string="Series",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The first entry of the recurring series this entry belongs to.",
    )
    recurrence_date = fields.Datetime(
        string="Occurrence Date",
        readonly=True,
        copy=False,
        help="The date of this occurrence in the series grid, even when the entry was moved.",
    )
    series_entry_count = fields.Integer(string="Occurrences", compute="_compute_series_entry_count")

    _duration_not_negative = models.Constraint(
        "CHECK (duration >= 0)", "The duration of a contact cannot be negative."
    )
    _not_done_reason_required = models.Constraint(
        "CHECK (state != 'not_done' OR COALESCE(btrim(not_done_reason), '') != '')",
        "Give the reason why the contact did not take place.",
    )
    _recurrence_interval_positive = models.Constraint(
        "CHECK (is_recurring IS NOT TRUE OR recurrence_interval > 0)",
        "A recurring contact repeats every one or more days, weeks or months.",
    )
    _recurrence_count_positive = models.Constraint(
        "CHECK (is_recurring IS NOT TRUE OR recurrence_end_type != 'count'"
        " OR recurrence_count > 0)",
        "A recurring contact that ends after a number of occurrences needs at least one.",
    )
    _recurrence_until_required = models.Constraint(
        "CHECK (is_recurring IS NOT TRUE OR recurrence_end_type != 'until'"
        " OR recurrence_until IS NOT NULL)",
        "Give the end date of the recurring contact.",
    )
    _series_occurrence_unique = models.UniqueIndex(
        "(series_id, recurrence_date) WHERE series_id IS NOT NULL",
        "This occurrence of the recurring contact is already planned.",
    )
    _reminder_due_idx = models.Index(
        "(date_start) WHERE state = 'planned' AND reminder AND date_reminder_sent IS NULL"
    )

    @api.depends("contact_id")
    def _compute_partner_id(self):
        """The company follows from the contact person: the chosen company stays when the
        person is linked to it, else the person's main company."""
        for entry in self.filtered("contact_id"):
            entry.partner_id = entry.contact_id._get_company_for_contact(entry.partner_id)

    @api.depends("state", "date_start")
    @api.depends_context("tz")
    def _compute_is_overdue(self):
        today = fields.Date.context_today(self)
        for entry in self:
            entry.is_overdue = (
                entry.state == "planned"
                and bool(entry.date_start)
                and fields.Date.context_today(entry, entry.date_start) < today
            )

    @api.depends("series_id")
    def _compute_series_entry_count(self):
        roots = self.series_id | self.filtered("id")
        counts = dict(
            self._read_group(Domain("series_id", "in", roots.ids), ["series_id"], ["__count"])
        )
        for entry in self:
            root = entry.series_id or entry._origin
            entry.series_entry_count = counts.get(root, 0)

    @api.constrains("contact_id")
    def _check_contact_is_person(self):
        for entry in self:
            if entry.contact_id.is_company:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is a company: the contact person of a journal entry must "
                        "be a person.",
                        partner=entry.contact_id.display_name,
                    )
                )

    @api.constrains("state", "not_done_reason")
    def _check_not_done_reason(self):
        for entry in self:
            if entry.state == "not_done" and not (entry.not_done_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "Give the reason why the contact %(entry)s did not take place.",
                        entry=entry.display_name,
                    )
                )

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        """A contact person who is not linked to the newly chosen company is dropped."""
        person = self.contact_id
        if person and self.partner_id and self.partner_id not in person._get_linked_organizations():
            self.contact_id = False

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        vals_list = [
            {"date_finished": now, **vals}
            if vals.get("state") in FINISHED_STATES and not vals.get("date_finished")
            else vals
            for vals in vals_list
        ]
        entries = super().create(vals_list)
        entries.filtered("reminder")._sync_reminder_activities()
        return entries

    def write(self, vals):
        finishing = reopening = self.browse()
        if "state" in vals:
            finishing, reopening = self._check_state_change(vals["state"])
        rearmed = self.browse()
        if "date_start" in vals:
            new_start = fields.Datetime.to_datetime(vals["date_start"])
            rearmed = self.filtered(
                lambda entry: entry.date_reminder_sent and entry.date_start != new_start
            )
        res = super().write(vals)
        if finishing:
            finishing.write({"date_finished": fields.Datetime.now()})
        if reopening:
            reopening.write({"date_finished": False, "not_done_reason": False})
        if rearmed:
            rearmed.write({"date_reminder_sent": False})
        if REMINDER_TRIGGER_FIELDS & vals.keys():
            self._sync_reminder_activities()
        if finishing:
            finishing._plan_next_occurrence()
        return res

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_done(self, duration=None, report=None):
        """Finish the planned entries as done, with their duration (hours) and report when
        given. Removes their reminders and plans the next occurrence of recurring ones."""
        self._check_planned()
        vals = {"state": "done"}
        if duration is not None:
            vals["duration"] = duration
        if report is not None:
            vals["report"] = report
        self.write(vals)
        return True

    def action_not_done(self, reason):
        """Finish the planned entries as not done, for ``reason`` (required). Not done counts
        as finished: the reminders go, and a recurring entry plans its next occurrence."""
        if not (reason or "").strip():
            raise UserError(self.env._("Give the reason why the contact did not take place."))
        self._check_planned()
        self.write({"state": "not_done", "not_done_reason": reason})
        return True

    def action_reopen(self):
        """Plan finished entries again (contact management administrators only)."""
        self.filtered(lambda entry: entry.state != "planned").write({"state": "planned"})
        return True

    def action_open_finish_wizard(self):
        """Open the wizard that asks for the duration and report (done) or the reason (not
        done, with ``default_result`` = ``not_done`` in the context)."""
        self._check_planned()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.crm_journal_finish_action"
        )
        action["context"] = {
            "active_model": self._name,
            "active_ids": self.ids,
            "default_result": self.env.context.get("default_result", "done"),
        }
        return action

    def action_view_series(self):
        """The entries of the recurring series of this entry."""
        self.ensure_one()
        root = self.series_id or self
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.crm_journal_entry_action"
        )
        action.update(
            name=self.env._("Series of %(entry)s", entry=root.display_name),
            domain=[("series_id", "=", root.id)],
            context={"create": False},
            view_mode="list,calendar,form",
            views=[(False, "list"), (False, "calendar"), (False, "form")],
        )
        return action

    # ------------------------------------------------------------
    # State machine
    # ------------------------------------------------------------

    def _check_planned(self):
        finished = self.filtered(lambda entry: entry.state != "planned")
        if finished:
            raise UserError(
                self.env._(
                    "Only planned contacts can be finished; %(entries)s is already finished.",
                    entries=", ".join(finished.mapped("display_name")),
                )
            )

    def _check_state_change(self, new_state):
        """Return the entries the change to ``new_state`` finishes and reopens. Planned entries
        are finished as done or not done; finished ones only go back to planned, and only for
        contact management administrators."""
        if new_state == "planned":
            reopening = self.filtered(lambda entry: entry.state != "planned")
            if reopening and not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
                raise AccessError(
                    self.env._(
                        "Only contact management administrators can reopen finished contacts."
                    )
                )
            return self.browse(), reopening
        switching = self.filtered(lambda entry: entry.state not in ("planned", new_state))
        if switching:
            raise UserError(
                self.env._(
                    "%(entries)s is already finished: reopen it before finishing it otherwise.",
                    entries=", ".join(switching.mapped("display_name")),
                )
            )
        return self.filtered(lambda entry: entry.state == "planned"), self.browse()

    # ------------------------------------------------------------
    # Recurrence
    # ------------------------------------------------------------

    def _plan_next_occurrence(self):
        """Plan the next occurrence of each finished recurring entry: a copy on the next date
        of the series grid, with one occurrence less left. An occurrence is planned once: a
        reopened and finished again entry does not plan it a second time.

        :return: the new entries
        """
        recurring = self.filtered(lambda entry: entry.is_recurring and entry.state != "planned")
        to_plan = []
        for entry in recurring:
            next_date = entry._get_next_occurrence_date()
            if next_date:
                to_plan.append((entry, next_date))
        if not to_plan:
            return self.browse()
        for entry, _next_date in to_plan:
            if not entry.series_id:
                entry.write(
                    {"series_id": entry.id, "recurrence_date": entry._get_occurrence_date()}
                )
        planned = self.search_fetch(
            Domain("series_id", "in", [entry.series_id.id for entry, _date in to_plan])
            & Domain("recurrence_date", "in", [next_date for _entry, next_date in to_plan]),
            ["series_id", "recurrence_date"],
        )
        existing = {(entry.series_id.id, entry.recurrence_date) for entry in planned}
        vals_list = []
        for entry, next_date in to_plan:
            if (entry.series_id.id, next_date) in existing:
                continue
            existing.add((entry.series_id.id, next_date))
            vals_list.append(entry._prepare_next_occurrence_values(next_date))
        return self.create(vals_list)

    def _get_occurrence_date(self):
        """The date of this occurrence on the series grid."""
        self.ensure_one()
        return self.recurrence_date or self.date_start

    def _get_next_occurrence_date(self):
        """The next date of the series grid after this occurrence, or ``False`` when the
        series ends with this occurrence. Monthly series keep the day of the month of their
        first occurrence (the 31st falls on the last day of shorter months)."""
        self.ensure_one()
        if self.recurrence_end_type == "count" and self.recurrence_count <= 1:
            return False
        current = self._get_occurrence_date()
        step = relativedelta(**{self.recurrence_unit or "weeks": self.recurrence_interval or 1})
        next_date = current + step
        if self.recurrence_unit == "months":
            first = self.series_id._get_occurrence_date() if self.series_id else current
            next_date += relativedelta(day=first.day)
        if self.recurrence_end_type == "until" and (
            not self.recurrence_until or next_date.date() > self.recurrence_until
        ):
            return False
        return next_date

    def _prepare_next_occurrence_values(self, next_date):
        self.ensure_one()
        vals = self.copy_data(
            {
                "date_start": next_date,
                "recurrence_date": next_date,
                "series_id": self.series_id.id,
                "state": "planned",
            }
        )[0]
        if self.recurrence_end_type == "count":
            vals["recurrence_count"] = self.recurrence_count - 1
        return vals

    # ------------------------------------------------------------
    # Reminders
    # ------------------------------------------------------------

    def _get_reminder_user(self):
        """Who is reminded of the entry: the follow-up user, else the responsible."""
        self.ensure_one()
        return self.followup_user_id or self.user_id

    def _needs_reminder_activity(self):
        self.ensure_one()
        return self.state == "planned" and self.reminder and bool(self._get_reminder_user())

    def _get_reminder_deadline(self, user):
        """The start day of the entry, in the time zone of the reminded user."""
        self.ensure_one()
        entry = self.with_context(tz=user.tz or self.env.context.get("tz") or "UTC")
        return fields.Date.context_today(entry, self.date_start)

    def _get_reminder_summary(self):
        self.ensure_one()
        company = self.partner_id or self.contact_id
        if company:
            return self.env._(
                "Contact %(partner)s: %(subject)s", partner=company.name, subject=self.name
            )
        return self.env._("Contact: %(subject)s", subject=self.name)

    def _sync_reminder_activities(self):
        """Give each planned entry with the reminder flag one open to-do, assigned to the
        follow-up user (else the responsible), due on its start day; remove the open to-do of
        the others. A reminder the user marked done stays done unless the entry moves.

        Runs as superuser: the caller was allowed to change the entries."""
        # the reminded user is not told about the assignment: the reminder is the message
        quiet = {"mail_activity_quick_update": True}
        Activity = self.env["mail.activity"].sudo().with_context(**quiet)
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        model_id = self.env["ir.model"]._get_id(self._name)
        to_remove = Activity
        vals_list, entries_to_link = [], []
        concerned = self.filtered(lambda entry: entry.reminder or entry.reminder_activity_id)
        for entry in concerned.sudo().with_context(**quiet):
            activity = entry.reminder_activity_id
            if not entry._needs_reminder_activity():
                to_remove |= activity.filtered("active")
                continue
            user = entry._get_reminder_user()
            deadline = entry._get_reminder_deadline(user)
            if activity.active:
                updates = {}
                if activity.user_id != user:
                    updates["user_id"] = user.id
                if activity.date_deadline != deadline:
                    updates["date_deadline"] = deadline
                if updates:
                    activity.write(updates)
                continue
            if activity and activity.date_deadline == deadline:
                continue  # marked done by the user, and the entry did not move
            vals_list.append(
                {
                    "activity_type_id": todo_type.id,
                    "res_model_id": model_id,
                    "res_id": entry.id,
                    "user_id": user.id,
                    "date_deadline": deadline,
                    "summary": entry.with_context(lang=user.lang)._get_reminder_summary(),
                    "automated": True,
                }
            )
            entries_to_link.append(entry)
        to_remove.unlink()
        activities = Activity.create(vals_list)
        for entry, activity in zip(entries_to_link, activities, strict=True):
            entry.reminder_activity_id = activity

    @api.model
    def _get_reminder_days(self):
        """How many days before the start the reminder e-mail goes out (settings)."""
        value = self.env["ir.config_parameter"].sudo().get_param(JOURNAL_REMINDER_DAYS_PARAM)
        try:
            days = int(value) if value else DEFAULT_JOURNAL_REMINDER_DAYS
        except ValueError:
            _logger.warning(
                "Invalid %s %r, using %s",
                JOURNAL_REMINDER_DAYS_PARAM,
                value,
                DEFAULT_JOURNAL_REMINDER_DAYS,
            )
            days = DEFAULT_JOURNAL_REMINDER_DAYS
        return min(max(days, 0), MAX_JOURNAL_REMINDER_DAYS)

    @api.model
    def _get_reminder_mail_domain(self, now):
        """Planned entries with the reminder flag, starting within the reminder days from
        ``now``, whose reminder e-mail is not sent yet."""
        return (
            Domain("state", "=", "planned")
            & Domain("reminder", "=", True)
            & Domain("date_reminder_sent", "=", False)
            & Domain("date_start", ">", now)
            & Domain("date_start", "<=", now + timedelta(days=self._get_reminder_days()))
            & (Domain("followup_user_id", "!=", False) | Domain("user_id", "!=", False))
        )

    @api.model
    def _cron_send_reminders(self, batch_size=100):
        """Scheduled action: queue the reminder e-mail of the entries starting soon, once per
        entry, in batches committed with the cron progress."""
        self._send_reminder_mails(fields.Datetime.now(), batch_size=batch_size)

    @api.model
    def _send_reminder_mails(self, now, batch_size=100):
        entries = self.search(self._get_reminder_mail_domain(now), order="date_start, id")
        IrCron = self.env["ir.cron"]
        IrCron._commit_progress(remaining=len(entries))
        for batch in split_every(batch_size, entries.ids, self.browse):
            batch._queue_reminder_mails(now)
            if not IrCron._commit_progress(len(batch)):
                break  # out of time: the cron runs again soon for the remaining entries

    def _queue_reminder_mails(self, now):
        """Put the reminder e-mail of these entries in the mail queue and remember it."""
        template = self.env.ref("crm_contact_management.crm_journal_entry_mail_template_reminder")
        template.send_mail_batch(self.ids, force_send=False)
        self.write({"date_reminder_sent": now})
