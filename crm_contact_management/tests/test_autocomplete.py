from unittest.mock import patch

from odoo import models
from odoo.fields import Command
from odoo.tests import TransactionCase, new_test_user, tagged


# post install: creating companies needs the fields of every installed module
@tagged("post_install", "-at_install")
class TestAutocomplete(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.country_id = cls.env.ref("base.de")
        Partner = cls.env["res.partner"]
        # partners of other modules' data or demo data are left out of the comparisons
        cls.other_partner_ids = set(Partner.with_context(active_test=False).search([]).ids)
        cls.mueller = Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "street": "Alt-Moabit 101",
                "zip": "10559",
                "city": "Berlin",
                "email": "info@mueller-maschinenbau.example",
            }
        )
        cls.hans = Partner.create(
            {"name": "Hans Müller", "parent_id": cls.mueller.id, "function": "Geschäftsführer"}
        )
        cls.petra = Partner.create(
            {"name": "Petra Schneider", "parent_id": cls.mueller.id, "function": "Einkauf"}
        )
        cls.schmidt = Partner.create(
            {"name": "Schmidt Logistik GmbH & Co. KG", "is_company": True, "city": "Hamburg"}
        )
        cls.klaus = Partner.create(
            {"name": "Klaus Schmidt", "parent_id": cls.schmidt.id, "function": "Einkauf"}
        )
        cls.jana = Partner.create(
            {"name": "Jana Schmidt", "parent_id": cls.schmidt.id, "function": "Disposition"}
        )
        cls.gerda = Partner.create({"name": "Gerda Müller", "city": "Hamburg"})
        cls.piotr = Partner.create(
            {"name": "Piotr Zieliński", "city": "Łódź", "email": "p.zielinski@nowak.example"}
        )

    def _ids(self, results):
        """Ids of the partners of the test in autocomplete results or name_search pairs."""
        if isinstance(results, models.BaseModel):
            ids = results.ids
        else:
            ids = [result["id"] if isinstance(result, dict) else result[0] for result in results]
        return [pid for pid in ids if pid not in self.other_partner_ids]

    def test_two_terms_must_all_match(self):
        Partner = self.env["res.partner"]
        self.assertEqual(
            set(self._ids(Partner.crm_autocomplete("müller berlin"))),
            {self.mueller.id, self.hans.id, self.petra.id},
            "name or company, and the city; Gerda Müller lives in Hamburg",
        )
        self.assertEqual(self._ids(Partner.crm_autocomplete("schmidt einkauf")), self.klaus.ids)

    def test_legal_forms_filter_what_the_other_terms_find(self):
        """A legal form such as "GmbH" is in many names: with another term it only filters,
        alone it still finds."""
        Partner = self.env["res.partner"]
        schmidt_ag = Partner.create({"name": "Schmidt Transporte AG", "is_company": True})
        found = set(self._ids(Partner.crm_autocomplete("schmidt gmbh")))
        self.assertEqual(found, {self.schmidt.id, self.klaus.id, self.jana.id})
        self.assertNotIn(schmidt_ag.id, found)
        self.assertEqual(
            set(self._ids(Partner.crm_autocomplete("GmbH", limit=50))),
            {self.mueller.id, self.hans.id, self.petra.id} | found,
        )
        terms = Partner._crm_autocomplete_terms("schmidt gmbh")
        partners = self.schmidt | schmidt_ag | self.gerda
        self.assertEqual(
            partners.filtered_domain(Partner._crm_search_text_domain(terms)), self.schmidt
        )

    def test_a_page_of_names_starting_with_the_term_is_the_page_of_the_full_ranking(self):
        """Names starting with the first term come first; when they fill the page, the page is
        the one the ranking of every match gives."""
        Partner = self.env["res.partner"]
        companies = Partner.create(
            [{"name": f"Hofmann Werkzeuge {n:02d} GmbH", "is_company": True} for n in range(12)]
        )
        persons = Partner.create([{"name": f"Anna Hofmann {n}"} for n in range(3)])
        for query in ("hofmann", "hofmann gmbh", "HOFMANN werkz"):
            full = Partner._crm_autocomplete_search(query)
            page = Partner._crm_autocomplete_search(query, limit=10)
            self.assertEqual(page, full[:10], query)
            self.assertLessEqual(page, companies, query)
        self.assertEqual(
            set(Partner._crm_autocomplete_search("hofmann", limit=20).ids),
            set((companies | persons).ids),
            "fewer names than the page start with the term: the other matches follow",
        )

    def test_a_bounded_ranking_keeps_the_names_starting_with_the_term_first(self):
        """When the names starting with the first term do not fill the page, the other
        matches are ranked from a bounded number of candidates: the exact match and the
        names starting with the term still come first, found wherever they are."""
        Partner = self.env["res.partner"]
        # many matches that do not start with the term, created before the best ones
        word_matches = Partner.create(
            [{"name": f"Anna Quandtberg {number:02}"} for number in range(15)]
        )
        other_matches = Partner.create(
            [{"name": f"Lager {number:02}", "city": "Quandtberg"} for number in range(15)]
        )
        prefix = Partner.create({"name": "Quandtberg Logistik AG", "is_company": True})
        exact = Partner.create({"name": "Quandtberg"})
        matches = word_matches | other_matches | prefix | exact
        terms = Partner._crm_autocomplete_terms("quandtberg")
        # the candidates are the first matches found, in the order of the table
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM res_partner WHERE id = ANY(%s) ORDER BY ctid", [matches.ids]
        )
        first_found = [partner_id for (partner_id,) in self.env.cr.fetchall()][:4]
        with patch.object(type(Partner), "_crm_autocomplete_candidates", 4):
            sampled = Partner._crm_autocomplete_ranked_candidates(
                terms, Partner._search(Partner._crm_search_text_domain(terms)), limit=4
            )
            self.assertEqual(set(sampled), set(first_found), "the 4 first of the 32 matches")
            page = Partner._crm_autocomplete_search("quandtberg", limit=5)
            self.assertEqual(page[:2].ids, [exact.id, prefix.id])
            self.assertEqual(len(page), 5)
            self.assertLessEqual(page, matches)
            # the bound is never below the page
            self.assertEqual(len(Partner._crm_autocomplete_search("quandtberg", limit=20)), 20)
            # the exact match is found however many matches the other terms leave
            self.assertEqual(Partner._crm_autocomplete_search("quandtberg", limit=1).ids, exact.ids)

    def test_a_page_of_every_match_ranked_when_they_are_fewer_than_the_bound(self):
        """Up to the bound, the page is the one the ranking of every match gives: names
        with a word starting with the term before the matches on other fields."""
        Partner = self.env["res.partner"]
        other_matches = Partner.create(
            [{"name": f"Lager {number:02}", "city": "Quandtberg"} for number in range(6)]
        )
        word_matches = Partner.create(
            [{"name": f"Anna Quandtberg {number:02}"} for number in range(6)]
        )
        prefix = Partner.create({"name": "Quandtberg Logistik AG", "is_company": True})
        full = Partner._crm_autocomplete_search("quandtberg")
        self.assertEqual(len(full), 13)
        for limit in (3, 8, 10):
            with self.subTest(limit=limit):
                page = Partner._crm_autocomplete_search("quandtberg", limit=limit)
                self.assertEqual(page.ids, full[:limit].ids)
        page = Partner._crm_autocomplete_search("quandtberg", limit=10)
        self.assertEqual(page[0], prefix)
        self.assertEqual(set(page[1:7].ids), set(word_matches.ids))
        self.assertLessEqual(page[7:], other_matches)

    def test_a_first_term_that_only_filters_finds_the_same_partners(self):
        """Among the names starting with the first term, the first term filters instead of
        driving the trigram index: it must find exactly what the index finds, short terms
        at the start of a word only."""
        Partner = self.env["res.partner"]
        Partner.create({"name": "Zwickau Mühle", "city": "Mühlhausen"})
        Partner.create({"name": "Anna Mühlberg", "function": "Buchhaltung"})
        for query in ("schmidt gmbh", "mü", "mu gmbh", "zw", "hans", "hl", "müh buch"):
            with self.subTest(query=query):
                terms = Partner._crm_autocomplete_terms(query)
                indexed = Partner._crm_search_text_domain(terms)
                filtering = Partner._crm_search_text_domain(terms, first_term_filters=True)
                self.assertEqual(Partner.search(filtering), Partner.search(indexed))
                partners = Partner.search([])
                self.assertEqual(
                    partners.filtered_domain(filtering), partners.filtered_domain(indexed)
                )

    def test_wildcard_characters_are_searched_as_typed(self):
        Partner = self.env["res.partner"]
        underscore = Partner.create({"name": "Anna Roth", "email": "anna_roth@kunde.example"})
        Partner.create({"name": "Anna Rothe", "email": "annasroth@kunde.example"})
        self.assertEqual(self._ids(Partner.crm_autocomplete("anna_roth")), underscore.ids)
        self.assertFalse(self._ids(Partner.crm_autocomplete("an%th")))

    def test_terms_match_name_company_city_email_and_function(self):
        Partner = self.env["res.partner"]
        cases = [
            ("Maschinenbau Petra", self.petra),  # company and name
            ("hamburg gerda", self.gerda),  # city and name
            ("info@mueller-maschinenbau", self.mueller),  # e-mail
            ("geschäftsführer", self.hans),  # function
            ("einkauf maschinenbau", self.petra),  # function and company
            ("disposition logistik", self.jana),
        ]
        for query, partner in cases:
            with self.subTest(query=query):
                self.assertEqual(self._ids(Partner.crm_autocomplete(query)), partner.ids)

    def test_accents_and_german_transliteration(self):
        Partner = self.env["res.partner"]
        for query in ("muller berlin", "MÜLLER Berlin", "mueller berlin"):
            with self.subTest(query=query):
                self.assertIn(self.hans.id, self._ids(Partner.crm_autocomplete(query)))
        self.assertEqual(self._ids(Partner.crm_autocomplete("zielinski lodz")), self.piotr.ids)
        self.assertEqual(self._ids(Partner.crm_autocomplete("Geschaeftsfuehrer")), self.hans.ids)
        self.assertEqual(self._ids(Partner.crm_autocomplete("geschaftsfuhrer")), self.hans.ids)
        # names starting with the term first, whatever its spelling
        for query in ("müller", "mueller", "muller"):
            with self.subTest(query=query):
                ids = self._ids(Partner.crm_autocomplete(query))
                self.assertEqual(ids[:3], [self.mueller.id, self.hans.id, self.gerda.id])
        # "Müller" typed finds a name written "Mueller"
        mueller_ag = Partner.create({"name": "Mueller Antriebe AG", "is_company": True})
        self.assertIn(mueller_ag.id, self._ids(Partner.crm_autocomplete("Müller Antriebe")))

    def test_persons_only(self):
        Partner = self.env["res.partner"]
        results = Partner.crm_autocomplete("müller", persons_only=True)
        self.assertEqual(set(self._ids(results)), {self.hans.id, self.petra.id, self.gerda.id})
        results = Partner.with_context(crm_autocomplete_persons_only=True).crm_autocomplete(
            "müller"
        )
        self.assertEqual(set(self._ids(results)), {self.hans.id, self.petra.id, self.gerda.id})
        self.assertIn(self.mueller.id, self._ids(Partner.crm_autocomplete("müller")))

    def test_result_values(self):
        results = self.env["res.partner"].crm_autocomplete("hans müller")
        (result,) = [result for result in results if result["id"] == self.hans.id]
        self.assertEqual(
            result,
            {
                "id": self.hans.id,
                "display_name": "Müller Maschinenbau GmbH, Hans Müller",
                "name": "Hans Müller",
                "company": "Müller Maschinenbau GmbH",
                "city": "Berlin",
                "function": "Geschäftsführer",
                "email": "",
                "is_company": False,
            },
        )

    def test_best_matches_first(self):
        Partner = self.env["res.partner"]
        substring = Partner.create({"name": "Franz Oberzwickl"})
        other_field = Partner.create({"name": "Sepp Huber", "city": "Zwicklhausen"})
        word = Partner.create({"name": "Maria Zwickl"})
        prefix = Partner.create({"name": "Zwicklbauer AG", "is_company": True})
        exact = Partner.create({"name": "Zwickl"})
        ids = self._ids(Partner.crm_autocomplete("zwickl"))
        self.assertEqual(ids[:3], [exact.id, prefix.id, word.id])
        self.assertEqual(set(ids[3:]), {substring.id, other_field.id})
        self.assertEqual(self._ids(Partner.name_search("Zwickl")), ids)

    def test_at_most_ten_results(self):
        Partner = self.env["res.partner"]
        Partner.create([{"name": f"Quarzwerk Lausitz {number:02}"} for number in range(12)])
        self.assertEqual(len(Partner.crm_autocomplete("quarzwerk")), 10)
        self.assertEqual(len(Partner.crm_autocomplete("quarzwerk", limit=50)), 10)
        self.assertEqual(len(Partner.crm_autocomplete("quarzwerk", limit=3)), 3)
        self.assertEqual(len(Partner.name_search("quarzwerk laus", limit=8)), 8)
        self.assertEqual(len(Partner.name_search("quarzwerk laus")), 12)

    def test_many2one_autocomplete_hooks(self):
        Partner = self.env["res.partner"]
        ids = self._ids(Partner.name_search("müller berlin"))
        self.assertEqual(ids[0], self.mueller.id, "the name starts with the first term")
        self.assertEqual(set(ids), {self.mueller.id, self.hans.id, self.petra.id})
        results = Partner.web_name_search("mueller berl", {"display_name": {}}, limit=100)
        self.assertEqual(set(self._ids(results)), set(ids))
        # the domain of the field applies, and so does the persons-only context key
        pairs = Partner.name_search("müller berlin", domain=[("is_company", "=", True)])
        self.assertEqual(self._ids(pairs), self.mueller.ids)
        persons_only = Partner.with_context(crm_autocomplete_persons_only=True)
        self.assertEqual(
            set(self._ids(persons_only.name_search("müller"))),
            {self.hans.id, self.petra.id, self.gerda.id},
        )
        pairs = persons_only.name_search("", domain=[("id", "in", (self.mueller | self.hans).ids)])
        self.assertEqual(self._ids(pairs), self.hans.ids)
        # other operators keep the standard behavior
        pairs = Partner.name_search("Hans Müller", operator="=")
        self.assertFalse(pairs, "the display name is 'Müller Maschinenbau GmbH, Hans Müller'")

    def test_company_rename_updates_the_contact_persons(self):
        Partner = self.env["res.partner"]
        self.mueller.name = "Müller Antriebstechnik GmbH"
        self.assertEqual(
            set(self._ids(Partner.crm_autocomplete("antriebstechnik"))),
            {self.mueller.id, self.hans.id, self.petra.id},
        )
        self.assertFalse(self._ids(Partner.crm_autocomplete("maschinenbau hans")))

    def test_function_change_updates_the_search(self):
        self.petra.function = "Qualitätssicherung"
        self.assertEqual(
            self._ids(self.env["res.partner"].crm_autocomplete("qualitatssicherung")),
            self.petra.ids,
        )

    def test_least_privileged_user(self):
        user = new_test_user(self.env, login="autocomplete_employee", groups="base.group_user")
        Partner = self.env["res.partner"].with_user(user)
        self.assertEqual(self._ids(Partner.crm_autocomplete("schmidt einkauf")), self.klaus.ids)
        self.assertEqual(self._ids(Partner.name_search("schmidt einkauf")), self.klaus.ids)

    def test_partners_of_other_companies_are_not_returned(self):
        company_a = self.env.company
        company_b = self.env["res.company"].create({"name": "Rheinbank Basel AG"})
        basel = self.env["res.partner"].create(
            {"name": "Müller Filiale Basel", "city": "Basel", "company_id": company_b.id}
        )
        user = new_test_user(
            self.env,
            login="autocomplete_company_a",
            groups="base.group_user",
            company_id=company_a.id,
            company_ids=[Command.set(company_a.ids)],
        )
        self.assertIn(basel.id, self._ids(self.env["res.partner"].crm_autocomplete("müller")))
        Partner = self.env["res.partner"].with_user(user)
        self.assertNotIn(basel.id, self._ids(Partner.crm_autocomplete("müller")))
        self.assertFalse(self._ids(Partner.crm_autocomplete("müller basel")))
        self.assertFalse(self._ids(Partner.name_search("müller basel")))

    def test_search_text_is_trigram_indexed(self):
        field = self.env["res.partner"]._fields["crm_search_text"]
        self.assertEqual(field.index, "trigram")
        self.assertEqual(self.env["res.partner"]._fields["phone_sanitized"].index, "btree_not_null")
        if self.env.registry.has_trigram:
            self.env.cr.execute(
                "SELECT indexdef FROM pg_indexes WHERE indexname = %s",
                ["res_partner__crm_search_text_index"],
            )
            self.assertIn("gin_trgm_ops", self.env.cr.fetchone()[0])
