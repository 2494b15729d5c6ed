import ast
import re
from datetime import datetime, time, timedelta

import psycopg2

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

# Operators a domain typed by a user may use (no internal operator such as "any!").
DOMAIN_OPERATORS = frozenset(
    {
        "=",
        "!=",
        "<",
        ">",
        "<=",
        ">=",
        "=?",
        "in",
        "not in",
        "like",
        "not like",
        "ilike",
        "not ilike",
        "=like",
        "not =like",
        "=ilike",
        "not =ilike",
        "any",
        "not any",
        "child_of",
        "parent_of",
    }
)
DOMAIN_MAX_LENGTH = 10000
# How deep conditions on related records ("any") may nest in a filter typed by a user: each
# level is a subquery, and dozens of them take the database seconds to plan.
DOMAIN_MAX_DEPTH = 8
# One postal code pattern: digits and letters, "*" for any characters, "?" or "x" for one.
ZIP_PATTERN_RE = re.compile(r"^[0-9A-Za-z*?-]+$")
ZIP_SEPARATORS_RE = re.compile(r"[,\s]+")
ATTRIBUTE_OPERATORS = [
    ("=", "is"),
    ("!=", "is not"),
    (">", "greater than"),
    (">=", "at least"),
    ("<", "less than"),
    ("<=", "at most"),
    ("ilike", "contains"),
    ("not ilike", "does not contain"),
    ("set", "is set"),
    ("not set", "is not set"),
]
COMPARATORS = [
    (">=", "at least"),
    (">", "more than"),
    ("=", "exactly"),
    ("<=", "at most"),
    ("<", "less than"),
]
# Context key holding the ids of the selections being compiled, to refuse cycles.
COMPILING_CONTEXT_KEY = "crm_selection_compiling_ids"


