from datetime import date

from odoo import Command
from odoo.tests import tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionOutput(SelectionCase):
    """Output levels: the companies, their contact persons by function, or both; output
    rules add other functions under a condition on the company; manual members."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.germany_ch = [{"kind": "partner", "country_ids": [cls.de.id, cls.ch.id]}]

    def test_companies(self):
        selection = self._create_selection(self.germany_ch, output_level="companies")
        self.assertMembers(selection, self.companies - self.kowalski)

    def test_persons_by_function(self):
        selection = self._create_selection(
            self.germany_ch,
            output_level="persons",
            output_function_ids=[Command.set(self.purchaser.ids)],
        )
        self.assertMembers(selection, self.petra | self.ursula)

    def test_persons_of_every_function(self):
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [self.ch.id]}], output_level="persons"
        )
        self.assertMembers(selection, self.ursula | self.reto)

    def test_function_of_a_secondary_link(self):
        """Anna Bergmann directs Bergmann Datenbanken and sits on Müller's advisory board."""
        selection = self._create_selection(
            [{"kind": "partner", "abc_class": "a", "country_ids": [self.de.id]}],
            output_level="persons",
            output_function_ids=[Command.set(self.advisory_board.ids)],
        )
        self.assertMembers(selection, self.anna)
        selection.output_function_ids = self.managing_director
        self.assertMembers(selection, self.hans)

    def test_both(self):
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [self.ch.id]}],
            output_level="both",
            output_function_ids=[Command.set(self.purchaser.ids)],
        )
        self.assertMembers(selection, self.alpen | self.ursula)

    def test_links_valid_on_the_date_of_the_selection(self):
        link = self.env["crm.contact.link"].search(
            [("person_id", "=", self.anna.id), ("organization_id", "=", self.mueller.id)]
        )
        link.write({"date_from": date(2020, 1, 1), "date_to": date(2022, 12, 31)})
        selection = self._create_selection(
            [{"kind": "partner", "category_ids": [self.tag_vip.id]}],
            output_level="persons",
            output_function_ids=[Command.set(self.advisory_board.ids)],
        )
        self.assertMembers(selection, self.Partner)
        selection.as_of_date = date(2021, 6, 1)
        self.assertMembers(selection, self.anna)

    def test_person_without_links_by_related_company(self):
        """A contact person without any company link is found by their related company."""
        person = self.Partner.create(
            {"name": "Jonas Weber", "parent_id": self.mueller.id, "function_id": self.purchaser.id}
        )
        person.contact_link_ids.with_context(crm_contact_link_no_sync=True).unlink()
        self.assertFalse(person.contact_link_ids)
        self.assertEqual(person.parent_id, self.mueller)
        selection = self._create_selection(
            [{"kind": "partner", "category_ids": [self.tag_vip.id]}],
            output_level="persons",
            output_function_ids=[Command.set(self.purchaser.ids)],
        )
        self.assertMembers(selection, self.petra | person, extra=person)

    def test_archived_persons_and_addresses_are_no_members(self):
        invoice_address = self.Partner.create(
            {"name": "Müller Buchhaltung", "parent_id": self.mueller.id, "type": "invoice"}
        )
        self.petra.active = False
        selection = self._create_selection(
            [{"kind": "partner", "category_ids": [self.tag_vip.id]}], output_level="persons"
        )
        self.assertMembers(selection, self.hans | self.anna, extra=invoice_address)

    def test_output_rule_with_a_domain(self):
        """Purchasers, plus the managing directors where the industry is database software."""
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [self.de.id]}],
            output_level="persons",
            output_function_ids=[Command.set(self.purchaser.ids)],
            output_rule_ids=[
                Command.create(
                    {
                        "function_id": self.managing_director.id,
                        "domain": f"[('industry_ids', 'in', [{self.database_software.id}])]",
                    }
                )
            ],
        )
        self.assertMembers(selection, self.petra | self.anna)
        self.assertIn("Managing Director", selection.output_rule_ids.summary)

    def test_output_rules_each_with_its_condition(self):
        """Each output rule adds its function where its own condition holds, also a condition
        on a related record (the country of the company); a rule no company can meet adds
        nobody."""
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [self.de.id, self.ch.id]}],
            output_level="persons",
            output_function_ids=[Command.set(self.purchaser.ids)],
            output_rule_ids=[
                Command.create(
                    {
                        "function_id": self.managing_director.id,
                        "domain": "[('country_id.code', '=', 'CH')]",
                    }
                ),
                Command.create({"function_id": self.sales.id, "domain": "[('id', 'in', [])]"}),
                Command.create(
                    {
                        "function_id": self.managing_director.id,
                        "domain": f"[('industry_ids', 'in', [{self.database_software.id}])]",
                    }
                ),
            ],
        )
        self.assertMembers(selection, self.petra | self.ursula | self.reto | self.anna)
        # both levels: the selected companies too
        selection.output_level = "both"
        self.assertMembers(
            selection,
            self.companies - self.kowalski | self.petra | self.ursula | self.reto | self.anna,
        )

    def test_output_rule_with_a_criterion(self):
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [self.de.id, self.ch.id]}],
            output_level="persons",
            output_function_ids=[Command.set(self.purchaser.ids)],
        )
        condition = self.Node.create(
            {"selection_id": selection.id, "kind": "partner", "abc_class": "a"}
        )
        # a criterion of a rule stays out of the tree
        self.assertFalse(condition.parent_id)
        selection.output_rule_ids = [
            Command.create({"function_id": self.managing_director.id, "node_id": condition.id})
        ]
        self.assertMembers(selection, self.petra | self.ursula | self.hans | self.reto)
        copy = selection.copy()
        self.assertNotEqual(copy.output_rule_ids.node_id, condition)
        self.assertEqual(copy.output_rule_ids.node_id.selection_id, copy)
        self.assertMembers(copy, self.petra | self.ursula | self.hans | self.reto)

    def test_output_rule_applies_to_selected_companies_only(self):
        selection = self._create_selection(
            [{"kind": "partner", "country_ids": [self.ch.id]}],
            output_level="persons",
            output_function_ids=[Command.set(self.purchaser.ids)],
            output_rule_ids=[
                Command.create({"function_id": self.managing_director.id, "domain": "[]"})
            ],
        )
        self.assertMembers(selection, self.ursula | self.reto)

    def test_manual_members_at_every_level(self):
        walk_in = self.Partner.create({"name": "Erika Mustermann", "city": "Köln"})
        for level, expected in (
            ("companies", self.alpen),
            ("persons", self.ursula),
            ("both", self.alpen | self.ursula),
        ):
            with self.subTest(level=level):
                selection = self._create_selection(
                    [{"kind": "partner", "country_ids": [self.ch.id]}],
                    output_level=level,
                    output_function_ids=[Command.set(self.purchaser.ids)],
                    manual_partner_ids=[Command.link(walk_in.id), Command.link(self.marek.id)],
                )
                self.assertMembers(selection, expected | walk_in | self.marek, extra=walk_in)
                self.assertEqual(selection.member_count, len(selection._get_member_ids()))

    def test_only_manual_members(self):
        selection = self.Selection.create(
            {"name": "Imported", "manual_partner_ids": [Command.set(self.marek.ids)]}
        )
        self.assertEqual(selection._get_member_ids(), self.marek.ids)

    def test_view_members(self):
        selection = self._create_selection(self.germany_ch, output_level="companies")
        action = selection.action_view_members()
        self.assertEqual(action["res_model"], "res.partner")
        members = self.Partner.search(action["domain"])
        self.assertEqual(members, self.Partner.browse(selection._get_member_ids()))
