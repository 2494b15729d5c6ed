from odoo import api, fields, models
from odoo.fields import Domain
from odoo.tools import SQL, format_amount


class CrmSelectionNode(models.Model):
    """The shared base of the criteria aggregating document lines (sale order lines, invoice
    lines, purchase order lines): the product, product category and product tag filters, the
    currency of the amount and its conversion in SQL, quantities in the unit of measure of the
    product, the period and the comparison of an aggregate with the amount of the criterion.

    The addons of the documents add their kinds and compile them with these helpers."""

    _inherit = "crm.selection.node"

    currency_id = fields.Many2one(
        "res.currency",
        default=lambda self: self.env.company.currency_id,
        help="Currency of the amount. Documents in another currency are converted at the "
        "rate of their date.",
    )
    product_ids = fields.Many2many(
        "product.product",
        "crm_selection_node_product_rel",
        "node_id",
        "product_id",
        string="Products",
    )
    product_category_ids = fields.Many2many(
        "product.category",
        "crm_selection_node_product_category_rel",
        "node_id",
        "category_id",
        string="Product Categories",
        help="Products of these categories or of their subcategories.",
    )
    product_tag_ids = fields.Many2many(
        "product.tag",
        "crm_selection_node_product_tag_rel",
        "node_id",
        "tag_id",
        string="Product Tags",
    )

    # ------------------------------------------------------------
    # Helpers for aggregates over documents
    # ------------------------------------------------------------

    def _get_product_domain(self, product_field):
        """Domain on documents lines restricting ``product_field`` to the products,
        categories (with their subcategories) and tags of the criterion; each filter that
        is set must hold."""
        self.ensure_one()
        domain = Domain.TRUE
        if self.product_ids:
            domain &= Domain(product_field, "in", self.product_ids.ids)
        if self.product_category_ids:
            domain &= Domain(f"{product_field}.categ_id", "child_of", self.product_category_ids.ids)
        if self.product_tag_ids:
            domain &= Domain(f"{product_field}.all_product_tag_ids", "in", self.product_tag_ids.ids)
        return domain

    def _get_period_domain(self, field_path):
        """Domain of the documents dated in the period of the criterion, both days
        included; for date-times, days are those of the user's time zone."""
        self.ensure_one()
        date_from, date_to = self._get_period()
        domain = Domain.TRUE
        if date_from:
            domain &= Domain(field_path, ">=", date_from)
        if date_to:
            domain &= Domain(field_path, "<=", date_to)
        return domain

    @api.model
    def _flush_sources(self, fnames_by_model):
        """Write the pending changes of the fields an aggregate reads in SQL (the ORM
        flushes only the fields of the domain), with those of the partners, products,
        units and currency rates."""
        fnames_by_model = {
            "res.partner": ["commercial_partner_id"],
            "res.currency.rate": ["currency_id", "company_id", "name", "rate"],
            **fnames_by_model,
        }
        fnames_by_model.setdefault("product.product", ["product_tmpl_id"])
        fnames_by_model.setdefault("product.template", ["uom_id"])
        fnames_by_model.setdefault("uom.uom", ["factor"])
        for model_name, fnames in fnames_by_model.items():
            self.env[model_name].flush_model(fnames)

    def _get_all_of_domains(self, children):
        """Criteria of an AND group reading the same document lines (same kind, same period,
        see ``_get_line_scan_key``) are answered by one query: one pass over the lines of all
        their products, grouped by company, with one aggregate per criterion restricted to
        its own products (``FILTER``) and all the comparisons in one ``HAVING``. The lines are
        read, joined and sorted once, however many criteria ask about them."""
        shared = {}
        alone = self.browse()
        for child in children:
            key = child._get_line_scan_key()
            if key is None:
                alone |= child
            else:
                shared[key] = shared.get(key, self.browse()) | child
        domains = super()._get_all_of_domains(alone)
        for (kind, *_period), nodes in shared.items():
            domains.append(Domain(getattr(nodes, f"_get_domain_{kind}")()))
        return domains

    @api.model
    def _get_line_scan_kinds(self):
        """The kinds whose ``_get_domain_<kind>()`` answers several criteria of a group at
        once (all of them met), in one pass over their document lines."""
        return set()

    def _get_line_scan_key(self):
        """Return what identifies the lines the criterion reads (its kind and period), for
        criteria that may share one pass over them with others of their group; None for a
        group, another kind, a negated criterion, and a comparison that companies without any
        line meet (it is answered as the complement of the companies failing it)."""
        self.ensure_one()
        if (
            self.node_type != "criterion"
            or self.negate
            or self.kind not in self._get_line_scan_kinds()
            or self._zero_meets_comparison()
        ):
            return None
        return (self.kind, *self._get_period())

    def _get_line_filter_sql(self, model, query, domain):
        """Return the SQL condition of ``domain`` (the products of one criterion) on the
        lines of ``query`` (of ``model``), to restrict an aggregate with ``FILTER``; None
        when it holds for every line."""
        domain = Domain(domain).optimize_full(model)
        if domain.is_true():
            return None
        return domain._to_sql(model, query.table, query)

    def _get_companies_by_aggregates(self, query, company_sql, aggregates):
        """Domain of the companies meeting every criterion of ``self``, whose aggregates over
        the rows of ``query`` are ``aggregates`` (one ``SQL`` per criterion, in the order of
        ``self``). One criterion is answered by ``_get_companies_by_aggregate``; several (none
        of them met without rows, see ``_get_line_scan_key``) by one grouped query whose
        ``HAVING`` holds all their comparisons."""
        if len(self) == 1:
            return self._get_companies_by_aggregate(query, company_sql, aggregates[0])
        conditions = [
            node._compare_sql(aggregate, node.comparator or ">=", node.amount)
            for node, aggregate in zip(self, aggregates, strict=True)
        ]
        return self._get_companies_in_query(
            query, company_sql, having=SQL(" AND ").join(conditions)
        )

    def _get_companies_by_aggregate(self, query, company_sql, aggregate_sql):
        """Domain of the companies whose aggregate over the rows of ``query`` meets the
        comparison of the criterion. When a company without any row meets it too (e.g.
        revenue below 1000), the domain is the complement of the companies whose aggregate
        fails it, so that companies without documents are selected as well."""
        self.ensure_one()
        condition = self._compare_sql(aggregate_sql, self.comparator or ">=", self.amount)
        if self._zero_meets_comparison():
            return ~self._get_companies_in_query(
                query, company_sql, having=SQL("NOT (%s)", condition)
            )
        return self._get_companies_in_query(query, company_sql, having=condition)

    def _zero_meets_comparison(self):
        self.ensure_one()
        amount = self.amount or 0.0
        return {
            ">=": 0.0 >= amount,
            ">": 0.0 > amount,
            "=": amount == 0.0,
            "<=": 0.0 <= amount,
            "<": 0.0 < amount,
        }[self.comparator or ">="]

    def _get_amount_currency(self):
        self.ensure_one()
        return self.currency_id or self.env.company.currency_id

    def _revenue_sql(self, amount_sql, currency_sql, company_sql, date_sql, filter_sql=None):
        """Sum of ``amount_sql`` converted into the currency of the criterion, rounded to
        the cent; over the rows meeting ``filter_sql`` when given."""
        converted = self._convert_amount_sql(amount_sql, currency_sql, company_sql, date_sql)
        return SQL(
            "ROUND(COALESCE(SUM(%s)%s, 0)::numeric, 2)", converted, self._filter_clause(filter_sql)
        )

    @api.model
    def _filter_clause(self, filter_sql):
        """The ``FILTER`` clause restricting an aggregate to the rows of ``filter_sql``."""
        return SQL() if filter_sql is None else SQL(" FILTER (WHERE %s)", filter_sql)

    def _convert_amount_sql(self, amount_sql, currency_sql, company_sql, date_sql):
        """SQL converting ``amount_sql`` from the currency ``currency_sql`` into the
        currency of the criterion, at the rates of the company ``company_sql`` on the day
        ``date_sql`` (the conversion of ``res.currency._convert``)."""
        currency = self._get_amount_currency()
        return SQL(
            "CASE WHEN %(source)s = %(target)s THEN %(amount)s "
            "ELSE %(amount)s * %(target_rate)s / %(source_rate)s END",
            amount=amount_sql,
            source=currency_sql,
            target=currency.id,
            target_rate=self._currency_rate_sql(SQL("%s", currency.id), company_sql, date_sql),
            source_rate=self._currency_rate_sql(currency_sql, company_sql, date_sql),
        )

    @api.model
    def _currency_rate_sql(self, currency_sql, company_sql, date_sql):
        """SQL of the rate of a currency on a day for a company, chosen as
        ``res.currency._get_rates`` does: the latest rate on or before the day, of the root
        company or shared by all companies, else the oldest such rate, else 1."""
        rates = SQL(
            """SELECT rate.rate
                 FROM res_currency_rate rate
                WHERE rate.currency_id = %(currency)s
                  AND (rate.company_id IS NULL OR rate.company_id = (
                        SELECT split_part(company.parent_path, '/', 1)::int
                          FROM res_company company
                         WHERE company.id = %(company)s))""",
            currency=currency_sql,
            company=company_sql,
        )
        return SQL(
            "COALESCE((%(rates)s AND rate.name <= %(date)s "
            "ORDER BY rate.company_id, rate.name DESC LIMIT 1), "
            "(%(rates)s ORDER BY rate.company_id, rate.name LIMIT 1), 1.0)",
            rates=rates,
            date=date_sql,
        )

    @api.model
    def _product_quantity_sql(
        self,
        query,
        line_alias,
        quantity_column,
        uom_column="product_uom_id",
        sign_sql=None,
        filter_sql=None,
    ):
        """Sum of the quantities of the lines in the unit of measure of their product,
        each multiplied by ``sign_sql`` when given (e.g. -1 for credit notes); over the
        lines meeting ``filter_sql`` when given."""
        product = query.left_join(line_alias, "product_id", "product_product", "id", "product")
        template = query.left_join(product, "product_tmpl_id", "product_template", "id", "template")
        product_uom = query.left_join(template, "uom_id", "uom_uom", "id", "uom")
        line_uom = query.left_join(line_alias, uom_column, "uom_uom", "id", "line_uom")
        quantity = SQL.identifier(line_alias, quantity_column)
        if sign_sql is not None:
            quantity = SQL("%s * %s", sign_sql, quantity)
        return SQL(
            "ROUND(COALESCE(SUM("
            "%(quantity)s * COALESCE(%(line_factor)s / NULLIF(%(product_factor)s, 0), 1)"
            ")%(filter)s, 0)::numeric, 6)",
            quantity=quantity,
            filter=self._filter_clause(filter_sql),
            line_factor=SQL.identifier(line_uom, "factor"),
            product_factor=SQL.identifier(product_uom, "factor"),
        )

    # ------------------------------------------------------------
    # Description
    # ------------------------------------------------------------

    @api.model
    def _summary_depends(self):
        names = [
            *super()._summary_depends(),
            "currency_id",
            "product_ids",
            "product_category_ids",
            "product_tag_ids",
        ]
        return list(dict.fromkeys(names))

    def _get_summary_document_lines(self):
        """Summary of an aggregate over document lines: products, period, comparison."""
        self.ensure_one()
        parts = []
        for records in (self.product_ids, self.product_category_ids, self.product_tag_ids):
            if records:
                parts.append(" / ".join(records.mapped("display_name")))
        if self.date_from or self.date_to:
            parts.append(self._get_summary_period())
        labels = dict(self._fields["measure"]._description_selection(self.env))
        parts.append(
            self._get_summary_comparison(
                labels.get(self.measure, ""), money=self.measure == "revenue"
            )
        )
        return "; ".join(parts)

    def _get_summary_comparison(self, label, money=False):
        self.ensure_one()
        comparators = dict(self._fields["comparator"]._description_selection(self.env))
        if money:
            amount = format_amount(self.env, self.amount, self._get_amount_currency())
        else:
            amount = f"{self.amount:g}"
        return f"{label} {comparators.get(self.comparator, '')} {amount}".strip()
