from datetime import UTC, datetime, time, timedelta

from odoo import api, fields, models

from .crm_exchange_synced_mixin import SYNC_CONTEXT_KEY

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
RESPONSES = ("needsAction", "accepted", "declined", "tentative")  # calendar.attendee states
RECURRENCE_FIELDS = (
    "freq",
    "interval",
    "weekdays",
    "day_of_month",
    "week_number",
    "month",
    "count",
    "until",
)


def _utc(value):
    """Odoo's naive UTC datetime as an aware one."""
    return value.replace(tzinfo=UTC) if value else None


def _naive(value):
    """An aware datetime as Odoo's naive UTC one, to the minute."""
    if not value:
        return None
    if value.tzinfo:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.replace(second=0, microsecond=0)


class CalendarEvent(models.Model):
    """Appointments synced with the Exchange calendar of the users taking part in them.

    A recurring series is synced through its base event (the Exchange master item); the other
    occurrences are the series' exceptions when moved, renamed or deleted.
    """

    _name = "calendar.event"
    _inherit = ["calendar.event", "crm.exchange.synced.mixin"]

    crm_exchange_original_start = fields.Datetime(
        string="Original Start",
        copy=False,
        help="Start of an occurrence of a recurring series before it was moved on its own.",
    )

    @api.model
    def _crm_exchange_synced_fields(self):
        return {
            "name", "description", "location", "start", "stop", "allday", "start_date",
            "stop_date", "event_tz", "partner_ids", "user_id", "privacy", "active", "recurrency",
            "rrule_type", "interval", "count", "end_type", "until", "month_by", "day", "byday",
            "weekday", *WEEKDAYS,
        }  # fmt: skip

    def write(self, vals):
        syncing = self.env.context.get(SYNC_CONTEXT_KEY)
        if (
            not syncing
            and vals.get("start")
            and self.env.context.get("recurrence_update") != "all_events"
        ):
            for event in self.filtered(lambda e: e.recurrence_id and e.follow_recurrence):
                if not event.crm_exchange_original_start:
                    event.crm_exchange_original_start = event.start
        result = super().write(vals)
        if not syncing and self._crm_exchange_synced_fields().intersection(vals):
            self._crm_exchange_mark_series_dirty()
        return result

    def unlink(self):
        if not self.env.context.get(SYNC_CONTEXT_KEY):
            self._crm_exchange_mark_series_dirty()
        recurrences = self.recurrence_id
        bases = {rec.id: rec.base_event_id.id for rec in recurrences}
        result = super().unlink()
        # a deleted base event hands its series' mappings over to the new base event
        mappings = self.env["crm.exchange.mapping"].sudo()
        for recurrence in recurrences.exists():
            old_base, new_base = bases[recurrence.id], recurrence.base_event_id.id
            if new_base and old_base != new_base:
                mappings.search([("res_model", "=", self._name), ("res_id", "=", old_base)]).write(
                    {"res_id": new_base, "record_deleted_date": False}
                )
                recurrence.base_event_id.crm_exchange_dirty = True
        return result

    def _crm_exchange_mark_series_dirty(self):
        """A changed occurrence changes the series' exceptions: its base event is sent again."""
        bases = (self.recurrence_id.base_event_id - self).filtered(
            lambda e: not e.crm_exchange_dirty
        )
        if bases:
            bases.crm_exchange_dirty = True

    # ------------------------------------------------------------------
    # Exchange sync
    # ------------------------------------------------------------------
    @api.model
    def _crm_exchange_scope_ids(self, user, settings):
        """Ids of the events to sync for ``user``: single events from 90 days ago on and the base
        events of series with an occurrence from then on."""
        horizon = fields.Datetime.now() - timedelta(days=90)
        events = self.search(
            [
                "|",
                ("user_id", "=", user.id),
                ("partner_ids", "in", user.partner_id.ids),
                ("stop", ">=", horizon),
                ("active", "=", True),
            ]
        )
        singles = events.filtered(lambda e: not e.recurrence_id)
        return set(singles.ids) | set(events.recurrence_id.base_event_id.ids)

    @api.model
    def _crm_exchange_still_in_scope(self, records, user, settings):
        """Of the mapped ``records``, those still belonging to the user's calendar."""
        return records.filtered(
            lambda e: e.active and (e.user_id == user or user.partner_id in e.partner_ids)
            and (not e.recurrence_id or e.recurrence_id.base_event_id == e)
        )  # fmt: skip

    def _crm_exchange_values(self, user, extra=None):
        """The neutral values of the appointment (a series: of its master)."""
        self.ensure_one()
        own_partner = user.partner_id
        states = {att.partner_id.id: att.state for att in self.attendee_ids}
        attendees = [
            {"email": partner.email.strip().lower(), "name": partner.name,
             "response": states.get(partner.id) or "needsAction"}
            for partner in self.partner_ids
            if partner.email and partner != own_partner
        ]  # fmt: skip
        attendees += (extra or {}).get("attendees", [])
        values = {
            "subject": self.name or "",
            "body": str(self.description or ""),
            "location": self.location or "",
            "all_day": bool(self.allday),
            "timezone": self.event_tz or user.tz or "UTC",
            "is_private": self.privacy == "private",
            "organizer_email": (self.user_id.email or user.email or "").strip().lower(),
            "attendees": sorted(attendees, key=lambda a: a["email"]),
            "recurrence": None,
            "exceptions": [],
        }
        if self.allday:
            values.update(
                start_date=self.start_date,
                end_date=self.stop_date + timedelta(days=1),
                start=datetime.combine(self.start_date, time(), UTC),
                end=datetime.combine(self.stop_date + timedelta(days=1), time(), UTC),
            )
        else:
            values.update(start=_utc(self.start), end=_utc(self.stop))
        if self.recurrence_id and self.recurrence_id.base_event_id == self:
            values["recurrence"], values["exceptions"] = self._crm_exchange_recurrence_values()
        return values

    def _crm_exchange_recurrence_values(self):
        recurrence = self.recurrence_id
        rule = {"freq": recurrence.rrule_type, "interval": recurrence.interval or 1}
        if recurrence.rrule_type == "weekly":
            rule["weekdays"] = [day for day in WEEKDAYS if recurrence[day]]
        if recurrence.rrule_type == "monthly" and recurrence.month_by == "date":
            rule["day_of_month"] = recurrence.day
        elif recurrence.rrule_type == "monthly" and recurrence.weekday and recurrence.byday:
            rule["weekdays"] = [recurrence.weekday.lower()]
            rule["week_number"] = int(recurrence.byday)
        if recurrence.rrule_type == "yearly":
            rule.update(day_of_month=self.start.day, month=self.start.month)
        if recurrence.end_type == "count":
            rule["count"] = recurrence.count
        elif recurrence.end_type == "end_date" and recurrence.until:
            rule["until"] = recurrence.until
        events = recurrence.calendar_event_ids
        following = {e.start for e in events if e.follow_recurrence}
        moved = events.filtered(lambda e: not e.follow_recurrence)
        originals = {(e.crm_exchange_original_start or e.start): e for e in moved}
        first = min([*following, *originals]) if events else self.start
        last = max([*following, *originals]) if events else self.start
        expected = []
        for start in recurrence._get_occurrences(first):
            if start > last or len(expected) >= 1000:
                break
            expected.append(start)
        exceptions = []
        for start in expected:
            if start in following:
                continue
            event = originals.get(start)
            if event:
                exceptions.append(
                    {"original_start": _utc(start), "deleted": False, "start": _utc(event.start),
                     "end": _utc(event.stop), "subject": event.name or ""}
                )  # fmt: skip
            else:
                exceptions.append({"original_start": _utc(start), "deleted": True})
        return rule, exceptions

    @api.model
    def _crm_exchange_prepare_vals(self, values, user, partners_by_email=None):
        """Odoo values for the neutral ``values``; returns (vals, extra) where ``extra`` keeps what
        Odoo cannot store (attendees without a partner of that e-mail).  ``partners_by_email``:
        the partners of the attendees' e-mails when looked up already (for a batch of items)."""
        vals = {
            "name": values.get("subject") or self.env._("(no subject)"),
            "description": values.get("body") or False,
            "location": values.get("location") or False,
            "privacy": "private" if values.get("is_private") else False,
        }
        timezone = values.get("timezone")
        if timezone and timezone in dict(self._fields["event_tz"]._description_selection(self.env)):
            vals["event_tz"] = timezone
        if values.get("all_day"):
            start_date = values.get("start_date") or values["start"].date()
            end_date = values.get("end_date") or values["end"].date()
            vals.update(
                allday=True,
                start_date=start_date,
                stop_date=max(start_date, end_date - timedelta(days=1)),
                start=datetime.combine(start_date, time(8)),
                stop=datetime.combine(max(start_date, end_date - timedelta(days=1)), time(18)),
            )
        else:
            vals.update(allday=False, start=_naive(values["start"]), stop=_naive(values["end"]))
        emails = self._crm_exchange_attendee_emails(values)
        if partners_by_email is None:
            partners_by_email = self._crm_exchange_partners_by_email(emails)
        by_email = {
            email: partner for email, partner in partners_by_email.items() if email in emails
        }
        vals["partner_ids"] = [(6, 0, [user.partner_id.id, *(p.id for p in by_email.values())])]
        unknown = [
            a
            for email, a in sorted(emails.items())
            if email not in by_email and email != user.email
        ]
        extra = {
            "attendees": [
                {
                    "email": a["email"].strip().lower(),
                    "name": a.get("name") or "",
                    "response": a.get("response")
                    if a.get("response") in RESPONSES
                    else "needsAction",
                }
                for a in unknown
            ]
        }
        rule = values.get("recurrence")
        if rule:
            vals.update(self._crm_exchange_recurrence_vals(rule, vals))
        return vals, extra

    @api.model
    def _crm_exchange_attendee_emails(self, values):
        """The attendees of the neutral ``values`` by their normalized e-mail."""
        return {
            a["email"].strip().lower(): a for a in values.get("attendees") or [] if a.get("email")
        }

    @api.model
    def _crm_exchange_partners_by_email(self, emails):
        """The partner standing for each e-mail: a person before a company, the oldest first."""
        by_email = {}
        if emails:
            partners = self.env["res.partner"].search(
                [("email_normalized", "in", list(emails))], order="is_company, id"
            )
            for partner in partners:
                by_email.setdefault(partner.email_normalized, partner)
        return by_email

    @api.model
    def _crm_exchange_recurrence_vals(self, rule, vals):
        rvals = {
            "recurrency": True,
            "rrule_type": rule.get("freq") or "weekly",
            "interval": rule.get("interval") or 1,
        }
        weekdays = rule.get("weekdays") or []
        start = vals.get("start_date") or vals["start"]
        if rvals["rrule_type"] == "weekly":
            weekdays = weekdays or [WEEKDAYS[start.weekday()]]
            rvals.update({day: day in weekdays for day in WEEKDAYS})
        if rvals["rrule_type"] == "monthly" and rule.get("week_number") and weekdays:
            rvals.update(
                month_by="day", byday=str(rule["week_number"]), weekday=weekdays[0].upper()[:3]
            )
        elif rvals["rrule_type"] == "monthly":
            rvals.update(month_by="date", day=rule.get("day_of_month") or start.day)
        if rule.get("count"):
            rvals.update(end_type="count", count=rule["count"])
        elif rule.get("until"):
            until = rule["until"]
            rvals.update(
                end_type="end_date", until=until.date() if isinstance(until, datetime) else until
            )
        else:
            rvals["end_type"] = "forever"
        return rvals

    @api.model
    def _crm_exchange_create_from(self, values, user):
        vals, extra = self._crm_exchange_prepare_vals(values, user)
        vals["user_id"] = user.id
        event = self.create(vals)
        if event.recurrence_id:
            event = event.recurrence_id.base_event_id
            event._crm_exchange_apply_exceptions(values.get("exceptions") or [])
        event._crm_exchange_apply_responses(values)
        return event, extra

    @api.model
    def _crm_exchange_create_from_multi(self, values_list, user):
        """Single appointments in one create (attendees' partners looked up at once); a series is
        created on its own, with its exceptions."""
        emails = set()
        for values in values_list:
            if not values.get("recurrence"):
                emails.update(self._crm_exchange_attendee_emails(values))
        partners_by_email = self._crm_exchange_partners_by_email(emails)
        results = [None] * len(values_list)
        singles = []  # (index, vals, extra)
        for index, values in enumerate(values_list):
            if values.get("recurrence"):
                results[index] = self._crm_exchange_create_from(values, user)
                continue
            vals, extra = self._crm_exchange_prepare_vals(values, user, partners_by_email)
            vals["user_id"] = user.id
            singles.append((index, vals, extra))
        events = self.create([vals for _index, vals, _extra in singles])
        for (index, _vals, extra), event in zip(singles, events, strict=True):
            event._crm_exchange_apply_responses(values_list[index])
            results[index] = (event, extra)
        return results

    def _crm_exchange_update_from(self, values, user):
        """Apply the neutral values; returns (event, extra): a rebuilt series has a new base."""
        self.ensure_one()
        vals, extra = self._crm_exchange_prepare_vals(values, user)
        rule = values.get("recurrence")
        current_rule = self._crm_exchange_values(user)["recurrence"] if self.recurrence_id else None
        same_times = (
            vals.get("start") == self.start
            and vals.get("stop") == self.stop
            and vals["allday"] == self.allday
        )
        if not rule and not self.recurrence_id:
            vals.pop("event_tz", None)  # a recurrence field: Odoo refuses it on a single event
            self.write(vals)
            self._crm_exchange_apply_responses(values)
            return self, extra
        if (
            rule
            and self.recurrence_id
            and same_times
            and self._crm_exchange_same_rule(rule, current_rule)
        ):
            common = {
                k: v for k, v in vals.items() if k in ("name", "description", "location", "privacy")
            }
            series = self.recurrence_id.calendar_event_ids
            series.filtered("follow_recurrence").write(common)
            (series - series.filtered("follow_recurrence")).write(
                {k: v for k, v in common.items() if k != "name"}
            )
            series.write({"partner_ids": vals["partner_ids"]})
            self._crm_exchange_apply_exceptions(values.get("exceptions") or [])
            self._crm_exchange_apply_responses(values)
            return self, extra
        # the series' rule or times changed (or a single event became a series, or back): rebuild
        old = self.recurrence_id.calendar_event_ids if self.recurrence_id else self
        vals["user_id"] = self.user_id.id or user.id
        event = self.create(vals)
        if event.recurrence_id:
            event = event.recurrence_id.base_event_id
            event._crm_exchange_apply_exceptions(values.get("exceptions") or [])
        old.unlink()
        event._crm_exchange_apply_responses(values)
        return event, extra

    @api.model
    def _crm_exchange_same_rule(self, rule, current):
        if not current:
            return False
        normalize = lambda r: {k: (r.get(k) or None) for k in RECURRENCE_FIELDS}  # noqa: E731
        left, right = normalize(rule), normalize(current)
        for r in (left, right):
            if isinstance(r["until"], datetime):
                r["until"] = r["until"].date()
            r["weekdays"] = sorted(r["weekdays"] or [])
        return left == right

    def _crm_exchange_apply_exceptions(self, exceptions):
        """Moved, renamed and deleted occurrences of the series from Exchange."""
        self.ensure_one()
        if not exceptions or not self.recurrence_id:
            return
        events = self.recurrence_id.calendar_event_ids
        by_start = {}
        for event in events:
            by_start[event.crm_exchange_original_start or event.start] = event
        to_delete = self.browse()
        for exception in exceptions:
            event = by_start.get(_naive(exception.get("original_start")))
            if not event:
                continue
            if exception.get("deleted"):
                to_delete |= event
                continue
            update = {}
            if exception.get("start") and _naive(exception["start"]) != event.start:
                update.update(start=_naive(exception["start"]), stop=_naive(exception["end"]))
            if exception.get("subject") and exception["subject"] != event.name:
                update["name"] = exception["subject"]
            if update:
                if not event.crm_exchange_original_start:
                    update["crm_exchange_original_start"] = event.start
                update["follow_recurrence"] = False
                event.with_context(recurrence_update="self_only").write(
                    dict(update, recurrence_update="self_only")
                )
        if to_delete:
            base = self.recurrence_id.base_event_id
            to_delete.unlink()
            if base not in to_delete:
                return
        return

    def _crm_exchange_apply_responses(self, values):
        """Attendees' answers given in Outlook (accepted, declined, ...) on the Odoo attendees."""
        responses = {
            (a.get("email") or "").strip().lower(): a.get("response")
            for a in values.get("attendees") or []
            if a.get("response") in RESPONSES
        }
        if not responses:
            return
        events = self.recurrence_id.calendar_event_ids | self
        for attendee in events.attendee_ids:
            response = responses.get(attendee.partner_id.email_normalized)
            if response and response != "needsAction" and attendee.state != response:
                attendee.state = response

    def _crm_exchange_remove(self, user):
        """The item was deleted in ``user``'s Exchange calendar: the appointment (a series:
        all of it) is deleted when the user organises it or is its only attendee; else the user
        leaves it."""
        for event in self:
            events = event.recurrence_id.calendar_event_ids | event
            others = event.partner_ids - user.partner_id
            if event.user_id in (user, self.env["res.users"]) or not others:
                events.unlink()
            else:
                events.write({"partner_ids": [(3, user.partner_id.id)]})
