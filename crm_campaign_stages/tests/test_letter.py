import io

from odoo.tests import tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader

from .common_mailing import MailingCase

LETTER_REPORT = "crm_campaign_stages.action_report_campaign_letter"
MM_PER_PT = 25.4 / 72


def _text_lines(pdf, page=0):
    """The text runs of a PDF page with their baseline in mm from the top of the page."""
    pdf_page = PdfFileReader(io.BytesIO(pdf)).pages[page]
    height = float(pdf_page.mediabox.height)
    lines = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            lines.append((text.replace("\t", " ").strip(), (height - y) * MM_PER_PT))

    pdf_page.extract_text(visitor_text=visit)
    return lines


@tagged("post_install", "-at_install")
class TestLetter(MailingCase):
    """Serial letters: DIN 5008 for German and Swiss companies, one PDF per recipient and one
    merged PDF for printing."""

    def _letter_html(self, mailing):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            LETTER_REPORT, mailing.recipient_ids.ids
        )
        return html.decode()

    def test_german_company_writes_din_5008_letters(self):
        mailing = self._create_mailing("letter")
        html = self._letter_html(mailing)

        self.assertEqual(html.count('data-letter-layout="din5008"'), 3)
        self.assertIn("o_campaign_letter_din5008", html)
        self.assertEqual(html.count('class="o_letter_abs o_din5008_address_field"'), 3)
        self.assertIn("o_din5008_info_block", html)
        self.assertIn("o_din5008_fold_mark_top", html)
        self.assertIn("top: 30mm; left: 20mm; width: 85mm; height: 45mm;", html)
        self.assertNotIn('data-letter-layout="plain"', html)
        # return address line, salutation by form of address and language, body, closing
        self.assertIn(
            "Schwarzwald Werkzeugmaschinen GmbH · Industriestraße 12 · "
            "78048 Villingen-Schwenningen",
            html,
        )
        self.assertIn("Sehr geehrte Frau Schneider,", html)
        self.assertIn("Sehr geehrter Herr Dr. Bergmann,", html)
        self.assertIn("Sehr geehrte Damen und Herren,", html)
        self.assertIn("wir laden <span>Petra Schneider</span> zu unserer Hausmesse ein.", html)
        self.assertIn("Mit freundlichen Grüßen", html)
        self.assertIn("Frau Petra Schneider", html)
        self.assertIn("Unser Frühjahrsangebot", html)

    def test_other_companies_write_plain_letters(self):
        self.company.country_id = self.env.ref("base.pl")
        mailing = self._create_mailing("letter")
        html = self._letter_html(mailing)

        self.assertEqual(html.count('data-letter-layout="plain"'), 3)
        self.assertEqual(html.count('class="o_letter_abs o_plain_address o_letter_address"'), 3)
        self.assertNotIn('class="o_letter_abs o_din5008_address_field"', html)
        self.assertNotIn("o_letter_abs o_din5008_fold_mark", html)
        self.assertIn("Sehr geehrte Frau Schneider,", html, "the recipient's language")

    def test_letter_salutation_follows_the_recipient_language(self):
        self.campaign._add_participants(self.kowalski)
        mailing = self._create_mailing("letter")
        html = self._letter_html(mailing)
        self.assertIn("Szanowni Państwo,", html)
        self.assertIn("Z poważaniem", html)

    def test_recipients_without_postal_address_are_skipped(self):
        nomad = self.env["res.partner"].create({"name": "Nina Nomad", "lang": "de_DE"})
        self.campaign._add_participants(nomad)
        mailing = self._create_mailing("letter")
        recipient = mailing.recipient_ids.filtered(lambda r: r.partner_id == nomad)
        self.assertEqual(recipient.state, "skipped")
        self.assertEqual(recipient.failure_reason, "No postal address.")

    def test_letters_print_one_pdf_each_and_one_merged_pdf(self):
        mailing = self._create_mailing("letter", batch_size=2)
        mailing.with_user(self.manager).action_send()
        self._run_cron()

        self.assertEqual(mailing.state, "done")
        self.assertEqual(set(mailing.recipient_ids.mapped("state")), {"sent"})
        for recipient in mailing.recipient_ids:
            pdf = recipient.attachment_id.raw
            self.assertTrue(pdf.startswith(b"%PDF"))
            self.assertEqual(len(PdfFileReader(io.BytesIO(pdf)).pages), 1)
            self.assertEqual(recipient.attachment_id.res_model, recipient._name)
            self.assertEqual(recipient.attachment_id.res_id, recipient.id)
        merged = PdfFileReader(io.BytesIO(mailing.merged_pdf_id.raw))
        self.assertEqual(len(merged.pages), len(mailing.recipient_ids))
        self.assertEqual(mailing.merged_pdf_id.res_id, mailing.id)

        entries = mailing.recipient_ids.journal_entry_id
        self.assertEqual(len(entries), 3)
        self.assertEqual(
            entries.medium_id, self.env.ref("crm_contact_management.crm_journal_medium_letter")
        )
        self.assertEqual(set(entries.mapped("state")), {"done"})
        self.assertEqual(entries.campaign_id, self.campaign)
        self.assertTrue(all(self.participants.mapped("contacted")))

        # a second run prints nothing again
        attachments = mailing.recipient_ids.attachment_id
        self._run_cron()
        self.assertEqual(mailing.recipient_ids.attachment_id, attachments)
        self.assertEqual(len(mailing.recipient_ids.journal_entry_id), 3)

    def test_the_address_shows_in_the_din_window(self):
        mailing = self._create_mailing("letter")
        petra = mailing.recipient_ids.filtered(lambda r: r.partner_id == self.petra)
        petra._render_letters()
        runs = _text_lines(petra.attachment_id.raw)
        lines = dict(runs)

        # return address line in the top zone of the window (45 to 62.7 mm), address below it
        # (62.7 to 90 mm), subject below the window
        return_line = next(y for text, y in runs if text.startswith("Schwarzwald") and "·" in text)
        self.assertTrue(45 < return_line < 62.7, return_line)
        for text in ("Müller Maschinenbau GmbH", "Frau Petra Schneider", "70173 Stuttgart"):
            self.assertTrue(62.7 < lines[text] < 90, (text, lines[text]))
        self.assertGreater(lines["Unser Frühjahrsangebot"], 98)
        self.assertLess(lines["Unser Frühjahrsangebot"], 106)

    def test_a_letter_that_does_not_render_fails_alone(self):
        # only a template editor may write code; this one breaks for Dr. Bergmann only
        self.campaign.letter_body = (
            "<p>Rabatt: <span t-out=\"100 // (object.partner_id.name != 'Hans Bergmann')\"/> %</p>"
        )
        mailing = self._create_mailing("letter")
        mailing.with_user(self.manager).action_send()
        with (
            self.assertLogs(
                "odoo.addons.crm_campaign_stages.models.crm_campaign_mailing", "WARNING"
            ),
            mute_logger("odoo.addons.mail.models.mail_render_mixin"),
        ):
            self._run_cron()

        by_partner = {rec.partner_id: rec for rec in mailing.recipient_ids}
        self.assertEqual(by_partner[self.hans].state, "failed")
        self.assertIn("division", by_partner[self.hans].failure_reason)
        self.assertFalse(by_partner[self.hans].journal_entry_id)
        self.assertEqual(by_partner[self.petra].state, "sent")
        self.assertEqual(by_partner[self.mueller].state, "sent")
        self.assertEqual(mailing.state, "done")
        merged = PdfFileReader(io.BytesIO(mailing.merged_pdf_id.raw))
        self.assertEqual(len(merged.pages), 2, "the merged PDF holds the printed letters")
