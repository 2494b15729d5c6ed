from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain
from odoo.tools import SQL

from .crm_selection_node import COMPILING_CONTEXT_KEY


class CrmSelection(models.Model):
    """A saved question about the companies and contact persons: a tree of criteria, an
    output level and manual members, compiled to one SQL query each time it runs."""

    _name = "crm.selection"
    _description = "Contact Selection"
    _order = "name, id"

    name = fields.Char(required=True)
    description = fields.Text()
    active = fields.Boolean(default=True)
    user_id = fields.Many2one(
        "res.users",
        string="Owner",
        default=lambda self: self.env.user,
        required=True,
        index=True,
        ondelete="restrict",
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, index="btree_not_null"
    )
    shared = fields.Boolean(
        help="Other selection users can see and run this selection; only its owner and the "
        "selection managers can change it.",
    )
    root_node_id = fields.Many2one(
        "crm.selection.node",
        string="Top Group",
        readonly=True,
        copy=False,
        ondelete="set null",
    )
    node_ids = fields.One2many("crm.selection.node", "selection_id", string="Criteria", copy=False)
    output_level = fields.Selection(
        [
            ("companies", "Companies"),
            ("persons", "Contact Persons"),
            ("both", "Companies and Contact Persons"),
        ],
        required=True,
        default="companies",
    )
    output_function_ids = fields.Many2many(
        "crm.contact.function",
        string="Functions",
        help="Contact persons of the selected companies working in these functions; "
        "empty: all their contact persons.",
    )
    output_rule_ids = fields.One2many(
        "crm.selection.output.rule", "selection_id", string="Additional Functions", copy=True
    )
    as_of_date = fields.Date(
        string="As of",
        help="Day on which dated criteria (attributes, company links) are evaluated; "
        "empty: the day the selection runs.",
    )
    manual_partner_ids = fields.Many2many(
        "res.partner",
        "crm_selection_manual_partner_rel",
        "selection_id",
        "partner_id",
        string="Manual Members",
        help="Partners added by hand or by an import, members whatever the criteria.",
    )
    member_count = fields.Integer(string="Members", compute="_compute_member_count")

    @api.depends(
        "node_ids",
        "output_level",
        "output_function_ids",
        "output_rule_ids",
        "as_of_date",
        "manual_partner_ids",
    )
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_member_count(self):
        Partner = self.env["res.partner"]
        for selection in self:
            if not selection.id:
                selection.member_count = 0
                continue
            try:
                selection.member_count = Partner.search_count(selection._get_member_domain())
            except (UserError, AccessError):
                selection.member_count = 0

    @api.model_create_multi
    def create(self, vals_list):
        selections = super().create(vals_list)
        roots = self.env["crm.selection.node"].create(
            [
                {"selection_id": selection.id, "node_type": "group", "group_operator": "and"}
                for selection in selections
            ]
        )
        for selection, root in zip(selections, roots, strict=True):
            selection.root_node_id = root
            # criteria given at creation without a group go into the top group
            (selection.node_ids - root).filtered(lambda node: not node.parent_id).write(
                {"parent_id": root.id}
            )
        return selections

    @api.ondelete(at_uninstall=False)
    def _unlink_except_referenced(self):
        users = (
            self.env["crm.selection.node"]
            .sudo()
            .search([("ref_selection_id", "in", self.ids), ("selection_id", "not in", self.ids)])
        )
        if users:
            raise UserError(
                self.env._(
                    "The selection %(selection)s is a criterion of %(users)s: remove it there "
                    "first.",
                    selection=users[0].ref_selection_id.name,
                    users=", ".join(users.selection_id.mapped("name")),
                )
            )

    def copy(self, default=None):
        new_selections = super().copy(default)
        for old, new in zip(self, new_selections, strict=True):
            new.root_node_id.write(
                {
                    "group_operator": old.root_node_id.group_operator,
                    "negate": old.root_node_id.negate,
                }
            )
            old.root_node_id._copy_children_to(new.root_node_id)
            for old_rule, new_rule in zip(old.output_rule_ids, new.output_rule_ids, strict=True):
                if old_rule.node_id:
                    new_rule.node_id = old_rule.node_id._copy_tree_to(new)
        return new_selections

    def copy_data(self, default=None):
        vals_list = super().copy_data(default=default)
        return [
            dict(vals, name=self.env._("%(name)s (copy)", name=selection.name))
            if "name" not in (default or {})
            else vals
            for selection, vals in zip(self, vals_list, strict=True)
        ]

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_run(self):
        """Run the selection: store a snapshot of its members (when snapshots are
        installed) and show the resulting list."""
        self.ensure_one()
        snapshot = self._create_snapshot()
        return self._get_result_action(snapshot)

    def action_view_members(self):
        """Show the current members without storing a snapshot."""
        self.ensure_one()
        return self._get_result_action()

    # ------------------------------------------------------------
    # Compilation
    # ------------------------------------------------------------

    def _get_company_base_domain(self):
        """Every criterion selects among the active companies."""
        return Domain("is_company", "=", True) & Domain("active", "=", True)

    def _get_company_domain(self):
        """Return the domain on ``res.partner`` of the companies meeting the criteria tree.
        A selection without criteria selects no company."""
        self.ensure_one()
        compiling = self.env.context.get(COMPILING_CONTEXT_KEY, ())
        if self.id in compiling:
            raise UserError(
                self.env._(
                    "The selection %(selection)s uses itself through other selections.",
                    selection=self.name,
                )
            )
        if not self.root_node_id:
            return Domain.FALSE
        root = self.root_node_id.with_context(**{COMPILING_CONTEXT_KEY: (*compiling, self.id)})
        return self._get_company_base_domain() & root._get_domain()

    def _get_person_domain(self, company_domain):
        """Return the domain of the contact persons to output for the companies of
        ``company_domain``: those in the output functions, and those in the function of
        an output rule whose company also meets the rule's condition."""
        self.ensure_one()
        members = self._get_members_sql(company_domain, companies=False, persons=True)
        return Domain.FALSE if members is None else Domain("id", "any!", members)

    def _get_members_sql(self, company_domain, companies=True, persons=True, manual=False):
        """Return the SQL subquery of the ids of the members, or None when there are none:
        the companies of ``company_domain`` (with ``companies``), their contact persons to
        output (with ``persons``) and the manual members (with ``manual``).

        One subquery, used as ``id IN (...)`` at the top of the partner query, so that the
        database joins it (a hash join spills to disk when needed, where a condition under
        an OR would have to fit in memory). The companies are evaluated once, as a
        materialized common table expression (with their aggregates over documents), however
        many output rules use them, with the conditions of the output rules as columns: each
        is evaluated once per selected company."""
        self.ensure_one()
        company_query = self.env["res.partner"]._search(company_domain)
        with_companies = (companies or persons) and not company_query.is_empty()
        company_columns = [SQL.identifier(company_query.table, "id")]
        selects = []
        if with_companies and companies:
            selects.append(SQL("SELECT crm_sel_company.id FROM crm_sel_company"))
        if with_companies and persons:
            rule_conditions = self._get_rule_conditions_sql(company_query)
            company_columns.extend(
                SQL("%s AS %s", condition, SQL.identifier(column))
                for _rule, column, condition in rule_conditions
                if column is not None
            )
            selects.append(self._get_person_select_sql(rule_conditions))
        if manual and self.id:
            selects.append(
                SQL(
                    "SELECT partner_id FROM crm_selection_manual_partner_rel "
                    "WHERE selection_id = %s",
                    self.id,
                )
            )
        selects = [select for select in selects if select is not None]
        if not selects:
            return None
        members = SQL(" UNION ALL ").join(selects)
        if with_companies:
            return SQL(
                "(WITH crm_sel_company AS MATERIALIZED (%s) %s)",
                company_query.select(*company_columns),
                members,
            )
        return SQL("(%s)", members)

    def _get_rule_conditions_sql(self, company_query):
        """Return the output rules some company may meet, as a list of triples ``(rule,
        column, condition)``: the SQL ``condition`` of the rule on the companies of
        ``company_query`` (a ``Query`` on ``res.partner``), to select as ``column`` of
        ``crm_sel_company``; ``column`` and ``condition`` are None for a rule without
        condition (every company meets it)."""
        self.ensure_one()
        Partner = self.env["res.partner"]
        conditions = []
        for index, rule in enumerate(self.output_rule_ids):
            condition = rule._get_condition_domain().optimize_full(Partner)
            if condition.is_false():
                continue
            if condition.is_true():
                conditions.append((rule, None, None))
                continue
            condition_sql = condition._to_sql(Partner, company_query.table, company_query)
            conditions.append((rule, f"crm_sel_rule_{index}", condition_sql))
        return conditions

    def _get_person_select_sql(self, rule_conditions):
        """Return the SELECT of the persons to output for the companies of the common table
        expression ``crm_sel_company``, which holds the conditions of the output rules as
        columns (see ``_get_rule_conditions_sql``)."""
        self.ensure_one()
        conditions = [self._get_function_condition_sql(self.output_function_ids)]
        for rule, column, _condition in rule_conditions:
            function_condition = self._get_function_condition_sql(rule.function_id)
            if column is None:
                conditions.append(function_condition)
            else:
                conditions.append(
                    SQL(
                        "(%s AND %s)",
                        function_condition,
                        SQL.identifier("crm_sel_company", column),
                    )
                )
        return SQL(
            """SELECT crm_sel_person.person_id
                 FROM (%(persons)s) AS crm_sel_person
                 JOIN crm_sel_company ON crm_sel_company.id = crm_sel_person.company_id
                WHERE %(conditions)s""",
            persons=self._get_person_company_sql(),
            conditions=SQL(" OR ").join(conditions),
        )

    def _get_person_company_sql(self):
        """Return the SQL query of the rows ``(person_id, company_id, function_id)``: the
        persons (no companies) working, on the selection's date, for a company through their company
        links (in the function of the link, else their own), and the persons without any
        link for their related company, in their function. Both come from ``_search``,
        with the access rights and record rules of the user."""
        self.ensure_one()
        Link = self.env["crm.contact.link"]
        Partner = self.env["res.partner"]
        Link.flush_model(["person_id", "organization_id", "function_id"])
        Partner.flush_model(["function_id", "parent_id"])
        link_query = Link._search(Link._get_valid_on_domain(self._get_as_of_date()))
        person = link_query.join(link_query.table, "person_id", "res_partner", "id", "person")
        link_query.add_where(SQL("%s IS NOT TRUE", SQL.identifier(person, "is_company")))
        link_function = SQL(
            "COALESCE(%s, %s)",
            SQL.identifier(link_query.table, "function_id"),
            SQL.identifier(person, "function_id"),
        )
        related_query = Partner._search(
            Domain("is_company", "=", False)
            & Domain("contact_link_ids", "=", False)
            & Domain("type", "=", "contact")
            & Domain("parent_id", "!=", False)
        )
        selects = []
        if not link_query.is_empty():
            selects.append(
                link_query.select(
                    SQL("%s AS person_id", SQL.identifier(link_query.table, "person_id")),
                    SQL("%s AS company_id", SQL.identifier(link_query.table, "organization_id")),
                    SQL("%s AS function_id", link_function),
                )
            )
        if not related_query.is_empty():
            selects.append(
                related_query.select(
                    SQL("%s", SQL.identifier(related_query.table, "id")),
                    SQL("%s", SQL.identifier(related_query.table, "parent_id")),
                    SQL("%s", SQL.identifier(related_query.table, "function_id")),
                )
            )
        if not selects:
            return SQL(
                "SELECT NULL::int AS person_id, NULL::int AS company_id, "
                "NULL::int AS function_id WHERE FALSE"
            )
        return SQL(" UNION ALL ").join(selects)

    @api.model
    def _get_function_condition_sql(self, functions):
        """Condition on the rows of ``_get_person_company_sql`` (alias ``crm_sel_person``):
        the function is one of ``functions``; any function (or none) when empty."""
        if not functions:
            return SQL("TRUE")
        return SQL("crm_sel_person.function_id IN %s", tuple(functions.ids))

    def _get_manual_member_domain(self):
        self.ensure_one()
        return Domain(
            "id",
            "any!",
            SQL(
                "(SELECT partner_id FROM crm_selection_manual_partner_rel WHERE selection_id = %s)",
                self.id,
            ),
        )

    def _get_member_domain(self):
        """Return the domain on ``res.partner`` of the members at the output level: the
        companies, their contact persons, or both; plus the manual members."""
        self.ensure_one()
        members = self._get_members_sql(
            self._get_company_domain(),
            companies=self.output_level in ("companies", "both"),
            persons=self.output_level in ("persons", "both"),
            manual=True,
        )
        return Domain.FALSE if members is None else Domain("id", "any!", members)

    def _get_member_query(self):
        """Return the ``Query`` of the members, with the access rights and record rules of
        the current user (multi-company included)."""
        self.ensure_one()
        return self.env["res.partner"]._search(self._get_member_domain(), order="id")

    def _get_member_ids(self):
        """Return the ids of the members, computed by one SQL query."""
        return list(self._get_member_query())

    def _get_target_partner_ids(self):
        """Return the partners a campaign targets: the members right now."""
        return self._get_member_ids()

    def _get_as_of_date(self):
        self.ensure_one()
        return self.as_of_date or fields.Date.context_today(self)

    def _get_referenced_selections(self):
        """Return the selections ``self`` uses, directly or through other selections,
        ``self`` included."""
        found = self
        todo = self
        while todo:
            referenced = todo.with_context(active_test=False).node_ids.ref_selection_id - found
            found |= referenced
            todo = referenced
        return found

    def _export_criteria(self):
        """Return the criteria as plain data (a dict), for snapshots."""
        self.ensure_one()
        return {
            "name": self.name,
            "as_of_date": fields.Date.to_string(self._get_as_of_date()),
            "output_level": self.output_level,
            "output_functions": self.output_function_ids.mapped("name"),
            "output_rules": [rule._export_rule() for rule in self.output_rule_ids],
            "tree": self.root_node_id._export_tree() if self.root_node_id else {},
            # counted among the partners the running user may read, like every member
            "manual_member_count": self.env["res.partner"].search_count(
                self._get_manual_member_domain()
            ),
        }

    def _create_snapshot(self):
        """Store a snapshot of the members and return it; implemented with the snapshot
        model (``crm.selection.snapshot``). Without it, nothing is stored."""
        return False

    def _get_result_action(self, snapshot=None):
        """Return the action showing the members (or the members of ``snapshot``)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("contacts.action_contacts")
        return {
            **action,
            "name": self.env._("Members of %(selection)s", selection=self.name),
            "domain": [("id", "in", self._get_member_ids())],
            "context": {"create": False},
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
        }
