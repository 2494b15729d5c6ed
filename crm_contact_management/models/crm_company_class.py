from odoo import fields, models


class CrmCompanyClass(models.Model):
    _name = "crm.company.class"
    _description = "Company Class"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Short key of the company class, used by imports and interfaces.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    company_count = fields.Integer(string="Companies", compute="_compute_company_count")

    _code_unique = models.Constraint(
        "UNIQUE (code)",
        "Another company class already uses this code.",
    )

    def _compute_company_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("company_class_id", "in", self.ids), ("is_company", "=", True)],
                ["company_class_id"],
                ["__count"],
            )
        )
        for company_class in self:
            company_class.company_count = counts.get(company_class, 0)

    def action_view_companies(self):
        self.ensure_one()
        return self.env["res.partner"]._get_classification_companies_action(
            self.display_name, "company_class_id", self.id
        )
