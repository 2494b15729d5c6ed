from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain

from .crm_attribute_value import VALUE_FIELD_BY_TYPE

# Operators a user can pick to search partners by an attribute value, per value type.
OPERATORS_BY_VALUE_TYPE = {
    "text": ["=", "!=", "ilike", "not ilike", "set", "not set"],
    "selection": ["=", "!=", "set", "not set"],
    "integer": ["=", "!=", ">", ">=", "<", "<=", "set", "not set"],
    "float": ["=", "!=", ">", ">=", "<", "<=", "set", "not set"],
    "date": ["=", "!=", ">", ">=", "<", "<=", "set", "not set"],
    "boolean": ["=", "set", "not set"],
    "record": ["=", "!=", "set", "not set"],
}


class CrmAttribute(models.Model):
    _name = "crm.attribute"
    _description = "Contact Attribute"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable technical key of the attribute, used in code, imports and interfaces.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    value_type = fields.Selection(
        [
            ("text", "Text"),
            ("selection", "Selection"),
            ("integer", "Whole Number"),
            ("float", "Decimal Number"),
            ("date", "Date"),
            ("boolean", "Yes/No"),
            ("record", "Record"),
        ],
        required=True,
        default="text",
    )
    option_ids = fields.One2many("crm.attribute.option", "attribute_id", string="Options")
    res_model = fields.Selection(
        selection="_selection_res_model",
        string="Linked Model",
        help="The kind of record a value of this attribute points to.",
    )
    applies_to = fields.Selection(
        [("company", "Companies"), ("person", "Persons"), ("both", "Companies and Persons")],
        required=True,
        default="both",
    )
    required = fields.Boolean(
        help="Every partner this attribute applies to should have a current value for it.",
    )
    value_ids = fields.One2many("crm.attribute.value", "attribute_id", string="Values")
    value_count = fields.Integer(compute="_compute_value_count")

    _code_unique = models.Constraint(
        "UNIQUE (code)",
        "Another attribute already uses this code.",
    )
    _record_has_model = models.Constraint(
        "CHECK (value_type != 'record' OR res_model IS NOT NULL)",
        "An attribute of type Record needs a linked model.",
    )

    @api.model
    def _selection_res_model(self):
        models_ = self.env["ir.model"].sudo().search([("transient", "=", False)])
        return [(model.model, model.name) for model in models_ if not model.abstract]

    def _compute_value_count(self):
        counts = dict(
            self.env["crm.attribute.value"]._read_group(
                [("attribute_id", "in", self.ids)], ["attribute_id"], ["__count"]
            )
        )
        for attribute in self:
            attribute.value_count = counts.get(attribute, 0)

    @api.constrains("applies_to")
    def _check_applies_to_existing_values(self):
        for attribute in self.filtered(lambda a: a.applies_to != "both"):
            mismatch = self.env["crm.attribute.value"].search_count(
                [
                    ("attribute_id", "=", attribute.id),
                    ("partner_id.is_company", "=", attribute.applies_to == "person"),
                ],
                limit=1,
            )
            if mismatch:
                raise ValidationError(
                    self.env._(
                        "The attribute %(attribute)s already has values on partners it would "
                        "no longer apply to.",
                        attribute=attribute.display_name,
                    )
                )

    @api.onchange("value_type")
    def _onchange_value_type(self):
        if self.value_type != "record":
            self.res_model = False

    def write(self, vals):
        if {"value_type", "res_model"} & vals.keys():
            changed = self.filtered(
                lambda a: a.value_type != vals.get("value_type", a.value_type)
                or a.res_model != vals.get("res_model", a.res_model)
            )
            if changed and self.env["crm.attribute.value"].search_count(
                [("attribute_id", "in", changed.ids)], limit=1
            ):
                raise ValidationError(
                    self.env._(
                        "The value type or linked model of an attribute with recorded values "
                        "cannot be changed: archive it and create a new attribute instead."
                    )
                )
        return super().write(vals)

    def action_view_values(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.crm_attribute_value_action"
        )
        action["domain"] = [("attribute_id", "=", self.id)]
        action["context"] = {"default_attribute_id": self.id}
        return action

    def _get_search_operators(self):
        """Return the search operators that fit the value type of this attribute."""
        self.ensure_one()
        return OPERATORS_BY_VALUE_TYPE[self.value_type]

    def _partner_domain(self):
        """Return the domain of the partners this attribute applies to."""
        self.ensure_one()
        if self.applies_to == "both":
            return Domain.TRUE
        return Domain("is_company", "=", self.applies_to == "company")

    def _applies_to_partner(self, partner):
        self.ensure_one()
        return self.applies_to == "both" or partner.is_company == (self.applies_to == "company")

    @api.model
    def _from_code(self, attribute):
        """Return the attribute given as a ``crm.attribute`` record or by its code."""
        if isinstance(attribute, models.BaseModel):
            attribute.ensure_one()
            return attribute
        found = self.with_context(active_test=False).search([("code", "=", attribute)], limit=1)
        if not found:
            raise UserError(
                self.env._("There is no attribute with the code %(code)s.", code=attribute)
            )
        return found

    def _value_domain(self, operator, value=None, as_of=None):
        """Return the domain of the ``crm.attribute.value`` records of this attribute valid on
        ``as_of`` (default: today) whose value compares to ``value`` with ``operator``;
        operators ``set`` and ``not set`` match every value valid that day."""
        self.ensure_one()
        if operator not in self._get_search_operators():
            raise UserError(
                self.env._(
                    "The operator %(operator)s does not fit the attribute %(attribute)s.",
                    operator=operator,
                    attribute=self.name,
                )
            )
        as_of = fields.Date.to_date(as_of) or fields.Date.context_today(self)
        domain = Domain("attribute_id", "=", self.id) & self.env[
            "crm.attribute.value"
        ]._valid_on_domain(as_of)
        if operator in ("set", "not set"):
            # the values valid that day; searching partners negates them for "not set"
            return domain
        if isinstance(value, models.BaseModel):
            value = value.id
        if self.value_type == "boolean":
            value = bool(value)
        elif (
            value is None
            or value is False
            or value == ""
            or (self.value_type in ("selection", "record") and not value)
        ):
            raise UserError(
                self.env._(
                    "Enter a value to search the attribute %(attribute)s for.",
                    attribute=self.name,
                )
            )
        return domain & Domain(VALUE_FIELD_BY_TYPE[self.value_type], operator, value)
