from odoo import api, fields, models


class CrmSalesRepresentative(models.Model):
    """A sales representative looking after companies: an employee with a user, or an
    external agent known only as a contact."""

    _name = "crm.sales.representative"
    _description = "Sales Representative"
    _order = "sequence, name, id"

    name = fields.Char(required=True)
    code = fields.Char(help="Short key of the sales representative, e.g. the agent number.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Contact",
        index="btree_not_null",
        ondelete="restrict",
        help="Address and communication data of the sales representative.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="User",
        index="btree_not_null",
        ondelete="restrict",
        domain=[("share", "=", False)],
        help="Odoo user of the sales representative, if any.",
    )
    email = fields.Char(related="partner_id.email")
    phone = fields.Char(related="partner_id.phone")
    company_count = fields.Integer(string="Companies", compute="_compute_company_count")

    _code_unique = models.Constraint(
        "UNIQUE (code)",
        "Another sales representative already uses this code.",
    )

    def _compute_company_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("sales_representative_id", "in", self.ids), ("is_company", "=", True)],
                ["sales_representative_id"],
                ["__count"],
            )
        )
        for representative in self:
            representative.company_count = counts.get(representative, 0)

    @api.onchange("user_id")
    def _onchange_user_id(self):
        if self.user_id and not self.partner_id:
            self.partner_id = self.user_id.partner_id
        if self.user_id and not self.name:
            self.name = self.user_id.name

    @api.onchange("partner_id")
    def _onchange_partner_id(self):
        if self.partner_id and not self.name:
            self.name = self.partner_id.name

    def action_view_companies(self):
        self.ensure_one()
        return self.env["res.partner"]._get_classification_companies_action(
            self.display_name, "sales_representative_id", self.id
        )
