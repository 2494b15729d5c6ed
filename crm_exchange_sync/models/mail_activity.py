from datetime import UTC, datetime, time

from odoo import api, fields, models, tools


class MailActivity(models.Model):
    """Activities synced with the Exchange tasks of the user they are assigned to.

    Done activities stay (archived, with their done date) and are completed tasks in Exchange;
    a task completed in Outlook marks its activity done as if the user had clicked "Done".
    """

    _name = "mail.activity"
    _inherit = ["mail.activity", "crm.exchange.synced.mixin"]

    @api.model
    def _crm_exchange_synced_fields(self):
        return {"summary", "note", "date_deadline", "user_id", "active", "activity_type_id"}

    @api.model
    def _crm_exchange_scope_ids(self, user, settings):
        """The user's open activities (done ones stay synced once mapped)."""
        return set(self.search([("user_id", "=", user.id), ("active", "=", True)]).ids)

    @api.model
    def _crm_exchange_still_in_scope(self, records, user, settings):
        return records.filtered(lambda a: a.user_id == user and (a.active or a.date_done))

    def _crm_exchange_values(self, user, extra=None):
        self.ensure_one()
        extra = extra or {}
        done = not self.active and bool(self.date_done)
        status = "completed" if done else extra.get("status") or "not_started"
        if not done and status == "completed":
            status = "not_started"
        return {
            "subject": self.summary or self.activity_type_id.name or "",
            "body": str(self.note or ""),
            "start_date": extra.get("start_date"),
            "due_date": self.date_deadline,
            "status": status,
            "percent_complete": 100 if done else (extra.get("percent_complete") or 0) % 100,
            "complete_date": datetime.combine(self.date_done, time(), UTC) if done else None,
        }

    @api.model
    def _crm_exchange_prepare_vals(self, values, user):
        vals = {
            "summary": values.get("subject") or False,
            "note": values.get("body")
            if tools.html2plaintext(values.get("body") or "").strip()
            else False,
            "date_deadline": values.get("due_date")
            or values.get("start_date")
            or fields.Date.context_today(self),
        }
        extra = {
            "start_date": values.get("start_date"),
            "status": values.get("status") if values.get("status") != "completed" else None,
            "percent_complete": values.get("percent_complete") or 0,
        }
        return vals, extra

    @api.model
    def _crm_exchange_create_from(self, values, user):
        """A task created in Outlook: a to-do of the user, attached to no document."""
        return self._crm_exchange_create_from_multi([values], user)[0]

    @api.model
    def _crm_exchange_create_from_multi(self, values_list, user):
        """Tasks created in Outlook (to-dos of the user, attached to no document), in one
        create; completed ones are then marked done."""
        todo = self.env.ref("mail.mail_activity_data_todo", raise_if_not_found=False)
        prepared = [self._crm_exchange_prepare_vals(values, user) for values in values_list]
        activities = self.create(
            [
                dict(vals, user_id=user.id, activity_type_id=todo.id if todo else False)
                for vals, _extra in prepared
            ]
        )
        for activity, values in zip(activities, values_list, strict=True):
            if values.get("status") == "completed":
                activity._crm_exchange_mark_done()
        return [
            (activity, extra) for activity, (_vals, extra) in zip(activities, prepared, strict=True)
        ]

    def _crm_exchange_update_from(self, values, user):
        self.ensure_one()
        vals, extra = self._crm_exchange_prepare_vals(values, user)
        completed = values.get("status") == "completed"
        if completed and self.active:
            self.write(vals)
            self._crm_exchange_mark_done()
        elif not completed and not self.active:
            self.write(dict(vals, active=True))
        else:
            self.write(vals)
        return self, extra

    def _crm_exchange_mark_done(self):
        """Done in Outlook: done in Odoo as the user does it (message, next activity)."""
        self.with_user(self.user_id or self.env.user).sudo()._action_done()

    def _crm_exchange_remove(self, user):
        self.unlink()
