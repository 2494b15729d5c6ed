import calendar
import logging
from collections import defaultdict
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import split_every

_logger = logging.getLogger(__name__)

REMINDER_DAYS_PARAM = "crm_contact_management.reminder_days_before"
DEFAULT_REMINDER_DAYS = 7
MAX_REMINDER_DAYS = 364  # the reminder window must stay shorter than a year


def _month_day(day):
    """Day of the year as the integer MMDD, e.g. 1224 for 24 December."""
    return day.month * 100 + day.day


def _occurrence_in_year(day, year):
    """The yearly recurrence of ``day`` in ``year``; 29 February falls on the 28th in
    common years."""
    if (day.month, day.day) == (2, 29) and not calendar.isleap(year):
        return date(year, 2, 28)
    return day.replace(year=year)


class CrmContactDate(models.Model):
    """A yearly recurring date of a partner (birthday, anniversary...). A scheduled action
    reminds the salesperson of the account with a to-do some days before each recurrence."""

    _name = "crm.contact.date"
    _description = "Reminder Date"
    _order = "month_day, partner_id, id"

    partner_id = fields.Many2one(
        "res.partner", string="Contact", required=True, index=True, ondelete="cascade"
    )
    kind = fields.Selection(
        [
            ("birthday", "Birthday"),
            ("anniversary", "Anniversary"),
            ("other", "Other"),
        ],
        required=True,
        default="birthday",
    )
    name = fields.Char(
        string="Occasion",
        help="What the date is about; required for other occasions, e.g. company foundation.",
    )
    date = fields.Date(required=True, help="The original date; it recurs every year.")
    active = fields.Boolean(default=True)
    month_day = fields.Integer(
        string="Day of Year",
        compute="_compute_month_day",
        store=True,
        index=True,
        help="Month and day of the date as MMDD, to find the dates recurring soon.",
    )
    month = fields.Selection(
        [
            ("01", "January"),
            ("02", "February"),
            ("03", "March"),
            ("04", "April"),
            ("05", "May"),
            ("06", "June"),
            ("07", "July"),
            ("08", "August"),
            ("09", "September"),
            ("10", "October"),
            ("11", "November"),
            ("12", "December"),
        ],
        compute="_compute_month_day",
        store=True,
        help="Month the date recurs in, to group the dates by month.",
    )
    next_occurrence = fields.Date(
        compute="_compute_next_occurrence",
        search="_search_next_occurrence",
        help="The next yearly recurrence of the date, from today on.",
    )
    last_reminder_year = fields.Integer(
        readonly=True,
        copy=False,
        help="Year of the last recurrence a reminder to-do was created for.",
    )

    _name_required_for_other = models.Constraint(
        "CHECK (kind != 'other' OR name IS NOT NULL)",
        "Give a name to the reminder dates of kind Other.",
    )

    @api.depends("kind", "name")
    def _compute_display_name(self):
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        for contact_date in self:
            contact_date.display_name = contact_date.name or kinds.get(contact_date.kind, "")

    @api.depends("date")
    def _compute_month_day(self):
        for contact_date in self:
            day = contact_date.date
            contact_date.month_day = day and _month_day(day)
            contact_date.month = day and f"{day.month:02d}"

    @api.depends("date")
    def _compute_next_occurrence(self):
        today = fields.Date.context_today(self)
        for contact_date in self:
            contact_date.next_occurrence = contact_date.date and contact_date._get_next_occurrence(
                today
            )

    def _search_next_occurrence(self, operator, value):
        """Dates recurring from today until the given day, e.g. within the next 30 days."""
        if operator not in ("<", "<="):
            return NotImplemented
        today = fields.Date.context_today(self)
        last_day = fields.Date.to_date(value)
        if operator == "<":
            last_day -= timedelta(days=1)
        if last_day < today:
            return Domain.FALSE
        if last_day - today > timedelta(days=MAX_REMINDER_DAYS):
            return Domain("date", "<=", last_day)
        return self._get_recurring_domain(today, last_day)

    @api.model
    def _cron_schedule_reminders(self, batch_size=200):
        """Scheduled action: create the reminder to-dos of the dates recurring soon."""
        self._schedule_reminders(fields.Date.context_today(self), batch_size=batch_size)

    @api.model
    def _schedule_reminders(self, today, batch_size=200):
        """Create a to-do for the dates recurring within the configured number of days from
        ``today`` and not reminded of for that recurrence yet. The due dates are searched
        once, then handled in batches, each one committed with the cron progress."""
        days_before = self._get_reminder_days_before()
        due_dates = self.search(self._get_reminder_domain(today, days_before), order="id")
        IrCron = self.env["ir.cron"]
        IrCron._commit_progress(remaining=len(due_dates))
        for batch in split_every(batch_size, due_dates.ids, self.browse):
            batch._create_reminder_activities(today)
            if not IrCron._commit_progress(len(batch)):
                break  # out of time: the cron runs again soon for the remaining dates

    @api.model
    def _get_reminder_days_before(self):
        value = self.env["ir.config_parameter"].sudo().get_param(REMINDER_DAYS_PARAM)
        try:
            days = int(value) if value else DEFAULT_REMINDER_DAYS
        except ValueError:
            _logger.warning(
                "Invalid %s %r, using %s", REMINDER_DAYS_PARAM, value, DEFAULT_REMINDER_DAYS
            )
            days = DEFAULT_REMINDER_DAYS
        return min(max(days, 0), MAX_REMINDER_DAYS)

    @api.model
    def _get_reminder_domain(self, today, days_before):
        """Active dates of active partners recurring between ``today`` and ``days_before``
        days later, not yet reminded of for that recurrence."""
        last_day = today + timedelta(days=days_before)
        return Domain("partner_id.active", "=", True) & self._get_recurring_domain(
            today, last_day, not_reminded=True
        )

    @api.model
    def _get_recurring_domain(self, first_day, last_day, not_reminded=False):
        """Dates recurring between ``first_day`` and ``last_day`` (less than a year apart),
        optionally only those not reminded of for that recurrence yet. The period may span
        New Year; in a common year, 29 February recurs on the 28th."""
        recurring = []
        for year in range(first_day.year, last_day.year + 1):
            first_key = _month_day(first_day) if year == first_day.year else 101
            last_key = _month_day(last_day) if year == last_day.year else 1231
            if last_key == 228 and not calendar.isleap(year):
                last_key = 229
            domain = Domain("month_day", ">=", first_key) & Domain("month_day", "<=", last_key)
            if not_reminded:
                domain &= Domain("last_reminder_year", "=", False) | Domain(
                    "last_reminder_year", "<", year
                )
            recurring.append(domain)
        return Domain("date", "<=", last_day) & Domain.OR(recurring)

    def _get_next_occurrence(self, today):
        """The first recurrence of the date on or after ``today`` (and not before the date
        itself)."""
        self.ensure_one()
        start = max(today, self.date)
        occurrence = _occurrence_in_year(self.date, start.year)
        if occurrence < start:
            occurrence = _occurrence_in_year(self.date, start.year + 1)
        return occurrence

    def _get_reminder_user(self):
        """The salesperson of the account: the one of the commercial partner, else the one of
        the partner itself, as long as they are an active internal user."""
        self.ensure_one()
        partner = self.partner_id
        users = partner.commercial_partner_id.user_id | partner.user_id
        return users.filtered(lambda user: user.active and user._is_internal())[:1]

    def _create_reminder_activities(self, today):
        """Create the to-do of each date for its next recurrence and remember its year."""
        todo_type = self.env.ref("mail.mail_activity_data_todo")
        partner_model_id = self.env["ir.model"]._get_id("res.partner")
        vals_list = []
        reminded_by_year = defaultdict(lambda: self.browse())
        for contact_date in self:
            occurrence = contact_date._get_next_occurrence(today)
            if contact_date.last_reminder_year >= occurrence.year:
                continue
            user = contact_date._get_reminder_user()
            if not user:
                _logger.info(
                    "No salesperson for partner %s: no reminder to-do for %s on %s "
                    "(reminder date %s)",
                    contact_date.partner_id.id,
                    contact_date.display_name,
                    occurrence,
                    contact_date.id,
                )
                continue
            vals_list.append(
                {
                    "activity_type_id": todo_type.id,
                    "res_model_id": partner_model_id,
                    "res_id": contact_date.partner_id.id,
                    "user_id": user.id,
                    "date_deadline": occurrence,
                    "summary": contact_date.with_context(lang=user.lang)._get_reminder_summary(),
                    "automated": True,
                }
            )
            reminded_by_year[occurrence.year] |= contact_date
        self.env["mail.activity"].create(vals_list)
        for year, contact_dates in reminded_by_year.items():
            contact_dates.write({"last_reminder_year": year})

    def _get_reminder_summary(self):
        self.ensure_one()
        kinds = dict(self._fields["kind"]._description_selection(self.env))
        return self.env._(
            "%(occasion)s of %(partner)s",
            occasion=self.name or kinds[self.kind],
            partner=self.partner_id.name,
        )
