import base64
import io
from datetime import datetime
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import docx

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools.pdf import PdfFileReader
from odoo.tools.translate import code_translations

from ..wizards.crm_journal_export_docx import HtmlToDocx

CATALOG_REPORT = "crm_contact_management.action_report_crm_partner_catalog"
EXPORT_ACTION = "crm_contact_management.crm_journal_entry_action_export_docx"
PRIVATE_TEXTS = ("Onkel-Tom-Straße 58", "030 8012 4477", "hans.mueller@web.de", "Wannsee")
GERMAN_LABELS = {
    "Contact Journal": "Kontaktjournal",
    "Contact Person": "Ansprechpartner",
    "Medium": "Kontaktweg",
    "Report": "Bericht",
    "Linked Documents": "Verknüpfte Dokumente",
}


@tagged("post_install", "-at_install")
class TestJournalExport(TransactionCase):
    """A salesperson exports the journal entries they selected to Word and prints a catalog
    of companies with their contact persons and last contacts; both show only what they may
    read and never private contact data."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.other_company = cls.env["res.company"].create({"name": "Fremdfirma AG"})
        cls.industry = cls.env["res.partner.industry"].create({"name": "Machine Building"})
        cls.company_class = cls.env["crm.company.class"].create({"name": "Key Account"})
        cls.company = Partner.create(
            {
                "name": "Müller Maschinenbau Test GmbH",
                "is_company": True,
                "street": "Alt-Moabit 101",
                "zip": "10559",
                "city": "Berlin",
                "country_id": cls.env.ref("base.de").id,
                "phone": "+49 30 3990 1200",
                "industry_id": cls.industry.id,
                "company_class_id": cls.company_class.id,
                "abc_class": "a",
            }
        )
        cls.carrier = Partner.create({"name": "Schmidt Logistik Test KG", "is_company": True})
        cls.hans = Partner.create(
            {
                "name": "Hans Müller",
                "parent_id": cls.company.id,
                "function": "Managing Director",
                "phone": "+49 30 3990 1201",
                "email": "h.mueller@mueller-test.de",
                "private_street": "Onkel-Tom-Straße 58",
                "private_phone": "030 8012 4477",
                "private_email": "hans.mueller@web.de",
                "private_note": "Sails on the Wannsee.",
            }
        )
        cls.petra = Partner.create(
            {"name": "Petra Schneider", "parent_id": cls.company.id, "function": "Purchaser"}
        )
        cls.jonas = Partner.create(
            {"name": "Jonas Weber", "parent_id": cls.company.id, "function": "Purchaser"}
        )
        cls.env["crm.contact.deputy"].create(
            {"contact_id": cls.petra.id, "deputy_id": cls.jonas.id}
        )
        # a contact person the salesperson may not read: kept by another company of ours
        cls.hidden_person = Partner.create(
            {"name": "Verena Versteckt", "company_id": cls.other_company.id}
        )
        cls.env["crm.contact.link"].create(
            {"person_id": cls.hidden_person.id, "organization_id": cls.company.id}
        )
        cls.hidden_document = Partner.create(
            {"name": "Geheimprojekt GmbH", "is_company": True, "company_id": cls.other_company.id}
        )
        cls.phone = cls.env["crm.journal.medium"].create({"name": "Phone"})
        cls.mobile = cls.env["crm.journal.medium"].create(
            {"name": "Mobile", "parent_id": cls.phone.id}
        )
        cls.complaint = cls.env["crm.journal.content.type"].create({"name": "Complaint"})
        cls.salesperson = new_test_user(
            cls.env, "cm_export_sales", groups="base.group_user", tz="Europe/Berlin"
        )
        cls.entry = cls.env["crm.journal.entry"].create(
            {
                "name": "Complaint about the delivery",
                "partner_id": cls.company.id,
                "contact_id": cls.hans.id,
                "user_id": cls.salesperson.id,
                "followup_user_id": cls.salesperson.id,
                "medium_id": cls.mobile.id,
                "content_type_id": cls.complaint.id,
                "direction": "incoming",
                "date_start": datetime(2025, 3, 14, 9, 30),
                "duration": 1.5,
                "report": "<p>Customer <strong>complained</strong> about the <em>late delivery</em>"
                " of order S00042.</p><ul><li>Replace the gear</li><li>Credit note</li></ul>"
                "<ol><li>Call back on Monday</li></ol><p>First line<br>Second line</p>",
                "document_link_ids": [
                    Command.create({"res_model": "res.partner", "res_id": cls.carrier.id}),
                    Command.create({"res_model": "res.partner", "res_id": cls.hidden_document.id}),
                ],
            }
        )
        cls.hidden_contact_entry = cls.env["crm.journal.entry"].create(
            {
                "name": "Visit of the plant",
                "partner_id": cls.company.id,
                "contact_id": cls.hidden_person.id,
                "medium_id": cls.phone.id,
                "date_start": datetime(2025, 3, 10, 14, 0),
            }
        )
        cls.older_entries = cls.env["crm.journal.entry"].create(
            [
                {
                    "name": f"Quarterly call {quarter}",
                    "partner_id": cls.company.id,
                    "contact_id": cls.petra.id,
                    "date_start": datetime(2024, quarter * 3, 1, 10, 0),
                }
                for quarter in (1, 2, 3, 4)
            ]
        )
        cls.other_entry = cls.env["crm.journal.entry"].create(
            {
                "name": "Transport offer",
                "partner_id": cls.carrier.id,
                "date_start": datetime(2025, 2, 1, 8, 0),
            }
        )

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    def _export(self, user, entries):
        """Run "Export to Word" as ``user`` on ``entries``; return the document and its name."""
        action = (
            self.env.ref(EXPORT_ACTION)
            .with_user(user)
            .with_context(active_model="crm.journal.entry", active_ids=entries.ids)
            .run()
        )
        self.assertEqual(action["type"], "ir.actions.act_url")
        query = parse_qs(urlparse(action["url"]).query)
        wizard = self.env["crm.journal.export.docx"].with_user(user).browse(int(query["id"][0]))
        self.assertTrue(wizard.file_name.endswith(".docx"))
        content = base64.b64decode(wizard.file_data)
        return docx.Document(io.BytesIO(content)), wizard.file_name

    def _document_text(self, document):
        texts = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                texts.extend(cell.text for cell in row.cells)
        return "\n".join(texts)

    def _entry_values(self, document):
        """Label and value of the first entry table."""
        return {row.cells[0].text: row.cells[1].text for row in document.tables[0].rows}

    def _catalog_html(self, user, partners, data=None):
        html, _type = (
            self.env["ir.actions.report"]
            .with_user(user)
            ._render_qweb_html(CATALOG_REPORT, partners.ids, data=data)
        )
        return html.decode()

    # ------------------------------------------------------------
    # Word export
    # ------------------------------------------------------------

    def test_export_has_one_section_per_entry(self):
        entries = self.entry | self.other_entry
        document, file_name = self._export(self.salesperson, entries)

        headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
        self.assertEqual(headings, ["Complaint about the delivery", "Transport offer"])
        self.assertEqual(document.paragraphs[0].style.name, "Title")
        self.assertEqual(document.paragraphs[0].text, "Contact Journal")
        self.assertIn("by cm_export_sales", document.paragraphs[1].text)
        self.assertTrue(file_name.startswith("Contact Journal"))
        self.assertEqual(document.core_properties.author, self.salesperson.name)
        values = self._entry_values(document)
        # the date format of the user's language (en_US: month/day/year), in their time zone
        self.assertRegex(values.pop("Date"), r"^03/14/2025 10:30\b")
        self.assertEqual(
            values,
            {
                "Company": "Müller Maschinenbau Test GmbH",
                "Contact Person": "Hans Müller",
                "Medium": "Phone > Mobile",
                "Content Type": "Complaint",
                "Direction": "Incoming",
                "State": "Planned",
                "Responsible": self.salesperson.name,
                "Follow-up by": self.salesperson.name,
                "Duration": "01:30",
            },
        )

    def test_export_converts_the_report(self):
        document, _name = self._export(self.salesperson, self.entry)

        paragraphs = document.paragraphs
        texts = [p.text for p in paragraphs]
        self.assertIn("Report", texts)
        intro = paragraphs[
            texts.index("Customer complained about the late delivery of order S00042.")
        ]
        self.assertEqual(
            [(run.text, bool(run.bold), bool(run.italic)) for run in intro.runs],
            [
                ("Customer ", False, False),
                ("complained", True, False),
                (" about the ", False, False),
                ("late delivery", False, True),
                (" of order S00042.", False, False),
            ],
        )
        styles = {p.text: p.style.name for p in paragraphs}
        self.assertEqual(styles["Replace the gear"], "List Bullet")
        self.assertEqual(styles["Credit note"], "List Bullet")
        self.assertEqual(styles["Call back on Monday"], "List Number")
        self.assertIn("First line\nSecond line", texts)

    def test_export_lists_readable_linked_documents_only(self):
        document, _name = self._export(self.salesperson, self.entry)

        texts = [p.text for p in document.paragraphs]
        documents = texts[texts.index("Linked Documents") + 1 :]
        self.assertEqual(documents, ["Schmidt Logistik Test KG"])
        self.assertNotIn("Geheimprojekt", self._document_text(document))

    def test_export_hides_unreadable_and_private_data(self):
        entries = self.entry | self.hidden_contact_entry
        document, _name = self._export(self.salesperson, entries)

        text = self._document_text(document)
        self.assertIn("Visit of the plant", text)
        self.assertNotIn("Verena Versteckt", text)
        for private_text in PRIVATE_TEXTS:
            self.assertNotIn(private_text, text)

        # not even a user who sees private data gets it in an export
        admin_document, _name = self._export(self.env.ref("base.user_admin"), entries)
        admin_text = self._document_text(admin_document)
        for private_text in PRIVATE_TEXTS:
            self.assertNotIn(private_text, admin_text)

    def test_export_speaks_the_language_of_the_user(self):
        self.env["res.lang"]._activate_lang("de_DE")
        german_user = new_test_user(
            self.env, "cm_export_de", groups="base.group_user", lang="de_DE", tz="Europe/Berlin"
        )
        translations = {("crm_contact_management", "de_DE"): GERMAN_LABELS}
        with patch.dict(code_translations.python_translations, translations):
            document, file_name = self._export(german_user, self.entry)

        self.assertEqual(document.paragraphs[0].text, "Kontaktjournal")
        self.assertTrue(file_name.startswith("Kontaktjournal"))
        self.assertEqual(document.core_properties.language, "de-DE")
        values = self._entry_values(document)
        self.assertEqual(values["Ansprechpartner"], "Hans Müller")
        self.assertEqual(values["Kontaktweg"], "Phone > Mobile")
        self.assertEqual(values["Date"], "14.03.2025 10:30")
        texts = [p.text for p in document.paragraphs]
        self.assertIn("Bericht", texts)
        self.assertIn("Verknüpfte Dokumente", texts)

    def test_html_conversion_keeps_structure(self):
        document = docx.Document()
        HtmlToDocx(document).append(
            "<h2>Agenda</h2>"
            "<ol><li>Prices<ol><li>Steel</li><li>Copper</li></ol></li><li>Dates</li></ol>"
            "<ol><li>Restart</li></ol>"
            '<ul class="o_checklist"><li class="o_checked">Offer sent</li><li>Visit</li></ul>'
            '<p><span style="font-weight: bold">Bold span</span> and <u>underlined</u> and '
            '<a href="https://example.com/offer">the offer</a></p>'
            "<blockquote>Quoted</blockquote><pre>line 1\n  line 2</pre>"
            "<table><tr><th>Item</th><th>Qty</th></tr><tr><td>Gear</td><td>2</td></tr></table>"
            "<p><br></p><script>alert(1)</script><p>  End  </p>"
        )

        paragraphs = {p.text: p for p in document.paragraphs}
        styles = {text: p.style.name for text, p in paragraphs.items()}
        self.assertEqual(styles["Agenda"], "Heading 3")
        self.assertEqual(styles["Prices"], "List Number")
        self.assertEqual(styles["Steel"], "List Number 2")
        self.assertEqual(styles["Dates"], "List Number")
        self.assertEqual(styles["☑ Offer sent"], "List Bullet")
        self.assertEqual(styles["☐ Visit"], "List Bullet")
        self.assertEqual(styles["Quoted"], "Quote")
        self.assertIn("line 1\n  line 2", paragraphs)
        self.assertIn("End", paragraphs)
        self.assertNotIn("alert(1)", "".join(paragraphs))

        def num_id(text):
            return paragraphs[text]._p.pPr.numPr.numId.val

        # every numbered list counts from one
        self.assertEqual(num_id("Prices"), num_id("Dates"))
        self.assertNotEqual(num_id("Prices"), num_id("Restart"))

        runs = paragraphs["Bold span and underlined and the offer (https://example.com/offer)"].runs
        self.assertTrue(runs[0].bold)
        self.assertTrue(runs[2].underline)
        self.assertEqual(
            [[cell.text for cell in row.cells] for row in document.tables[0].rows],
            [["Item", "Qty"], ["Gear", "2"]],
        )

    def test_export_requires_entries(self):
        wizard = self.env["crm.journal.export.docx"].with_user(self.salesperson).create({})
        with self.assertRaises(UserError):
            wizard.action_export()

    # ------------------------------------------------------------
    # Company catalog
    # ------------------------------------------------------------

    def test_catalog_shows_company_persons_and_last_contacts(self):
        html = self._catalog_html(self.salesperson, self.company | self.carrier)

        # one page (at least) per company
        self.assertEqual(html.count('class="page o_crm_partner_catalog"'), 2)
        self.assertEqual(html.count("page-break-before: always"), 1)
        for text in (
            "Müller Maschinenbau Test GmbH",
            "Alt-Moabit 101",
            "+49 30 3990 1200",
            "Machine Building",
            "Key Account",
            "ABC Class",
            "Hans Müller",
            "Managing Director",
            "h.mueller@mueller-test.de",
            "Petra Schneider",
            "Jonas Weber",
            "Complaint about the delivery",
            "Visit of the plant",
            "Quarterly call 4",
            "Phone &gt; Mobile",
            "Schmidt Logistik Test KG",
            "Transport offer",
        ):
            self.assertIn(text, html)
        # Jonas stands in for Petra
        petra_row = html[html.index("Petra Schneider") :].split("</tr>")[0]
        self.assertIn("Jonas Weber", petra_row)
        # every column is there, even when a contact has no medium
        call_row = html[: html.index("Quarterly call 4")].rsplit("<tr>", 1)[1]
        call_row += html[html.index("Quarterly call 4") :].split("</tr>")[0]
        self.assertEqual(call_row.count("<td"), 5)
        # the last five contacts, newest first
        self.assertNotIn("Quarterly call 1", html)
        self.assertLess(html.index("Complaint about the delivery"), html.index("Quarterly call 4"))

    def test_catalog_hides_unreadable_and_private_data(self):
        html = self._catalog_html(self.salesperson, self.company)

        self.assertNotIn("Verena Versteckt", html)
        self.assertIn("Visit of the plant", html)
        for private_text in PRIVATE_TEXTS:
            self.assertNotIn(private_text, html)

        # not even a user who sees private data and every company gets it in a catalog
        admin = self.env.ref("base.user_admin")
        admin.company_ids |= self.other_company
        admin_html = self._catalog_html(admin, self.company)
        self.assertIn("Verena Versteckt", admin_html)
        for private_text in PRIVATE_TEXTS:
            self.assertNotIn(private_text, admin_html)

    def test_catalog_resolves_persons_to_their_company(self):
        html = self._catalog_html(self.salesperson, self.hans | self.petra | self.company)

        self.assertEqual(html.count('class="page o_crm_partner_catalog"'), 1)
        self.assertIn("Müller Maschinenbau Test GmbH", html)

        loner = self.env["res.partner"].create({"name": "Freelancer Fritz"})
        with self.assertRaises(UserError):
            self._catalog_html(self.salesperson, loner)

    def test_catalog_entry_count(self):
        html = self._catalog_html(self.salesperson, self.company, data={"entry_count": 2})

        self.assertIn("Complaint about the delivery", html)
        self.assertIn("Visit of the plant", html)
        self.assertNotIn("Quarterly call 4", html)

    def test_catalog_prints_as_pdf(self):
        # wkhtmltopdf must not fetch the assets from a server: this test's own server would wait
        # for the test's transaction, and another Odoo on the machine's default web.base.url
        # (a running `make demo`) may hang; a closed port fails at once and the page still renders
        self.env["ir.config_parameter"].sudo().set_param("report.url", "http://127.0.0.1:9")
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_user(self.salesperson)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(CATALOG_REPORT, (self.hans | self.carrier).ids)
        )

        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        # a page break between the companies
        self.assertGreaterEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 2)
