from odoo import api, fields, models


class ResConfigSettings(models.TransientModel):
    """The sync's status on the settings page: users whose last sync failed; the schedule."""

    _inherit = "res.config.settings"

    crm_exchange_error_user_ids = fields.Many2many(
        "res.users",
        string="Users with Sync Errors",
        compute="_compute_crm_exchange_error_user_ids",
    )

    @api.depends("company_id")
    def _compute_crm_exchange_error_user_ids(self):
        users = (
            self.env["res.users"]
            .sudo()
            .search([("crm_exchange_enabled", "=", True), ("crm_exchange_error", "!=", False)])
        )
        for settings in self:
            settings.crm_exchange_error_user_ids = users

    def set_values(self):
        """The scheduled action runs at the interval set here."""
        super().set_values()
        cron = self.env.ref("crm_exchange_sync.ir_cron_crm_exchange_sync", raise_if_not_found=False)
        minutes = self.crm_exchange_interval_minutes
        if cron and minutes and (cron.interval_number, cron.interval_type) != (minutes, "minutes"):
            cron.sudo().write({"interval_number": minutes, "interval_type": "minutes"})

    def action_crm_exchange_open_mappings(self):
        return self.env["ir.actions.act_window"]._for_xml_id(
            "crm_exchange_sync.crm_exchange_mapping_action"
        )

    def action_crm_exchange_sync_now(self):
        """Run the scheduled sync now for every enabled user (errors included: they are retried)."""
        users = self.env["res.users"].sudo().search([("crm_exchange_enabled", "=", True)])
        return users.action_crm_exchange_sync_now()
