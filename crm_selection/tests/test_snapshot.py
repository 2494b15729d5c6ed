from contextlib import contextmanager
from unittest.mock import patch

from odoo import Command
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import Cursor
from odoo.tests import new_test_user, tagged, users, warmup
from odoo.tools import SQL

from .common import SelectionCase


@contextmanager
def collect_queries(env):
    """Collect the SQL code of every query run inside the block."""
    queries = []
    execute = Cursor.execute

    def collecting_execute(cursor, query, params=None, log_exceptions=None):
        queries.append(query.code if isinstance(query, SQL) else str(query))
        return execute(cursor, query, params, log_exceptions)

    env.flush_all()
    with patch.object(Cursor, "execute", collecting_execute):
        yield queries
        env.flush_all()


@tagged("post_install", "-at_install")
class TestSnapshot(SelectionCase):
    """Marketing runs "German companies outside the 66xxx postal codes" before each mailing:
    every run keeps its members and its criteria, and tells who joined and who left."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="selection_manager",
            groups="crm_selection.group_selection_manager",
            name="Manfred Manager",
        )
        cls.selection = cls._create_selection(
            [
                {"kind": "partner", "country_ids": [Command.set(cls.de.ids)]},
                {"kind": "partner", "zip_pattern": "66*", "zip_mode": "exclude"},
            ],
            user_id=cls.selection_user.id,
            name="German companies outside Saarland",
        )

    def _run(self, selection=None, user=None):
        selection = selection or self.selection
        if user:
            selection = selection.with_user(user)
        action = selection.action_run()
        self.assertEqual(action["res_model"], "crm.selection.snapshot")
        return self.env["crm.selection.snapshot"].browse(action["res_id"])

    def _member_set(self, snapshot):
        self.env.invalidate_all()
        return set(snapshot.with_context(active_test=False).member_ids.ids)

    def test_run_stores_the_members_and_the_criteria(self):
        expected = set(self.selection._get_member_ids())
        snapshot = self._run(user=self.selection_user)

        self.assertEqual(self._member_set(snapshot), expected)
        self.assertEqual(snapshot.member_count, len(expected))
        self.assertLessEqual(self.mueller | self.bergmann | self.nozip, snapshot.member_ids)
        self.assertFalse((self.saar | self.alpen | self.kowalski) & snapshot.member_ids)
        self.assertRecordValues(
            snapshot,
            [
                {
                    "selection_id": self.selection.id,
                    "user_id": self.selection_user.id,
                    "output_level": "companies",
                    "previous_snapshot_id": False,
                }
            ],
        )
        tree = snapshot.criteria["tree"]
        self.assertEqual(tree["operator"], "and")
        self.assertEqual(tree["children"][0]["params"]["country_ids"], ["Germany"])
        self.assertEqual(tree["children"][1]["params"]["zip_pattern"], "66*")
        self.assertIn("Germany", snapshot.criteria_text)
        self.assertIn("66*", snapshot.criteria_text)
        self.assertEqual(self.selection.snapshot_count, 1)
        self.assertEqual(self.selection.last_snapshot_id, snapshot)

    def test_criteria_are_kept_as_they_were(self):
        snapshot = self._run()
        self.selection.node_ids.filtered("country_ids").country_ids = self.ch
        self.assertIn("Germany", snapshot.criteria_text)
        self.assertNotIn("Switzerland", snapshot.criteria_text)
        self.assertEqual(self._member_set(snapshot) & set(self.alpen.ids), set())

    def test_members_are_stored_by_one_insert(self):
        with collect_queries(self.env) as queries:
            snapshot = self._run()
        inserts = [
            query
            for query in queries
            if "insert into" in query.lower() and "crm_selection_snapshot_partner_rel" in query
        ]
        self.assertEqual(len(inserts), 1, "one INSERT ... SELECT stores all the members")
        self.assertIn("select", inserts[0].lower())
        self.assertGreaterEqual(snapshot.member_count, 3)

    def test_query_count_does_not_grow_with_the_members(self):
        few = self._create_selection(
            [{"kind": "partner", "city": "Berlin"}], name="Berlin companies"
        )
        many = self._create_selection(
            [{"kind": "partner", "city": "Hamburg"}], name="Hamburg companies"
        )
        self.Partner.create(
            [
                {"name": f"Reederei {i} GmbH", "is_company": True, "city": "Hamburg"}
                for i in range(60)
            ]
        )
        # a first run fills the caches of the registry
        self.selection._create_snapshot()
        counts = []
        for selection in (few, many):
            self.env.invalidate_all()
            with collect_queries(self.env) as queries:
                selection._create_snapshot()
            counts.append(len(queries))
        self.assertGreaterEqual(many.last_snapshot_id.member_count, 61)
        self.assertEqual(counts[0], counts[1], "no query per member")

    @users("selection_user")
    @warmup
    def test_run_query_count(self):
        selection = self.selection.with_env(self.env)
        # read the criteria, create the snapshot, insert its members, store their number
        with self.assertQueryCount(selection_user=18):
            selection._create_snapshot()

    def test_joined_and_left_since_the_previous_run(self):
        first = self._run()
        # Saar Stahlhandel moves to Berlin, Müller to Saarbrücken; a new customer arrives
        self.saar.write({"zip": "10115", "city": "Berlin"})
        self.mueller.write({"zip": "66117", "city": "Saarbrücken"})
        newcomer = self.Partner.create(
            {"name": "Neu GmbH", "is_company": True, "country_id": self.de.id, "zip": "20095"}
        )
        second = self._run()

        self.assertEqual(second.previous_snapshot_id, first)
        self.assertEqual(second.joined_partner_ids, self.saar | newcomer)
        self.assertEqual(second.left_partner_ids, self.mueller)
        self.assertEqual((second.joined_count, second.left_count), (2, 1))
        self.assertEqual(second.member_count, first.member_count + 1)
        # the first run compares with nothing
        self.assertFalse(first.previous_snapshot_id)
        self.assertFalse(first.joined_partner_ids or first.left_partner_ids)
        self.assertEqual((first.joined_count, first.left_count), (0, 0))

        joined = self.Partner.with_context(active_test=False).search(
            second.action_view_joined()["domain"]
        )
        self.assertEqual(joined, self.saar | newcomer)
        left = self.Partner.with_context(active_test=False).search(
            second.action_view_left()["domain"]
        )
        self.assertEqual(left, self.mueller)
        members = self.Partner.with_context(active_test=False).search(
            second.action_view_members()["domain"]
        )
        self.assertEqual(set(members.ids), self._member_set(second))

    def test_no_change_no_difference(self):
        first = self._run()
        second = self._run()
        self.assertEqual(self._member_set(first), self._member_set(second))
        self.assertFalse(second.joined_partner_ids or second.left_partner_ids)
        self.assertEqual((second.joined_count, second.left_count), (0, 0))

    def test_reuse_an_old_snapshot(self):
        first = self._run()
        members = self._member_set(first)
        # after the mailing, the data changes: a member is archived, another leaves Germany
        self.bergmann.action_archive()
        self.nozip.country_id = self.ch
        self.assertNotIn(self.bergmann.id, self.selection._get_member_ids())

        self.assertEqual(set(self.selection._get_target_partner_ids(first)), members)
        self.assertIn(self.bergmann.id, self.selection._get_target_partner_ids(first))

        # without a snapshot, the campaign gets the members of a fresh run
        fresh_ids = self.selection._get_target_partner_ids()
        fresh = self.selection.last_snapshot_id
        self.assertNotEqual(fresh, first)
        self.assertEqual(set(fresh_ids), self._member_set(fresh))
        self.assertEqual(
            fresh.with_context(active_test=False).left_partner_ids, self.bergmann | self.nozip
        )
        self.assertEqual(fresh.left_count, 2)

        other = self._create_selection([{"kind": "partner", "city": "Berlin"}], name="Berlin")
        with self.assertRaises(UserError):
            other._get_target_partner_ids(first)

    def test_deleting_a_run_compares_with_the_one_before(self):
        first = self._run()
        self.saar.zip = "10115"
        second = self._run()
        self.bergmann.zip = "66119"
        third = self._run()

        with self.assertRaises(AccessError):
            second.with_user(self.selection_user).unlink()
        second.with_user(self.manager).unlink()
        third.invalidate_recordset()
        self.assertEqual(third.previous_snapshot_id, first)
        self.assertEqual(third.joined_partner_ids, self.saar)
        self.assertEqual(third.left_partner_ids, self.bergmann)

    def test_snapshots_are_read_only(self):
        snapshot = self._run(user=self.selection_user)
        as_user = snapshot.with_user(self.selection_user)
        self.assertEqual(as_user.member_count, snapshot.member_count)
        with self.assertRaises(AccessError):
            as_user.write({"member_count": 0})
        with self.assertRaises(AccessError):
            as_user.unlink()
        with self.assertRaises(AccessError):
            self.env["crm.selection.snapshot"].with_user(self.manager).create(
                {"selection_id": self.selection.id}
            )
        with self.assertRaises(AccessError):
            snapshot.with_user(self.manager).write({"member_count": 0})

    def test_deleting_the_selection_deletes_its_runs(self):
        snapshot = self._run()
        self.selection.unlink()
        self.assertFalse(snapshot.exists())


@tagged("post_install", "-at_install")
class TestSnapshotAccess(SelectionCase):
    """Users see the runs of the selections they may read, and a run stores only the
    partners its user may read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b = cls.env["res.company"].create({"name": "Filiale Zürich AG"})
        cls.colleague = new_test_user(
            cls.env,
            login="selection_colleague",
            groups="crm_selection.group_selection_user",
            name="Conrad Colleague",
        )
        cls.user_a = new_test_user(
            cls.env,
            login="selection_user_company_a",
            groups="crm_selection.group_selection_user",
            company_id=cls.company_a.id,
            company_ids=[Command.set(cls.company_a.ids)],
        )
        cls.tag = cls.env["res.partner.category"].create({"name": "Newsletter (test)"})
        cls.customer_a, cls.customer_b = cls.Partner.create(
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

    def _newsletter_selection(self, user, **vals):
        return self.Selection.with_user(user).create(
            {
                "name": "Newsletter",
                "node_ids": [Command.create({"kind": "partner", "category_ids": self.tag.ids})],
                **vals,
            }
        )

    def test_users_see_the_runs_of_the_selections_they_may_read(self):
        private = self._newsletter_selection(self.selection_user)
        shared = self._newsletter_selection(self.selection_user, shared=True, name="Shared")
        private_run = private._create_snapshot()
        shared_run = shared._create_snapshot()

        Snapshot = self.env["crm.selection.snapshot"]
        self.assertEqual(
            Snapshot.with_user(self.selection_user).search(
                [("id", "in", (private_run | shared_run).ids)]
            ),
            private_run | shared_run,
        )
        self.assertEqual(
            Snapshot.with_user(self.colleague).search(
                [("id", "in", (private_run | shared_run).ids)]
            ),
            shared_run,
        )
        with self.assertRaises(AccessError):
            private_run.with_user(self.colleague).member_count  # noqa: B018
        # the colleague may run the shared selection, not the private one
        colleague_run = shared.with_user(self.colleague)._create_snapshot()
        self.assertEqual(colleague_run.user_id, self.colleague)
        with self.assertRaises(AccessError):
            private.with_user(self.colleague)._create_snapshot()

    def test_a_run_stores_only_what_its_user_may_read(self):
        selection = self._newsletter_selection(self.user_a, shared=True)
        snapshot = selection.with_user(self.user_a)._create_snapshot()
        self.assertEqual(set(snapshot.sudo().member_ids.ids), set(self.customer_a.ids))

        # a user of both companies sees company B's partners in his own run only
        both = new_test_user(
            self.env,
            login="selection_user_both",
            groups="crm_selection.group_selection_user",
            company_id=self.company_a.id,
            company_ids=[Command.set((self.company_a | self.company_b).ids)],
        )
        run_both = (
            selection.with_user(both)
            .with_context(allowed_company_ids=(self.company_a | self.company_b).ids)
            ._create_snapshot()
        )
        self.assertEqual(
            set(run_both.sudo().member_ids.ids), set((self.customer_a | self.customer_b).ids)
        )
        # user A reading that run sees neither company B's partner nor its id
        self.env.invalidate_all()
        as_user_a = run_both.with_user(self.user_a).with_context(
            allowed_company_ids=self.company_a.ids
        )
        self.assertEqual(as_user_a.member_ids, self.customer_a)
        self.assertEqual(
            selection.with_user(self.user_a)._get_target_partner_ids(run_both), self.customer_a.ids
        )
        # company B's partner joined with that run, but user A does not see it
        self.assertEqual(run_both.previous_snapshot_id, snapshot)
        self.assertEqual(run_both.sudo().joined_partner_ids, self.customer_b)
        self.assertFalse(as_user_a.joined_partner_ids)
        self.assertEqual(as_user_a.joined_count, 0)

    def test_runs_of_another_company_are_hidden(self):
        selection = self.Selection.create(
            {
                "name": "Zürich newsletter",
                "company_id": self.company_b.id,
                "shared": True,
                "node_ids": [Command.create({"kind": "partner", "category_ids": self.tag.ids})],
            }
        )
        snapshot = selection._create_snapshot()
        Snapshot = self.env["crm.selection.snapshot"].with_user(self.user_a)
        self.assertFalse(Snapshot.search([("id", "=", snapshot.id)]))
