from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL


class CrmSelectionNode(models.Model):
    """Criterion over the manufacturing orders made for a partner.

    A manufacturing order has no customer in Odoo 19.0. It is made for a partner when it
    shares a stock reference (``stock.reference``, which replaced the procurement groups)
    with a delivery to that partner: a transfer of type "Delivery" whose partner is the
    partner or one of its contact persons or addresses. This is how Odoo links the orders
    it chains: a confirmed sale order passes its reference to its deliveries and, through
    the "Manufacture" and "Make to Order" routes, to the manufacturing orders it triggers
    (``sale_mrp`` counts the sale orders of a manufacturing order through the same
    references). The rule needs neither Sales nor the free-text source document.

    ``mrp``: the number of such manufacturing orders (or their quantity, in the unit of
    measure of the product), not in draft nor cancelled, optionally of some products and
    started (planned start date) in a period, compared with a number. Only the
    manufacturing orders and deliveries the user may read count (access rights and record
    rules, multi-company included)."""

    _inherit = "crm.selection.node"

    kind = fields.Selection(
        selection_add=[("mrp", "Manufacturing Orders")],
        ondelete={"mrp": "cascade"},
    )

    @api.onchange("kind")
    def _onchange_kind_mrp(self):
        if self.kind == "mrp":
            if self.measure == "revenue":
                self.measure = "count"
            if not self.amount:
                self.amount = 1.0

    # ------------------------------------------------------------
    # Compilation
    # ------------------------------------------------------------

    def _get_domain_mrp(self):
        self.ensure_one()
        productions = self._get_production_query()
        deliveries = self.env["stock.move"]._search(
            Domain("picking_code", "=", "outgoing") & Domain("state", "!=", "cancel")
        )
        # (manufacturing order, company) pairs, each once
        made_for = SQL(
            """
            SELECT DISTINCT production_reference.production_id,
                   partner.commercial_partner_id AS company_id
              FROM stock_reference_production_rel production_reference
              JOIN stock_reference_move_rel move_reference
                ON move_reference.reference_id = production_reference.reference_id
              JOIN stock_move move ON move.id = move_reference.move_id
              JOIN stock_picking picking ON picking.id = move.picking_id
              JOIN res_partner partner ON partner.id = picking.partner_id
             WHERE production_reference.production_id IN %(productions)s
               AND move.id IN %(deliveries)s
            """,
            productions=productions.subselect(),
            deliveries=deliveries.subselect(),
        )
        if self.measure == "quantity":
            aggregate = SQL("ROUND(COALESCE(SUM(production.product_uom_qty), 0)::numeric, 6)")
        else:
            aggregate = SQL("COUNT(*)")
        condition = self._compare_sql(aggregate, self.comparator or ">=", self.amount)
        zero_meets = self._zero_meets_comparison()
        companies = SQL(
            """
            SELECT made_for.company_id
              FROM (%(made_for)s) made_for
              JOIN mrp_production production ON production.id = made_for.production_id
             GROUP BY made_for.company_id
            HAVING %(having)s
            """,
            made_for=made_for,
            having=SQL("NOT (%s)", condition) if zero_meets else condition,
        )
        # companies without any manufacturing order meet "less than" comparisons as well
        domain = Domain("id", "any!", SQL("(%s)", companies))
        return ~domain if zero_meets else domain

    def _get_production_query(self):
        """Query of the manufacturing orders the criterion counts."""
        self.ensure_one()
        domain = Domain("state", "not in", ("draft", "cancel"))
        if self.product_ids:
            domain &= Domain("product_id", "in", self.product_ids.ids)
        domain &= self._get_period_domain("date_start")
        self.env["mrp.production"].flush_model(["reference_ids", "product_uom_qty"])
        self.env["stock.move"].flush_model(["reference_ids", "picking_id"])
        self.env["stock.picking"].flush_model(["partner_id"])
        self.env["res.partner"].flush_model(["commercial_partner_id"])
        return self.env["mrp.production"]._search(domain)

    # ------------------------------------------------------------
    # Description
    # ------------------------------------------------------------

    def _get_summary_mrp(self):
        self.ensure_one()
        parts = []
        if self.product_ids:
            parts.append(" / ".join(self.product_ids.mapped("display_name")))
        if self.date_from or self.date_to:
            parts.append(self._get_summary_period())
        comparators = dict(self._fields["comparator"]._description_selection(self.env))
        label = self.env._("Quantity") if self.measure == "quantity" else self.env._("Orders")
        parts.append(f"{label} {comparators.get(self.comparator, '')} {self.amount:g}")
        return "; ".join(parts)
