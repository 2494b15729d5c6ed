"""Property-based tests of the partner criteria of a selection with hostile input.

A filter typed as an Odoo domain, a postal code pattern or a city is what a user writes: whatever
it holds (Python code, SQL, unknown fields, wrong operators, values of the wrong type, deep
nesting, LIKE wildcards), saving and running the criterion ends in a clear ValidationError or
UserError, or in the right companies; never in another exception or an SQL error. In a city only
'*' is a wildcard: '%', '_' and '\\' match themselves, as the field's help promises.
"""

import re
from contextlib import closing

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tests import TransactionCase, new_test_user, tagged

PROPERTY_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
CLEAR_ERRORS = (ValidationError, UserError, AccessError)

FIELD_NAMES = [
    "name",
    "city",
    "zip",
    "id",
    "active",
    "is_company",
    "country_id",
    "country_id.code",
    "parent_id.name",
    "category_id",
    "date",
    "create_date",
    "customer_rank",
    "credit_limit",
    "abc_class",
    "industry_id.name",
    "password",
    "display_name",
    "unknown_field",
    "name.id",
    "__import__",
    "id; DROP TABLE res_partner",
    "",
]
OPERATORS = [
    "=",
    "!=",
    "<",
    ">=",
    "in",
    "not in",
    "like",
    "ilike",
    "=like",
    "not =ilike",
    "any",
    "not any",
    "child_of",
    "=?",
    "any!",
    "inselect",
    "LIKE",
    "; DROP",
    "",
]
HOSTILE_DOMAINS = [
    "__import__('os').system('id')",
    "[('name', '=', __import__('os').getcwd())]",
    "[(lambda: 1)()]",
    "[('name', '=', 'x') for _ in range(10**9)]",
    "'); DROP TABLE res_partner; --",
    "[('name', '=', \"'); DROP TABLE res_partner; --\")]",
    "[('id', 'inselect', ('SELECT id FROM res_users', []))]",
    "[('id', 'any!', 'SELECT 1')]",
    "[('name', '=', 'a'), '|']",
    "['&', ('name', '=', 'a')]",
    "[1, 2, 3]",
    "[(1, '=', 1)]",
    "[('name',)]",
    "{'name': 'x'}",
    "[('name', '=', {'a': 1})]",
    "[('name', '=', b'bytes')]",
    "[('id', '=', 10**40)]",
    "[('id', '=', 1e999)]",
    "[('name', '=', '\\x00')]",
    "[('id', '=', 'abc')]",
    "[('customer_rank', '>', 'many')]",
    "[('create_date', '>', 'yesterday')]",
    "[('active', '=', 'maybe')]",
    "[('country_id', '=', 'Deutschland')]",
    "[('name', 'ilike', '%_\\\\')]",
    "[" * 300 + "]" * 300,
    "(" * 50 + ")" * 50,
    "[('parent_id', 'any', " * 40 + "[]" + ")]" * 40,
    "[('" + "parent_id." * 300 + "name', '=', 'x')]",
    "x" * 20000,
    "",
    "   ",
    "None",
    "True",
    "[]",
]

literals = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=20),
        st.sampled_from(["%", "_", "\\", "'", '"', ";", "2024-01-01", "DE", "1' OR '1'='1"]),
    ),
    lambda children: st.lists(children, max_size=3) | st.tuples(children, children),
    max_leaves=6,
)


@st.composite
def conditions(draw, depth=0):
    operator = draw(st.sampled_from(OPERATORS))
    if operator in ("any", "not any") and depth < 3 and draw(st.booleans()):
        value = draw(st.lists(conditions(depth=depth + 1), max_size=2))
    else:
        value = draw(literals)
    return (draw(st.sampled_from(FIELD_NAMES)), operator, value)


domain_items = st.lists(
    st.one_of(conditions(), st.sampled_from(["&", "|", "!"]), literals), max_size=5
)
# a condition on an existing field with a value of any type: the mismatches the database
# refuses (text for a number, NUL characters) must be refused when the filter is saved
typed_conditions = st.tuples(
    st.sampled_from(["id", "name", "customer_rank", "credit_limit", "create_date", "active"]),
    st.sampled_from(["=", "!=", ">", "in", "not in", "ilike", "=like"]),
    st.one_of(st.text(max_size=8), st.integers(), st.floats(), st.lists(st.text(max_size=3))),
)
domain_texts = st.one_of(
    st.sampled_from(HOSTILE_DOMAINS),
    domain_items.map(repr),
    st.lists(typed_conditions, min_size=1, max_size=2).map(repr),
    st.text(max_size=60),
)

# Cities and postal codes with every character LIKE treats specially.
CITY_ALPHABET = "abcAB z%_\\*'\";-"
ZIP_ALPHABET = "0123456789xX?*-%_ab"


def like_regex(pattern, one_char=""):
    """A regular expression matching what ``pattern`` promises: '*' any characters, each
    character of ``one_char`` exactly one character, the rest itself (any case)."""
    parts = []
    for char in pattern:
        if char == "*":
            parts.append(".*")
        elif char in one_char:
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


