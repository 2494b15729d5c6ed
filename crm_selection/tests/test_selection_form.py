from odoo.tests import Form, tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionForm(SelectionCase):
    """A user builds a selection in its form: output level, criteria, additional functions."""

    def test_build_a_selection_in_the_form(self):
        Selection = self.Selection.with_user(self.selection_user)
        with Form(Selection) as form:
            form.name = "Purchasers in Switzerland"
            form.output_level = "persons"
            form.output_function_ids.add(self.purchaser)
            with form.node_ids.new() as criterion:
                criterion.kind = "partner"
                criterion.country_ids.add(self.ch)
            with form.output_rule_ids.new() as rule:
                rule.function_id = self.managing_director
                rule.domain = "[('abc_class', '=', 'a')]"
        selection = form.record
        self.assertEqual(selection.user_id, self.selection_user)
        self.assertEqual(selection.root_node_id.child_ids.country_ids, self.ch)
        self.assertMembers(selection, self.ursula | self.reto)
        self.assertEqual(selection.member_count, len(selection._get_member_ids()))

        with Form(selection) as form:
            with form.node_ids.new() as criterion:
                criterion.kind = "attribute"
                criterion.negate = True
                criterion.kind = "partner"
                criterion.zip_pattern = "8*"
            form.output_rule_ids.remove(0)
        self.assertEqual(len(selection.root_node_id.child_ids), 2)
        self.assertMembers(selection, self.Partner)
        self.assertEqual(
            selection.root_node_id.child_ids.mapped("summary"),
            ["Partner Fields: Switzerland", "NOT Partner Fields: postal code 8*"],
        )

    def test_group_in_the_form(self):
        selection = self._create_selection([{"kind": "partner", "country_ids": [self.de.id]}])
        with Form(selection) as form:
            with form.node_ids.new() as group:
                group.node_type = "group"
                group.group_operator = "or"
                group.negate = True
        group = selection.root_node_id.child_ids.filtered(lambda node: node.node_type == "group")
        self._add_nodes(group, [{"kind": "partner", "abc_class": "a"}])
        self.assertMembers(selection, self.bergmann | self.saar | self.nozip)
        self.assertEqual(group.depth, 1)
        self.assertIn("\u25be", group.tree_label)
