from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    fax = fields.Char(
        help="Fax number; serial faxes of campaigns go to it through the fax gateway."
    )
