from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class CrmSelectionNode(models.Model):
    """Criteria over confirmed sale orders.

    ``sale_lines``: revenue, quantity or number of orders of the confirmed order lines in a
    period, optionally of some products, product categories (with their subcategories) or
    product tags, compared with an amount. ``sale_orders``: number of confirmed orders in a
    period compared with a number.

    Revenue is the untaxed amount of the lines (``price_subtotal``, discounts deducted) in
    the currency of the criterion, converted from the currency of the order at the rate of
    the order date. Quantities are in the unit of measure of the product. Orders count for
    the commercial partner (the company) of their customer, and only the orders the user may
    read count (access rights and record rules, multi-company included)."""

    _inherit = "crm.selection.node"

    kind = fields.Selection(
        selection_add=[
            ("sale_lines", "Sales (order lines)"),
            ("sale_orders", "Number of Sale Orders"),
        ],
        ondelete={"sale_lines": "cascade", "sale_orders": "cascade"},
    )

    @api.onchange("kind")
    def _onchange_kind_sale(self):
        if self.kind == "sale_orders":
            self.measure = "count"
            if not self.amount:
                self.amount = 1.0

    # ------------------------------------------------------------
    # Compilation
    # ------------------------------------------------------------

    @api.model
    def _get_line_scan_kinds(self):
        return super()._get_line_scan_kinds() | {"sale_lines"}

    def _get_domain_sale_lines(self):
        """Domain of the companies meeting every criterion of ``self`` (one, or several of
        one period sharing one pass over the order lines, see ``_get_all_of_domains``)."""
        Line = self.env["sale.order.line"]
        product_domains = [node._get_sale_product_domain() for node in self]
        domain = (
            Domain("state", "=", "sale")
            & Domain("display_type", "=", False)
            & Domain("is_downpayment", "=", False)
            & Domain.OR(product_domains)
            & self[0]._get_period_domain("order_id.date_order")
        )
        self._flush_sources(
            {
                "sale.order.line": [
                    "order_id",
                    "order_partner_id",
                    "company_id",
                    "currency_id",
                    "price_subtotal",
                    "product_id",
                    "product_uom_qty",
                    "product_uom_id",
                ],
                "sale.order": ["date_order"],
            }
        )
        query = Line._search(domain)
        line = query.table
        company_sql = self._commercial_partner_sql(query, line, "order_partner_id")
        aggregates = []
        for node, product_domain in zip(self, product_domains, strict=True):
            filter_sql = (
                node._get_line_filter_sql(Line, query, product_domain) if len(self) > 1 else None
            )
            aggregates.append(node._get_sale_line_aggregate_sql(query, filter_sql))
        return self._get_companies_by_aggregates(query, company_sql, aggregates)

    def _get_sale_line_aggregate_sql(self, query, filter_sql=None):
        """The measure of the criterion over the order lines of ``query``, restricted to the
        lines meeting ``filter_sql`` when given."""
        self.ensure_one()
        line = query.table
        if self.measure == "quantity":
            return self._product_quantity_sql(query, line, "product_uom_qty", filter_sql=filter_sql)
        if self.measure == "count":
            return SQL(
                "COUNT(DISTINCT %s)%s",
                SQL.identifier(line, "order_id"),
                self._filter_clause(filter_sql),
            )
        # the order joined by the period's condition, when there is one
        order = query.left_join(line, "order_id", "sale_order", "id", "order_id")
        return self._revenue_sql(
            SQL.identifier(line, "price_subtotal"),
            SQL.identifier(line, "currency_id"),
            SQL.identifier(line, "company_id"),
            SQL("(%s)::date", SQL.identifier(order, "date_order")),
            filter_sql=filter_sql,
        )

    def _get_sale_product_domain(self):
        """Domain on order lines restricting their product to those of the criterion
        (``_get_product_domain``), the products resolved first into a list of ids: with a
        few literal ids the database estimates the share of lines they hold and scans the
        lines once, where a subquery on the products makes it fetch them product by
        product, in random order."""
        self.ensure_one()
        if not (self.product_ids or self.product_category_ids or self.product_tag_ids):
            return Domain.TRUE
        domain = Domain.TRUE
        if self.product_ids:
            domain &= Domain("id", "in", self.product_ids.ids)
        if self.product_category_ids:
            domain &= Domain("categ_id", "child_of", self.product_category_ids.ids)
        if self.product_tag_ids:
            domain &= Domain("all_product_tag_ids", "in", self.product_tag_ids.ids)
        products = self.env["product.product"].with_context(active_test=False)._search(domain)
        return Domain("product_id", "in", list(products))

    def _get_domain_sale_orders(self):
        self.ensure_one()
        domain = Domain("state", "=", "sale") & self._get_period_domain("date_order")
        self._flush_sources({"sale.order": ["partner_id"]})
        query = self.env["sale.order"]._search(domain)
        company_sql = self._commercial_partner_sql(query, query.table, "partner_id")
        return self._get_companies_by_aggregate(query, company_sql, SQL("COUNT(*)"))

    # ------------------------------------------------------------
    # Description
    # ------------------------------------------------------------

    def _get_summary_sale_lines(self):
        return self._get_summary_document_lines()

    def _get_summary_sale_orders(self):
        parts = [self._get_summary_comparison(self.env._("Orders"), money=False)]
        if self.date_from or self.date_to:
            parts.append(self._get_summary_period())
        return "; ".join(parts)