@tagged("post_install", "-at_install")
class TestHypothesisSelectionCriteria(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        cls.user = new_test_user(
            cls.env,
            login="hypothesis_selector",
            name="Horst Hypothesis",
            groups="crm_selection.group_selection_user",
        )
        cls.selection = (
            cls.env["crm.selection"]
            .with_user(cls.user)
            .create({"name": "Hostile", "output_level": "companies"})
        )
        cls.germany = cls.env.ref("base.de")

    def _node(self, **vals):
        return (
            self.env["crm.selection.node"]
            .with_user(self.user)
            .create(
                {
                    "selection_id": self.selection.id,
                    "parent_id": self.selection.root_node_id.id,
                    "kind": "partner",
                    **vals,
                }
            )
        )

    def _companies(self, values):
        return self.Partner.create(
            [
                {"name": f"Hypothesis Company {index}", "is_company": True, **vals}
                for index, vals in enumerate(values)
            ]
        )

    def _members(self, companies):
        selection = self.selection.with_user(self.user)
        selection.invalidate_recordset()
        members = self.Partner.browse(selection._get_member_ids())
        return members & companies

    def test_listed_hostile_domains_are_refused_or_run(self):
        for text in HOSTILE_DOMAINS:
            with self.subTest(domain=text[:80]):
                self._check_domain_text(text)

    def test_values_the_database_cannot_compare_are_refused(self):
        refused = [
            "[('id', '=', 'abc')]",
            "[('customer_rank', '>', 'many')]",
            "[('name', '=', '\\x00')]",
            "[('parent_id', 'any', " * 9 + "[]" + ")]" * 9,
            "[('" + "parent_id." * 9 + "name', '=', 'x')]",
        ]
        for text in refused:
            with self.subTest(domain=text[:80]), self.assertRaises(ValidationError):
                self._node(domain=text)
        # within the limits the same filters are fine
        self._node(domain="[('parent_id', 'any', " * 8 + "[]" + ")]" * 8)
        self._node(domain="[('" + "parent_id." * 8 + "name', '=', 'x')]")
        self._node(domain="[('id', '=', 1), ('customer_rank', '>', 2)]")

    def test_hostile_domain_is_refused_or_runs(self):
        self.outcomes = {"refused": 0, "ran": 0}
        self._check_generated_domain()
        # both ways out were taken: the generator makes valid filters too
        self.assertGreater(self.outcomes["refused"], 10)
        self.assertGreater(self.outcomes["ran"], 5)

    @PROPERTY_SETTINGS
    @given(text=domain_texts)
    def _check_generated_domain(self, text):
        self.outcomes[self._check_domain_text(text)] += 1

    def _check_domain_text(self, text):
        with closing(self.env.cr.savepoint()):
            try:
                node = self._node(domain=text)
                node.flush_recordset()
            except CLEAR_ERRORS as error:
                self.assertTrue(str(error).strip())
                return "refused"
            try:
                members = self.selection.with_user(self.user)._get_member_ids()
            except CLEAR_ERRORS as error:
                self.assertTrue(str(error).strip())
                return "refused"
            # the criterion selects what the same domain selects for the user
            domain = node._parse_partner_domain(text)
            expected = (
                self.Partner.with_user(self.user)
                .search(self.selection._get_company_base_domain() & domain)
                .ids
            )
            self.assertEqual(sorted(members), sorted(expected))
            self.assertIsInstance(node.company_count, int)
            self.assertTrue(node.summary is not None)
            return "ran"

    @PROPERTY_SETTINGS
    @given(
        cities=st.lists(st.text(CITY_ALPHABET, min_size=1, max_size=6), min_size=1, max_size=5),
        pattern=st.text(CITY_ALPHABET, min_size=1, max_size=6),
        reuse=st.booleans(),
    )
    def test_city_matches_wildcards_literally(self, cities, pattern, reuse):
        if reuse:
            pattern = cities[0]  # the city as written must find itself
        with closing(self.env.cr.savepoint()):
            companies = self._companies([{"city": city} for city in cities])
            try:
                self._node(city=pattern)
            except CLEAR_ERRORS:
                self.fail(f"the city {pattern!r} is refused")
            regex = like_regex(pattern.strip())
            expected = companies.filtered(lambda c: regex.fullmatch(c.city))
            self.assertEqual(self._members(companies), expected, f"city {pattern!r}")

    @PROPERTY_SETTINGS
    @given(
        zips=st.lists(st.text(ZIP_ALPHABET, max_size=6), min_size=1, max_size=5),
        patterns=st.lists(st.text(ZIP_ALPHABET + ", ", min_size=1, max_size=6), max_size=3),
        mode=st.sampled_from(["include", "exclude"]),
    )
    def test_zip_patterns_select_or_are_refused(self, zips, patterns, mode):
        text = ", ".join(patterns)
        with closing(self.env.cr.savepoint()):
            companies = self._companies([{"zip": zip_code or False} for zip_code in zips])
            words = [word for word in re.split(r"[,\s]+", text) if word]
            assume(words)
            valid = all(re.fullmatch(r"[0-9A-Za-z*?-]+", word) for word in words)
            try:
                self._node(zip_pattern=text, zip_mode=mode)
            except ValidationError as error:
                self.assertFalse(valid, f"{text!r} is a valid pattern: {error}")
                return
            self.assertTrue(valid, f"{text!r} is accepted")
            regexes = [like_regex(word, one_char="?x") for word in words]

            def matches(company):
                return bool(company.zip) and any(regex.fullmatch(company.zip) for regex in regexes)

            if mode == "include":
                expected = companies.filtered(matches)
            else:
                expected = companies.filtered(lambda c: not matches(c))
            self.assertEqual(self._members(companies), expected, f"{text!r} {mode}")

    def test_sql_in_the_city_is_a_city(self):
        companies = self._companies(
            [
                {"city": "'); DROP TABLE res_partner; --"},
                {"city": "x' OR '1'='1"},
                {"city": "Bern"},
            ]
        )
        self._node(city="'); DROP TABLE res_partner; --")
        self.assertEqual(self._members(companies), companies[0])
        self.selection.root_node_id.child_ids.city = "x' OR '1'='1"
        self.assertEqual(self._members(companies), companies[1])
        self.selection.root_node_id.child_ids.city = "100%"
        self.assertFalse(self._members(companies))
        self.assertEqual(self.Partner.search_count(Domain("id", "in", companies.ids)), 3)
