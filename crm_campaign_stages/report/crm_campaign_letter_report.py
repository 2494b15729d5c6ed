from markupsafe import Markup

from odoo import api, fields, models
from odoo.addons.base.models.ir_actions_report import _wkhtml
from odoo.addons.crm_selection.models.res_partner_salutation import _by_language
from odoo.tools import format_date

# Letter closings by language, matching the salutations of crm_selection.
CLOSINGS = {
    "de": "Mit freundlichen Grüßen",
    "de_CH": "Freundliche Grüsse",
    "pl": "Z poważaniem",
    "en": "Kind regards",
    "en_US": "Sincerely,",
    "fr": "Veuillez agréer nos salutations distinguées.",
    "it": "Cordiali saluti",
}
# Companies in these countries write their letters to DIN 5008 (form B).
DIN5008_COUNTRIES = ("DE", "CH")
# A wkhtmltopdf built without patched Qt ignores --disable-smart-shrinking and --zoom: on the
# letter's paper format (A4, no side margins) it prints a CSS pixel as 0.576279 pt instead of
# 0.75 pt. The letter zooms its page by the inverse so that its millimetres stay millimetres.
UNPATCHED_QT_ZOOM = 0.75 / 0.576279


class ReportCampaignLetter(models.AbstractModel):
    """The letter of a serial mailing to one recipient: DIN 5008 form B (address window 45 mm
    from the top, 20 mm from the left, 85 x 45 mm, return address line, information block,
    fold and hole marks) for German and Swiss companies, a plain business letter otherwise.
    Salutation and closing follow the recipient's form of address and language; the body is
    the campaign's letter rendered for the participant in the campaign's language."""

    _name = "report.crm_campaign_stages.report_campaign_letter"
    _description = "Campaign Letter Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        recipients = self.env["crm.campaign.mailing.recipient"].browse(docids)
        return {
            "doc_ids": recipients.ids,
            "doc_model": recipients._name,
            "docs": recipients,
            "letters": self._get_letters(recipients),
            "letter_zoom": 1.0 if _wkhtml().is_patched_qt else UNPATCHED_QT_ZOOM,
        }

    @api.model
    def _get_letters(self, recipients):
        letters = {}
        for mailing in recipients.mailing_id:
            mailing_recipients = recipients.filtered(lambda rec, m=mailing: rec.mailing_id == m)
            bodies = self._render_bodies(mailing.campaign_id, mailing_recipients.participant_id)
            for recipient in mailing_recipients:
                letters[recipient.id] = self._get_letter(
                    recipient, bodies[recipient.participant_id.id]
                )
        return letters

    @api.model
    def _render_bodies(self, campaign, participants):
        """The campaign's letter for each participant, in the campaign's language."""
        lang = campaign.lang
        body = campaign.with_context(lang=lang).letter_body or ""
        return (
            self.env["mail.render.mixin"]
            .with_context(lang=lang)
            ._render_template(body, participants._name, participants.ids, engine="qweb")
        )

    @api.model
    def _get_letter(self, recipient, body):
        mailing = recipient.mailing_id
        company = mailing.company_id
        partner = recipient.partner_id.with_company(company)
        lang = mailing.campaign_id.lang
        letter_lang = partner._get_letter_language()
        sender = mailing.user_id
        date = fields.Date.context_today(mailing)
        return {
            "lang": lang,
            "layout": self._get_layout(company),
            "company": company,
            "return_address": self._get_return_address(company),
            "address_lines": partner._get_address_block_lines(),
            "sender_name": sender.name,
            "sender_phone": sender.phone or company.phone,
            "sender_email": sender.email or company.email,
            "date": format_date(self.env, date, lang_code=lang),
            "subject": mailing._get_letter_subject(recipient.participant_id),
            "salutation": partner._get_letter_salutation(),
            "body": Markup(body or ""),
            "closing": _by_language(CLOSINGS, letter_lang),
        }

    @api.model
    def _get_layout(self, company):
        return "din5008" if company.country_id.code in DIN5008_COUNTRIES else "plain"

    @api.model
    def _get_return_address(self, company):
        """The return address line above the recipient: name, street, zip and city."""
        city = " ".join(filter(None, [company.zip, company.city]))
        return " · ".join(filter(None, [company.name, company.street, city]))
