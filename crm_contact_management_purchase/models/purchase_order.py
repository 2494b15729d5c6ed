from odoo import api, models


class PurchaseOrder(models.Model):
    """Purchase orders carry the contact journal, appointments and tasks."""

    _name = "purchase.order"
    _inherit = ["purchase.order", "crm.document.linked.mixin"]

    @api.onchange("dest_address_id")
    def _onchange_dest_address_id_default_address(self):
        """A company chosen as dropship address means its default delivery address."""
        for order in self.filtered("dest_address_id.is_company"):
            delivery_id = order.dest_address_id.address_get(["delivery"])["delivery"]
            order.dest_address_id = self.env["res.partner"].browse(delivery_id)
