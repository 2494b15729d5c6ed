from odoo import Command
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tests import Form, HttpCase, new_test_user, tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionLiveCount(SelectionCase):
    """While a user builds the criteria tree in the form, the number of members follows
    every change, before anything is saved; each criterion shows its own count."""

    def _count_companies(self, domain):
        base = Domain("is_company", "=", True) & Domain("active", "=", True)
        return self.Partner.search_count(base & Domain(domain))

    def _line_index(self, form, node):
        ids = [record["id"] for record in form.node_ids._records]
        return ids.index(node.id)

    def test_a_new_selection_counts_while_it_is_built(self):
        german = self._count_companies([("country_id", "=", self.de.id)])
        german_outside_66 = self._count_companies(
            [("country_id", "=", self.de.id), "!", ("zip", "=like", "66%")]
        )
        self.assertGreater(german, german_outside_66)

        form = Form(self.Selection)
        form.name = "German companies outside Saarland"
        self.assertEqual(form.member_count, 0, "no criterion, no member")
        with form.node_ids.new() as node:
            node.kind = "partner"
            node.country_ids.add(self.de)
            self.assertEqual(node.company_count, german)
        self.assertEqual(form.member_count, german)
        with form.node_ids.new() as node:
            node.zip_pattern = "66*"
            node.zip_mode = "exclude"
        self.assertEqual(form.member_count, german_outside_66)

        selection = form.save()
        self.assertEqual(len(selection.root_node_id.child_ids), 2)
        self.assertEqual(selection.member_count, german_outside_66)
        self.assertEqual(len(selection._get_member_ids()), german_outside_66)

    def test_unsaved_changes_of_a_saved_selection_are_counted(self):
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [Command.set(self.de.ids)]}]
        )
        country_node = selection.root_node_id.child_ids
        cities = self._add_nodes(
            selection.root_node_id, [{"node_type": "group", "group_operator": "or"}]
        )
        self._add_nodes(cities, [{"kind": "partner", "city": "Berlin"}])
        berlin = self._count_companies([("country_id", "=", self.de.id), ("city", "=", "Berlin")])
        self.assertEqual(selection.member_count, berlin)

        form = Form(selection)
        self.assertEqual(form.member_count, berlin)
        # a new criterion in the OR group, not saved yet
        with form.node_ids.new() as node:
            node.parent_id = cities
            node.city = "München"
        berlin_munich = self._count_companies(
            [("country_id", "=", self.de.id), ("city", "in", ("Berlin", "München"))]
        )
        self.assertEqual(form.member_count, berlin_munich)
        # a saved criterion changed in the form: outside Germany
        with form.node_ids.edit(self._line_index(form, country_node)) as node:
            node.negate = True
        outside = self._count_companies(
            [("country_id", "!=", self.de.id), ("city", "in", ("Berlin", "München"))]
        )
        self.assertEqual(form.member_count, outside)
        # the output level counts the contact persons of these companies
        form.output_level = "persons"
        preview = form.member_count

        # nothing is saved before the user saves
        selection.invalidate_recordset()
        self.assertEqual(selection.member_count, berlin)
        form.save()
        selection.invalidate_recordset()
        self.assertEqual(selection.member_count, preview)
        self.assertEqual(len(selection._get_member_ids()), preview)

    def test_a_criterion_being_typed_counts_nothing(self):
        selection = self._create_selection([{"kind": "partner", "city": "Berlin"}])
        form = Form(selection)
        self.assertTrue(form.member_count)
        with form.node_ids.edit(self._line_index(form, selection.root_node_id.child_ids)) as node:
            node.zip_pattern = "10%"
            self.assertEqual(node.company_count, 0)
        self.assertEqual(form.member_count, 0)

    def test_add_a_criterion_to_a_group(self):
        selection = self._create_selection([{"kind": "partner", "city": "Berlin"}])
        group = self._add_nodes(
            selection.root_node_id, [{"node_type": "group", "group_operator": "or"}]
        )
        action = group.action_add_criterion()
        self.assertEqual(action["target"], "new")
        form = Form(
            self.Node.with_context(**action["context"]),
            view="crm_selection.crm_selection_node_view_form",
        )
        self.assertEqual(form.node_type, "criterion")
        self.assertEqual(form.company_count, self._count_companies([]))
        form.country_ids.add(self.ch)
        swiss = self._count_companies([("country_id", "=", self.ch.id)])
        self.assertEqual(form.company_count, swiss)
        node = form.save()
        self.assertEqual(node.parent_id, group)
        self.assertEqual(node.selection_id, selection)

        subgroup = Form(
            self.Node.with_context(**group.action_add_group()["context"]),
            view="crm_selection.crm_selection_node_view_form",
        ).save()
        self.assertEqual((subgroup.node_type, subgroup.parent_id), ("group", group))
        with self.assertRaises(UserError):
            node.action_add_criterion()

    def test_results_list_searches_the_members(self):
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [Command.set(self.de.ids)]}],
            output_level="both",
            output_function_ids=[Command.set(self.purchaser.ids)],
        )
        action = selection.action_view_members()
        self.assertEqual(action["domain"], [("crm_selection_id", "in", [selection.id])])
        results = self.Partner.search(action["domain"])
        self.assertEqual(set(results.ids), set(selection._get_member_ids()))
        self.assertIn(self.petra, results)
        # the list stays current: a new German company shows up at once
        newcomer = self.Partner.create(
            {"name": "Neu GmbH", "is_company": True, "country_id": self.de.id}
        )
        self.assertIn(newcomer, self.Partner.search(action["domain"]))
        # the selection's owner gets the same list
        selection.user_id = self.selection_user
        as_user = self.Partner.with_user(self.selection_user).search(action["domain"])
        self.assertEqual(
            set(as_user.ids), set(selection.with_user(self.selection_user)._get_member_ids())
        )


