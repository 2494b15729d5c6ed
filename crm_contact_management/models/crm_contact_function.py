from odoo import fields, models


class CrmContactFunction(models.Model):
    _name = "crm.contact.function"
    _description = "Contact Function"
    _order = "sequence, name, id"

    name = fields.Char(required=True, translate=True)
    code = fields.Char(
        required=True,
        help="Stable technical key of the function, used by imports and interfaces.",
    )
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    description = fields.Text(translate=True)
    partner_count = fields.Integer(string="Contact Persons", compute="_compute_partner_count")

    _code_unique = models.Constraint(
        "UNIQUE (code)",
        "Another function already uses this code.",
    )

    def _compute_partner_count(self):
        counts = dict(
            self.env["res.partner"]._read_group(
                [("function_id", "in", self.ids)], ["function_id"], ["__count"]
            )
        )
        for function in self:
            function.partner_count = counts.get(function, 0)

    def action_view_partners(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.res_partner_action_contact_persons"
        )
        action["domain"] = [("function_id", "=", self.id)]
        action["context"] = {"default_function_id": self.id, "default_is_company": False}
        return action
