from odoo import Command
from odoo.tests import tagged
from odoo.tools import Query

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionSql(SelectionCase):
    """A selection compiles to a single SQL query, whatever its criteria."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.germany = cls._create_selection(
            [{"kind": "partner", "country_ids": [cls.de.id]}], name="Germany"
        )
        attribute = cls.env["crm.attribute"].create(
            {"name": "Employees", "code": "test_sql_employees", "value_type": "integer"}
        )
        cls.selection = cls._create_selection(
            [
                {"kind": "selection", "ref_selection_id": cls.germany.id},
                {"kind": "partner", "zip_pattern": "66xxx", "zip_mode": "exclude"},
                {"kind": "journal", "negate": True, "min_count": 2},
                {
                    "kind": "attribute",
                    "attribute_id": attribute.id,
                    "attribute_operator": "set",
                    "negate": True,
                },
                {"kind": "partner", "domain": "[('name', 'not ilike', 'Sparkasse')]"},
            ],
            output_level="both",
            output_function_ids=[Command.set(cls.purchaser.ids)],
            output_rule_ids=[
                Command.create(
                    {
                        "function_id": cls.managing_director.id,
                        "domain": f"[('industry_ids', 'in', [{cls.database_software.id}])]",
                    }
                )
            ],
            manual_partner_ids=[Command.link(cls.ursula.id)],
        )

    def test_membership_is_one_query(self):
        (self.selection | self.germany).shared = True
        selection = self.selection.with_user(self.selection_user)
        expected = self.mueller | self.bergmann | self.nozip | self.petra | self.anna
        self.assertMembers(selection, expected | self.ursula)
        # the criteria are read (and cached) once; computing the members is one query
        domain = selection._get_member_domain()
        self.env.flush_all()
        with self.assertQueryCount(1):
            ids = selection._get_member_ids()
        with self.assertQueryCount(1):
            self.Partner.with_user(self.selection_user).search_count(domain)
        self.assertEqual(len(ids), len(set(ids)))

    def test_member_query_is_a_query_with_parameters(self):
        query = self.selection._get_member_query()
        self.assertIsInstance(query, Query)
        sql = query.select()
        # values reach the database as parameters, never inside the SQL text
        self.assertNotIn("Sparkasse", sql.code)
        self.assertIn("%Sparkasse%", sql.params)
        self.env.flush_all()
        self.env.cr.execute(sql)
        self.assertEqual(
            sorted(row[0] for row in self.env.cr.fetchall()),
            sorted(self.selection._get_member_ids()),
        )

    def test_member_count_is_one_query_per_selection(self):
        self.selection._get_member_domain()
        self.env.flush_all()
        with self.assertQueryCount(1):
            self.selection.member_count  # noqa: B018