@tagged("post_install", "-at_install")
class TestSelectionTour(HttpCase):
    """A marketing assistant builds "German companies outside the 66xxx postal codes" in the
    browser, sees the live count drop with the second criterion, runs the selection and
    opens its members."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        germany = cls.env.ref("base.de")
        cls.berlin, cls.saarbruecken, cls.zurich = cls.env["res.partner"].create(
            [
                {
                    "name": "Tour Maschinenbau Berlin GmbH",
                    "is_company": True,
                    "country_id": germany.id,
                    "zip": "10559",
                    "city": "Berlin",
                },
                {
                    "name": "Tour Stahl Saarbrücken GmbH",
                    "is_company": True,
                    "country_id": germany.id,
                    "zip": "66111",
                    "city": "Saarbrücken",
                },
                {
                    "name": "Tour Präzision Zürich AG",
                    "is_company": True,
                    "country_id": cls.env.ref("base.ch").id,
                    "zip": "8001",
                    "city": "Zürich",
                },
            ]
        )
        cls.user = new_test_user(
            cls.env,
            login="selection_tour_user",
            name="Marta Marketing",
            groups="crm_selection.group_selection_user",
        )

    def test_build_run_and_open_a_selection(self):
        self.start_tour(
            "/odoo/action-crm_selection.crm_selection_action",
            "crm_selection_builder_tour",
            login=self.user.login,
        )
        selection = self.env["crm.selection"].search(
            [("name", "=", "German companies outside Saarland")]
        )
        self.assertEqual(len(selection), 1)
        self.assertEqual(selection.user_id, self.user)
        self.assertEqual(len(selection.root_node_id.child_ids), 2)
        snapshot = selection.snapshot_ids
        self.assertEqual(len(snapshot), 1, "the run stored one snapshot")
        self.assertEqual(snapshot.user_id, self.user)
        self.assertIn(self.berlin, snapshot.member_ids)
        self.assertNotIn(self.saarbruecken, snapshot.member_ids)
        self.assertNotIn(self.zurich, snapshot.member_ids)
        self.assertEqual(
            set(snapshot.member_ids.ids), set(selection.with_user(self.user)._get_member_ids())
        )
