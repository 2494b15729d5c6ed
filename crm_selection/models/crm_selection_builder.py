from odoo import api, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain

from .crm_selection_node import COMPILING_CONTEXT_KEY

# Errors of a criterion still being typed: the preview then shows no member.
PREVIEW_ERRORS = (UserError, ValidationError, AccessError, ValueError, TypeError)


def _node_key(node):
    """Identify a node of the form by its saved id, or by its new id when it is not saved."""
    return node._origin.id or node.id


class CrmSelection(models.Model):
    """Live count of the members while the selection form is edited: the form sends its
    unsaved values (an onchange), and the count is computed on these values."""

    _inherit = "crm.selection"

    @api.depends(lambda self: self._member_count_depends())
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_member_count(self):
        saved = self.filtered(lambda selection: isinstance(selection.id, int))
        super(CrmSelection, saved)._compute_member_count()
        Partner = self.env["res.partner"]
        for selection in self - saved:
            try:
                selection.member_count = Partner.search_count(
                    selection._get_preview_member_domain()
                )
            except PREVIEW_ERRORS:
                selection.member_count = 0

    def _get_result_action(self, snapshot=None):
        """Show the members now: the list searches them with the criteria each time it loads
        (through ``res.partner.crm_selection_id``), however many they are."""
        action = super()._get_result_action(snapshot)
        if snapshot:
            return action
        return {**action, "domain": [("crm_selection_id", "in", [self.id])]}

    @api.model
    def _member_count_depends(self):
        node_fields = [
            "parent_id",
            "sequence",
            *self.env["crm.selection.node"]._summary_depends(),
        ]
        return [
            "node_ids",
            *(f"node_ids.{name}" for name in node_fields),
            "output_level",
            "output_function_ids",
            "output_rule_ids",
            "output_rule_ids.function_id",
            "output_rule_ids.domain",
            "output_rule_ids.node_id",
            "as_of_date",
            "manual_partner_ids",
        ]

    def _get_preview_member_domain(self):
        """Return the member domain of a selection being edited (a new record, possibly with
        an origin): the same as ``_get_member_domain()``, but built on the values of the
        form rather than on the saved criteria tree."""
        self.ensure_one()
        company_domain = self._get_company_base_domain() & self._get_preview_company_domain()
        domains = []
        if self.output_level in ("companies", "both"):
            domains.append(company_domain)
        if self.output_level in ("persons", "both"):
            domains.append(self._get_person_domain(company_domain))
        if self.manual_partner_ids:
            domains.append(Domain("id", "in", self.manual_partner_ids._origin.ids))
        return Domain.OR(domains)

    def _get_preview_company_domain(self):
        """Compile the criteria tree as the form holds it. The nodes of the form carry the
        edited values, but their links to a saved group lead to the saved group, so the tree
        is rebuilt here from the ``parent_id`` of every node of the form."""
        self.ensure_one()
        nodes = self.node_ids
        children = {}
        for node in nodes:
            if node.parent_id:
                children.setdefault(_node_key(node.parent_id), []).append(node)
        root_key = self.root_node_id and _node_key(self.root_node_id)
        root = nodes.filtered(lambda node: _node_key(node) == root_key)[:1]
        conditions = {_node_key(node) for node in self.output_rule_ids.node_id}
        top_nodes = [
            node
            for node in nodes
            if not node.parent_id and _node_key(node) not in (root_key, *conditions)
        ]
        # refuse cycles through saved selections, like _get_company_domain()
        compiling = self.env.context.get(COMPILING_CONTEXT_KEY, ())
        selection = self.with_context(**{COMPILING_CONTEXT_KEY: (*compiling, self._origin.id)})
        if root:
            # criteria added without a group go into the top group when saved
            children.setdefault(root_key, []).extend(top_nodes)
            return selection._get_preview_node_domain(root, children)
        # a new selection: its criteria form the top group, an AND
        if not top_nodes:
            return Domain.FALSE
        return Domain.AND(selection._get_preview_node_domain(node, children) for node in top_nodes)

    def _get_preview_node_domain(self, node, children):
        """Return the domain of ``node`` in the tree given by ``children`` (the nodes of the
        form by the key of their group); groups combine their children like
        ``crm.selection.node._get_group_domain()``."""
        node = node.with_env(self.env)
        if node.node_type != "group":
            return node._get_domain()
        kids = sorted(
            children.get(_node_key(node), []),
            key=lambda kid: (kid.sequence, kid._origin.id or float("inf")),
        )
        domains = [self._get_preview_node_domain(kid, children) for kid in kids]
        if not domains:
            domain = Domain.FALSE
        elif node.group_operator == "or":
            domain = Domain.OR(domains)
        elif node.group_operator == "and_not":
            first, *others = domains
            domain = first & ~Domain.OR(others) if others else first
        else:
            domain = Domain.AND(domains)
        return ~domain if node.negate else domain


class CrmSelectionNode(models.Model):
    """Live count of the companies meeting a node while it is edited."""

    _inherit = "crm.selection.node"

    @api.depends(lambda self: [*self._summary_depends(), "child_ids", "selection_id.as_of_date"])
    @api.depends_context("uid", "allowed_company_ids")
    def _compute_company_count(self):
        Partner = self.env["res.partner"]
        base_domain = self.env["crm.selection"]._get_company_base_domain()
        for node in self:
            try:
                node.company_count = Partner.search_count(base_domain & node._get_domain())
            except PREVIEW_ERRORS:
                node.company_count = 0

    def action_add_criterion(self):
        """Add a criterion to this group, in a dialog."""
        return self._get_add_child_action("criterion")

    def action_add_group(self):
        """Add a subgroup to this group, in a dialog."""
        return self._get_add_child_action("group")

    def _get_add_child_action(self, node_type):
        self.ensure_one()
        if self.node_type != "group":
            raise UserError(self.env._("Only groups can hold other criteria."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Add to %(group)s", group=self.summary),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(self.env.ref("crm_selection.crm_selection_node_view_form").id, "form")],
            "target": "new",
            "context": {
                "default_selection_id": self.selection_id.id,
                "default_parent_id": self.id,
                "default_node_type": node_type,
            },
        }
