from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class CrmSelectionNode(models.Model):
    """Criteria over confirmed purchase orders.

    ``purchase``: purchase amount, quantity or number of orders of the lines of the
    confirmed purchase orders (state "Purchase Order"; Odoo 19.0 has no "done" state, locked
    orders stay confirmed) in a period, optionally of some products, product categories
    (with their subcategories) or product tags, compared with an amount. The date of an
    order is its confirmation date, or its order date when it was never confirmed through
    the button (e.g. imported orders).

    Amounts are the untaxed amounts of the lines (``price_subtotal``) in the currency of the
    criterion, converted from the currency of the order at the rate of its date. Quantities
    are in the unit of measure of the product. Orders count for the commercial partner (the
    company) of their vendor, and only the orders the user may read count (access rights
    and record rules, multi-company included)."""

    _inherit = "crm.selection.node"

    kind = fields.Selection(
        selection_add=[("purchase", "Purchases")],
        ondelete={"purchase": "cascade"},
    )
    # ------------------------------------------------------------
    # Compilation
    # ------------------------------------------------------------

    def _get_domain_purchase(self):
        self.ensure_one()
        Line = self.env["purchase.order.line"]
        confirmed = self._get_period_domain("order_id.date_approve") | (
            Domain("order_id.date_approve", "=", False)
            & self._get_period_domain("order_id.date_order")
        )
        domain = (
            Domain("order_id.state", "=", "purchase")
            & Domain("display_type", "=", False)
            & self._get_product_domain("product_id")
            & confirmed
        )
        self._flush_sources(
            {
                "purchase.order.line": [
                    "order_id",
                    "partner_id",
                    "company_id",
                    "price_subtotal",
                    "product_id",
                    "product_uom_qty",
                ],
                "purchase.order": ["currency_id", "date_approve", "date_order"],
            }
        )
        query = Line._search(domain)
        line = query.table
        order = query.join(line, "order_id", "purchase_order", "id", "order")
        company_sql = self._commercial_partner_sql(query, line, "partner_id")
        if self.measure == "quantity":
            # product_uom_qty is already in the unit of measure of the product
            aggregate = SQL(
                "ROUND(COALESCE(SUM(%s), 0)::numeric, 6)",
                SQL.identifier(line, "product_uom_qty"),
            )
        elif self.measure == "count":
            aggregate = SQL("COUNT(DISTINCT %s)", SQL.identifier(line, "order_id"))
        else:
            aggregate = self._revenue_sql(
                SQL.identifier(line, "price_subtotal"),
                SQL.identifier(order, "currency_id"),
                SQL.identifier(line, "company_id"),
                SQL(
                    "COALESCE(%s, %s)::date",
                    SQL.identifier(order, "date_approve"),
                    SQL.identifier(order, "date_order"),
                ),
            )
        return self._get_companies_by_aggregate(query, company_sql, aggregate)

    # ------------------------------------------------------------
    # Description
    # ------------------------------------------------------------

    def _get_summary_purchase(self):
        return self._get_summary_document_lines()
