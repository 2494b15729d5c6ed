from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tests import tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionPartnerFields(SelectionCase):
    """Criteria on the fields of the companies."""

    def _select(self, **params):
        return self._create_selection([{"kind": "partner", **params}])

    def test_country(self):
        selection = self._select(country_ids=[self.ch.id, self.pl.id])
        self.assertMembers(selection, self.alpen | self.kowalski)

    def test_zip_include_patterns(self):
        """'x' and '?' stand for one character, '*' for any; several patterns are ORed."""
        self.assertMembers(self._select(zip_pattern="66xxx"), self.saar)
        self.assertMembers(self._select(zip_pattern="8*"), self.bergmann | self.alpen)
        self.assertMembers(self._select(zip_pattern="1055?, 60-*"), self.mueller | self.kowalski)
        self.assertMembers(self._select(zip_pattern="66xx"), self.Partner)

    def test_zip_exclude_pattern_keeps_companies_without_zip(self):
        selection = self._select(country_ids=[self.de.id], zip_pattern="66xxx", zip_mode="exclude")
        self.assertMembers(selection, self.mueller | self.bergmann | self.nozip)

    def test_zip_pattern_refuses_other_characters(self):
        for pattern in ("66%", "66_", "66' OR 1=1 --", "66;DROP", "(66)", "66\\"):
            with self.subTest(pattern=pattern), self.assertRaises(ValidationError):
                self._select(zip_pattern=pattern)

    def test_city_with_wildcard(self):
        self.assertMembers(self._select(city="münchen"), self.bergmann)
        self.assertMembers(self._select(city="Saar*"), self.saar)
        # '%' and '_' are no wildcards in a city
        self.assertMembers(self._select(city="Be_lin"), self.Partner)

    def test_classification(self):
        self.assertMembers(self._select(industry_ids=[self.database_software.id]), self.bergmann)
        self.assertMembers(self._select(interest_area_ids=[self.interest_cad.id]), self.mueller)
        self.assertMembers(self._select(company_class_ids=[self.class_key.id]), self.bergmann)
        self.assertMembers(self._select(sales_representative_ids=[self.rep_north.id]), self.saar)
        self.assertMembers(self._select(abc_class="a"), self.mueller | self.alpen)
        self.assertMembers(self._select(category_ids=[self.tag_vip.id]), self.mueller)

    def test_several_fields_of_one_criterion_are_all_required(self):
        selection = self._select(country_ids=[self.de.id], abc_class="a")
        self.assertMembers(selection, self.mueller)

    def test_customer_rank(self):
        if "customer_rank" not in self.Partner._fields:
            with self.assertRaises(UserError):
                self._members(self._select(min_customer_rank=1))
            return
        self.bergmann.customer_rank = 3
        self.alpen.customer_rank = 1
        self.assertMembers(self._select(min_customer_rank=2), self.bergmann)

    def test_domain_on_stored_fields(self):
        selection = self._select(
            domain="[('country_id.code', '=', 'DE'), ('city', 'ilike', 'ber')]"
        )
        self.assertMembers(selection, self.mueller)
        selection = self._select(
            domain="['|', ('abc_class', '=', 'a'), "
            "('child_ids', 'any', [('name', '=', 'Thomas Keller')])]"
        )
        self.assertMembers(selection, self.mueller | self.alpen | self.saar)

    def test_persons_never_match_the_company_criteria(self):
        """Criteria select companies; contact persons are an output level."""
        selection = self._select(domain="[('name', 'ilike', 'Müller')]")
        self.assertMembers(selection, self.mueller)

    def test_partner_criterion_without_parameters_selects_every_company(self):
        self.assertMembers(self._select(), self.companies)


@tagged("post_install", "-at_install")
class TestSelectionDomainValidation(SelectionCase):
    """A domain typed by a user is parsed, never evaluated; anything but a literal domain on
    searchable fields is refused before any SQL runs."""

    HOSTILE = (
        "__import__('os').system('echo hacked')",
        "[('name', '=', 'x')]; DROP TABLE res_partner; --",
        "[('name', '=', 'x') or 1]",
        "[('name) OR 1=1 --', '=', 'x')]",
        "[('id', 'in', (SELECT id FROM res_users))]",
        "[('name', '=', context_today())]",
        "[('name', '=', user.id)]",
        "[('name', '=', {'a': 1})]",
        "[('name', '=', b'bytes')]",
        "[('name', 'any!', [])]",
        "[('name', '=; DELETE FROM res_partner', 'x')]",
        "[('password', '=', 'admin')]",
        "[('user_ids.password', '=', 'admin')]",
        "[('private_street', '=', 'x')]",
        "[('display_name.foo', '=', 'x')]",
        "[('name.id', '=', 1)]",
        "[('country_id', 'any', \"x' OR '1'='1\")]",
        "[('name', '=')]",
        "['&', ('name', '=', 'x')]",
        "('name', '=', 'x')",
        "'[]'",
        "[" * 200 + "]" * 200,
        "x" * 20000,
    )

    def test_hostile_domains_are_refused_without_sql(self):
        Node = self.Node.with_user(self.selection_user)
        # reading the groups of the user (to refuse fields of other groups) is cached
        Node._parse_partner_domain("[('name', '=', 'warm up the caches')]")
        self.selection_user.has_groups("crm_contact_management.group_private_contact_data")
        self.env.flush_all()
        for text in self.HOSTILE:
            with self.subTest(domain=text[:60]):
                queries = self.cr.sql_log_count
                refused = False
                try:
                    Node._parse_partner_domain(text)
                except ValidationError:
                    refused = True
                self.assertTrue(refused)
                self.assertEqual(self.cr.sql_log_count, queries, "no query may run")

    def test_hostile_domain_cannot_be_saved(self):
        selection = self._create_selection()
        for text in self.HOSTILE[:5]:
            with self.subTest(domain=text[:60]), self.assertRaises(ValidationError):
                self._add_nodes(selection.root_node_id, [{"kind": "partner", "domain": text}])

    def test_valid_domain_is_a_domain_object(self):
        domain = self.Node._parse_partner_domain("[('country_id.code', 'in', ['DE', 'CH'])]")
        self.assertEqual(
            self.Partner.search(domain & Domain("id", "in", self.companies.ids)),
            self.companies - self.kowalski,
        )
        self.assertTrue(self.Node._parse_partner_domain("  ").is_true())

    def test_private_fields_need_the_private_data_group(self):
        """A field restricted to a group is no filter for users outside that group."""
        admin_node = self.Node
        admin_node._parse_partner_domain("[('private_city', '=', 'Bern')]")
        with self.assertRaises(ValidationError):
            self.Node.with_user(self.selection_user)._parse_partner_domain(
                "[('private_city', '=', 'Bern')]"
            )
