from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class CrmSelectionNode(models.Model):
    """Criteria over posted customer invoices.

    ``invoice_lines``: revenue, quantity or number of invoices of the product lines of the
    posted customer invoices, sales receipts and credit notes dated (invoice date) in a
    period, optionally of some products, product categories (with their subcategories) or
    product tags, compared with an amount. Credit notes are subtracted from the revenue and the
    quantities; the number of invoices counts invoices and receipts, not credit notes.

    Revenue is the untaxed amount of the lines (``price_subtotal``) in the currency of the
    criterion, converted from the currency of the invoice at the rate of the invoice date.
    Quantities are in the unit of measure of the product. Invoices count for the commercial
    partner (the company) of their customer, and only the invoices the user may read count
    (access rights and record rules, multi-company included)."""

    _inherit = "crm.selection.node"

    kind = fields.Selection(
        selection_add=[("invoice_lines", "Invoiced Sales (invoice lines)")],
        ondelete={"invoice_lines": "cascade"},
    )
    # ------------------------------------------------------------
    # Compilation
    # ------------------------------------------------------------

    def _get_domain_invoice_lines(self):
        self.ensure_one()
        Line = self.env["account.move.line"]
        domain = (
            Domain("parent_state", "=", "posted")
            & Domain("move_id.move_type", "in", ("out_invoice", "out_receipt", "out_refund"))
            & Domain("display_type", "=", "product")
            & self._get_product_domain("product_id")
            & self._get_period_domain("invoice_date")
        )
        self._flush_sources(
            {
                "account.move.line": [
                    "move_id",
                    "partner_id",
                    "company_id",
                    "currency_id",
                    "invoice_date",
                    "price_subtotal",
                    "product_id",
                    "quantity",
                    "product_uom_id",
                ],
                "account.move": ["move_type"],
            }
        )
        query = Line._search(domain)
        line = query.table
        move = query.join(line, "move_id", "account_move", "id", "move")
        company_sql = self._commercial_partner_sql(query, line, "partner_id")
        is_refund = SQL("%s = 'out_refund'", SQL.identifier(move, "move_type"))
        sign = SQL("CASE WHEN %s THEN -1 ELSE 1 END", is_refund)
        if self.measure == "quantity":
            aggregate = self._product_quantity_sql(query, line, "quantity", sign_sql=sign)
        elif self.measure == "count":
            aggregate = SQL(
                "COUNT(DISTINCT %s) FILTER (WHERE NOT (%s))",
                SQL.identifier(line, "move_id"),
                is_refund,
            )
        else:
            aggregate = self._revenue_sql(
                SQL("%s * %s", sign, SQL.identifier(line, "price_subtotal")),
                SQL.identifier(line, "currency_id"),
                SQL.identifier(line, "company_id"),
                SQL.identifier(line, "invoice_date"),
            )
        return self._get_companies_by_aggregate(query, company_sql, aggregate)

    # ------------------------------------------------------------
    # Description
    # ------------------------------------------------------------

    def _get_summary_invoice_lines(self):
        return self._get_summary_document_lines()
