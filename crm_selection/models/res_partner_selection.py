from odoo import api, fields, models
from odoo.fields import Domain


class ResPartner(models.Model):
    """Where a partner stands in the selections: the members of a selection right now, and
    the runs (snapshots) the partner was a member of."""

    _inherit = "res.partner"

    crm_selection_id = fields.Many2one(
        "crm.selection",
        string="Member of Selection",
        compute="_compute_crm_selection_id",
        search="_search_crm_selection_id",
        groups="crm_selection.group_selection_user",
        help="Search the current members of a selection (its criteria evaluated now).",
    )
    crm_selection_snapshot_ids = fields.Many2many(
        "crm.selection.snapshot",
        "crm_selection_snapshot_partner_rel",
        "partner_id",
        "snapshot_id",
        string="Selection Snapshots",
        readonly=True,
        copy=False,
        groups="crm_selection.group_selection_user",
        help="The runs of selections this partner was a member of.",
    )

    def _compute_crm_selection_id(self):
        # a partner belongs to any number of selections: the field is for searching only
        self.crm_selection_id = False

    @api.model
    def _search_crm_selection_id(self, operator, value):
        if operator != "in":
            return NotImplemented
        selections = self.env["crm.selection"].browse(
            [selection_id for selection_id in value if selection_id]
        )
        return Domain.OR(
            Domain("id", "in", selection._get_member_query()) for selection in selections
        )
