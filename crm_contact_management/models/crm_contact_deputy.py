from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .crm_contact_link import period_contains


class CrmContactDeputy(models.Model):
    _name = "crm.contact.deputy"
    _description = "Contact Person Deputy"
    _order = "contact_id, sequence, id"

    contact_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", False)],
    )
    deputy_id = fields.Many2one(
        "res.partner",
        string="Deputy",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", False)],
    )
    sequence = fields.Integer(default=10)
    date_from = fields.Date(string="From", help="Leave empty if the deputy stands in already.")
    date_to = fields.Date(
        string="To", help="Leave empty if the deputy stands in until further notice."
    )
    is_current = fields.Boolean(
        string="Today",
        compute="_compute_is_current",
        help="The deputy stands in today.",
    )
    deputy_function_id = fields.Many2one(related="deputy_id.function_id", string="Function")
    deputy_phone = fields.Char(related="deputy_id.phone", string="Phone")
    deputy_email = fields.Char(related="deputy_id.email", string="E-mail")

    _deputy_not_contact = models.Constraint(
        "CHECK (deputy_id != contact_id)",
        "A contact person cannot be their own deputy.",
    )
    _contact_deputy_unique = models.UniqueIndex(
        "(contact_id, deputy_id)",
        "This deputy is already listed for this contact person.",
    )
    _date_range = models.Constraint(
        "CHECK (date_to IS NULL OR date_from IS NULL OR date_to >= date_from)",
        "The end date of a deputy cannot be before its start date.",
    )

    @api.depends("contact_id", "deputy_id")
    def _compute_display_name(self):
        for deputy in self:
            deputy.display_name = self.env._(
                "%(deputy)s for %(contact)s",
                deputy=deputy.deputy_id.name or "",
                contact=deputy.contact_id.name or "",
            )

    @api.depends("date_from", "date_to")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for deputy in self:
            deputy.is_current = period_contains(deputy.date_from, deputy.date_to, today)

    @api.constrains("contact_id", "deputy_id")
    def _check_same_company(self):
        for deputy in self:
            if deputy.contact_id.is_company or deputy.deputy_id.is_company:
                raise ValidationError(
                    self.env._("Deputies can only be defined between contact persons.")
                )
            shared = (
                deputy.contact_id._get_linked_organizations()
                & deputy.deputy_id._get_linked_organizations()
            )
            if not shared:
                raise ValidationError(
                    self.env._(
                        "%(deputy)s cannot stand in for %(contact)s: a deputy must be a contact "
                        "person of the same company.",
                        deputy=deputy.deputy_id.display_name,
                        contact=deputy.contact_id.display_name,
                    )
                )
