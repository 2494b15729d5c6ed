from odoo.exceptions import UserError, ValidationError
from odoo.tests import tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionTree(SelectionCase):
    """Groups combine their criteria with AND, OR and AND NOT; any node can be negated;
    saved selections combine with each other."""

    def _germany(self, **vals):
        return {"kind": "partner", "country_ids": [self.de.id], **vals}

    def _abc_a(self, **vals):
        return {"kind": "partner", "abc_class": "a", **vals}

    def test_new_selection_has_an_empty_top_group_selecting_nobody(self):
        selection = self.Selection.create({"name": "Empty"})
        self.assertEqual(selection.root_node_id.node_type, "group")
        self.assertEqual(selection.root_node_id.group_operator, "and")
        self.assertEqual(selection.node_ids, selection.root_node_id)
        self.assertFalse(selection._get_member_ids())
        self.assertEqual(selection.member_count, 0)

    def test_criteria_given_at_creation_go_into_the_top_group(self):
        selection = self.Selection.create(
            {
                "name": "German A customers",
                "node_ids": [(0, 0, self._germany()), (0, 0, self._abc_a())],
            }
        )
        self.assertEqual(len(selection.root_node_id.child_ids), 2)
        self.assertMembers(selection, self.mueller)

    def test_and(self):
        self.assertMembers(
            self._create_selection([self._germany(), self._abc_a()], "and"), self.mueller
        )

    def test_or(self):
        self.assertMembers(
            self._create_selection([self._germany(), self._abc_a()], "or"),
            self.mueller | self.bergmann | self.saar | self.nozip | self.alpen,
        )

    def test_and_not(self):
        """The first child, but none of the others."""
        selection = self._create_selection(
            [self._germany(), self._abc_a(), {"kind": "partner", "zip_pattern": "66*"}],
            "and_not",
        )
        self.assertMembers(selection, self.bergmann | self.nozip)

    def test_negated_criterion(self):
        selection = self._create_selection([self._germany(negate=True)])
        self.assertMembers(selection, self.alpen | self.kowalski)

    def test_negated_group(self):
        selection = self._create_selection([self._germany()])
        group = self._add_nodes(
            selection.root_node_id,
            [{"node_type": "group", "group_operator": "or", "negate": True}],
        )
        self._add_nodes(group, [self._abc_a(), {"kind": "partner", "zip_pattern": "66*"}])
        self.assertMembers(selection, self.bergmann | self.nozip)
        self.assertEqual(group.summary, "NOT Any of (OR)")

    def test_nested_groups_and_empty_group(self):
        selection = self._create_selection([], "or")
        inner = self._add_nodes(
            selection.root_node_id,
            [{"node_type": "group", "group_operator": "and"}, {"node_type": "group"}],
        )
        self._add_nodes(inner[0], [self._germany(), {"kind": "partner", "zip_pattern": "8*"}])
        # the second group is empty: it selects nobody, and the OR keeps the first group
        self.assertMembers(selection, self.bergmann)
        self.assertEqual(inner[1].company_count, 0)
        self.assertEqual(inner[0].depth, 1)
        self.assertTrue(inner[0].child_ids[0].tree_order.startswith(inner[0].tree_order))

    def test_only_groups_hold_criteria(self):
        selection = self._create_selection([self._germany()])
        criterion = selection.root_node_id.child_ids
        with self.assertRaises(ValidationError):
            self._add_nodes(criterion, [self._abc_a()])
        other = self._create_selection()
        with self.assertRaises(ValidationError):
            self.Node.create(
                {
                    "selection_id": other.id,
                    "parent_id": selection.root_node_id.id,
                    "kind": "partner",
                }
            )

    def test_a_group_cannot_contain_itself(self):
        selection = self._create_selection()
        outer = self._add_nodes(selection.root_node_id, [{"node_type": "group"}])
        inner = self._add_nodes(outer, [{"node_type": "group"}])
        with self.assertRaises(ValidationError):
            outer.parent_id = inner

    def test_top_group_cannot_be_deleted(self):
        selection = self._create_selection([self._germany()])
        with self.assertRaises(UserError):
            selection.root_node_id.unlink()
        selection.root_node_id.child_ids.unlink()
        selection.unlink()
        self.assertFalse(selection.exists())


@tagged("post_install", "-at_install")
class TestSelectionReferences(SelectionCase):
    """A criterion can be another saved selection: union, intersection and difference."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.germany = cls._create_selection(
            [{"kind": "partner", "country_ids": [cls.de.id]}], name="Germany"
        )
        cls.a_class = cls._create_selection(
            [{"kind": "partner", "abc_class": "a"}], name="A customers"
        )

    def _combine(self, operator, *selections, **vals):
        return self._create_selection(
            [{"kind": "selection", "ref_selection_id": selection.id} for selection in selections],
            operator,
            **vals,
        )

    def test_union_intersection_difference(self):
        self.assertMembers(
            self._combine("or", self.germany, self.a_class),
            self.mueller | self.bergmann | self.saar | self.nozip | self.alpen,
        )
        self.assertMembers(self._combine("and", self.germany, self.a_class), self.mueller)
        self.assertMembers(
            self._combine("and_not", self.germany, self.a_class),
            self.bergmann | self.saar | self.nozip,
        )

    def test_referenced_selection_changes_are_followed(self):
        combined = self._combine("and", self.germany)
        self.a_class.root_node_id.child_ids.abc_class = "b"
        self.germany.root_node_id.child_ids.country_ids = self.ch
        self.assertMembers(combined, self.alpen)

    def test_direct_and_indirect_cycles_are_refused(self):
        with self.assertRaises(ValidationError):
            self._add_nodes(
                self.germany.root_node_id,
                [{"kind": "selection", "ref_selection_id": self.germany.id}],
            )
        combined = self._combine("or", self.germany, self.a_class)
        with self.assertRaises(ValidationError):
            self._add_nodes(
                self.a_class.root_node_id,
                [{"kind": "selection", "ref_selection_id": combined.id}],
            )

    def test_cycle_is_refused_when_running(self):
        """Even a cycle that slipped into the database stops with a clear error."""
        combined = self._combine("or", self.germany)
        node = self._add_nodes(self.germany.root_node_id, [{"kind": "partner"}])
        self.env.cr.execute(
            "UPDATE crm_selection_node SET kind = 'selection', ref_selection_id = %s WHERE id = %s",
            (combined.id, node.id),
        )
        self.env.invalidate_all()
        with self.assertRaises(UserError):
            combined._get_member_domain()

    def test_referenced_selection_cannot_be_deleted(self):
        self._combine("or", self.germany)
        with self.assertRaises(UserError):
            self.germany.unlink()

    def test_copy_duplicates_the_tree(self):
        combined = self._combine("and_not", self.germany, self.a_class, name="Germany but A")
        group = self._add_nodes(combined.root_node_id, [{"node_type": "group", "negate": True}])
        self._add_nodes(group, [{"kind": "partner", "zip_pattern": "66*"}])
        copy = combined.copy()
        self.assertEqual(copy.name, "Germany but A (copy)")
        self.assertEqual(len(copy.node_ids), len(combined.node_ids))
        self.assertFalse(copy.node_ids & combined.node_ids)
        self.assertEqual(copy.root_node_id.group_operator, "and_not")
        self.assertEqual(
            copy.root_node_id._export_tree()["children"][2]["children"][0]["params"],
            {"zip_pattern": "66*", "zip_mode": "include"},
        )
        self.assertMembers(copy, self._members(combined))
