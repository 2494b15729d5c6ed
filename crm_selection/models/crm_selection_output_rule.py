from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain


class CrmSelectionOutputRule(models.Model):
    """Adds the contact persons of another function for the selected companies that meet
    a condition, e.g. the managing directors where the industry is database software."""

    _name = "crm.selection.output.rule"
    _description = "Selection Output Rule"
    _order = "sequence, id"

    selection_id = fields.Many2one("crm.selection", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    function_id = fields.Many2one("crm.contact.function", required=True, ondelete="restrict")
    domain = fields.Char(
        string="Company Condition",
        help="Condition on the selected company, as an Odoo domain on partners; empty: every "
        "selected company.",
    )
    node_id = fields.Many2one(
        "crm.selection.node",
        string="Condition Criterion",
        copy=False,
        ondelete="set null",
        domain="[('selection_id', '=', selection_id)]",
        help="A criterion or group of this selection the company must also meet.",
    )
    summary = fields.Char(string="Rule", compute="_compute_summary")

    @api.depends("function_id", "domain", "node_id.summary")
    def _compute_summary(self):
        for rule in self:
            conditions = [text for text in (rule.domain, rule.node_id.summary) if text]
            rule.summary = self.env._(
                "%(function)s where %(condition)s",
                function=rule.function_id.name or "",
                condition=" & ".join(conditions) or self.env._("any selected company"),
            )

    @api.constrains("domain")
    def _check_domain(self):
        Node = self.env["crm.selection.node"]
        for rule in self.filtered("domain"):
            Node._parse_partner_domain(rule.domain)

    @api.constrains("node_id", "selection_id")
    def _check_node_selection(self):
        for rule in self.filtered("node_id"):
            if rule.node_id.selection_id != rule.selection_id:
                raise ValidationError(
                    self.env._(
                        "The condition of an output rule must be a criterion of the same selection."
                    )
                )

    def _get_condition_domain(self):
        """Return the domain the companies must meet for the rule's function to be added."""
        self.ensure_one()
        domain = self.env["crm.selection.node"]._parse_partner_domain(self.domain)
        if self.node_id:
            domain &= self.node_id._get_domain()
        return Domain(domain)

    def _export_rule(self):
        self.ensure_one()
        return {
            "function": self.function_id.name,
            "domain": self.domain or "",
            "criterion": self.node_id._export_tree() if self.node_id else None,
        }