class CrmSelectionNode(models.Model):
    """A node of the criteria tree of a selection: a group combining its children with AND,
    OR or AND NOT, or a criterion of some kind. Each kind K compiles to a domain on the
    companies through ``_get_domain_<K>()``; addons add kinds with ``selection_add``."""

    _name = "crm.selection.node"
    _description = "Selection Criterion"
    _order = "tree_order, id"

    selection_id = fields.Many2one("crm.selection", required=True, index=True, ondelete="cascade")
    company_id = fields.Many2one(related="selection_id.company_id")
    parent_id = fields.Many2one(
        "crm.selection.node",
        string="Group",
        index="btree_not_null",
        ondelete="cascade",
        domain="[('selection_id', '=', selection_id), ('node_type', '=', 'group')]",
    )
    child_ids = fields.One2many("crm.selection.node", "parent_id", string="Children")
    sequence = fields.Integer(default=10)
    tree_order = fields.Char(
        compute="_compute_tree_order",
        store=True,
        recursive=True,
        help="Sort key listing each node below its group, in the order of the sequences.",
    )
    depth = fields.Integer(compute="_compute_tree_order", store=True, recursive=True)
    node_type = fields.Selection(
        [("group", "Group"), ("criterion", "Criterion")],
        string="Type",
        required=True,
        default="criterion",
    )
    group_operator = fields.Selection(
        [
            ("and", "All of (AND)"),
            ("or", "Any of (OR)"),
            ("and_not", "First, but none of the others (AND NOT)"),
        ],
        string="Combine",
        default="and",
        help="AND: companies meeting every child. OR: companies meeting at least one child. "
        "AND NOT: companies meeting the first child but none of the others.",
    )
    kind = fields.Selection(
        [
            ("partner", "Partner Fields"),
            ("attribute", "Attribute"),
            ("journal", "Journal Entries"),
            ("selection", "Saved Selection"),
        ],
        default="partner",
    )
    negate = fields.Boolean(
        string="Not", help="Select the companies that do NOT meet this criterion or group."
    )
    summary = fields.Char(string="Criterion", compute="_compute_summary")
    tree_label = fields.Char(
        string="Criteria", compute="_compute_summary", help="The criterion, indented by its depth."
    )
    company_count = fields.Integer(
        string="Companies",
        compute="_compute_company_count",
        help="Companies meeting this node alone, as of the date of the selection.",
    )

    # --- partner fields ---
    domain = fields.Char(
        string="Filter",
        help="Any condition on stored partner fields, as an Odoo domain, e.g. "
        "[('country_id.code', '=', 'DE')].",
    )
    country_ids = fields.Many2many("res.country", string="Countries")
    zip_pattern = fields.Char(
        string="Postal Codes",
        help="Patterns separated by commas: '*' stands for any characters, '?' or 'x' for one "
        "character, e.g. 66xxx, 8*, 01?67.",
    )
    zip_mode = fields.Selection(
        [("include", "Only these"), ("exclude", "All but these")],
        string="Postal Code Mode",
        default="include",
    )
    city = fields.Char(help="City name; '*' stands for any characters.")
    industry_ids = fields.Many2many("res.partner.industry", string="Industries")
    interest_area_ids = fields.Many2many("crm.interest.area", string="Interest Areas")
    company_class_ids = fields.Many2many("crm.company.class", string="Company Classes")
    sales_representative_ids = fields.Many2many(
        "crm.sales.representative", string="Sales Representatives"
    )
    abc_class = fields.Selection([("a", "A"), ("b", "B"), ("c", "C")], string="ABC Class")
    category_ids = fields.Many2many("res.partner.category", string="Tags")
    min_customer_rank = fields.Integer(
        string="Min. Customer Rank",
        help="Companies with at least this customer rank (number of sales documents); "
        "needs Invoicing.",
    )
    min_supplier_rank = fields.Integer(
        string="Min. Supplier Rank",
        help="Companies with at least this supplier rank (number of purchase documents); "
        "needs Invoicing.",
    )
    partner_rank_available = fields.Boolean(compute="_compute_partner_rank_available")

    # --- dated attribute ---
    attribute_id = fields.Many2one("crm.attribute", ondelete="restrict")
    attribute_value_type = fields.Selection(related="attribute_id.value_type")
    attribute_operator = fields.Selection(ATTRIBUTE_OPERATORS, default="=")
    attribute_value = fields.Char(
        help="The value to compare with: a number, a date (YYYY-MM-DD), yes/no or a text."
    )
    attribute_option_id = fields.Many2one(
        "crm.attribute.option",
        string="Option",
        ondelete="restrict",
        domain="[('attribute_id', '=', attribute_id)]",
    )
    as_of_date = fields.Date(
        string="As of",
        help="Day on which the attribute value must be valid; empty: the date of the selection.",
    )

    # --- aggregates over documents in a period (kinds added by the ERP addons) ---
    date_from = fields.Date(string="From")
    date_to = fields.Date(string="To")
    measure = fields.Selection(
        [("revenue", "Revenue"), ("quantity", "Quantity"), ("count", "Number of Documents")],
        default="revenue",
    )
    comparator = fields.Selection(COMPARATORS, default=">=")
    amount = fields.Float(digits=(16, 2))

    # --- contact journal ---
    medium_ids = fields.Many2many("crm.journal.medium", string="Media")
    content_type_ids = fields.Many2many("crm.journal.content.type", string="Contact Types")
    journal_state = fields.Selection(
        [("planned", "Planned"), ("done", "Done"), ("not_done", "Not Done")],
        string="Journal State",
    )
    journal_direction = fields.Selection(
        [("incoming", "Incoming"), ("outgoing", "Outgoing")], string="Direction"
    )
    min_count = fields.Integer(
        string="At Least", default=1, help="Minimum number of matching journal entries."
    )

    # --- another saved selection ---
    ref_selection_id = fields.Many2one(
        "crm.selection",
        string="Referenced Selection",
        ondelete="restrict",
        help="The companies of another saved selection.",
    )

    _criterion_has_kind = models.Constraint(
        "CHECK (node_type = 'group' OR kind IS NOT NULL)",
        "A criterion needs a kind.",
    )
    _group_has_operator = models.Constraint(
        "CHECK (node_type = 'criterion' OR group_operator IS NOT NULL)",
        "A group needs an operator: AND, OR or AND NOT.",
    )
    _min_count_positive = models.Constraint(
        "CHECK (min_count IS NULL OR min_count >= 0)",
        "The minimum number of journal entries cannot be negative.",
    )
    _period_order = models.Constraint(
        "CHECK (date_to IS NULL OR date_from IS NULL OR date_to >= date_from)",
        "The end of the period cannot be before its start.",
    )

    @api.depends("parent_id.tree_order", "parent_id.depth", "sequence")
    def _compute_tree_order(self):
        for node in self:
            key = f"{node.sequence or 0:06d}.{node.id or 0:09d}" if node.id else "999999"
            parent = node.parent_id
            node.tree_order = f"{parent.tree_order}/{key}" if parent else key
            node.depth = parent.depth + 1 if parent else 0

    @api.depends(lambda self: self._summary_depends())
    def _compute_summary(self):
        for node in self:
            node.summary = node._get_summary()
            indent = "\u2003" * node.depth
            bullet = "\u25be " if node.node_type == "group" else "\u2022 "
            node.tree_label = f"{indent}{bullet}{node.summary}"

    def _compute_company_count(self):
        Partner = self.env["res.partner"]
        for node in self:
            try:
                domain = node.selection_id._get_company_base_domain() & node._get_domain()
                node.company_count = Partner.search_count(domain)
            except (UserError, AccessError, ValueError):
                node.company_count = 0

    def _compute_partner_rank_available(self):
        available = "customer_rank" in self.env["res.partner"]._fields
        self.partner_rank_available = available

    @api.constrains("parent_id", "selection_id", "node_type")
    def _check_parent(self):
        if self._has_cycle():
            raise ValidationError(self.env._("A group cannot contain itself."))
        for node in self.filtered("parent_id"):
            if node.parent_id.selection_id != node.selection_id:
                raise ValidationError(
                    self.env._("A criterion and its group must belong to the same selection.")
                )
            if node.parent_id.node_type != "group":
                raise ValidationError(self.env._("Only groups can hold other criteria."))
        for node in self.filtered(lambda node: node.node_type != "group" and node.child_ids):
            raise ValidationError(
                self.env._(
                    "%(node)s holds other criteria: it must stay a group.",
                    node=node.summary,
                )
            )

    @api.constrains("domain")
    def _check_domain(self):
        for node in self.filtered("domain"):
            node._check_partner_domain_sql(node._parse_partner_domain(node.domain))

    @api.constrains("zip_pattern")
    def _check_zip_pattern(self):
        for node in self.filtered("zip_pattern"):
            node._get_zip_patterns()

    @api.constrains("attribute_id", "attribute_operator", "attribute_value", "attribute_option_id")
    def _check_attribute_value(self):
        for node in self.filtered(lambda node: node.kind == "attribute" and node.attribute_id):
            node._get_attribute_value()

    @api.constrains("ref_selection_id", "selection_id")
    def _check_ref_selection(self):
        for node in self.filtered("ref_selection_id"):
            referenced = node.ref_selection_id.sudo()._get_referenced_selections()
            if node.selection_id.sudo() in referenced:
                raise ValidationError(
                    self.env._(
                        "The selection %(selection)s cannot use %(other)s: %(other)s uses "
                        "%(selection)s already, directly or through other selections.",
                        selection=node.selection_id.name,
                        other=node.ref_selection_id.name,
                    )
                )

    @api.onchange("attribute_id")
    def _onchange_attribute_id(self):
        if self.attribute_option_id.attribute_id != self.attribute_id:
            self.attribute_option_id = False
        if self.attribute_id and self.attribute_operator not in (
            self.attribute_id._get_search_operators()
        ):
            self.attribute_operator = "="

    @api.onchange("node_type")
    def _onchange_node_type(self):
        if self.node_type == "group" and not self.group_operator:
            self.group_operator = "and"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_root(self):
        roots = self.selection_id.root_node_id & self
        # the root goes with its selection only
        if roots and not self.env.context.get("crm_selection_unlink"):
            raise UserError(
                self.env._(
                    "The top group of a selection cannot be deleted; delete its criteria instead."
                )
            )

    # ------------------------------------------------------------
    # Compilation to a domain on companies
    # ------------------------------------------------------------

    def _get_domain(self):
        """Return the domain of the companies meeting this node: a group combines the
        domains of its children, a criterion calls ``_get_domain_<kind>()``. The result
        compiles to SQL subqueries, with the access rights of the current user."""
        self.ensure_one()
        if self.node_type == "group":
            domain = self._get_group_domain()
        else:
            method = getattr(self, f"_get_domain_{self.kind}", None)
            if method is None:
                raise UserError(
                    self.env._(
                        "The criterion kind %(kind)s is not available: install its addon.",
                        kind=self.kind,
                    )
                )
            domain = Domain(method())
        return ~domain if self.negate else domain

    def _get_group_domain(self):
        """An empty group selects no company."""
        children = self.child_ids.sorted(lambda node: (node.sequence, node.id))
        if not children:
            return Domain.FALSE
        if self.group_operator == "or":
            return Domain.OR(child._get_domain() for child in children)
        if self.group_operator == "and_not":
            first, others = children[0], children[1:]
            if not others:
                return first._get_domain()
            return first._get_domain() & ~Domain.OR(other._get_domain() for other in others)
        return Domain.AND(self._get_all_of_domains(children))

    def _get_all_of_domains(self, children):
        """Return the domains whose conjunction selects the companies meeting every node of
        ``children``: here one domain per child. Addons answer several children with one
        domain where one query serves them all (e.g. aggregates over the same document
        lines, read in one pass)."""
        return [child._get_domain() for child in children]

    def _get_domain_partner(self):
        self.ensure_one()
        Partner = self.env["res.partner"]
        domains = []
        if self.country_ids:
            domains.append(Domain("country_id", "in", self.country_ids.ids))
        if self.zip_pattern:
            zips = Domain.OR(
                Domain("zip", "=ilike", pattern) for pattern in self._get_zip_patterns()
            )
            domains.append(~zips if self.zip_mode == "exclude" else zips)
        if self.city:
            domains.append(Domain("city", "=ilike", self._like_pattern(self.city.strip())))
        if self.industry_ids:
            domains.append(Domain("industry_ids", "in", self.industry_ids.ids))
        if self.interest_area_ids:
            domains.append(Domain("interest_area_ids", "in", self.interest_area_ids.ids))
        if self.company_class_ids:
            domains.append(Domain("company_class_id", "in", self.company_class_ids.ids))
        if self.sales_representative_ids:
            domains.append(
                Domain("sales_representative_id", "in", self.sales_representative_ids.ids)
            )
        if self.abc_class:
            domains.append(Domain("abc_class", "=", self.abc_class))
        if self.category_ids:
            domains.append(Domain("category_id", "in", self.category_ids.ids))
        for rank_field, minimum in (
            ("customer_rank", self.min_customer_rank),
            ("supplier_rank", self.min_supplier_rank),
        ):
            if not minimum:
                continue
            if rank_field not in Partner._fields:
                raise UserError(
                    self.env._(
                        "Customer and supplier ranks need the Invoicing app; remove the "
                        "minimum rank from the criterion %(criterion)s.",
                        criterion=self.summary,
                    )
                )
            domains.append(Domain(rank_field, ">=", minimum))
        if self.domain:
            domains.append(self._parse_partner_domain(self.domain))
        return Domain.AND(domains)

    def _get_domain_attribute(self):
        self.ensure_one()
        if not self.attribute_id:
            raise UserError(self.env._("Choose the attribute of the criterion."))
        return self.env["res.partner"]._crm_attribute_domain(
            self.attribute_id,
            self.attribute_operator or "=",
            self._get_attribute_value(),
            as_of=self._get_as_of_date(),
        )

    def _get_domain_journal(self):
        """Companies with at least ``min_count`` matching journal entries, recorded with
        the company or with one of its contact persons."""
        self.ensure_one()
        Entry = self.env["crm.journal.entry"]
        domain = Domain.TRUE
        # media and content types have two levels: a main one stands for its children too
        if self.medium_ids:
            domain &= Domain(
                "medium_id",
                "any",
                Domain("id", "in", self.medium_ids.ids)
                | Domain("parent_id", "in", self.medium_ids.ids),
            )
        if self.content_type_ids:
            domain &= Domain(
                "content_type_id",
                "any",
                Domain("id", "in", self.content_type_ids.ids)
                | Domain("parent_id", "in", self.content_type_ids.ids),
            )
        if self.journal_state:
            domain &= Domain("state", "=", self.journal_state)
        if self.journal_direction:
            domain &= Domain("direction", "=", self.journal_direction)
        if self.date_from:
            domain &= Domain("date_start", ">=", datetime.combine(self.date_from, time.min))
        if self.date_to:
            domain &= Domain(
                "date_start", "<", datetime.combine(self.date_to + timedelta(days=1), time.min)
            )
        query = Entry._search(domain)
        company_sql = SQL(
            "COALESCE(%s, %s)",
            self._commercial_partner_sql(query, query.table, "partner_id"),
            self._commercial_partner_sql(query, query.table, "contact_id"),
        )
        having = SQL("COUNT(*) >= %s", self.min_count) if self.min_count > 1 else None
        return self._get_companies_in_query(query, company_sql, having=having)

    def _get_domain_selection(self):
        self.ensure_one()
        if not self.ref_selection_id:
            raise UserError(self.env._("Choose the selection the criterion refers to."))
        return self.ref_selection_id._get_company_domain()

    # ------------------------------------------------------------
    # Helpers for the kinds (also used by the ERP addons)
    # ------------------------------------------------------------

    @api.model
    def _commercial_partner_sql(self, query, alias, column):
        """Join the partner in ``alias.column`` of ``query`` and return the SQL of its
        commercial partner (the company of a contact person, or the company itself)."""
        partner_alias = query.left_join(alias, column, "res_partner", "id", f"crm_sel_{column}")
        return SQL.identifier(partner_alias, "commercial_partner_id")

    @api.model
    def _get_companies_in_query(self, query, company_sql, having=None):
        """Return the domain of the partners whose id is one of the values of
        ``company_sql`` in the rows of ``query`` (a ``Query`` built with ``_search``, hence
        with the access rules of the user), grouped by company and filtered by the
        aggregate condition ``having`` (an ``SQL`` such as ``SUM(...) >= 100``)."""
        query.add_where(SQL("%s IS NOT NULL", company_sql))
        query.groupby = company_sql
        query.having = having
        subquery = query.select(company_sql)
        return Domain("id", "any!", SQL("(%s)", subquery))

    @api.model
    def _compare_sql(self, aggregate_sql, comparator, amount):
        """Return ``aggregate_sql <comparator> amount`` as SQL, the comparator being one of
        the choices of the field ``comparator``."""
        if comparator not in dict(COMPARATORS):
            raise UserError(self.env._("Unknown comparison %(comparator)s.", comparator=comparator))
        try:
            amount = float(amount or 0.0)
        except (TypeError, ValueError):
            raise UserError(self.env._("The amount must be a number.")) from None
        return SQL("%s %s %s", aggregate_sql, SQL(comparator), amount)

    def _get_as_of_date(self):
        """The day dated criteria are evaluated on: the node's date, else the selection's,
        else today."""
        self.ensure_one()
        return self.as_of_date or self.selection_id.as_of_date or fields.Date.context_today(self)

    def _get_period(self):
        """Return the period (date_from, date_to) of the node; both ends may be False."""
        self.ensure_one()
        return self.date_from, self.date_to

    def _get_zip_patterns(self):
        """Return the postal code patterns of the node as LIKE patterns; refuse anything but
        letters, digits, '-', '*', '?' and 'x'."""
        self.ensure_one()
        patterns = []
        for pattern in ZIP_SEPARATORS_RE.split(self.zip_pattern or ""):
            if not pattern:
                continue
            if not ZIP_PATTERN_RE.match(pattern):
                raise ValidationError(
                    self.env._(
                        "The postal code pattern %(pattern)s may only hold letters, digits, "
                        "'-', '*' (any characters), '?' or 'x' (one character).",
                        pattern=pattern,
                    )
                )
            patterns.append(pattern.replace("*", "%").replace("?", "_").replace("x", "_"))
        return patterns

    @api.model
    def _like_pattern(self, text):
        """Return ``text`` as a LIKE pattern in which only '*' is a wildcard."""
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return escaped.replace("*", "%")

    def _get_attribute_value(self):
        """Return the value of the attribute criterion in the type of the attribute."""
        self.ensure_one()
        attribute = self.attribute_id
        operator = self.attribute_operator or "="
        if operator not in attribute._get_search_operators():
            raise ValidationError(
                self.env._(
                    "The operator %(operator)s does not fit the attribute %(attribute)s.",
                    operator=dict(ATTRIBUTE_OPERATORS).get(operator, operator),
                    attribute=attribute.name,
                )
            )
        if operator in ("set", "not set"):
            return None
        value_type = attribute.value_type
        if value_type == "selection":
            if not self.attribute_option_id:
                raise ValidationError(
                    self.env._(
                        "Choose the option of the attribute %(attribute)s to search for.",
                        attribute=attribute.name,
                    )
                )
            return self.attribute_option_id.id
        text = (self.attribute_value or "").strip()
        if value_type == "boolean":
            return text.lower() in ("1", "true", "yes", "y", "x", "ja", "tak", "oui", "si")
        if not text:
            raise ValidationError(
                self.env._(
                    "Enter the value of the attribute %(attribute)s to search for.",
                    attribute=attribute.name,
                )
            )
        try:
            if value_type == "integer":
                return int(text)
            if value_type == "float":
                return float(text.replace(",", "."))
            if value_type == "date":
                return fields.Date.to_date(text)
            if value_type == "record":
                return int(text)
        except ValueError:
            raise ValidationError(
                self.env._(
                    "%(value)s is not a valid value for the attribute %(attribute)s.",
                    value=text,
                    attribute=attribute.name,
                )
            ) from None
        return text

    @api.model
    def _parse_partner_domain(self, text):
        """Parse a domain typed by a user into a ``Domain`` on ``res.partner``, without
        evaluating anything: only a literal list of conditions on existing, searchable
        fields the user may read, with the usual operators and literal values."""
        Partner = self.env["res.partner"]
        text = (text or "").strip()
        if not text:
            return Domain.TRUE
        if len(text) > DOMAIN_MAX_LENGTH:
            raise ValidationError(self.env._("The filter is too long."))
        try:
            items = ast.literal_eval(text)
        except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
            raise ValidationError(
                self.env._(
                    "The filter %(domain)s is not a valid domain. Write a list of conditions "
                    "with literal values, such as [('country_id.code', '=', 'DE')].",
                    domain=text[:200],
                )
            ) from None
        self._check_domain_items(Partner, items)
        try:
            domain = Domain(list(items))
            domain.validate(Partner)
        except (ValueError, TypeError, KeyError, AssertionError) as error:
            raise ValidationError(
                self.env._(
                    "The filter %(domain)s is not a valid domain: %(error)s",
                    domain=text[:200],
                    error=error,
                )
            ) from None
        return domain

    @api.model
    def _check_partner_domain_sql(self, domain):
        """Refuse a filter whose values the database cannot compare with their fields (text
        for a number, a NUL character...): its query is compiled and planned, not run."""
        try:
            query = self.env["res.partner"]._search(domain)
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(SQL("EXPLAIN %s", query.select()), log_exceptions=False)
        except (ValueError, TypeError, psycopg2.DataError) as error:
            raise ValidationError(
                self.env._(
                    "The filter %(domain)s compares a field with a value of the wrong type: "
                    "%(error)s",
                    domain=str(domain)[:200],
                    error=str(error).split("\n", 1)[0],
                )
            ) from None

    @api.model
    def _check_domain_items(self, model, items, depth=0):
        """Check the items of a parsed domain on ``model``; nested domains of ``any`` are
        checked on the comodel."""
        if depth > DOMAIN_MAX_DEPTH:
            raise ValidationError(
                self.env._(
                    "The filter nests conditions on related records more than %(depth)s "
                    "levels deep.",
                    depth=DOMAIN_MAX_DEPTH,
                )
            )
        if not isinstance(items, (list, tuple)):
            raise ValidationError(
                self.env._(
                    "A filter must be a list of conditions, such as [('city', '=', 'Bern')]."
                )
            )
        for item in items:
            if item in ("&", "|", "!"):
                continue
            if not isinstance(item, (list, tuple)) or len(item) != 3:
                raise ValidationError(
                    self.env._(
                        "%(item)s is not a condition: write (field, operator, value).",
                        item=repr(item)[:100],
                    )
                )
            path, operator, value = item
            if tuple(item) in ((1, "=", 1), (0, "=", 1)):
                continue
            if not isinstance(path, str) or not isinstance(operator, str):
                raise ValidationError(
                    self.env._(
                        "%(item)s is not a condition: write (field, operator, value).",
                        item=repr(item)[:100],
                    )
                )
            if operator not in DOMAIN_OPERATORS:
                raise ValidationError(
                    self.env._(
                        "The operator %(operator)s cannot be used in a filter.",
                        operator=operator[:50],
                    )
                )
            field_model = self._check_domain_path(model, path)
            if operator in ("any", "not any"):
                self._check_domain_items(field_model, value, depth + 1)
            else:
                self._check_domain_value(value)

    @api.model
    def _check_domain_path(self, model, path):
        """Check that ``path`` (e.g. ``parent_id.country_id.code``) goes through stored or
        searchable fields the user may read; return the model of the last field (its
        comodel for a relational field)."""
        if path.count(".") > DOMAIN_MAX_DEPTH:
            raise ValidationError(
                self.env._(
                    "The filter follows more than %(depth)s relations in %(path)s.",
                    depth=DOMAIN_MAX_DEPTH,
                    path=path[:100],
                )
            )
        for name in path.split("."):
            field = model._fields.get(name)
            if (
                field is None
                or not (field.store or field.search)
                or not model._has_field_access(field, "read")
            ):
                raise ValidationError(
                    self.env._(
                        "The filter cannot search the field %(field)s of %(model)s: it does "
                        "not exist or is not searchable.",
                        field=name[:100],
                        model=model._description,
                    )
                )
            if field.relational:
                model = self.env[field.comodel_name]
            elif name != path.split(".")[-1] and field.type != "properties":
                raise ValidationError(
                    self.env._(
                        "The filter cannot follow the field %(field)s: it is no relation.",
                        field=name,
                    )
                )
        return model

    @api.model
    def _check_domain_value(self, value):
        literal = (str, int, float, bool, type(None))
        if isinstance(value, literal):
            return
        if isinstance(value, (list, tuple)) and all(isinstance(v, literal) for v in value):
            return
        raise ValidationError(
            self.env._(
                "%(value)s is not a value a filter can compare with.",
                value=repr(value)[:100],
            )
        )

    # ------------------------------------------------------------
    # Description
    # ------------------------------------------------------------

    @api.model
    def _summary_depends(self):
        names = [
            "node_type",
            "group_operator",
            "kind",
            "negate",
            "depth",
            "domain",
            "country_ids",
            "zip_pattern",
            "zip_mode",
            "city",
            "industry_ids",
            "interest_area_ids",
            "company_class_ids",
            "sales_representative_ids",
            "abc_class",
            "category_ids",
            "min_customer_rank",
            "min_supplier_rank",
            "attribute_id",
            "attribute_operator",
            "attribute_value",
            "attribute_option_id",
            "as_of_date",
            "date_from",
            "date_to",
            "measure",
            "comparator",
            "amount",
            "medium_ids",
            "content_type_ids",
            "journal_state",
            "journal_direction",
            "min_count",
            "ref_selection_id",
        ]
        return [name for name in names if name in self._fields]

    def _get_summary(self):
        """Return what the node selects, as the user reads it."""
        self.ensure_one()
        if self.node_type == "group":
            text = dict(self._fields["group_operator"]._description_selection(self.env)).get(
                self.group_operator, ""
            )
        else:
            method = getattr(self, f"_get_summary_{self.kind}", None)
            text = method() if method else ""
            kind_label = dict(self._fields["kind"]._description_selection(self.env)).get(
                self.kind, ""
            )
            text = f"{kind_label}: {text}" if text else kind_label
        return self.env._("NOT %(text)s", text=text) if self.negate else text

    def _get_summary_partner(self):
        parts = []
        if self.country_ids:
            parts.append(", ".join(self.country_ids.mapped("name")))
        if self.zip_pattern:
            if self.zip_mode == "exclude":
                parts.append(self.env._("postal code not %(zip)s", zip=self.zip_pattern))
            else:
                parts.append(self.env._("postal code %(zip)s", zip=self.zip_pattern))
        if self.city:
            parts.append(self.city)
        for records in (
            self.industry_ids,
            self.interest_area_ids,
            self.company_class_ids,
            self.sales_representative_ids,
            self.category_ids,
        ):
            if records:
                parts.append(" / ".join(records.mapped("display_name")))
        if self.abc_class:
            parts.append(self.env._("ABC class %(abc)s", abc=self.abc_class.upper()))
        if self.min_customer_rank:
            parts.append(self.env._("customer rank ≥ %(rank)s", rank=self.min_customer_rank))
        if self.min_supplier_rank:
            parts.append(self.env._("supplier rank ≥ %(rank)s", rank=self.min_supplier_rank))
        if self.domain:
            parts.append(self.domain)
        return "; ".join(parts)

    def _get_summary_attribute(self):
        if not self.attribute_id:
            return ""
        operator = dict(self._fields["attribute_operator"]._description_selection(self.env))
        value = self.attribute_option_id.name or self.attribute_value or ""
        text = f"{self.attribute_id.name} {operator.get(self.attribute_operator, '')} {value}"
        if self.as_of_date:
            text = self.env._(
                "%(text)s on %(date)s",
                text=text.strip(),
                date=fields.Date.to_string(self.as_of_date),
            )
        return text.strip()

    def _get_summary_journal(self):
        parts = []
        for records in (self.medium_ids, self.content_type_ids):
            if records:
                parts.append(" / ".join(records.mapped("display_name")))
        for name in ("journal_state", "journal_direction"):
            if self[name]:
                parts.append(dict(self._fields[name]._description_selection(self.env))[self[name]])
        if self.date_from or self.date_to:
            parts.append(self._get_summary_period())
        if self.min_count > 1:
            parts.append(self.env._("at least %(count)s", count=self.min_count))
        return "; ".join(parts)

    def _get_summary_selection(self):
        return self.ref_selection_id.name or ""

    def _get_summary_period(self):
        start = fields.Date.to_string(self.date_from) if self.date_from else "..."
        end = fields.Date.to_string(self.date_to) if self.date_to else "..."
        return f"{start} - {end}"

    def _get_summary_amount(self):
        """Text of the aggregate condition (measure, comparator, amount) for the ERP kinds."""
        measure = dict(self._fields["measure"]._description_selection(self.env))
        comparator = dict(self._fields["comparator"]._description_selection(self.env))
        return (
            f"{measure.get(self.measure, '')} {comparator.get(self.comparator, '')} {self.amount}"
        )

    @api.depends("summary")
    def _compute_display_name(self):
        for node in self:
            node.display_name = node.summary or self.env._("New criterion")

    def _get_param_fields(self):
        """Return the names of the parameter fields of the node's kind. Addons adding a kind
        extend it."""
        self.ensure_one()
        params = {
            "partner": [
                "country_ids",
                "zip_pattern",
                "zip_mode",
                "city",
                "industry_ids",
                "interest_area_ids",
                "company_class_ids",
                "sales_representative_ids",
                "abc_class",
                "category_ids",
                "min_customer_rank",
                "min_supplier_rank",
                "domain",
            ],
            "attribute": [
                "attribute_id",
                "attribute_operator",
                "attribute_value",
                "attribute_option_id",
                "as_of_date",
            ],
            "journal": [
                "medium_ids",
                "content_type_ids",
                "journal_state",
                "journal_direction",
                "date_from",
                "date_to",
                "min_count",
            ],
            "selection": ["ref_selection_id"],
        }
        if self.node_type == "group":
            return []
        return params.get(self.kind, ["date_from", "date_to", "measure", "comparator", "amount"])

    def _copy_children_to(self, new_parent):
        """Copy the children of this group, recursively, into the group ``new_parent``."""
        self.ensure_one()
        for child in self.child_ids:
            new_child = child.copy(
                {"selection_id": new_parent.selection_id.id, "parent_id": new_parent.id}
            )
            child._copy_children_to(new_child)

    def _copy_tree_to(self, selection):
        """Copy this node and its children into ``selection``, outside of its tree."""
        self.ensure_one()
        new_node = self.copy({"selection_id": selection.id, "parent_id": False})
        self._copy_children_to(new_node)
        return new_node

    def _export_tree(self):
        """Return the node and its children as plain data (a dict), e.g. for snapshots."""
        self.ensure_one()
        data = {
            "id": self.id,
            "type": self.node_type,
            "summary": self.summary,
            "negate": self.negate,
        }
        if self.node_type == "group":
            data["operator"] = self.group_operator
            data["children"] = [
                child._export_tree()
                for child in self.child_ids.sorted(lambda node: (node.sequence, node.id))
            ]
            return data
        data["kind"] = self.kind
        params = {}
        for name in self._get_param_fields():
            field, value = self._fields[name], self[name]
            if field.type in ("many2one", "many2many", "one2many"):
                if value:
                    params[name] = value.mapped("display_name")
            elif field.type == "date":
                if value:
                    params[name] = fields.Date.to_string(value)
            elif value not in (False, None, ""):
                params[name] = value
        data["params"] = params
        return data
