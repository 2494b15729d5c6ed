import base64
import random
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

from ..wizards.address_csv import decode, detect_delimiter
from ..wizards.address_import import AddressImporter

HEADER_DE = "Name;Firma;Straße;PLZ;Ort;Land;E-Mail;Telefon;Funktion"


@tagged("post_install", "-at_install")
class TestAddressImport(TransactionCase):
    """A user imports address files of German and Polish customers into a selection."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        # partners of the database before the test (demo data) are left out of the checks
        cls.last_id_before = cls.Partner.search([], order="id desc", limit=1).id
        cls.de = cls.env.ref("base.de")
        cls.pl = cls.env.ref("base.pl")
        cls.ch = cls.env.ref("base.ch")
        cls.purchaser = cls.env.ref("crm_contact_management.crm_contact_function_purchaser")
        cls.mueller = cls.Partner.create(
            {
                "name": "Hansen Feinwerktechnik GmbH",
                "is_company": True,
                "street": "Chausseestraße 8",
                "zip": "10115",
                "city": "Berlin",
                "country_id": cls.de.id,
                "vat": "DE 987 654 321",
            }
        )
        cls.hans = cls.Partner.create(
            {
                "name": "Hans Hansen",
                "parent_id": cls.mueller.id,
                "email": "Hans.Hansen@hansen-feinwerk.example",
            }
        )
        cls.kowalski = cls.Partner.create(
            {
                "name": "Wiśniewski Handel Sp. z o.o.",
                "is_company": True,
                "zip": "61-131",
                "city": "Poznań",
                "country_id": cls.pl.id,
            }
        )
        cls.importer = new_test_user(
            cls.env,
            login="address_importer",
            name="Ida Import",
            groups="crm_selection.group_selection_user,base.group_partner_manager",
        )
        cls.selection = (
            cls.env["crm.selection"].with_user(cls.importer).create({"name": "Trade fair visitors"})
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _wizard(self, content, encoding="utf-8", user=None, **vals):
        data = content if isinstance(content, bytes) else content.encode(encoding)
        wizard = (
            self.env["crm.selection.import"]
            .with_user(user or self.importer)
            .create(
                {
                    "res_model": "crm.selection",
                    "res_id": self.selection.id,
                    "file": base64.b64encode(data),
                    "filename": "addresses.csv",
                    **vals,
                }
            )
        )
        wizard.action_load()
        return wizard

    def _import(self, content, mode="skip", **kwargs):
        wizard = self._wizard(content, mode=mode, **kwargs)
        wizard.action_import()
        return wizard

    def _partner(self, name):
        return self.Partner.search([("name", "=", name), ("id", ">", self.last_id_before)])

    def _errors(self, wizard):
        return [(error.row_number, error.column, error.message) for error in wizard.error_ids]

    # ------------------------------------------------------------
    # Encodings and delimiters
    # ------------------------------------------------------------

    def test_utf8_file_creates_company_and_person(self):
        wizard = self._import(
            f"{HEADER_DE}\n"
            "Jörg Weiß;Weiß & Söhne KG;Königsallee 5;40212;Düsseldorf;Deutschland;"
            "joerg.weiss@weiss.example;+49 211 123456;Purchaser\n"
        )
        self.assertEqual(wizard.state, "done")
        self.assertEqual(
            wizard.column_ids.mapped("field_name"),
            ["name", "company", "street", "zip", "city", "country", "email", "phone", "function"],
        )
        joerg = self._partner("Jörg Weiß")
        company = self._partner("Weiß & Söhne KG")
        self.assertTrue(company.is_company)
        self.assertEqual(joerg.parent_id, company)
        self.assertEqual(joerg.function_id, self.purchaser)
        self.assertEqual(joerg.email, "joerg.weiss@weiss.example")
        self.assertEqual(
            (company.street, company.zip, company.city), ("Königsallee 5", "40212", "Düsseldorf")
        )
        self.assertEqual(joerg.city, "Düsseldorf", "the person shares the company's address")
        self.assertEqual(company.country_id, self.de)
        self.assertEqual(self.selection.manual_partner_ids, joerg)
        self.assertEqual(wizard.imported_count, 1)
        self.assertFalse(wizard.error_ids)

    def test_wizard_opened_from_the_selection(self):
        Import = (
            self.env["crm.selection.import"]
            .with_user(self.importer)
            .with_context(active_model="crm.selection", active_id=self.selection.id)
        )
        with Form(Import) as form:
            self.assertEqual(form.target_name, "Trade fair visitors")
            form.file = base64.b64encode(b"Name;Ort\nJan Kos;Gdynia\n")
            form.mode = "all_or_nothing"
        wizard = form.record
        wizard.action_load()
        self.assertEqual((wizard.state, wizard.delimiter), ("map", ";"))
        wizard.action_preview()
        self.assertEqual(wizard.preview_ids.action, "create")
        wizard.action_back()
        self.assertEqual((wizard.state, wizard.delimiter), ("upload", "auto"))
        wizard.action_load()
        wizard.action_import()
        self.assertEqual(self.selection.manual_partner_ids.name, "Jan Kos")
        self.assertEqual(wizard.action_open_target()["res_id"], self.selection.id)

    def test_windows_1252_file_keeps_umlauts(self):
        wizard = self._import(
            f"{HEADER_DE}\nJörg Weiß;Bäckerei Größer;Straße 1 „Hof“;80331;München;DE;;;\n",
            encoding="cp1252",
        )
        self.assertEqual(wizard.encoding, "cp1252")
        self.assertTrue(self._partner("Bäckerei Größer"))
        self.assertEqual(self._partner("Jörg Weiß").street, "Straße 1 „Hof“")

    def test_iso_8859_2_file_keeps_polish_letters(self):
        wizard = self._import(
            "Imię i nazwisko,Nazwa firmy,Ulica,Kod pocztowy,Miasto,Kraj\n"
            "Żaneta Ślązak,Łódzkie Zakłady Włókiennicze,ul. Piotrkowska 5,90-001,Łódź,Polska\n",
            encoding="iso-8859-2",
        )
        self.assertEqual(wizard.encoding, "iso-8859-2")
        person = self._partner("Żaneta Ślązak")
        self.assertEqual(person.parent_id.name, "Łódzkie Zakłady Włókiennicze")
        self.assertEqual(person.parent_id.city, "Łódź")
        self.assertEqual(person.parent_id.country_id, self.pl)

    def test_windows_1250_file_keeps_polish_letters(self):
        wizard = self._import(
            "Nazwa;Miasto;Kraj\nAgnieszka Wiśniewska;Poznań;PL\n", encoding="cp1250"
        )
        self.assertEqual(wizard.encoding, "cp1250")
        self.assertEqual(self._partner("Agnieszka Wiśniewska").city, "Poznań")

    def test_byte_order_mark_is_not_part_of_the_first_header(self):
        wizard = self._import(
            "Name,E-Mail\nPetra Schneider,petra@example.com\n", encoding="utf-8-sig"
        )
        self.assertEqual(wizard.encoding, "utf-8-sig")
        self.assertEqual(wizard.column_ids[0].header, "Name")
        self.assertEqual(wizard.column_ids[0].field_name, "name")
        self.assertEqual(self._partner("Petra Schneider").email, "petra@example.com")

    def test_utf16_file_with_byte_order_mark(self):
        self._import("Name\tOrt\nJonas Weber\tKöln\n", encoding="utf-16")
        self.assertEqual(self._partner("Jonas Weber").city, "Köln")

    def test_each_delimiter(self):
        for delimiter in (",", ";", "\t", "|"):
            with self.subTest(delimiter=repr(delimiter)):
                name = f"Person {ord(delimiter)}"
                content = delimiter.join(["Name", "Company", "City"]) + "\n"
                content += delimiter.join([name, '"Schmidt, Logistik"', "Hamburg"]) + "\n"
                wizard = self._import(content)
                self.assertEqual(wizard.delimiter, delimiter)
                self.assertEqual(self._partner(name).parent_id.name, "Schmidt, Logistik")

    def test_encoding_detection_prefers_the_plausible_text(self):
        polish = "Zażółć gęślą jaźń, Łódź, Świętokrzyska, Źródło, Ąb"
        self.assertEqual(decode(polish.encode("iso-8859-2")), (polish, "iso-8859-2"))
        self.assertEqual(decode(polish.encode("cp1250")), (polish, "cp1250"))
        german = "Müller, Größe, Straße, Äpfel, Öl, Übel \u2013 5 €"
        self.assertEqual(decode(german.encode("cp1252")), (german, "cp1252"))
        self.assertEqual(decode(german.encode("utf-8")), (german, "utf-8"))
        self.assertEqual(detect_delimiter('Name;Ort\n"Müller, Hans";Berlin\n'), ";")

    def test_chosen_encoding_overrides_detection(self):
        wizard = self._wizard(f"{HEADER_DE}\nJörg Weiß;;;;;;;;\n", encoding="cp1252")
        wizard.encoding = "utf-8"
        with self.assertRaises(UserError):
            wizard.action_reload()
        wizard.encoding = "iso-8859-2"
        wizard.action_reload()
        wizard.action_import()
        self.assertTrue(self._partner("Jörg Weiß"), "ö and ß are the same in ISO-8859-2")

    # ------------------------------------------------------------
    # Columns
    # ------------------------------------------------------------

    def test_first_and_last_name_and_form_of_address(self):
        self._import(
            "Anrede;Vorname;Nachname;Firma;PLZ\nHerr Dr.;Klaus;Schmidt;Schmidt Logistik;20095\n"
            "Frau;Anna;Bergmann;;\n"
        )
        klaus = self._partner("Klaus Schmidt")
        self.assertEqual((klaus.form_of_address, klaus.academic_title), ("mr", "Dr."))
        self.assertEqual(self._partner("Anna Bergmann").form_of_address, "ms")

    def test_file_without_header_row(self):
        wizard = self._wizard("Reto Baumann;Zürich;CH\n")
        self.assertFalse(wizard.has_header)
        self.assertEqual(wizard.column_ids.mapped("header"), ["Column 1", "Column 2", "Column 3"])
        for column, field_name in zip(wizard.column_ids, ("name", "city", "country"), strict=True):
            column.field_name = field_name
        wizard.action_import()
        reto = self._partner("Reto Baumann")
        self.assertEqual((reto.city, reto.country_id), ("Zürich", self.ch))

    def test_missing_required_column(self):
        wizard = self._wizard("Straße;Ort\nAlt-Moabit 1;Berlin\n")
        wizard.action_preview()
        self.assertEqual(len(wizard.error_ids), 1)
        self.assertEqual(wizard.error_ids.row_number, 0)
        self.assertIn("no column for the name or the company", wizard.error_ids.message)
        count = self.Partner.search_count([])
        wizard.action_import()
        self.assertEqual(self.Partner.search_count([]), count)
        self.assertIn("Nothing was imported", wizard.result_message)

    def test_row_with_missing_columns(self):
        wizard = self._import(f"{HEADER_DE}\nJonas Weber;Weber AG;Hauptstr. 1\nPetra Roth\n")
        self.assertEqual(self._errors(wizard)[0], (2, "PLZ", "The row lacks this column."))
        self.assertFalse(self._partner("Jonas Weber"))
        self.assertEqual(wizard.error_count, 2)

    def test_row_with_too_many_values(self):
        wizard = self._import("Name;Ort\nHans Meier;Bern;Schweiz;extra\n")
        self.assertEqual(wizard.error_count, 1)
        self.assertIn("quoted", wizard.error_ids.message)

    def test_one_field_mapped_twice(self):
        wizard = self._wizard("Name;Nachname\nA;B\n")
        wizard.column_ids[1].field_name = "name"
        with self.assertRaises(UserError):
            wizard.action_preview()

    # ------------------------------------------------------------
    # Row errors
    # ------------------------------------------------------------

    def test_malformed_email_is_reported_and_skipped(self):
        wizard = self._import(
            "Name;E-Mail\nGood Person;good@example.com\nBad One;bad@\nBad Two;two@@example.com\n"
            "Bad Three;a@b.com, c@d.com\n"
        )
        self.assertEqual(
            [(row, column) for row, column, _msg in self._errors(wizard)],
            [(3, "E-Mail"), (4, "E-Mail"), (5, "E-Mail")],
        )
        self.assertIn("bad@ is not a valid e-mail address", wizard.error_ids[0].message)
        self.assertTrue(self._partner("Good Person"))
        self.assertFalse(self._partner("Bad One"))
        self.assertEqual(wizard.imported_count, 1)

    def test_unknown_country(self):
        wizard = self._import(
            "Name;Land\nA Person;Atlantis\nB Person;Deutschland\nC Person;Polska\n"
            "D Person;Switzerland\nE Person;ch\n"
        )
        self.assertEqual(self._errors(wizard), [(2, "Land", "Unknown country Atlantis.")])
        self.assertEqual(self._partner("B Person").country_id, self.de)
        self.assertEqual(self._partner("C Person").country_id, self.pl)
        self.assertEqual(self._partner("D Person").country_id, self.ch)
        self.assertEqual(self._partner("E Person").country_id, self.ch)

    def test_duplicate_rows(self):
        wizard = self._import(
            "Name;E-Mail;PLZ\nJonas Weber;jonas@weber.example;50667\n"
            "Jonas Weber;JONAS@weber.example;50667\nPetra Roth;;10115\nPetra  Róth;;10 115\n"
        )
        self.assertEqual(
            self._errors(wizard),
            [(3, "E-Mail", "Duplicate of row 2."), (5, "Name", "Duplicate of row 4.")],
        )
        self.assertEqual(len(self._partner("Jonas Weber")), 1)
        self.assertEqual(len(self.selection.manual_partner_ids), 2)

    def test_row_without_name_or_company(self):
        wizard = self._import("Name;Firma;Ort\n;;Berlin\n")
        self.assertEqual(
            self._errors(wizard), [(2, "Name", "The row has neither a name nor a company.")]
        )

    def test_unknown_form_of_address(self):
        wizard = self._import("Name;Anrede\nA Person;Eure Majestät\n")
        self.assertEqual(wizard.error_ids.column, "Anrede")

    # ------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------

    def test_match_by_email(self):
        count = self.Partner.search_count([])
        wizard = self._import("Name;E-Mail\nH. Hansen;hans.hansen@HANSEN-feinwerk.example\n")
        self.assertEqual(wizard.match_count, 1)
        self.assertEqual(self.Partner.search_count([]), count)
        self.assertEqual(self.selection.manual_partner_ids, self.hans)

    def test_match_by_vat(self):
        count = self.Partner.search_count([])
        self._import("Firma;USt-IdNr.\nHansen Feinwerk (Berlin);de987654321\n")
        self.assertEqual(self.Partner.search_count([]), count)
        self.assertEqual(self.selection.manual_partner_ids, self.mueller)

    def test_match_by_name_and_zip(self):
        count = self.Partner.search_count([])
        self._import(
            "Firma;PLZ;Ort\nHANSEN  Feinwerktechnik GmbH;10 115;Berlin\n"
            "Wisniewski Handel Sp. z o. o.;61131;Poznan\n"
        )
        self.assertEqual(self.Partner.search_count([]), count)
        self.assertEqual(self.selection.manual_partner_ids, self.mueller | self.kowalski)

    def test_same_name_other_zip_is_a_new_partner(self):
        self._import("Firma;PLZ\nHansen Feinwerktechnik GmbH;66111\n")
        self.assertEqual(len(self._partner("Hansen Feinwerktechnik GmbH")), 2)

    def test_person_of_an_existing_company(self):
        self._import(
            "Name;Firma;PLZ;Funktion\nPetra Schneider;Hansen Feinwerktechnik GmbH;10115;purchaser\n"
        )
        petra = self._partner("Petra Schneider")
        self.assertEqual(petra.parent_id, self.mueller)
        self.assertEqual(petra.function_id, self.purchaser)
        self.assertEqual(
            len(self._partner("Hansen Feinwerktechnik GmbH")), 1, "the company is not duplicated"
        )

    def test_persons_of_one_new_company_share_it(self):
        self._import(
            "Name;Firma;PLZ\nAnna Nowak;Nowak Software S.A.;30-001\n"
            "Jan Nowak;Nowak Software S.A.;30-001\n"
        )
        company = self._partner("Nowak Software S.A.")
        self.assertEqual(len(company), 1)
        self.assertEqual(sorted(company.child_ids.mapped("name")), ["Anna Nowak", "Jan Nowak"])

    # ------------------------------------------------------------
    # Preview and modes
    # ------------------------------------------------------------

    def test_preview_writes_nothing(self):
        rows = "".join(f"Person {number};person{number}@example.com;\n" for number in range(22))
        content = f"Name;E-Mail;Land\nHans;hans.hansen@hansen-feinwerk.example;\nBad;bad@;\n{rows}"
        count = self.Partner.search_count([])
        wizard = self._wizard(content)
        wizard.action_preview()
        self.assertEqual(self.Partner.search_count([]), count)
        self.assertEqual(wizard.state, "preview")
        self.assertEqual(len(wizard.preview_ids), 20)
        first, second, third = wizard.preview_ids[:3]
        self.assertEqual(
            (first.row_number, first.action, first.partner_id), (2, "match", self.hans)
        )
        self.assertEqual((second.row_number, second.action), (3, "error"))
        self.assertEqual((third.action, third.partner_id.id), ("create", False))
        self.assertEqual(
            (wizard.row_count, wizard.match_count, wizard.create_count, wizard.error_count),
            (24, 1, 22, 1),
        )
        self.assertFalse(self.selection.manual_partner_ids)

    def test_all_or_nothing_leaves_the_database_untouched(self):
        count = self.Partner.search_count([])
        wizard = self._import(
            "Name;Firma;E-Mail\nAnna Nowak;Nowak Software S.A.;anna@nowak.example\n"
            "Hans;;hans.hansen@hansen-feinwerk.example\nJan Nowak;Nowak Software S.A.;jan@\n",
            mode="all_or_nothing",
        )
        self.assertEqual(self.Partner.search_count([]), count)
        self.assertFalse(self.selection.manual_partner_ids)
        self.assertEqual(self._errors(wizard)[0][:2], (4, "E-Mail"))
        self.assertIn("Nothing was imported", wizard.result_message)
        self.assertEqual(wizard.imported_count, 0)

    def test_a_refused_target_rolls_everything_back(self):
        count = self.Partner.search_count([])
        for mode in ("skip", "all_or_nothing"):
            with (
                self.subTest(mode=mode),
                patch.object(
                    self.registry["crm.selection.import"],
                    "_import_into",
                    side_effect=UserError("The selection is locked."),
                ),
            ):
                wizard = self._import("Name;Firma\nAnna Nowak;Nowak Software S.A.\n", mode=mode)
                self.assertEqual(self.Partner.search_count([]), count)
                self.assertEqual(wizard.imported_count, 0)
                self.assertIn("The selection is locked.", wizard.error_ids.message)

    def test_skip_mode_isolates_a_row_the_database_refuses(self):
        main_vals = AddressImporter._main_vals

        def refuse_jan(importer, row, synced=None):
            vals = main_vals(importer, row, synced)
            return {**vals, "no_such_field": 1} if row.person_name == "Jan Nowak" else vals

        with patch.object(AddressImporter, "_main_vals", refuse_jan):
            wizard = self._import(
                "Name;Firma\nAnna Nowak;Nowak Software S.A.\nJan Nowak;Nowak Software S.A.\n"
                "Ewa Nowak;Nowak Software S.A.\n"
            )
        self.assertEqual(wizard.imported_count, 2)
        self.assertEqual(wizard.error_ids.row_number, 3)
        self.assertEqual(
            sorted(self._partner("Nowak Software S.A.").child_ids.mapped("name")),
            ["Anna Nowak", "Ewa Nowak"],
        )

    def test_all_or_nothing_imports_a_good_file(self):
        wizard = self._import(
            "Name;Firma\nAnna Nowak;Nowak Software S.A.\nJan Nowak;Nowak Software S.A.\n",
            mode="all_or_nothing",
        )
        self.assertEqual(wizard.imported_count, 2)
        self.assertEqual(len(self.selection.manual_partner_ids), 2)

    def test_ten_thousand_rows_are_imported_in_batches(self):
        lines = ["Name;Firma;PLZ;Ort;E-Mail"]
        for number in range(10_000):
            company = number // 5
            lines.append(
                f"Person {number};Firma {company} GmbH;{10000 + company};Berlin;"
                f"person{number}@firma{company}.example"
            )
        lines.append("Hans Hansen;;;;hans.hansen@hansen-feinwerk.example")
        wizard = self._wizard("\n".join(lines))
        queries = self.env.cr.sql_log_count
        wizard.action_import()
        queries = self.env.cr.sql_log_count - queries
        self.assertEqual(wizard.imported_count, 10_001)
        self.assertEqual(len(self.selection.manual_partner_ids), 10_001)
        self.assertEqual(self.Partner.search_count([("name", "=like", "Firma % GmbH")]), 2_000)
        self.assertLess(queries, 2_000, "matching and creating run per batch, not per row")

    # ------------------------------------------------------------
    # Rights and robustness
    # ------------------------------------------------------------

    def test_user_without_partner_rights_cannot_import(self):
        reader = new_test_user(
            self.env, login="selection_reader", groups="crm_selection.group_selection_user"
        )
        self.selection.sudo().user_id = reader
        wizard = self._wizard("Name\nSomebody\n", user=reader)
        with self.assertRaises(AccessError):
            wizard.action_import()
        self.assertFalse(self._partner("Somebody"))

    def test_only_supported_targets(self):
        Import = self.env["crm.selection.import"]
        self.assertIn("crm.selection", Import._get_target_models())
        with self.assertRaises(UserError):
            Import.create({"res_model": "res.users", "res_id": self.env.uid})
        wizard = Import.with_context(active_model="crm.selection", active_id=self.selection.id)
        self.assertEqual(wizard.default_get(["res_model", "res_id"])["res_id"], self.selection.id)

    def test_files_that_are_no_csv(self):
        for content in (b"", b"PK\x03\x04binary zip content", b"\x00\x01\x02", b"\n\n \n"):
            with self.subTest(content=content), self.assertRaises(UserError):
                self._wizard(content)
        wizard = self._wizard("Name;E-Mail\n")
        with self.assertRaises(UserError):
            wizard.action_preview()

    def test_fuzzed_files_never_crash(self):
        generator = random.Random(4)
        alphabet = list("Name;E-Mail,Firma|\t\"'\n\r ;;@.äöüßąęłńśźż€\x00\x81\xff0123456789")
        for _attempt in range(40):
            text = "".join(generator.choice(alphabet) for _char in range(generator.randint(1, 300)))
            data = text.encode("utf-8", "ignore")
            if generator.random() < 0.3:
                data = bytes(generator.randrange(256) for _byte in range(200))
            try:
                wizard = self._wizard(data)
                wizard.action_preview()
                wizard.action_import()
            except UserError:
                continue
