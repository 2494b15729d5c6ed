from collections import defaultdict
from datetime import timedelta
from itertools import pairwise

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL, format_date, formatLang

# The field holding the value of an attribute, per value type of the attribute.
VALUE_FIELD_BY_TYPE = {
    "text": "value_text",
    "selection": "value_option_id",
    "integer": "value_integer",
    "float": "value_float",
    "date": "value_date",
    "boolean": "value_boolean",
    "record": "value_res_id",
}
# What the integer columns of the values hold; a larger number is refused before the database
# refuses it with an error the user cannot read.
INTEGER_FIELDS = ("value_integer", "value_res_id")
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1


class CrmAttributeValue(models.Model):
    _name = "crm.attribute.value"
    _description = "Contact Attribute Value"
    _order = "partner_id, attribute_id, date_from desc, id desc"

    partner_id = fields.Many2one(
        "res.partner",
        required=True,
        index=True,
        ondelete="cascade",
    )
    partner_is_company = fields.Boolean(related="partner_id.is_company")
    attribute_id = fields.Many2one(
        "crm.attribute",
        required=True,
        ondelete="restrict",
        domain="[('applies_to', 'in', ['both', partner_is_company and 'company' or 'person'])]",
    )
    value_type = fields.Selection(related="attribute_id.value_type")
    date_from = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
    )
    date_to = fields.Date(
        string="Valid To",
        help="Last day the value is valid. Left empty while the value is still valid; recording "
        "a newer value ends it on the day before the newer value starts.",
    )
    value_text = fields.Char(string="Text")
    value_option_id = fields.Many2one(
        "crm.attribute.option",
        string="Option",
        ondelete="restrict",
        domain="[('attribute_id', '=', attribute_id)]",
    )
    value_integer = fields.Integer(string="Whole Number")
    value_float = fields.Float(string="Decimal Number")
    value_date = fields.Date(string="Date")
    value_boolean = fields.Boolean(string="Yes/No")
    value_res_model = fields.Selection(related="attribute_id.res_model")
    value_res_id = fields.Many2oneReference(string="Record", model_field="value_res_model")
    value_display = fields.Char(string="Value", compute="_compute_value_display")
    is_current = fields.Boolean(
        string="Current",
        compute="_compute_is_current",
        search="_search_is_current",
        help="The value is valid today.",
    )

    _no_overlap = models.Constraint(
        "EXCLUDE USING gist (partner_id WITH =, attribute_id WITH =, "
        "daterange(date_from, date_to, '[]') WITH &&)",
        "A partner can have only one value of an attribute on any day: the validity period "
        "overlaps another value of the same attribute. Adjust the dates.",
    )
    _date_range = models.Constraint(
        "CHECK (date_to IS NULL OR date_to >= date_from)",
        "The end of the validity of an attribute value cannot be before its start.",
    )
    _attribute_date_idx = models.Index("(attribute_id, date_from)")

    def _auto_init(self):
        # The exclusion constraint compares integer columns in a GiST index, which needs the
        # (trusted) btree_gist extension. Odoo adds table constraints within _auto_init(), before
        # init() runs, so the extension is created first on a fresh database.
        self.env.cr.execute(SQL("CREATE EXTENSION IF NOT EXISTS btree_gist"))
        return super()._auto_init()

    @api.depends("attribute_id.name", "value_display")
    def _compute_display_name(self):
        for value in self:
            value.display_name = self.env._(
                "%(attribute)s: %(value)s",
                attribute=value.attribute_id.name or "",
                value=value.value_display or "",
            )

    @api.depends(
        "value_type",
        "value_text",
        "value_option_id",
        "value_integer",
        "value_float",
        "value_date",
        "value_boolean",
        "value_res_model",
        "value_res_id",
    )
    def _compute_value_display(self):
        for value in self:
            value.value_display = value._format_value()

    @api.depends("date_from", "date_to")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for value in self:
            value.is_current = value._is_valid_on(today)

    def _search_is_current(self, operator, value):
        if operator != "in":
            return NotImplemented
        return self._valid_on_domain(fields.Date.context_today(self))

    @api.constrains("partner_id", "attribute_id")
    def _check_attribute_applies_to_partner(self):
        for value in self:
            attribute, partner = value.attribute_id, value.partner_id
            if attribute._applies_to_partner(partner):
                continue
            if attribute.applies_to == "company":
                message = self.env._(
                    "The attribute %(attribute)s applies only to companies, and %(partner)s "
                    "is a person.",
                    attribute=attribute.name,
                    partner=partner.display_name,
                )
            else:
                message = self.env._(
                    "The attribute %(attribute)s applies only to persons, and %(partner)s "
                    "is a company.",
                    attribute=attribute.name,
                    partner=partner.display_name,
                )
            raise ValidationError(message)

    @api.constrains("attribute_id", "value_text", "value_option_id", "value_date", "value_res_id")
    def _check_value(self):
        for value in self:
            attribute = value.attribute_id
            value_type = attribute.value_type
            if (
                value_type in ("text", "selection", "date", "record")
                and not value[VALUE_FIELD_BY_TYPE[value_type]]
            ):
                raise ValidationError(
                    self.env._(
                        "Enter a value for the attribute %(attribute)s of %(partner)s.",
                        attribute=attribute.name,
                        partner=value.partner_id.display_name,
                    )
                )
            if value_type == "selection" and value.value_option_id.attribute_id != attribute:
                raise ValidationError(
                    self.env._(
                        "The option %(option)s is not an option of the attribute %(attribute)s.",
                        option=value.value_option_id.name,
                        attribute=attribute.name,
                    )
                )
            record = value._get_value() if value_type == "record" else None
            if record is not None and not record.sudo().exists():
                raise ValidationError(
                    self.env._(
                        "The attribute %(attribute)s must point to an existing record of "
                        "%(model)s; there is none with the id %(id)s.",
                        attribute=attribute.name,
                        model=self.env["ir.model"]._get(attribute.res_model).name,
                        id=value.value_res_id,
                    )
                )

    @api.onchange("attribute_id")
    def _onchange_attribute_id(self):
        if self.value_option_id.attribute_id != self.attribute_id:
            self.value_option_id = False
        if self.value_type != "record":
            self.value_res_id = False

    @api.model_create_multi
    def create(self, vals_list):
        self._check_integer_range(vals_list)
        vals_list = self._close_open_periods([dict(vals) for vals in vals_list])
        return super().create(vals_list)

    def write(self, vals):
        self._check_integer_range([vals])
        return super().write(vals)

    @api.model
    def _check_integer_range(self, vals_list):
        for vals in vals_list:
            for name in INTEGER_FIELDS:
                number = vals.get(name)
                if isinstance(number, int) and not INTEGER_MIN <= number <= INTEGER_MAX:
                    raise ValidationError(
                        self.env._(
                            "%(number)s is too large for %(field)s: whole numbers go from "
                            "%(min)s to %(max)s.",
                            number=number,
                            field=self._fields[name]._description_string(self.env),
                            min=INTEGER_MIN,
                            max=INTEGER_MAX,
                        )
                    )

    def unlink(self):
        reopen = self._get_closed_predecessors()
        result = super().unlink()
        reopen.write({"date_to": False})
        return result

    @api.model
    def _valid_on_domain(self, day):
        """Return the domain of the values valid on ``day``."""
        return Domain("date_from", "<=", day) & (
            Domain("date_to", "=", False) | Domain("date_to", ">=", day)
        )

    def _is_valid_on(self, day):
        self.ensure_one()
        return (
            bool(self.date_from)
            and self.date_from <= day
            and (not self.date_to or self.date_to >= day)
        )

    def _get_value(self):
        """Return the value in the Python type of the attribute: str, int, float, date, bool,
        an option or a record of the linked model."""
        self.ensure_one()
        if self.value_type == "record":
            if not self.value_res_model:
                return None
            return self.env[self.value_res_model].browse(self.value_res_id)
        if not self.value_type:
            return None
        return self[VALUE_FIELD_BY_TYPE[self.value_type]]

    def _format_value(self):
        """Return the value as the user reads it."""
        self.ensure_one()
        match self.value_type:
            case "text":
                return self.value_text or ""
            case "selection":
                return self.value_option_id.name or ""
            case "integer":
                return formatLang(self.env, self.value_integer, digits=0)
            case "float":
                return formatLang(self.env, self.value_float)
            case "date":
                return format_date(self.env, self.value_date) if self.value_date else ""
            case "boolean":
                return self.env._("Yes") if self.value_boolean else self.env._("No")
            case "record":
                record = self._get_value()
                if not record:
                    return ""
                record = record.sudo().exists()
                return record.display_name if record else self.env._("(deleted record)")
        return ""

    def _close_open_periods(self, vals_list):
        """End the open validity period of each value on the day before the next value of
        the same partner and attribute starts, whether the next value is new or recorded
        already. Works on whole batches: one search for all the partners and attributes.
        Return ``vals_list`` completed with the end dates of the new values."""
        today = fields.Date.context_today(self)
        new_by_key = defaultdict(list)
        for vals in vals_list:
            vals["date_from"] = fields.Date.to_date(vals.get("date_from")) or today
            if vals.get("partner_id") and vals.get("attribute_id"):
                new_by_key[vals["partner_id"], vals["attribute_id"]].append(vals)
        if not new_by_key:
            return vals_list

        existing_by_key = defaultdict(list)
        existing = self.search(
            [
                ("partner_id", "in", list({key[0] for key in new_by_key})),
                ("attribute_id", "in", list({key[1] for key in new_by_key})),
            ]
        )
        for value in existing:
            existing_by_key[value.partner_id.id, value.attribute_id.id].append(value)

        to_close = defaultdict(lambda: self.browse())
        for key, new_vals in new_by_key.items():
            # (start, end, existing value or new vals) in the order of the start dates
            periods = sorted(
                [(value.date_from, value.date_to, value) for value in existing_by_key[key]]
                + [
                    (vals["date_from"], fields.Date.to_date(vals.get("date_to")), vals)
                    for vals in new_vals
                ],
                key=lambda period: period[0],
            )
            for (start, end, item), (next_start, _next_end, _next) in pairwise(periods):
                if end or start >= next_start:
                    continue
                day_before = next_start - timedelta(days=1)
                if isinstance(item, dict):
                    item["date_to"] = day_before
                else:
                    to_close[day_before] |= item
        for day_before, values in to_close.items():
            values.write({"date_to": day_before})
        if to_close:
            # the closed periods must be in the database before the new ones are inserted
            self.flush_model(["date_to"])
        return vals_list

    def _get_closed_predecessors(self):
        """Return the values that the open values in ``self`` closed when they were recorded:
        those of the same partner and attribute ending the day before. Deleting an open value
        makes its predecessor current again."""
        open_values = self.filtered(lambda value: not value.date_to)
        if not open_values:
            return self.browse()
        ends = {
            (value.partner_id.id, value.attribute_id.id, value.date_from - timedelta(days=1))
            for value in open_values
        }
        candidates = self.search(
            [
                ("partner_id", "in", open_values.partner_id.ids),
                ("attribute_id", "in", open_values.attribute_id.ids),
                ("date_to", "in", [end for _partner, _attribute, end in ends]),
                ("id", "not in", self.ids),
            ]
        )
        return candidates.filtered(
            lambda value: (value.partner_id.id, value.attribute_id.id, value.date_to) in ends
        )
