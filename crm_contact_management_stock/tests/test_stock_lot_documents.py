from odoo.addons.crm_contact_management.tests.common_documents import DocumentLinkedCase
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestStockLotDocuments(DocumentLinkedCase, TransactionCase):
    """A complaint about one delivered machine: the warehouse user logs it on the serial number,
    which knows the customer it went to, schedules the technician's visit and plans the
    inspection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._create_business_partner()
        cls.document_user = new_test_user(
            cls.env, login="k2_stock_user", groups="stock.group_stock_user"
        )
        cls.pump = cls.env["product.product"].create(
            {"name": "Hydraulic pump HP-20", "is_storable": True, "tracking": "serial"}
        )
        Lot = cls.env["stock.lot"]
        cls.document, cls.other_document = Lot.create(
            [
                {"name": "HP20-0001", "product_id": cls.pump.id},
                {"name": "HP20-0002", "product_id": cls.pump.id},
            ]
        )
        cls._deliver(cls.document, cls.contact)
        cls.expected_company = cls.company
        cls.expected_contact = cls.contact

    @classmethod
    def _deliver(cls, lot, customer):
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        stock = warehouse.lot_stock_id
        cls.env["stock.quant"]._update_available_quantity(lot.product_id, stock, 1, lot_id=lot)
        delivery = cls.env["stock.picking"].create(
            {
                "picking_type_id": warehouse.out_type_id.id,
                "partner_id": customer.id,
                "location_id": stock.id,
                "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "product_uom_qty": 1,
                            "location_id": stock.id,
                            "location_dest_id": cls.env.ref("stock.stock_location_customers").id,
                        }
                    )
                ],
            }
        )
        delivery.action_confirm()
        delivery.action_assign()
        delivery.move_ids.picked = True
        delivery.button_validate()

    def test_lot_not_delivered_has_no_customer_yet(self):
        entry = self._log_contact(self.other_document)
        self.assertFalse(entry.partner_id)
        self.assertFalse(entry.contact_id)
