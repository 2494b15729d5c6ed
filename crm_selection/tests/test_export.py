import base64
import csv
import io
import zipfile

import docx
import openpyxl
import vobject
from docx.oxml.ns import qn

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, TransactionCase, new_test_user, tagged

PRIVATE_VALUES = (
    "hans.private@home.example",
    "+49 170 9999999",
    "Geheimweg 1",
    "Potsdam-Babelsberg",
    "Private note about Hans",
    "1970-05-17",
)


@tagged("post_install", "-at_install")
class TestSelectionExport(TransactionCase):
    """A sales assistant exports the members of a selection for a mailing: to a spreadsheet,
    to an address book and as a mail merge for a letter in each recipient's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        for code in ("de_DE", "de_CH", "pl_PL", "en_GB", "fr_FR"):
            cls.env["res.lang"]._activate_lang(code)
        Partner = cls.env["res.partner"]
        cls.de = cls.env.ref("base.de")
        cls.env.company.country_id = cls.de
        cls.managing_director = cls.env.ref(
            "crm_contact_management.crm_contact_function_managing_director"
        )
        cls.feinmess = Partner.create(
            {
                "name": "Feinmess Berlin GmbH",
                "is_company": True,
                "street": "Chausseestraße 8",
                "zip": "10115",
                "city": "Berlin",
                "country_id": cls.de.id,
                "vat": "DE987654321",
                "email": "info@feinmess.example",
                "lang": "de_DE",
            }
        )
        cls.hans = Partner.create(
            {
                "name": "Hans Fein",
                "parent_id": cls.feinmess.id,
                "function_id": cls.managing_director.id,
                "form_of_address": "mr",
                "academic_title": "Dr.",
                "email": "hans.fein@feinmess.example",
                "phone": "+49 30 1234567",
                "lang": "de_DE",
                "private_email": "hans.private@home.example",
                "private_phone": "+49 170 9999999",
                "private_street": "Geheimweg 1",
                "private_city": "Potsdam-Babelsberg",
                "private_note": "Private note about Hans",
                "birthday": "1970-05-17",
            }
        )
        cls.petra = Partner.create(
            {
                "name": "Petra Fein",
                "parent_id": cls.feinmess.id,
                "form_of_address": "ms",
                "lang": "de_DE",
            }
        )
        cls.alex = Partner.create(
            {"name": "Alex Fein", "parent_id": cls.feinmess.id, "lang": "de_DE"}
        )
        cls.kowalczyk = Partner.create(
            {
                "name": "Kowalczyk Systemy Sp. z o.o.",
                "is_company": True,
                "street": "ul. Marszałkowska 1",
                "zip": "00-950",
                "city": "Warszawa",
                "country_id": cls.env.ref("base.pl").id,
                "lang": "pl_PL",
            }
        )
        cls.katarzyna = Partner.create(
            {
                "name": "Katarzyna Kowalczyk",
                "parent_id": cls.kowalczyk.id,
                "form_of_address": "ms",
                "lang": "pl_PL",
            }
        )
        cls.marek = Partner.create(
            {
                "name": "Marek Kowalczyk",
                "parent_id": cls.kowalczyk.id,
                "form_of_address": "mr",
                "academic_title": "Dr.",
                "lang": "pl_PL",
            }
        )
        cls.ursula = Partner.create(
            {
                "name": "Ursula Berner",
                "form_of_address": "ms",
                "street": "Bahnhofstrasse 1",
                "zip": "8001",
                "city": "Zürich",
                "country_id": cls.env.ref("base.ch").id,
                "lang": "de_CH",
            }
        )
        cls.john = Partner.create(
            {
                "name": "John Carter",
                "form_of_address": "mr",
                "street": "1 Main Street",
                "zip": "12345",
                "city": "Springfield",
                "state_id": cls.env.ref("base.state_us_27").id,
                "country_id": cls.env.ref("base.us").id,
                "lang": "en_US",
            }
        )
        cls.members = (
            cls.feinmess
            | cls.hans
            | cls.petra
            | cls.alex
            | cls.kowalczyk
            | cls.katarzyna
            | cls.marek
            | cls.ursula
            | cls.john
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Company (test)"})
        cls.foreign = Partner.create(
            {"name": "Partner Of Another Company", "company_id": cls.other_company.id}
        )
        cls.exporter = new_test_user(
            cls.env,
            login="selection_exporter",
            name="Erika Export",
            groups="crm_selection.group_selection_user",
            company_id=cls.env.company.id,
            company_ids=[Command.set(cls.env.company.ids)],
        )
        cls.selection = (
            cls.env["crm.selection"]
            .with_user(cls.exporter)
            .create({"name": "Letter to customers", "output_level": "both"})
        )
        cls.selection.sudo().manual_partner_ids = cls.members

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _export(self, export_format, user=None, **vals):
        wizard = (
            self.env["crm.selection.export"]
            .with_user(user or self.exporter)
            .create({"selection_id": self.selection.id, "export_format": export_format, **vals})
        )
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(f"id={wizard.id}", action["url"])
        return wizard, base64.b64decode(wizard.file_data)

    def _read_csv(self, data, delimiter):
        self.assertTrue(data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM for Excel")
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))

    def _mail_merge(self, **vals):
        _wizard, data = self._export("mail_merge", **vals)
        package = zipfile.ZipFile(io.BytesIO(data))
        rows = self._read_csv(package.read("mail_merge_data.csv"), vals.get("csv_delimiter", ","))
        by_name = {}
        for row in rows[1:]:
            values = dict(zip(rows[0], row, strict=True))
            by_name[values["name"]] = values
        return package, rows[0], by_name

    # ------------------------------------------------------------
    # Formats
    # ------------------------------------------------------------

    def test_csv_with_semicolon(self):
        wizard, data = self._export("csv", csv_delimiter=";")
        self.assertTrue(wizard.file_name.endswith(".csv"))
        rows = self._read_csv(data, ";")
        header = rows[0]
        self.assertEqual(header[:4], ["Type", "Name", "Company", "Function"])
        self.assertEqual(len(rows) - 1, len(self.members))
        values = {row[1]: dict(zip(header, row, strict=True)) for row in rows[1:]}
        hans = values["Hans Fein"]
        self.assertEqual(hans["Type"], "Contact Person")
        self.assertEqual(hans["Company"], "Feinmess Berlin GmbH")
        self.assertEqual(hans["Function"], "Managing Director")
        self.assertEqual(
            (hans["Street"], hans["ZIP"], hans["City"]), ("Chausseestraße 8", "10115", "Berlin")
        )
        self.assertEqual(
            (hans["E-mail"], hans["Phone"]), ("hans.fein@feinmess.example", "+49 30 1234567")
        )
        self.assertEqual(values["Feinmess Berlin GmbH"]["Type"], "Company")
        self.assertEqual(values["Kowalczyk Systemy Sp. z o.o."]["ZIP"], "00-950")

    def test_csv_with_comma(self):
        _wizard, data = self._export("csv", csv_delimiter=",")
        rows = self._read_csv(data, ",")
        self.assertEqual(len(rows[0]), 13)
        self.assertIn("Kowalczyk Systemy Sp. z o.o.", [row[1] for row in rows])

    def test_csv_cells_never_run_as_formulas(self):
        self.petra.sudo().write({"name": '=HYPERLINK("http://evil.example")'})
        _wizard, data = self._export("csv", csv_delimiter=";")
        cells = [cell for row in self._read_csv(data, ";") for cell in row]
        self.assertIn('\'=HYPERLINK("http://evil.example")', cells)
        self.assertIn("+49 30 1234567", cells, "phone numbers stay as they are")

    def test_xlsx(self):
        wizard, data = self._export("xlsx")
        self.assertTrue(wizard.file_name.endswith(".xlsx"))
        sheet = openpyxl.load_workbook(io.BytesIO(data)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][:3], ("Type", "Name", "Company"))
        self.assertTrue(sheet["A1"].font.bold)
        self.assertEqual(len(rows) - 1, len(self.members))
        by_name = {row[1]: row for row in rows[1:]}
        self.assertEqual(by_name["Kowalczyk Systemy Sp. z o.o."][6], "00-950")
        self.assertEqual(by_name["Ursula Berner"][7], "Zürich")
        self.assertEqual(by_name["Ursula Berner"][9], "Switzerland")

    def test_vcard(self):
        wizard, data = self._export("vcard")
        self.assertTrue(wizard.file_name.endswith(".vcf"))
        cards = list(vobject.readComponents(data.decode()))
        self.assertEqual(len(cards), len(self.members))
        by_name = {card.fn.value: card for card in cards}
        hans = by_name["Dr. Hans Fein"]
        self.assertEqual(hans.version.value, "3.0")
        self.assertEqual(
            (hans.n.value.family, hans.n.value.given, hans.n.value.prefix), ("Fein", "Hans", "Dr.")
        )
        self.assertEqual(hans.org.value, ["Feinmess Berlin GmbH"])
        self.assertEqual(hans.title.value, "Managing Director")
        self.assertEqual(hans.email.value, "hans.fein@feinmess.example")
        self.assertEqual(hans.tel.value, "+49 30 1234567")
        address = hans.adr.value
        self.assertEqual(
            (address.street, address.code, address.city, address.country),
            ("Chausseestraße 8", "10115", "Berlin", "Germany"),
        )
        company = by_name["Feinmess Berlin GmbH"]
        self.assertEqual(company.org.value, ["Feinmess Berlin GmbH"])
        self.assertEqual(company.email.value, "info@feinmess.example")
        self.assertFalse(hasattr(company, "title"))
        self.assertEqual(by_name["John Carter"].adr.value.region, "New York")

    def test_mail_merge_package(self):
        package, header, by_name = self._mail_merge()
        self.assertEqual(
            sorted(package.namelist()), ["README.txt", "letter.docx", "mail_merge_data.csv"]
        )
        letter = docx.Document(io.BytesIO(package.read("letter.docx")))
        merge_fields = [
            field.get(qn("w:instr")).split()[1]
            for field in letter.element.body.iter(qn("w:fldSimple"))
            if field.get(qn("w:instr")).split()[0] == "MERGEFIELD"
        ]
        self.assertEqual(
            merge_fields,
            [f"address_line_{number}" for number in range(1, 7)] + ["salutation"],
        )
        self.assertFalse(set(merge_fields) - set(header), "every merge field is a column")
        self.assertEqual(len(by_name), len(self.members))

    def test_mail_merge_salutations_in_the_recipients_language(self):
        _package, _header, by_name = self._mail_merge()
        salutations = {name: values["salutation"] for name, values in by_name.items()}
        self.assertEqual(
            salutations,
            {
                "Hans Fein": "Sehr geehrter Herr Dr. Fein,",
                "Petra Fein": "Sehr geehrte Frau Fein,",
                "Alex Fein": "Guten Tag Alex Fein,",
                "Feinmess Berlin GmbH": "Sehr geehrte Damen und Herren,",
                "Katarzyna Kowalczyk": "Szanowna Pani,",
                "Marek Kowalczyk": "Szanowny Panie Doktorze,",
                "Kowalczyk Systemy Sp. z o.o.": "Szanowni Państwo,",
                "Ursula Berner": "Sehr geehrte Frau Berner,",
                "John Carter": "Dear Mr. Carter,",
            },
        )

    def test_mail_merge_address_blocks_in_the_recipients_format(self):
        _package, _header, by_name = self._mail_merge()

        def block(name):
            values = by_name[name]
            lines = [values[f"address_line_{number}"] for number in range(1, 7)]
            self.assertEqual(lines, [*filter(None, lines), *[""] * lines.count("")])
            return list(filter(None, lines))

        # domestic letters leave the country out
        self.assertEqual(
            block("Hans Fein"),
            ["Feinmess Berlin GmbH", "Herrn Dr. Hans Fein", "Chausseestraße 8", "10115 Berlin"],
        )
        self.assertEqual(
            block("Katarzyna Kowalczyk"),
            [
                "Kowalczyk Systemy Sp. z o.o.",
                "Pani Katarzyna Kowalczyk",
                "ul. Marszałkowska 1",
                "00-950 Warszawa",
                "Poland",
            ],
        )
        self.assertEqual(
            block("Ursula Berner"),
            ["Frau Ursula Berner", "Bahnhofstrasse 1", "8001 Zürich", "Switzerland"],
        )
        self.assertEqual(
            block("John Carter"),
            ["Mr. John Carter", "1 Main Street", "Springfield NY 12345", "United States"],
        )
        self.assertEqual(by_name["Hans Fein"]["language"], "de_DE")

    def test_salutations(self):
        cases = [
            ("de_DE", "ms", "", "Sehr geehrte Frau Bergmann,", "Frau Anna Maria Bergmann"),
            (
                "de_DE",
                "mr",
                "Prof. Dr.",
                "Sehr geehrter Herr Prof. Dr. Bergmann,",
                "Herrn Prof. Dr. Anna Maria Bergmann",
            ),
            ("de_CH", "mr", "", "Sehr geehrter Herr Bergmann,", "Herr Anna Maria Bergmann"),
            ("pl_PL", "ms", "", "Szanowna Pani,", "Pani Anna Maria Bergmann"),
            ("pl_PL", "mr", "", "Szanowny Panie,", "Pan Anna Maria Bergmann"),
            (
                "pl_PL",
                "ms",
                "prof. dr hab.",
                "Szanowna Pani Profesor,",
                "Pani prof. dr hab. Anna Maria Bergmann",
            ),
            ("en_US", "ms", "", "Dear Ms. Bergmann,", "Ms. Anna Maria Bergmann"),
            ("en_GB", "mr", "", "Dear Mr Bergmann,", "Mr Anna Maria Bergmann"),
            ("fr_FR", "ms", "", "Madame,", "Madame Anna Maria Bergmann"),
            ("de_DE", False, "", "Guten Tag Anna Maria Bergmann,", "Anna Maria Bergmann"),
            ("pl_PL", False, "", "Szanowni Państwo,", "Anna Maria Bergmann"),
            ("en_US", False, "Dr.", "Dear Dr. Anna Maria Bergmann,", "Dr. Anna Maria Bergmann"),
        ]
        for lang, form, title, salutation, recipient in cases:
            with self.subTest(lang=lang, form=form, title=title):
                partner = self.env["res.partner"].new(
                    {
                        "name": "Anna Maria Bergmann",
                        "lang": lang,
                        "form_of_address": form,
                        "academic_title": title or False,
                    }
                )
                self.assertEqual(partner._get_letter_salutation(), salutation)
                self.assertEqual(partner._get_letter_recipient(), recipient)
                self.assertEqual(partner._get_first_and_last_name(), ("Anna Maria", "Bergmann"))

    def test_language_follows_the_country_when_the_partner_has_none(self):
        partner = self.env["res.partner"].new(
            {"name": "Jan Nowak", "form_of_address": "mr", "country_id": self.env.ref("base.pl").id}
        )
        partner.lang = False
        self.assertEqual(partner._get_letter_language(), "pl_PL")
        self.assertEqual(partner._get_letter_salutation(), "Szanowny Panie,")

    # ------------------------------------------------------------
    # Members, rights and private data
    # ------------------------------------------------------------

    def test_latest_snapshot_or_fresh_run(self):
        wizard = (
            self.env["crm.selection.export"]
            .with_user(self.exporter)
            .create({"selection_id": self.selection.id, "export_format": "csv"})
        )
        self.assertEqual(wizard.source, "fresh", "without a snapshot the selection runs")
        wizard.action_export()
        self.assertEqual(self.selection.snapshot_count, 1, "a fresh run stores a snapshot")
        newcomer = self.env["res.partner"].create({"name": "Nina Neu"})
        self.selection.sudo().manual_partner_ids |= newcomer

        wizard, data = self._export("csv", csv_delimiter=";")
        self.assertEqual(wizard.source, "snapshot")
        names = [row[1] for row in self._read_csv(data, ";")]
        self.assertNotIn("Nina Neu", names, "the snapshot is the earlier run")

        _wizard, data = self._export("csv", csv_delimiter=";", source="fresh")
        self.assertIn("Nina Neu", [row[1] for row in self._read_csv(data, ";")])

    def test_wizard_opened_from_the_selection(self):
        Export = (
            self.env["crm.selection.export"]
            .with_user(self.exporter)
            .with_context(active_model="crm.selection", active_id=self.selection.id)
        )
        with Form(Export) as form:
            self.assertEqual(form.selection_id, self.selection)
            self.assertEqual(form.source, "fresh")
            self.assertEqual(form.csv_delimiter, ",")
            form.export_format = "csv"
        self.assertEqual(form.record.export_format, "csv")
        german = Export.with_context(lang="de_DE").create({"selection_id": self.selection.id})
        self.assertEqual(german.csv_delimiter, ";", "German Excel expects semicolons")

    def test_no_snapshot_to_export(self):
        wizard = (
            self.env["crm.selection.export"]
            .with_user(self.exporter)
            .create({"selection_id": self.selection.id, "source": "snapshot"})
        )
        with self.assertRaises(UserError):
            wizard.action_export()

    def test_empty_selection(self):
        self.selection.sudo().manual_partner_ids = False
        wizard = (
            self.env["crm.selection.export"]
            .with_user(self.exporter)
            .create({"selection_id": self.selection.id})
        )
        with self.assertRaises(UserError):
            wizard.action_export()

    def test_least_privileged_user_never_sees_another_companys_partners(self):
        # an administrator ran the selection, its snapshot holds a partner of another company
        self.selection.sudo().manual_partner_ids |= self.foreign
        snapshot = self.selection.sudo()._create_snapshot()
        self.assertIn(self.foreign, snapshot.sudo().member_ids)
        for export_format in ("csv", "xlsx", "vcard", "mail_merge"):
            with self.subTest(export_format=export_format):
                wizard, data = self._export(export_format)
                self.assertEqual(wizard.source, "snapshot")
                self.assertEqual(wizard.member_count, len(self.members))
                self.assertNotIn(b"Partner Of Another", self._all_text(export_format, data))

    def test_private_contact_data_is_never_exported(self):
        reader = new_test_user(
            self.env,
            login="private_data_reader",
            groups="crm_selection.group_selection_user,"
            "crm_contact_management.group_private_contact_data",
        )
        self.selection.sudo().user_id = reader
        self.assertEqual(self.hans.with_user(reader).private_email, "hans.private@home.example")
        for export_format in ("csv", "xlsx", "vcard", "mail_merge"):
            with self.subTest(export_format=export_format):
                _wizard, data = self._export(export_format, user=reader, source="fresh")
                text = self._all_text(export_format, data)
                self.assertIn(b"Hans Fein", text)
                for value in PRIVATE_VALUES:
                    self.assertNotIn(value.encode(), text)

    def _all_text(self, export_format, data):
        """The whole content of an export as bytes, unpacked."""
        if export_format == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(data)).active
            cells = [str(cell) for row in sheet.iter_rows(values_only=True) for cell in row]
            return "\n".join(cells).encode()
        if export_format == "mail_merge":
            package = zipfile.ZipFile(io.BytesIO(data))
            letter = docx.Document(io.BytesIO(package.read("letter.docx")))
            texts = [package.read("mail_merge_data.csv"), package.read("README.txt")]
            texts += [paragraph.text.encode() for paragraph in letter.paragraphs]
            return b"\n".join(texts)
        return data
