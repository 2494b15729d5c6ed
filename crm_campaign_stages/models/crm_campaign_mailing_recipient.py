import re
import uuid

import phonenumbers

from odoo import api, fields, models, tools
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize
from odoo.tools.mail import formataddr

RECIPIENT_STATES = [
    ("queued", "Queued"),
    ("sent", "Sent"),
    ("bounced", "Bounced"),
    ("opened", "Opened"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]
# a recipient in one of these states reached the partner (opened implies sent)
DELIVERED_STATES = ("sent", "opened")
JOURNAL_MEDIA = {
    "email": "crm_contact_management.crm_journal_medium_email",
    "letter": "crm_contact_management.crm_journal_medium_letter",
    "fax": "crm_contact_management.crm_journal_medium_fax",
}
MEASURE_CONTENT_TYPE = "crm_contact_management.crm_journal_content_type_measure"
LETTER_REPORT = "crm_campaign_stages.action_report_campaign_letter"
TRACKING_PIXEL_RE = re.compile(r"<img[^>]*/crm_campaign/mailing/open/[^>]*>")


class CrmCampaignMailingRecipient(models.Model):
    """One participant of a serial mailing: the address it goes to, and what became of it.

    A recipient is ``queued`` until it is handed over; e-mails and faxes then wait in Odoo's
    mail queue (``date_processed`` set, still queued) until the queue reports them sent or
    failed. A bounce marks a sent item ``bounced``; the tracking pixel of an e-mail marks it
    ``opened``. Recipients without a usable address are ``skipped`` with the reason.
    """

    _name = "crm.campaign.mailing.recipient"
    _description = "Serial Mailing Recipient"
    _order = "mailing_id desc, id"
    _rec_name = "partner_id"

    mailing_id = fields.Many2one(
        "crm.campaign.mailing", required=True, index=True, ondelete="cascade", readonly=True
    )
    campaign_id = fields.Many2one(related="mailing_id.campaign_id", store=True, index=True)
    company_id = fields.Many2one(related="mailing_id.company_id", store=True)
    medium = fields.Selection(related="mailing_id.medium")
    participant_id = fields.Many2one(
        "crm.campaign.participant", required=True, index=True, ondelete="cascade", readonly=True
    )
    partner_id = fields.Many2one(
        "res.partner", string="Partner", required=True, index=True, readonly=True
    )
    email = fields.Char(
        string="E-mail", readonly=True, help="The address the e-mail goes to, when sent by e-mail."
    )
    fax = fields.Char(
        string="Fax Number", readonly=True, help="The number the fax goes to, when sent by fax."
    )
    fax_address = fields.Char(
        readonly=True, help="The address of the e-mail-to-fax gateway the fax was handed to."
    )
    state = fields.Selection(
        RECIPIENT_STATES, required=True, default="queued", readonly=True, index=True, copy=False
    )
    failure_reason = fields.Text(readonly=True, copy=False)
    date_processed = fields.Datetime(
        string="Handed Over On",
        readonly=True,
        copy=False,
        help="When the item was put in the mail queue (e-mail, fax) or printed (letter).",
    )
    mail_mail_id = fields.Many2one(
        "mail.mail",
        string="Queued E-mail",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
    )
    message_id = fields.Char(
        string="Message-Id",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="The Message-Id header of the sent e-mail; bounces refer to it.",
    )
    date_sent = fields.Datetime(readonly=True, copy=False)
    date_opened = fields.Datetime(readonly=True, copy=False)
    journal_entry_id = fields.Many2one(
        "crm.journal.entry", readonly=True, index="btree_not_null", ondelete="set null"
    )
    attachment_id = fields.Many2one(
        "ir.attachment", string="PDF", readonly=True, ondelete="set null", copy=False
    )
    access_token = fields.Char(
        readonly=True,
        copy=False,
        default=lambda self: uuid.uuid4().hex,
        groups="base.group_system",
        help="Secret of the open tracking pixel of the e-mail.",
    )

    _participant_unique = models.UniqueIndex(
        "(mailing_id, participant_id)",
        "A participant receives a serial mailing only once.",
    )
    _pending_idx = models.Index(
        "(mailing_id, id) WHERE state = 'queued' AND date_processed IS NULL"
    )

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_open_pdf(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.attachment_id.id}?download=true",
            "target": "new",
        }

    # ------------------------------------------------------------
    # Addresses
    # ------------------------------------------------------------

    @api.model
    def _prepare_values(self, mailing, participants):
        """Values of the recipients of ``mailing`` for ``participants``: the partner and the
        address of the mailing's medium; a recipient without a usable address is skipped
        with the reason."""
        vals_list = []
        for participant in participants:
            partner = participant.partner_id
            vals = {
                "mailing_id": mailing.id,
                "participant_id": participant.id,
                "partner_id": partner.id,
            }
            if mailing.medium == "email":
                vals["email"] = partner.email
                if not partner.email:
                    vals.update(state="skipped", failure_reason=self.env._("No e-mail address."))
                elif not email_normalize(partner.email):
                    vals.update(
                        state="skipped",
                        failure_reason=self.env._(
                            "Invalid e-mail address: %(email)s", email=partner.email
                        ),
                    )
            elif mailing.medium == "fax":
                vals["fax"] = partner.fax
                if not _fax_digits(partner):
                    vals.update(state="skipped", failure_reason=self.env._("No fax number."))
            elif mailing.medium == "letter" and not _has_postal_address(partner):
                vals.update(state="skipped", failure_reason=self.env._("No postal address."))
            vals_list.append(vals)
        return vals_list

    def _get_fax_address(self, gateway):
        """The e-mail address of the fax gateway for this recipient's number."""
        self.ensure_one()
        return gateway.format(number=_fax_digits(self.partner_id, self.fax))

    # ------------------------------------------------------------
    # Processing (scheduled action; runs as superuser)
    # ------------------------------------------------------------

    @api.model
    def _lock_pending(self, mailing, limit):
        """Lock the next ``limit`` recipients of ``mailing`` still to hand over. A second
        worker running at the same time skips the rows this one holds."""
        self.env.cr.execute(
            SQL(
                """SELECT id FROM crm_campaign_mailing_recipient
                    WHERE mailing_id = %s AND state = 'queued' AND date_processed IS NULL
                 ORDER BY id
                    LIMIT %s
               FOR UPDATE SKIP LOCKED""",
                mailing.id,
                limit,
            )
        )
        recipients = self.browse([row[0] for row in self.env.cr.fetchall()])
        # another worker may have handed them over since this transaction's cache was filled
        recipients.invalidate_recordset(["state", "date_processed"])
        return recipients.filtered(lambda rec: rec.state == "queued" and not rec.date_processed)

    def _process(self):
        """Hand these recipients (of one mailing) over: queue their e-mails, print their
        letters, or print and queue their faxes."""
        mailing = self.mailing_id
        mailing.ensure_one()
        if mailing.medium == "email":
            self._queue_emails()
        elif mailing.medium == "letter":
            self._render_letters()
            now = fields.Datetime.now()
            self.write({"state": "sent", "date_processed": now, "date_sent": now})
            self._log_sent()
        elif mailing.medium == "fax":
            self._render_letters()
            self._queue_faxes()

    def _queue_emails(self):
        """Create the e-mails of these recipients in the mail queue: the campaign's template
        rendered for each participant in the campaign's language, with the open tracking
        pixel."""
        mailing = self.mailing_id
        template = mailing.mail_template_id
        lang = mailing.campaign_id.lang
        participants = self.participant_id
        rendered = template.with_context(template_preview_lang=lang)._generate_template(
            participants.ids,
            (
                "attachment_ids",
                "auto_delete",
                "body_html",
                "email_from",
                "mail_server_id",
                "model",
                "reply_to",
                "report_template_ids",
                "res_id",
                "scheduled_date",
                "subject",
            ),
        )
        layout = template.email_layout_xmlid
        values_list, attachments_list = [], []
        for recipient in self:
            values = rendered[recipient.participant_id.id]
            body = values.get("body_html") or ""
            if layout:
                body = recipient._encapsulate(template.with_context(lang=lang), layout, body)
            body = tools.mail.append_content_to_html(
                body, f'<img src="{recipient._get_tracking_url()}" alt=""/>', plaintext=False
            )
            attachments_list.append(values.pop("attachments", []))
            values.pop("partner_ids", None)
            values.update(
                body_html=body,
                body=body,
                email_to=formataddr((recipient.partner_id.name or "", recipient.email)),
                recipient_ids=[],
                attachment_ids=[(4, aid) for aid in values.get("attachment_ids") or []],
                author_id=mailing.user_id.partner_id.id,
                email_from=values.get("email_from") or mailing._get_default_email_from(),
                message_type="email_outgoing",
            )
            if not values.get("reply_to"):
                values.pop("reply_to", None)
            values_list.append(values)
        mails = self.env["mail.mail"].sudo().create(values_list)
        for mail, attachments in zip(mails, attachments_list, strict=True):
            if attachments:
                mail.with_context(default_type=None).write(
                    {
                        "attachment_ids": [
                            (
                                0,
                                0,
                                {
                                    "name": name,
                                    "datas": datas,
                                    "type": "binary",
                                    "res_model": "mail.message",
                                    "res_id": mail.mail_message_id.id,
                                },
                            )
                            for name, datas in attachments
                        ]
                    }
                )
        now = fields.Datetime.now()
        for recipient, mail in zip(self, mails, strict=True):
            recipient.write({"mail_mail_id": mail.id, "date_processed": now})

    def _encapsulate(self, template, layout, body):
        """The body wrapped in the template's notification layout, as the mail queue of a
        template would send it."""
        self.ensure_one()
        record = self.participant_id.with_context(lang=template.env.lang)
        return template._render_encapsulate(
            layout,
            body,
            add_context={
                "company": self.company_id,
                "model_description": self.env["ir.model"]
                .with_context(lang=template.env.lang)
                ._get(record._name)
                .display_name,
            },
            context_record=record,
        )

    def _render_letters(self):
        """Render the letter PDF of each recipient and keep it as attachment of the recipient.

        One wkhtmltopdf run per letter: a run with several documents needs a wkhtmltopdf
        built with patched Qt, and splitting its output depends on the page count."""
        Report = self.env["ir.actions.report"].with_context(report_pdf_no_attachment=True)
        vals_list = []
        for recipient in self:
            streams = Report._render_qweb_pdf_prepare_streams(
                LETTER_REPORT, {}, res_ids=recipient.ids
            )
            stream = streams[recipient.id]["stream"]
            vals_list.append(
                {
                    "name": recipient._get_pdf_name(),
                    "raw": stream.getvalue(),
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": recipient.id,
                    "type": "binary",
                }
            )
            stream.close()
        attachments = self.env["ir.attachment"].sudo().create(vals_list)
        for recipient, attachment in zip(self, attachments, strict=True):
            recipient.attachment_id = attachment

    def _get_pdf_name(self):
        self.ensure_one()
        kind = self.env._("Fax") if self.mailing_id.medium == "fax" else self.env._("Letter")
        name = f"{kind} {self.mailing_id.name} - {self.partner_id.display_name}.pdf"
        return name.replace("/", "-")

    def _queue_faxes(self):
        """Hand the letter PDF of each recipient to the e-mail-to-fax gateway."""
        mailing = self.mailing_id
        values_list = []
        for recipient in self:
            address = recipient._get_fax_address(mailing.fax_gateway)
            recipient.fax_address = address
            subject = mailing._get_letter_subject(recipient.participant_id)
            values_list.append(
                {
                    "subject": subject,
                    "body_html": self.env._(
                        "<p>Fax to %(partner)s (%(number)s)</p>",
                        partner=tools.html_escape(recipient.partner_id.display_name),
                        number=tools.html_escape(recipient.fax),
                    ),
                    "email_to": address,
                    "email_from": mailing._get_default_email_from(),
                    "author_id": mailing.user_id.partner_id.id,
                    "model": recipient.participant_id._name,
                    "res_id": recipient.participant_id.id,
                    "attachment_ids": [(4, recipient.attachment_id.id)],
                    "message_type": "email_outgoing",
                    "auto_delete": False,
                }
            )
        mails = self.env["mail.mail"].sudo().create(values_list)
        now = fields.Datetime.now()
        for recipient, mail in zip(self, mails, strict=True):
            recipient.write({"mail_mail_id": mail.id, "date_processed": now})

    # ------------------------------------------------------------
    # Outcome (mail queue, bounces, tracking pixel)
    # ------------------------------------------------------------

    def _mark_sent(self, mail):
        """The mail queue sent the e-mail or fax of these recipients."""
        to_mark = self.filtered(lambda rec: rec.state == "queued")
        if not to_mark:
            return
        to_mark.write(
            {
                "state": "sent",
                "date_sent": fields.Datetime.now(),
                "message_id": mail.message_id,
                "failure_reason": False,
            }
        )
        to_mark._log_sent(body=_strip_tracking_pixel(mail.body_html), subject=mail.subject)
        to_mark.mailing_id._check_done()

    def _mark_failed(self, reason):
        to_mark = self.filtered(lambda rec: rec.state == "queued")
        if not to_mark:
            return
        to_mark.write({"state": "failed", "failure_reason": reason})
        to_mark.mailing_id._check_done()

    def _mark_bounced(self, reason):
        """A bounce came back for these recipients: the item did not reach the partner, and
        the journal records the measure as not done."""
        to_mark = self.filtered(lambda rec: rec.state in ("queued", *DELIVERED_STATES))
        if not to_mark:
            return
        reason = reason or self.env._("The e-mail bounced.")
        to_mark.write({"state": "bounced", "failure_reason": reason})
        entries = to_mark.journal_entry_id.sudo().filtered(lambda entry: entry.state == "done")
        if entries:
            entries.write({"state": "planned"})
            entries.action_not_done(self.env._("Bounced: %(reason)s", reason=reason))
        to_mark.mailing_id._check_done()

    def _mark_opened(self):
        to_mark = self.filtered(lambda rec: rec.state == "sent")
        to_mark.write({"state": "opened", "date_opened": fields.Datetime.now()})
        return to_mark

    def _get_tracking_url(self):
        self.ensure_one()
        return tools.urls.urljoin(
            self.mailing_id.get_base_url(),
            f"/crm_campaign/mailing/open/{self.id}/{self.sudo().access_token}/blank.gif",
        )

    # ------------------------------------------------------------
    # Journal
    # ------------------------------------------------------------

    def _log_sent(self, body=None, subject=None):
        """Log a done measure in the contact journal for each sent item and mark the
        participant contacted."""
        to_log = self.filtered(lambda rec: not rec.journal_entry_id)
        if not to_log:
            return
        vals_list = [rec._prepare_journal_entry_values(body, subject) for rec in to_log]
        entries = self.env["crm.journal.entry"].sudo().create(vals_list)
        for recipient, entry in zip(to_log, entries, strict=True):
            recipient.journal_entry_id = entry
        to_log.participant_id.sudo().filtered(lambda part: not part.contacted).write(
            {"contacted": True}
        )

    def _prepare_journal_entry_values(self, body=None, subject=None):
        self.ensure_one()
        mailing = self.mailing_id
        partner = self.partner_id
        subject = subject or mailing._get_letter_subject(self.participant_id)
        medium_label = dict(self.mailing_id._fields["medium"]._description_selection(self.env))
        vals = {
            "name": self.env._(
                "%(medium)s: %(subject)s", medium=medium_label[mailing.medium], subject=subject
            ),
            "user_id": mailing.user_id.id,
            "company_id": mailing.company_id.id,
            "medium_id": self.env.ref(JOURNAL_MEDIA[mailing.medium]).id,
            "content_type_id": self.env.ref(MEASURE_CONTENT_TYPE).id,
            "direction": "outgoing",
            "state": "done",
            "date_start": self.date_sent or fields.Datetime.now(),
            "report": body or self._get_journal_report(),
            "campaign_id": mailing.campaign_id.id,
            "campaign_participant_id": self.participant_id.id,
        }
        if partner.is_company:
            vals["partner_id"] = partner.id
        else:
            vals["contact_id"] = partner.id
        return vals

    def _get_journal_report(self):
        self.ensure_one()
        mailing = self.mailing_id
        if mailing.medium == "fax":
            return self.env._(
                "<p>Serial fax %(mailing)s sent to %(number)s.</p>",
                mailing=tools.html_escape(mailing.name),
                number=tools.html_escape(self.fax),
            )
        return self.env._(
            "<p>Serial letter %(mailing)s printed.</p>",
            mailing=tools.html_escape(mailing.name),
        )

    @api.model
    def _search_by_message_ids(self, message_ids):
        if not message_ids:
            return self.browse()
        message_ids = list(message_ids)
        return self.search(
            Domain("message_id", "in", message_ids)
            | Domain("mail_mail_id.message_id", "in", message_ids)
        )


def _strip_tracking_pixel(body):
    """The body without the open tracking pixel: showing it in the journal must not count as
    the recipient opening the e-mail."""
    return TRACKING_PIXEL_RE.sub("", body or "")


def _has_postal_address(partner):
    return bool((partner.street or partner.street2) and partner.city)


def _fax_digits(partner, number=None):
    """The fax number of the partner as the digits of its international form (4971112345), or
    its bare digits when it cannot be parsed; empty without a number."""
    number = (number if number is not None else partner.fax) or ""
    if not number.strip():
        return ""
    country = partner.country_id or partner.commercial_partner_id.country_id
    try:
        parsed = phonenumbers.parse(number, country.code or None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is not None and phonenumbers.is_possible_number(parsed):
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)[1:]
    return "".join(char for char in number if char.isdigit())
