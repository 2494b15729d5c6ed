"""Property-based tests of the CSV address import with hostile files.

Whatever a user uploads (random bytes, any encoding, any delimiter and quoting, missing columns,
duplicate rows, malformed e-mails, SQL-like or domain-like text, huge cells), the import ends in
a clear error or a per-row error report, never in an unexpected exception; in all-or-nothing mode
a bad row leaves the database untouched; and the text of every imported row lands verbatim in the
partner (the values are bound as query parameters, never spliced into SQL).
"""

import base64
import csv
import io
from contextlib import closing

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import SQL

PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Text a hostile or careless file holds: SQL, Odoo domains, Python, quotes, LIKE wildcards,
# HTML, format strings, delimiters and line breaks inside cells.
HOSTILE_TEXTS = [
    "'); DROP TABLE res_partner; --",
    "Robert'); DELETE FROM res_partner WHERE ('1'='1",
    "1' OR '1'='1",
    '" OR ""="',
    "[('id', '!=', False)]",
    "['|', ('active', '=', False), ('active', '=', True)]",
    "__import__('os').system('id')",
    "%(name)s %s {0} {name}",
    "100% _under_score_ \\backslash\\",
    "<script>alert(1)</script>",
    "Müller & Söhne „Hof“ \u2013 Łódź",
    "a;b,c|d\te",
    'quote " inside',
    "line\nbreak",
    '=HYPERLINK("http://example.com")',
    "NULL",
    "\u202eRTL override",
]
HEADERS = {
    "name": "Name",
    "company": "Firma",
    "street": "Straße",
    "zip": "PLZ",
    "city": "Ort",
    "country": "Land",
    "email": "E-Mail",
    "phone": "Telefon",
    "vat": "USt-IdNr",
}
ENCODINGS = ["utf-8", "utf-8-sig", "cp1252", "iso-8859-2", "cp1250", "utf-16"]
DELIMITERS = [";", ",", "\t", "|"]
QUOTINGS = [csv.QUOTE_MINIMAL, csv.QUOTE_ALL, csv.QUOTE_NONNUMERIC]

# any character but NUL (stripped from files by design) and the surrogates
cell_characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
short_texts = st.one_of(st.text(cell_characters, max_size=40), st.sampled_from(HOSTILE_TEXTS))
cells = short_texts
huge_cells = st.one_of(
    st.text(cell_characters, min_size=1, max_size=5).map(lambda text: text * 1000),
    st.text(cell_characters, min_size=250, max_size=3000),
)
# the columns the import checks get mostly valid values, so that rows get through
cells_by_column = {
    "email": st.one_of(
        st.from_regex(r"[a-z0-9._-]{1,10}@[a-z0-9-]{1,10}\.(de|ch|pl|com)", fullmatch=True),
        st.from_regex(r"[a-z0-9.+_-]{0,10}@[a-z0-9.-]{0,10}(\.[a-z]{0,4})?", fullmatch=True),
        st.just(""),
        cells,
    ),
    "country": st.one_of(
        st.sampled_from(["DE", "Deutschland", "Schweiz", "Polska", "", " pl "]), cells
    ),
}


@st.composite
def address_files(draw):
    """(columns, rows): a header among the import fields and rows of hostile cells, some rows
    repeated, some shorter or longer than the header."""
    columns = draw(st.lists(st.sampled_from(sorted(HEADERS)), min_size=1, max_size=6, unique=True))
    if draw(st.integers(0, 4)):
        # most files have a name or a company column
        columns.insert(0, draw(st.sampled_from(["name", "company"])))
        columns = list(dict.fromkeys(columns))
    row = st.tuples(*(cells_by_column.get(column, cells) for column in columns)).map(list)
    rows = draw(st.lists(row, min_size=1, max_size=8))
    if not draw(st.integers(0, 3)):
        # a paragraph pasted into a cell
        index = draw(st.integers(0, len(rows) - 1))
        rows[index][draw(st.integers(0, len(columns) - 1))] = draw(huge_cells)
    if draw(st.booleans()):
        rows += draw(st.lists(st.sampled_from(rows), max_size=3))  # duplicate rows
    if not draw(st.integers(0, 3)):
        index = draw(st.integers(0, len(rows) - 1))
        width = draw(st.integers(0, len(columns) + 2))
        rows[index] = (rows[index] + ["extra", "cells"])[:width]  # ragged row
    return columns, rows


