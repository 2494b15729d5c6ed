from odoo import fields, models


class CrmBusinessRelation(models.Model):
    """What a company is to us: customer, supplier, prospect, carrier, bank...

    Master data rather than a selection: a company can be several things at once (a customer
    that is also a supplier), and the kinds can be renamed, translated and extended.
    """

    _name = "crm.business.relation"
    _description = "Business Relation"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable technical key of the business relation, used by filters, imports and "
        "interfaces.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    color = fields.Integer()
    company_count = fields.Integer(string="Companies", compute="_compute_company_count")

    _code_unique = models.Constraint(
        "UNIQUE (code)",
        "Another business relation already uses this code.",
    )

    def _compute_company_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("business_relation_ids", "in", self.ids), ("is_company", "=", True)],
                ["business_relation_ids"],
                ["__count"],
            )
        )
        for relation in self:
            relation.company_count = counts.get(relation, 0)

    def action_view_companies(self):
        self.ensure_one()
        return self.env["res.partner"]._get_classification_companies_action(
            self.display_name, "business_relation_ids", self.id
        )
