from odoo import fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    crm_contact_ids = fields.Many2many(
        "res.partner",
        "sale_order_crm_contact_rel",
        "order_id",
        "partner_id",
        string="Contacts",
        check_company=True,
        help="The people and companies concerned by the order, e.g. the recipients of an "
        "order confirmation campaign.",
    )
