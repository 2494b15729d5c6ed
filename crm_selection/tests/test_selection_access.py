from odoo import Command
from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionMultiCompany(SelectionCase):
    """A user of company A never sees the partners of company B in a result."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Filiale Basel AG"})
        cls.tag = cls.env["res.partner.category"].create({"name": "Trade fair 2025 (test)"})
        cls.partner_a, cls.partner_b = cls.Partner.create(
            [
                {
                    "name": "Kunde A GmbH",
                    "is_company": True,
                    "company_id": cls.company_a.id,
                    "category_id": [Command.link(cls.tag.id)],
                },
                {
                    "name": "Kunde B AG",
                    "is_company": True,
                    "company_id": cls.company_b.id,
                    "category_id": [Command.link(cls.tag.id)],
                },
            ]
        )
        cls.person_a, cls.person_b = cls.Partner.create(
            [
                {
                    "name": "Anton A",
                    "parent_id": cls.partner_a.id,
                    "function_id": cls.purchaser.id,
                },
                {
                    "name": "Berta B",
                    "parent_id": cls.partner_b.id,
                    "function_id": cls.purchaser.id,
                },
            ]
        )
        cls.user_a = new_test_user(
            cls.env,
            login="selection_user_a",
            groups="crm_selection.group_selection_user",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.extra = cls.partner_a | cls.partner_b | cls.person_a | cls.person_b

    def _run_as_user_a(self, **vals):
        selection = self.Selection.with_user(self.user_a).create(
            {
                "name": "Trade fair visitors",
                "node_ids": [
                    Command.create({"kind": "partner", "category_ids": [self.tag.id]}),
                ],
                "output_function_ids": [Command.set(self.purchaser.ids)],
                **vals,
            }
        )
        return self.Partner.browse(selection._get_member_ids()) & self.extra

    def test_companies_of_company_b_are_hidden(self):
        self.assertEqual(self._run_as_user_a(output_level="companies"), self.partner_a)
        # the superuser sees both
        selection = self.Selection.create(
            {
                "name": "All visitors",
                "node_ids": [Command.create({"kind": "partner", "category_ids": [self.tag.id]})],
            }
        )
        self.assertEqual(
            self.Partner.browse(selection._get_member_ids()) & self.extra,
            self.partner_a | self.partner_b,
        )

    def test_persons_of_company_b_are_hidden(self):
        self.assertEqual(self._run_as_user_a(output_level="persons"), self.person_a)
        self.assertEqual(self._run_as_user_a(output_level="both"), self.partner_a | self.person_a)

    def test_persons_of_a_hidden_company_are_hidden_even_if_shared(self):
        """A person shared by every company is no member through a company of B."""
        self.person_b.company_id = False
        self.assertEqual(self._run_as_user_a(output_level="persons"), self.person_a)

    def test_manual_members_of_company_b_are_hidden(self):
        members = self._run_as_user_a(
            output_level="companies", manual_partner_ids=[Command.set(self.partner_b.ids)]
        )
        self.assertEqual(members, self.partner_a)

    def test_selections_of_company_b_are_hidden(self):
        selection_b = self.Selection.create(
            {"name": "Basel only", "company_id": self.company_b.id, "shared": True}
        )
        self.assertNotIn(selection_b, self.Selection.with_user(self.user_a).search([]))


@tagged("post_install", "-at_install")
class TestSelectionOwnership(SelectionCase):
    """Selection users create and run their own selections and read the shared ones."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.colleague = new_test_user(
            cls.env, login="selection_colleague", groups="crm_selection.group_selection_user"
        )
        cls.manager = new_test_user(
            cls.env, login="selection_manager", groups="crm_selection.group_selection_manager"
        )
        cls.employee = new_test_user(cls.env, login="plain_employee", groups="base.group_user")
        Selection = cls.Selection.with_user(cls.colleague)
        cls.private = Selection.create(
            {
                "name": "My private list",
                "node_ids": [Command.create({"kind": "partner", "country_ids": [cls.ch.id]})],
            }
        )
        cls.shared = Selection.create(
            {
                "name": "Shared list",
                "shared": True,
                "node_ids": [Command.create({"kind": "partner", "country_ids": [cls.pl.id]})],
            }
        )

    def test_user_does_not_see_private_selections_of_others(self):
        Selection = self.Selection.with_user(self.selection_user)
        found = Selection.search([("id", "in", (self.private | self.shared).ids)])
        self.assertEqual(found, self.shared.with_user(self.selection_user))
        with self.assertRaises(AccessError):
            self.private.with_user(self.selection_user).read(["name"])
        with self.assertRaises(AccessError):
            self.private.root_node_id.with_user(self.selection_user).read(["kind"])
        with self.assertRaises(AccessError):
            self.private.with_user(self.selection_user)._get_member_ids()

    def test_user_runs_but_does_not_change_shared_selections(self):
        shared = self.shared.with_user(self.selection_user)
        self.assertEqual(
            self.Partner.browse(shared._get_member_ids()) & self.companies, self.kowalski
        )
        with self.assertRaises(AccessError):
            shared.name = "Taken over"
        with self.assertRaises(AccessError):
            shared.root_node_id.child_ids.country_ids = self.de
        with self.assertRaises(AccessError):
            self.Node.with_user(self.selection_user).create(
                {"selection_id": shared.id, "parent_id": shared.root_node_id.id, "kind": "partner"}
            )
        with self.assertRaises(AccessError):
            shared.unlink()

    def test_user_cannot_reference_a_private_selection_of_others(self):
        mine = self.Selection.with_user(self.selection_user).create({"name": "Mine"})
        self.Node.with_user(self.selection_user).create(
            {
                "selection_id": mine.id,
                "parent_id": mine.root_node_id.id,
                "kind": "selection",
                "ref_selection_id": self.private.id,
            }
        )
        with self.assertRaises(AccessError):
            mine._get_member_ids()

    def test_user_owns_new_selections(self):
        mine = self.Selection.with_user(self.selection_user).create({"name": "Mine"})
        self.assertEqual(mine.user_id, self.selection_user)
        mine.write({"description": "Customers in Poland"})
        self.Node.with_user(self.selection_user).create(
            {"selection_id": mine.id, "parent_id": mine.root_node_id.id, "kind": "partner"}
        )
        mine.unlink()

    def test_manager_sees_and_changes_every_selection(self):
        private = self.private.with_user(self.manager)
        private.name = "Reviewed"
        self.assertEqual(
            self.Partner.browse(private._get_member_ids()) & self.companies, self.alpen
        )

    def test_employee_without_selection_rights(self):
        with self.assertRaises(AccessError):
            self.Selection.with_user(self.employee).search([])
        with self.assertRaises(AccessError):
            self.Selection.with_user(self.employee).create({"name": "Not allowed"})
