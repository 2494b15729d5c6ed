from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, format_datetime

MEMBER_TABLE = "crm_selection_snapshot_partner_rel"


class CrmSelectionSnapshot(models.Model):
    """The members of a selection at the moment it ran, with the criteria as they were then:
    a mailing to a snapshot can be reproduced however the data changes afterwards, and each
    run shows who joined and who left since the run before."""

    _name = "crm.selection.snapshot"
    _description = "Selection Snapshot"
    _order = "id desc"

    selection_id = fields.Many2one(
        "crm.selection", required=True, readonly=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(related="selection_id.company_id")
    user_id = fields.Many2one(
        "res.users",
        string="Run By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        ondelete="restrict",
    )
    output_level = fields.Selection(
        selection=lambda self: self.env["crm.selection"]._fields["output_level"].selection,
        readonly=True,
    )
    as_of_date = fields.Date(
        string="As of", readonly=True, help="Day on which the dated criteria were evaluated."
    )
    criteria = fields.Json(
        readonly=True, help="The criteria tree as it was when the selection ran."
    )
    criteria_text = fields.Text(string="Criteria as Run", compute="_compute_criteria_text")
    member_ids = fields.Many2many(
        "res.partner",
        MEMBER_TABLE,
        "snapshot_id",
        "partner_id",
        string="Members",
        readonly=True,
        copy=False,
    )
    member_count = fields.Integer(string="Number of Members", readonly=True)
    previous_snapshot_id = fields.Many2one(
        "crm.selection.snapshot",
        string="Previous Run",
        compute="_compute_previous_snapshot_id",
        help="The run of the same selection just before this one.",
    )
    joined_partner_ids = fields.Many2many(
        "res.partner",
        string="Joined",
        compute="_compute_difference",
        help="Members of this run who were no members of the previous run.",
    )
    left_partner_ids = fields.Many2many(
        "res.partner",
        string="Left",
        compute="_compute_difference",
        help="Members of the previous run who are no members of this run.",
    )
    joined_count = fields.Integer(compute="_compute_difference_count")
    left_count = fields.Integer(compute="_compute_difference_count")

    @api.depends("selection_id", "create_date")
    def _compute_display_name(self):
        for snapshot in self:
            if not snapshot.create_date:
                snapshot.display_name = snapshot.selection_id.display_name or ""
                continue
            snapshot.display_name = self.env._(
                "%(selection)s, %(date)s",
                selection=snapshot.selection_id.display_name,
                date=format_datetime(self.env, snapshot.create_date, dt_format="short"),
            )

    @api.depends("criteria")
    def _compute_criteria_text(self):
        for snapshot in self:
            snapshot.criteria_text = "\n".join(snapshot._format_criteria(snapshot.criteria or {}))

    @api.depends("selection_id")
    def _compute_previous_snapshot_id(self):
        saved = self.filtered("id")
        previous = dict.fromkeys(self._ids, False)
        if saved:
            rows = self.env.execute_query(
                SQL(
                    """
                    SELECT id, previous_id
                      FROM (SELECT id,
                                   LAG(id) OVER (PARTITION BY selection_id ORDER BY id)
                                       AS previous_id
                              FROM crm_selection_snapshot
                             WHERE selection_id IN %(selections)s) AS runs
                     WHERE id IN %(snapshots)s
                    """,
                    selections=tuple(saved.selection_id.ids),
                    snapshots=tuple(saved.ids),
                )
            )
            previous.update(rows)
        for snapshot in self:
            snapshot.previous_snapshot_id = previous[snapshot.id]

    @api.depends("previous_snapshot_id", "member_count")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_difference(self):
        joined, left = self._get_difference_sql()
        joined_ids = self._group_partner_ids(joined)
        left_ids = self._group_partner_ids(left)
        for snapshot in self:
            snapshot.joined_partner_ids = joined_ids.get(snapshot.id, [])
            snapshot.left_partner_ids = left_ids.get(snapshot.id, [])

    @api.depends("previous_snapshot_id", "member_count")
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_difference_count(self):
        counts = {}
        for name, difference in zip(("joined", "left"), self._get_difference_sql(), strict=True):
            if difference is None:
                continue
            rows = self.env.execute_query(
                SQL(
                    "SELECT snapshot_id, COUNT(*) FROM (%s) AS difference GROUP BY snapshot_id",
                    difference,
                )
            )
            counts[name] = dict(rows)
        for snapshot in self:
            snapshot.joined_count = counts.get("joined", {}).get(snapshot.id, 0)
            snapshot.left_count = counts.get("left", {}).get(snapshot.id, 0)

    def action_open(self):
        """Open the snapshot: its members, and who joined and who left since the run before."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def action_view_members(self):
        """Show the members of the snapshot, even those archived since."""
        self.ensure_one()
        return self._get_partner_action(
            self.env._("Members of %(snapshot)s", snapshot=self.display_name),
            [("crm_selection_snapshot_ids", "in", self.id)],
        )

    def action_view_joined(self):
        self.ensure_one()
        domain = [("id", "=", False)]
        if self.previous_snapshot_id:
            domain = [
                ("crm_selection_snapshot_ids", "in", self.id),
                ("crm_selection_snapshot_ids", "not in", self.previous_snapshot_id.id),
            ]
        return self._get_partner_action(
            self.env._(
                "Joined %(selection)s since the previous run",
                selection=self.selection_id.display_name,
            ),
            domain,
        )

    def action_view_left(self):
        self.ensure_one()
        domain = [("id", "=", False)]
        if self.previous_snapshot_id:
            domain = [
                ("crm_selection_snapshot_ids", "in", self.previous_snapshot_id.id),
                ("crm_selection_snapshot_ids", "not in", self.id),
            ]
        return self._get_partner_action(
            self.env._(
                "Left %(selection)s since the previous run",
                selection=self.selection_id.display_name,
            ),
            domain,
        )

    def _get_partner_action(self, name, domain):
        action = self.env["ir.actions.act_window"]._for_xml_id("contacts.action_contacts")
        return {
            **action,
            "name": name,
            "domain": domain,
            "context": {"create": False, "active_test": False},
            "view_mode": "list,kanban,form",
            "views": [(False, "list"), (False, "kanban"), (False, "form")],
        }

    def _insert_members(self, member_query):
        """Store the rows of ``member_query`` (a ``Query`` on ``res.partner``) as the members
        of the snapshot, with one ``INSERT ... SELECT``: the ids never travel through Python."""
        self.ensure_one()
        # the criteria may hold raw SQL subqueries: write every pending change first
        self.env.flush_all()
        select = member_query.select(SQL("%s", self.id), SQL.identifier(member_query.table, "id"))
        self.env.execute_query(
            SQL(
                "INSERT INTO %s (snapshot_id, partner_id) %s ON CONFLICT DO NOTHING",
                SQL.identifier(MEMBER_TABLE),
                select,
            )
        )
        count = self.env.cr.rowcount
        # the table changed behind the back of the ORM
        self.invalidate_recordset(["member_ids", "joined_partner_ids", "left_partner_ids"])
        self.env["res.partner"].invalidate_model(["crm_selection_snapshot_ids"])
        self.sudo().member_count = count

    def _get_member_ids(self):
        """Return the ids of the members of the snapshot the current user may read, archived
        partners included: the partners the selection returned when it ran."""
        self.ensure_one()
        Partner = self.env["res.partner"].with_context(active_test=False)
        members = SQL(
            "(SELECT partner_id FROM %s WHERE snapshot_id = %s)",
            SQL.identifier(MEMBER_TABLE),
            self.id,
        )
        return list(Partner._search(Domain("id", "in", members), order="id"))

    def _get_difference_sql(self):
        """Return the queries of the (snapshot_id, partner_id) pairs that joined and that left
        since the previous run, each made with ``EXCEPT`` and restricted to the partners the
        current user may read; ``None`` when no snapshot has a previous run (the first run
        of a selection compares with nothing)."""
        pairs = [
            (snapshot.id, snapshot.previous_snapshot_id.id)
            for snapshot in self
            if snapshot.id and snapshot.previous_snapshot_id
        ]
        if not pairs:
            return None, None
        runs = SQL(
            "(SELECT * FROM unnest(%s::int[], %s::int[]) AS runs(snapshot_id, previous_id))",
            [current for current, __ in pairs],
            [previous for __, previous in pairs],
        )
        current_members = SQL(
            "SELECT runs.snapshot_id, rel.partner_id FROM %s AS runs "
            "JOIN %s AS rel ON rel.snapshot_id = runs.snapshot_id",
            runs,
            SQL.identifier(MEMBER_TABLE),
        )
        previous_members = SQL(
            "SELECT runs.snapshot_id, rel.partner_id FROM %s AS runs "
            "JOIN %s AS rel ON rel.snapshot_id = runs.previous_id",
            runs,
            SQL.identifier(MEMBER_TABLE),
        )
        readable = self.env["res.partner"].with_context(active_test=False)._search([])
        return tuple(
            SQL(
                "SELECT difference.snapshot_id, difference.partner_id FROM (%s) AS difference "
                "WHERE difference.partner_id IN %s",
                SQL("%s EXCEPT %s", first, second),
                readable.subselect(),
            )
            for first, second in (
                (current_members, previous_members),
                (previous_members, current_members),
            )
        )

    def _group_partner_ids(self, difference):
        """Run a difference query and return the partner ids by snapshot id."""
        if difference is None:
            return {}
        partner_ids = {}
        rows = self.env.execute_query(SQL("%s ORDER BY difference.partner_id", difference))
        for snapshot_id, partner_id in rows:
            partner_ids.setdefault(snapshot_id, []).append(partner_id)
        return partner_ids

    def _format_criteria(self, criteria):
        """Return the lines describing ``criteria`` (the plain data of
        ``crm.selection._export_criteria()``) as the user reads them."""
        if not criteria:
            return []
        levels = dict(self._fields["output_level"]._description_selection(self.env))
        output = levels.get(criteria.get("output_level"), criteria.get("output_level") or "")
        if criteria.get("output_functions"):
            output = self.env._(
                "%(output)s: %(functions)s",
                output=output,
                functions=", ".join(criteria["output_functions"]),
            )
        lines = [self.env._("Output: %(output)s", output=output)]
        for rule in criteria.get("output_rules") or []:
            conditions = [rule.get("domain") or ""]
            if rule.get("criterion"):
                conditions.append(rule["criterion"].get("summary") or "")
            condition = " & ".join(text for text in conditions if text)
            lines.append(
                self.env._(
                    "Also: %(function)s where %(condition)s",
                    function=rule.get("function") or "",
                    condition=condition or self.env._("any selected company"),
                )
            )
        if criteria.get("as_of_date"):
            lines.append(self.env._("As of: %(date)s", date=criteria["as_of_date"]))
        if criteria.get("manual_member_count"):
            lines.append(
                self.env._("Manual members: %(count)s", count=criteria["manual_member_count"])
            )
        lines.append("")
        lines.extend(self._format_node(criteria.get("tree") or {}, 0))
        return lines

    def _format_node(self, node, depth):
        if not node:
            return []
        bullet = "\u25be" if node.get("type") == "group" else "\u2022"
        lines = [f"{chr(0x2003) * depth}{bullet} {node.get('summary') or ''}"]
        for child in node.get("children") or []:
            lines.extend(self._format_node(child, depth + 1))
        return lines


class CrmSelection(models.Model):
    _inherit = "crm.selection"

    snapshot_ids = fields.One2many("crm.selection.snapshot", "selection_id", string="Snapshots")
    snapshot_count = fields.Integer(compute="_compute_snapshot_count")
    last_snapshot_id = fields.Many2one(
        "crm.selection.snapshot", string="Last Run", compute="_compute_snapshot_count"
    )

    @api.depends("snapshot_ids")
    def _compute_snapshot_count(self):
        saved = self.filtered("id")
        counts = {}
        if saved:
            Snapshot = self.env["crm.selection.snapshot"]
            for selection, count, last in Snapshot._read_group(
                Domain("selection_id", "in", saved.ids),
                ["selection_id"],
                ["__count", "id:max"],
            ):
                counts[selection.id] = (count, Snapshot.browse(last))
        for selection in self:
            count, last = counts.get(selection.id, (0, self.env["crm.selection.snapshot"]))
            selection.snapshot_count = count
            selection.last_snapshot_id = last

    def action_run(self):
        """Run the selection: store a snapshot of its members and show it, with who joined
        and who left since the previous run."""
        self.ensure_one()
        snapshot = self._create_snapshot()
        return snapshot.action_open()

    def action_view_snapshots(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_selection.crm_selection_snapshot_action"
        )
        return {
            **action,
            "domain": [("selection_id", "=", self.id)],
            "context": {"default_selection_id": self.id},
        }

    def _create_snapshot(self):
        """Store the members the selection returns now for the current user (access rights
        and record rules applied), with the criteria as they are now."""
        self.ensure_one()
        self.check_access("read")
        member_query = self._get_member_query()
        values = {
            "selection_id": self.id,
            "user_id": self.env.uid,
            "output_level": self.output_level,
            "as_of_date": self._get_as_of_date(),
            "criteria": self._export_criteria(),
        }
        # creating snapshots is no right of its own: who may read a selection may run it
        snapshot = self.env["crm.selection.snapshot"].sudo().create(values)
        snapshot._insert_members(member_query)
        return snapshot.sudo(False)

    def _get_target_partner_ids(self, snapshot=None):
        """Return the ids of the partners a campaign targets: the members of ``snapshot``
        (a former run of this selection, to repeat a mailing exactly), or else of a fresh
        snapshot taken now."""
        self.ensure_one()
        if snapshot is None:
            snapshot = self._create_snapshot()
        elif snapshot.selection_id != self:
            raise UserError(
                self.env._(
                    "The snapshot %(snapshot)s is no run of the selection %(selection)s.",
                    snapshot=snapshot.display_name,
                    selection=self.display_name,
                )
            )
        return snapshot.with_env(self.env)._get_member_ids()
