from odoo import api, fields, models
from odoo.tools import format_date

from ..models.crm_attribute_value import VALUE_FIELD_BY_TYPE


class CrmAttributeSearch(models.TransientModel):
    _name = "crm.attribute.search"
    _description = "Search Partners by Attribute"

    attribute_id = fields.Many2one("crm.attribute", required=True, ondelete="cascade")
    value_type = fields.Selection(related="attribute_id.value_type")
    operator = fields.Selection(
        [
            ("=", "is"),
            ("!=", "is not"),
            ("ilike", "contains"),
            ("not ilike", "does not contain"),
            (">", "greater than"),
            (">=", "greater than or equal to"),
            ("<", "less than"),
            ("<=", "less than or equal to"),
            ("set", "is set"),
            ("not set", "is not set"),
        ],
        required=True,
        default="=",
    )
    available_operators = fields.Json(compute="_compute_available_operators")
    as_of_date = fields.Date(
        string="Valid On",
        required=True,
        default=fields.Date.context_today,
        help="Compare the values that were valid on this day.",
    )
    value_text = fields.Char(string="Text")
    value_option_id = fields.Many2one(
        "crm.attribute.option",
        string="Option",
        domain="[('attribute_id', '=', attribute_id)]",
    )
    value_integer = fields.Integer(string="Whole Number")
    value_float = fields.Float(string="Decimal Number")
    value_date = fields.Date(string="Date")
    value_boolean = fields.Boolean(string="Yes/No")
    value_res_model = fields.Selection(related="attribute_id.res_model")
    value_res_id = fields.Many2oneReference(string="Record", model_field="value_res_model")
    needs_value = fields.Boolean(compute="_compute_available_operators")

    @api.depends("attribute_id", "operator")
    def _compute_available_operators(self):
        for wizard in self:
            attribute = wizard.attribute_id
            wizard.available_operators = attribute._get_search_operators() if attribute else []
            wizard.needs_value = wizard.operator not in ("set", "not set")

    @api.onchange("attribute_id")
    def _onchange_attribute_id(self):
        if self.attribute_id and self.operator not in self.attribute_id._get_search_operators():
            self.operator = "="
        if self.value_option_id.attribute_id != self.attribute_id:
            self.value_option_id = False
        self.value_res_id = False

    def action_search(self):
        self.ensure_one()
        field_name = VALUE_FIELD_BY_TYPE[self.value_type]
        value = self[field_name] if self.needs_value else None
        domain = self.env["res.partner"]._crm_attribute_domain(
            self.attribute_id, self.operator, value, as_of=self.as_of_date
        )
        operator_label = dict(self._fields["operator"]._description_selection(self.env))[
            self.operator
        ]
        if value is None:
            label = self.env._(
                "%(attribute)s %(operator)s on %(date)s",
                attribute=self.attribute_id.name,
                operator=operator_label,
                date=format_date(self.env, self.as_of_date),
            )
        else:
            example = self.env["crm.attribute.value"].new(
                {"attribute_id": self.attribute_id.id, field_name: self[field_name]}
            )
            label = self.env._(
                "%(attribute)s %(operator)s %(value)s on %(date)s",
                attribute=self.attribute_id.name,
                operator=operator_label,
                value=example.value_display,
                date=format_date(self.env, self.as_of_date),
            )
        return {
            "type": "ir.actions.act_window",
            "name": label,
            "res_model": "res.partner",
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
            "domain": list(domain),
        }
