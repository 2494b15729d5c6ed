from odoo import fields, models


class CrmInterestArea(models.Model):
    _name = "crm.interest.area"
    _description = "Interest Area"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(help="Short key of the interest area, used by imports and interfaces.")
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    color = fields.Integer()
    company_count = fields.Integer(string="Companies", compute="_compute_company_count")

    _code_unique = models.Constraint(
        "UNIQUE (code)",
        "Another interest area already uses this code.",
    )

    def _compute_company_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("interest_area_ids", "in", self.ids), ("is_company", "=", True)],
                ["interest_area_ids"],
                ["__count"],
            )
        )
        for area in self:
            area.company_count = counts.get(area, 0)

    def action_view_companies(self):
        self.ensure_one()
        return self.env["res.partner"]._get_classification_companies_action(
            self.display_name, "interest_area_ids", self.id
        )