def folded(value):
    """A cell as the import stores it: stripped, inner white space folded."""
    return " ".join(value.split())


@tagged("post_install", "-at_install")
class TestHypothesisAddressImport(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        cls.last_id_before = cls.Partner.search([], order="id desc", limit=1).id
        cls.importer = new_test_user(
            cls.env,
            login="hypothesis_importer",
            name="Hanna Hypothesis",
            groups="crm_selection.group_selection_user,base.group_partner_manager",
        )
        cls.selection = (
            cls.env["crm.selection"].with_user(cls.importer).create({"name": "Hostile files"})
        )

    def _wizard(self, data, **vals):
        return (
            self.env["crm.selection.import"]
            .with_user(self.importer)
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

    def _counts(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT (SELECT COUNT(*) FROM res_partner), "
                "(SELECT COUNT(*) FROM crm_selection_manual_partner_rel WHERE selection_id = %s)",
                self.selection.id,
            )
        )
        return self.env.cr.fetchone()

    def _run(self, wizard):
        """Load and import like the user does; a file-level problem must be a UserError."""
        try:
            wizard.action_load()
            wizard.action_preview()
            wizard.action_import()
        except UserError as error:
            self.assertTrue(str(error).strip(), "an error tells the user what is wrong")
            return False
        self.assertEqual(wizard.state, "done")
        return True

    def _check_all_or_nothing(self, wizard, imported, before):
        if wizard.mode == "all_or_nothing" and (not imported or wizard.error_ids):
            self.assertEqual(self._counts(), before, "a bad row must leave the database untouched")
            self.assertEqual(wizard.imported_count, 0)

    @PROPERTY_SETTINGS
    @given(
        data=st.one_of(
            st.binary(max_size=3000),
            st.text(cell_characters, max_size=500).map(lambda t: t.encode("utf-8")),
        ),
        encoding=st.sampled_from(["auto", *ENCODINGS]),
        delimiter=st.sampled_from(["auto", *DELIMITERS]),
        has_header=st.booleans(),
        mode=st.sampled_from(["skip", "all_or_nothing"]),
    )
    def test_random_bytes_give_a_clear_error_or_a_report(
        self, data, encoding, delimiter, has_header, mode
    ):
        with closing(self.env.cr.savepoint()):
            before = self._counts()
            wizard = self._wizard(
                data, encoding=encoding, delimiter=delimiter, has_header=has_header, mode=mode
            )
            imported = self._run(wizard)
            self._check_all_or_nothing(wizard, imported, before)
            if imported and wizard.error_ids:
                self.assertTrue(all(error.message for error in wizard.error_ids))

    def test_hostile_cells_are_stored_verbatim_or_reported(self):
        self.verified_rows = 0
        self._check_hostile_cells()
        # the property must have looked at imported rows, not only at refused files
        self.assertGreater(self.verified_rows, 10)

    @PROPERTY_SETTINGS
    @given(
        file=address_files(),
        encoding=st.sampled_from(ENCODINGS),
        delimiter=st.sampled_from(DELIMITERS),
        quoting=st.sampled_from(QUOTINGS),
        mode=st.sampled_from(["skip", "all_or_nothing"]),
        detect=st.sampled_from([False, False, False, True]),
    )
    def _check_hostile_cells(self, file, encoding, delimiter, quoting, mode, detect):
        columns, rows = file
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=delimiter, quoting=quoting, lineterminator="\r\n")
        writer.writerow([HEADERS[column] for column in columns])
        writer.writerows(rows)
        text = buffer.getvalue()
        try:
            data = text.encode(encoding)
        except UnicodeEncodeError:
            encoding, data = "utf-8", text.encode("utf-8")
        with closing(self.env.cr.savepoint()):
            before = self._counts()
            wizard = self._wizard(
                data,
                encoding="auto" if detect else encoding,
                delimiter="auto" if detect else delimiter,
                mode=mode,
            )
            imported = self._run(wizard)
            self._check_all_or_nothing(wizard, imported, before)
            if detect or not imported:
                return
            if any(error.row_number == 0 for error in wizard.error_ids):
                # a file-level error (no name or company column): reported, nothing imported
                self.assertEqual(wizard.imported_count, 0)
                self.assertEqual(self._counts(), before)
                return
            self.assertEqual(
                wizard.row_count, len([row for row in rows if any(map(str.strip, row))])
            )
            if mode == "all_or_nothing" and wizard.error_ids:
                return
            # every row without an error is in the selection, with its text as written
            bad_rows = set(wizard.error_ids.mapped("row_number"))
            members = self.selection.manual_partner_ids
            for number, row in enumerate(rows, start=2):
                values = dict(zip(columns, row, strict=False))
                name = folded(values.get("name", "")) or folded(values.get("company", ""))
                if number in bad_rows or not name or len(row) != len(columns):
                    continue
                partner = members.filtered(lambda p, name=name: p.name == name)
                if not partner:
                    # matched with a partner of the database (e-mail, tax ID, name and ZIP)
                    partner = members.filtered(lambda p: p.id <= self.last_id_before)
                self.assertTrue(partner, f"row {number} ({name!r}) is imported")
                self.verified_rows += 1
                new = partner.filtered(lambda p: p.id > self.last_id_before)
                for field_name in ("street", "city", "zip"):
                    value = folded(values.get(field_name, ""))
                    if new and value and not new[0].parent_id:
                        self.assertIn(value, new.mapped(field_name))

    @PROPERTY_SETTINGS
    @given(
        name=st.sampled_from(HOSTILE_TEXTS[:8]),
        city=st.sampled_from(HOSTILE_TEXTS),
        mode=st.sampled_from(["skip", "all_or_nothing"]),
    )
    def test_sql_in_cells_is_stored_as_text(self, name, city, mode):
        rows = [["Name", "Ort", "E-Mail"], [name, city, "sql.test@example.com"]]
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=";").writerows(rows)
        with closing(self.env.cr.savepoint()):
            wizard = self._wizard(
                buffer.getvalue().encode("utf-8"), encoding="utf-8", delimiter=";", mode=mode
            )
            self.assertTrue(self._run(wizard))
            self.assertFalse(wizard.error_ids)
            partner = self.selection.manual_partner_ids
            self.assertEqual(partner.mapped("name"), [folded(name)])
            self.assertEqual(partner.city, folded(city))
            self.assertEqual(partner.email, "sql.test@example.com")
            self.env.cr.execute(SQL("SELECT to_regclass('res_partner') IS NOT NULL"))
            self.assertTrue(self.env.cr.fetchone()[0])

    def test_huge_cells_are_reported_not_sent_to_the_database(self):
        # a paragraph pasted into the name: random letters, which the database cannot
        # compress to fit its index on partner names
        paragraph = "".join(chr(0x100 + (index * 7919) % 0x500) for index in range(3000))
        rows = [
            ["Name", "Ort"],
            [paragraph, "Bern"],
            ["Urs Keller", "x" * 257],
            ["Eva Roth", "Bern"],
        ]
        buffer = io.StringIO(newline="")
        csv.writer(buffer, delimiter=";").writerows(rows)
        for mode in ("skip", "all_or_nothing"):
            with self.subTest(mode=mode), closing(self.env.cr.savepoint()):
                before = self._counts()
                wizard = self._wizard(
                    buffer.getvalue().encode("utf-8"), encoding="utf-8", delimiter=";", mode=mode
                )
                self.assertTrue(self._run(wizard))
                errors = [(error.row_number, error.column) for error in wizard.error_ids]
                self.assertEqual(errors, [(2, "Name"), (3, "Ort")])
                self.assertIn("too long", wizard.error_ids[0].message)
                if mode == "skip":
                    self.assertEqual(self.selection.manual_partner_ids.name, "Eva Roth")
                else:
                    self.assertEqual(self._counts(), before)
