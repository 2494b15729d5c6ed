from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import is_html_empty


class CrmJournalFinish(models.TransientModel):
    """Finish planned journal entries: done with their duration and report, or not done with
    the reason."""

    _name = "crm.journal.finish"
    _description = "Finish Journal Entries"

    entry_ids = fields.Many2many(
        "crm.journal.entry",
        string="Journal Entries",
        required=True,
        default=lambda self: self._default_entry_ids(),
    )
    entry_count = fields.Integer(compute="_compute_entry_count")
    result = fields.Selection(
        [("done", "Done"), ("not_done", "Not Done")], required=True, default="done"
    )
    duration = fields.Float(help="Duration in hours.")
    report = fields.Html()
    not_done_reason = fields.Text(string="Reason")

    def _default_entry_ids(self):
        context = self.env.context
        if context.get("active_model") != "crm.journal.entry":
            return self.env["crm.journal.entry"]
        return self.env["crm.journal.entry"].browse(context.get("active_ids") or [])

    @api.depends("entry_ids")
    def _compute_entry_count(self):
        for wizard in self:
            wizard.entry_count = len(wizard.entry_ids)

    @api.model
    def default_get(self, fields_list):
        """One entry: start from its planned duration and its report so far."""
        values = super().default_get(fields_list)
        entries = self._default_entry_ids()
        if len(entries) == 1:
            if "duration" in fields_list:
                values.setdefault("duration", entries.duration)
            if "report" in fields_list and not is_html_empty(entries.report):
                values.setdefault("report", entries.report)
        return values

    def action_confirm(self):
        self.ensure_one()
        if self.result == "not_done":
            if not (self.not_done_reason or "").strip():
                raise UserError(self.env._("Give the reason why the contact did not take place."))
            self.entry_ids.action_not_done(self.not_done_reason)
        else:
            # several entries keep their own duration and report unless one is given
            single = len(self.entry_ids) == 1
            duration = self.duration if single or self.duration else None
            report = None if is_html_empty(self.report) else self.report
            self.entry_ids.action_done(duration=duration, report=report)
        return {"type": "ir.actions.act_window_close"}
