from datetime import date, datetime, time

from odoo import Command
from odoo.addons.crm_selection_product.tests.common import DocumentCriteriaCase
from odoo.exceptions import UserError
from odoo.tests import tagged


# after all addons are loaded: the partners and companies the tests create (a company gets a
# warehouse) have columns of addons loaded after this one (manufacturing) that must be known
@tagged("post_install", "-at_install")
class TestStockLotCriteria(DocumentCriteriaCase):
    criterion_kind = "stock_lot"
    document_groups = ("stock.group_stock_user",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.supplier_location = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_location = cls.env.ref("stock.stock_location_customers")
        cls.pump, cls.valve = cls.env["product.product"].create(
            [
                {"name": "Test Pump", "is_storable": True, "tracking": "serial"},
                {"name": "Test Valve", "is_storable": True, "tracking": "serial"},
            ]
        )
        cls.lots = {
            name: cls.env["stock.lot"].create({"name": name, "product_id": cls.pump.id})
            for name in ("SN-0998", "SN-0999", "SN-1000", "SN-10")
        }
        cls.valve_lot = cls.env["stock.lot"].create({"name": "SN-0999", "product_id": cls.valve.id})
        cls.alpha, cls.beta, cls.gamma, cls.delta = cls._create_companies(
            "Alpha GmbH", "Beta GmbH", "Gamma GmbH", "Delta GmbH"
        )
        cls.companies = cls.alpha | cls.beta | cls.gamma | cls.delta
        beta_store = cls.Partner.create(
            {"name": "Beta Lager", "parent_id": cls.beta.id, "type": "delivery"}
        )
        # receipts: alpha delivered SN-0998 and SN-0999, gamma SN-10, delta the valve SN-0999
        cls._transfer("incoming", cls.alpha, cls.lots["SN-0998"], date(cls.year, 2, 1))
        cls._transfer("incoming", cls.alpha, cls.lots["SN-0999"], date(cls.year, 2, 1))
        cls._transfer("incoming", cls.gamma, cls.lots["SN-10"], date(cls.year, 3, 1))
        cls._transfer("incoming", cls.delta, cls.valve_lot, date(cls.year, 3, 1))
        # SN-1000 comes from beta, but the receipt is not done
        cls._transfer("incoming", cls.beta, cls.lots["SN-1000"], date(cls.year, 4, 1), done=False)
        # deliveries: SN-0998 went to beta's store
        cls._transfer("outgoing", beta_store, cls.lots["SN-0998"], date(cls.year, 5, 1))
        cls.selection_user = cls._selection_user("crm_selection_stock_user")

    @classmethod
    def _transfer(cls, direction, partner, lot, day, done=True):
        if direction == "incoming":
            picking_type = cls.warehouse.in_type_id
            source, destination = cls.supplier_location, cls.warehouse.lot_stock_id
        else:
            picking_type = cls.warehouse.out_type_id
            source, destination = cls.warehouse.lot_stock_id, cls.customer_location
        picking = cls.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "partner_id": partner.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "product_uom_qty": 1,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        cls.env["stock.move.line"].create(
            {
                "move_id": move.id,
                "picking_id": picking.id,
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "quantity": 1,
                "location_id": source.id,
                "location_dest_id": destination.id,
            }
        )
        if done:
            move.picked = True
            picking._action_done()
            picking.move_line_ids.date = datetime.combine(day, time(12, 0))
        return picking

    def test_received_goods_of_a_lot(self):
        self.assertEqual(self._companies(lot_id=self.lots["SN-0998"].id), self.alpha)
        self.assertEqual(self._companies(lot_id=self.valve_lot.id), self.delta)
        # not done: nothing received yet
        self.assertFalse(self._companies(lot_id=self.lots["SN-1000"].id))

    def test_delivered_goods_of_a_lot(self):
        delivered = {"lot_id": self.lots["SN-0998"].id, "stock_direction": "outgoing"}
        self.assertEqual(self._companies(**delivered), self.beta)

    def test_range_of_serial_numbers(self):
        pumps = {"product_ids": [Command.set(self.pump.ids)]}
        # SN-0999 of the valve is another product; SN-10 has another length
        self.assertEqual(
            self._companies(**pumps, serial_from="SN-0999", serial_to="SN-1000"), self.alpha
        )
        self.assertEqual(
            self._companies(**pumps, serial_from="SN-0990", serial_to="SN-0998"), self.alpha
        )
        self.assertFalse(self._companies(**pumps, serial_from="SN-0990", serial_to="SN-0997"))
        # open ranges compare as text, whatever the length
        self.assertEqual(self._companies(**pumps, serial_from="SN-1"), self.gamma)
        self.assertEqual(self._companies(**pumps, serial_to="SN-0998"), self.alpha)

    def test_period(self):
        lot = {"lot_id": self.lots["SN-10"].id}
        self.assertEqual(
            self._companies(**lot, date_from=date(self.year, 3, 1), date_to=date(self.year, 3, 1)),
            self.gamma,
        )
        self.assertFalse(
            self._companies(**lot, date_from=date(self.year, 3, 2), date_to=date(self.year, 12, 31))
        )

    def test_lot_or_range_required(self):
        with self.assertRaises(UserError):
            self._companies()
        with self.assertRaises(UserError):
            self._companies(serial_from="SN-0001", serial_to="SN-0002")

    def test_other_company_transfers_do_not_count(self):
        other_company = self.env["res.company"].create({"name": "Tochter GmbH"})
        warehouse = self.env["stock.warehouse"].search([("company_id", "=", other_company.id)])
        epsilon = self.Partner.create({"name": "Epsilon GmbH", "is_company": True})
        lot = self.env["stock.lot"].create(
            {"name": "SN-5000", "product_id": self.pump.id, "company_id": other_company.id}
        )
        picking = (
            self.env["stock.picking"]
            .with_company(other_company)
            .create(
                {
                    "picking_type_id": warehouse.in_type_id.id,
                    "partner_id": epsilon.id,
                    "location_id": self.supplier_location.id,
                    "location_dest_id": warehouse.lot_stock_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": self.pump.id,
                                "product_uom_qty": 1,
                                "location_id": self.supplier_location.id,
                                "location_dest_id": warehouse.lot_stock_id.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        picking.move_ids.move_line_ids.unlink()
        self.env["stock.move.line"].with_company(other_company).create(
            {
                "move_id": picking.move_ids.id,
                "picking_id": picking.id,
                "product_id": self.pump.id,
                "lot_id": lot.id,
                "quantity": 1,
                "location_id": self.supplier_location.id,
                "location_dest_id": warehouse.lot_stock_id.id,
            }
        )
        picking.move_ids.picked = True
        picking._action_done()
        both = self._selection_user("crm_selection_stock_both", self.env.company | other_company)
        range_ = {"product_ids": [Command.set(self.pump.ids)], "serial_from": "SN-5000"}
        self.assertFalse(self._companies(epsilon, **range_))
        self.assertEqual(self._companies(epsilon, user=both, **range_), epsilon)
