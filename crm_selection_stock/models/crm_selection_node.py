from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL


class CrmSelectionNode(models.Model):
    """Criterion over the goods of a lot or of a range of serial numbers.

    ``stock_lot``: the companies from which we received (receipts, the default) or to which
    we delivered (deliveries) goods of a given lot, or of the serial numbers of some
    products in a range, through done transfers, optionally in a period (date of the
    transfer). The partner of a transfer counts for its commercial partner (the company).

    Serial numbers are compared as text, character by character (PostgreSQL collation "C",
    the same on every database): SN-0100 to SN-0199 holds SN-0150. When both ends of the
    range have the same length, only serial numbers of that length count, so that SN-1 to
    SN-5 does not hold SN-10. Only the transfers the user may read count (access rights and
    record rules, multi-company included)."""

    _inherit = "crm.selection.node"

    kind = fields.Selection(
        selection_add=[("stock_lot", "Lots and Serial Numbers")],
        ondelete={"stock_lot": "cascade"},
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Lot/Serial Number",
        ondelete="restrict",
        help="The lot or serial number the goods belong to.",
    )
    serial_from = fields.Char(
        string="Serial Numbers From",
        help="First serial number of the range, of the chosen products.",
    )
    serial_to = fields.Char(
        string="Serial Numbers To",
        help="Last serial number of the range, of the chosen products.",
    )
    stock_direction = fields.Selection(
        [("incoming", "Received from the partner"), ("outgoing", "Delivered to the partner")],
        string="Transfers",
        default="incoming",
    )

    @api.onchange("lot_id")
    def _onchange_lot_id(self):
        if self.lot_id:
            self.serial_from = self.serial_to = False

    # ------------------------------------------------------------
    # Compilation
    # ------------------------------------------------------------

    def _get_domain_stock_lot(self):
        self.ensure_one()
        MoveLine = self.env["stock.move.line"]
        domain = (
            Domain("state", "=", "done")
            & Domain("picking_code", "=", self.stock_direction or "incoming")
            & self._get_lot_domain()
        )
        if self.product_ids:
            domain &= Domain("product_id", "in", self.product_ids.ids)
        domain &= self._get_period_domain("date")
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        self.env["stock.picking"].flush_model(["partner_id"])
        MoveLine.flush_model(["picking_id"])
        query = MoveLine._search(domain)
        picking = query.join(query.table, "picking_id", "stock_picking", "id", "picking")
        company_sql = self._commercial_partner_sql(query, picking, "partner_id")
        return self._get_companies_in_query(query, company_sql)

    def _get_lot_domain(self):
        """Domain on move lines of the lot of the criterion, or of the lots of its products
        whose names are in the range of serial numbers."""
        self.ensure_one()
        if self.lot_id:
            return Domain("lot_id", "=", self.lot_id.id)
        serial_from = (self.serial_from or "").strip()
        serial_to = (self.serial_to or "").strip()
        if not (serial_from or serial_to):
            raise UserError(
                self.env._(
                    "Choose a lot or serial number, or a range of serial numbers, for the "
                    "criterion %(criterion)s.",
                    criterion=self.summary,
                )
            )
        if not self.product_ids:
            raise UserError(
                self.env._(
                    "A range of serial numbers needs the products the serial numbers belong "
                    "to (criterion %(criterion)s).",
                    criterion=self.summary,
                )
            )
        self.env["stock.lot"].flush_model(["name", "product_id"])
        lots = self.env["stock.lot"]._search(Domain("product_id", "in", self.product_ids.ids))
        name = SQL.identifier(lots.table, "name")
        if serial_from:
            lots.add_where(SQL('%s >= %s COLLATE "C"', name, serial_from))
        if serial_to:
            lots.add_where(SQL('%s <= %s COLLATE "C"', name, serial_to))
        if serial_from and serial_to and len(serial_from) == len(serial_to):
            lots.add_where(SQL("char_length(%s) = %s", name, len(serial_from)))
        return Domain("lot_id", "any", lots)

    # ------------------------------------------------------------
    # Description
    # ------------------------------------------------------------

    @api.model
    def _summary_depends(self):
        names = [
            *super()._summary_depends(),
            "lot_id",
            "serial_from",
            "serial_to",
            "stock_direction",
        ]
        return list(dict.fromkeys(names))

    def _get_summary_stock_lot(self):
        self.ensure_one()
        directions = dict(self._fields["stock_direction"]._description_selection(self.env))
        parts = [directions.get(self.stock_direction or "incoming", "")]
        if self.lot_id:
            parts.append(self.lot_id.display_name)
        elif self.serial_from or self.serial_to:
            parts.append(
                self.env._(
                    "%(first)s to %(last)s",
                    first=self.serial_from or "…",
                    last=self.serial_to or "…",
                )
            )
        if self.product_ids:
            parts.append(" / ".join(self.product_ids.mapped("display_name")))
        if self.date_from or self.date_to:
            parts.append(self._get_summary_period())
        return "; ".join(parts)
