import logging

import psycopg2

from odoo import api, fields, models, tools
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Domain
from odoo.tools.pdf import merge_pdf

from .crm_campaign import check_participant_template
from .crm_campaign_mailing_recipient import DELIVERED_STATES, RECIPIENT_STATES
from .res_config_settings import FAX_GATEWAY_PARAM, check_fax_gateway

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "crm_campaign_stages.group_crm_campaign_manager"
MAILING_MEDIA = [("email", "E-mail"), ("letter", "Letter"), ("fax", "Fax")]
DEFAULT_BATCH_SIZE = 50
MAIL_QUEUE_CRON = "mail.ir_cron_mail_scheduler_action"
MAILING_CRON = "crm_campaign_stages.ir_cron_crm_campaign_mailing_process"


class CrmCampaignMailing(models.Model):
    """A serial e-mail, letter or fax to the running participants of a campaign (or of one of
    its stages).

    Sending freezes the recipients and hands the mailing to a scheduled action, which works
    in batches: e-mails go through Odoo's mail queue, letters are printed to one PDF per
    recipient and one merged PDF for printing, faxes are printed and e-mailed to the
    e-mail-to-fax gateway. Each sent item logs a done measure in the contact journal.
    """

    _name = "crm.campaign.mailing"
    _description = "Campaign Serial Mailing"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(required=True, tracking=True, default=lambda self: self.env._("New"))
    campaign_id = fields.Many2one(
        "crm.campaign",
        required=True,
        index=True,
        ondelete="restrict",
        tracking=True,
        domain="[('active', '=', True)]",
    )
    company_id = fields.Many2one(related="campaign_id.company_id", store=True, index=True)
    lang = fields.Selection(related="campaign_id.lang", string="Language")
    stage_id = fields.Many2one(
        "crm.campaign.stage",
        string="Stage",
        index="btree_not_null",
        ondelete="set null",
        tracking=True,
        domain="[('campaign_id', '=', campaign_id)]",
        help="Send to the running participants of this stage; empty: to all running "
        "participants of the campaign.",
    )
    medium = fields.Selection(MAILING_MEDIA, required=True, default="email", tracking=True)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("in_progress", "In Progress"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        tracking=True,
        index=True,
        copy=False,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Sender",
        required=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        help="Signs the letters, sends the e-mails and is responsible for the journal entries.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        compute="_compute_mail_template_id",
        store=True,
        readonly=False,
        precompute=True,
        domain="[('model', '=', 'crm.campaign.participant')]",
    )
    batch_size = fields.Integer(
        default=DEFAULT_BATCH_SIZE,
        help="How many recipients the scheduled action hands over at a time.",
    )
    fax_gateway = fields.Char(
        readonly=True,
        copy=False,
        help="The e-mail-to-fax gateway the faxes of this mailing were handed to.",
    )
    recipient_ids = fields.One2many(
        "crm.campaign.mailing.recipient", "mailing_id", string="Recipients", readonly=True
    )
    recipient_count = fields.Integer(compute="_compute_counts")
    queued_count = fields.Integer(compute="_compute_counts")
    sent_count = fields.Integer(compute="_compute_counts", help="Sent, opened included.")
    opened_count = fields.Integer(compute="_compute_counts")
    bounced_count = fields.Integer(compute="_compute_counts")
    failed_count = fields.Integer(compute="_compute_counts")
    skipped_count = fields.Integer(compute="_compute_counts")
    merged_pdf_id = fields.Many2one(
        "ir.attachment", string="Merged PDF", readonly=True, copy=False, ondelete="set null"
    )
    date_started = fields.Datetime(string="Sent On", readonly=True, copy=False)
    date_done = fields.Datetime(string="Done On", readonly=True, copy=False)

    _batch_size_positive = models.Constraint(
        "CHECK (batch_size > 0)", "The batch size of a mailing must be positive."
    )
    _in_progress_idx = models.Index("(id) WHERE state = 'in_progress'")

    @api.depends("campaign_id")
    def _compute_mail_template_id(self):
        for mailing in self:
            mailing.mail_template_id = mailing.campaign_id.mail_template_id

    @api.depends("recipient_ids.state")
    def _compute_counts(self):
        counts = {
            (mailing.id, state): count
            for mailing, state, count in self.env["crm.campaign.mailing.recipient"]._read_group(
                Domain("mailing_id", "in", self.ids), ["mailing_id", "state"], ["__count"]
            )
        }
        for mailing in self:
            by_state = {state: counts.get((mailing.id, state), 0) for state, _ in RECIPIENT_STATES}
            mailing.recipient_count = sum(by_state.values())
            mailing.queued_count = by_state["queued"]
            mailing.sent_count = sum(by_state[state] for state in DELIVERED_STATES)
            mailing.opened_count = by_state["opened"]
            mailing.bounced_count = by_state["bounced"]
            mailing.failed_count = by_state["failed"]
            mailing.skipped_count = by_state["skipped"]

    @api.constrains("stage_id", "campaign_id")
    def _check_stage_id(self):
        for mailing in self:
            if mailing.stage_id and mailing.stage_id.campaign_id != mailing.campaign_id:
                raise ValidationError(
                    self.env._(
                        "The stage %(stage)s is not a stage of the campaign %(campaign)s.",
                        stage=mailing.stage_id.display_name,
                        campaign=mailing.campaign_id.display_name,
                    )
                )

    @api.constrains("mail_template_id")
    def _check_mail_template_id(self):
        for mailing in self:
            check_participant_template(mailing.mail_template_id)

    @api.model_create_multi
    def create(self, vals_list):
        mailings = super().create(vals_list)
        for mailing in mailings:
            if mailing.name == self.env._("New"):
                mailing.name = mailing._get_default_name()
        mailings._add_recipients()
        return mailings

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_refresh_recipients(self):
        """Add the running participants that joined since the draft was created."""
        self._check_manager()
        drafts = self.filtered(lambda mailing: mailing.state == "draft")
        drafts._add_recipients()
        return True

    def action_send(self):
        """Freeze the recipients and hand the mailing to the scheduled action."""
        self._check_manager()
        for mailing in self:
            mailing._check_can_send()
        gateway = self.env["ir.config_parameter"].sudo().get_param(FAX_GATEWAY_PARAM) or False
        for mailing in self:
            mailing.write(
                {
                    "state": "in_progress",
                    "date_started": fields.Datetime.now(),
                    "fax_gateway": gateway if mailing.medium == "fax" else False,
                }
            )
            mailing.message_post(
                body=self.env._(
                    "Serial mailing to %(count)s recipients started.", count=mailing.queued_count
                )
            )
        self.env.ref(MAILING_CRON).sudo()._trigger()
        return True

    def action_cancel(self):
        """Stop the mailing: what is not handed over yet is skipped, what waits in the mail
        queue is taken out of it."""
        self._check_manager()
        to_cancel = self.filtered(lambda mailing: mailing.state in ("draft", "in_progress"))
        pending = to_cancel.sudo().recipient_ids.filtered(lambda rec: rec.state == "queued")
        outgoing = pending.mail_mail_id.filtered(lambda mail: mail.state == "outgoing")
        outgoing.cancel()
        pending.filtered(lambda rec: not rec.mail_mail_id or rec.mail_mail_id in outgoing).write(
            {"state": "skipped", "failure_reason": self.env._("The mailing was cancelled.")}
        )
        to_cancel.write({"state": "cancelled"})
        return True

    def action_view_recipients(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_campaign_stages.crm_campaign_mailing_recipient_action"
        )
        state = self.env.context.get("recipient_state")
        domain = [("mailing_id", "=", self.id)]
        if state == "sent":
            domain.append(("state", "in", DELIVERED_STATES))
        elif state:
            domain.append(("state", "=", state))
        action.update(domain=domain, context={"create": False})
        return action

    def action_download_merged_pdf(self):
        self.ensure_one()
        if not self.merged_pdf_id:
            raise UserError(self.env._("The merged PDF of this mailing is not printed yet."))
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{self.merged_pdf_id.id}?download=true",
            "target": "new",
        }

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _check_manager(self):
        if not (self.env.su or self.env.user.has_group(MANAGER_GROUP)):
            raise AccessError(self.env._("Only campaign managers can send serial mailings."))

    def _check_can_send(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                self.env._("The mailing %(mailing)s is already sent.", mailing=self.name)
            )
        campaign = self.campaign_id
        if not campaign.active or campaign.state != "running":
            raise UserError(
                self.env._(
                    "Serial mailings go out for running campaigns only; %(campaign)s is not "
                    "running.",
                    campaign=campaign.display_name,
                )
            )
        if self.medium == "email" and not self.mail_template_id:
            raise UserError(self.env._("Choose the e-mail template of the mailing."))
        if self.medium == "fax":
            gateway = self.env["ir.config_parameter"].sudo().get_param(FAX_GATEWAY_PARAM)
            if not gateway:
                raise UserError(
                    self.env._(
                        "Configure the e-mail-to-fax gateway in the campaign settings before "
                        "sending faxes."
                    )
                )
            check_fax_gateway(self.env, gateway)
        if self.medium in ("letter", "fax") and tools.is_html_empty(campaign.letter_body):
            raise UserError(
                self.env._(
                    "Write the letter of the campaign %(campaign)s before sending it.",
                    campaign=campaign.display_name,
                )
            )
        if not self.queued_count:
            raise UserError(
                self.env._("The mailing %(mailing)s has nobody to send to.", mailing=self.name)
            )

    def _get_default_name(self):
        self.ensure_one()
        medium = dict(self._fields["medium"]._description_selection(self.env))[self.medium]
        if self.stage_id:
            return self.env._(
                "%(campaign)s / %(stage)s: %(medium)s",
                campaign=self.campaign_id.name,
                stage=self.stage_id.name,
                medium=medium,
            )
        return self.env._("%(campaign)s: %(medium)s", campaign=self.campaign_id.name, medium=medium)

    def _get_target_participants(self):
        """The running participants the mailing goes to: those of its stage, or all."""
        self.ensure_one()
        domain = Domain("campaign_id", "=", self.campaign_id.id) & Domain("state", "=", "running")
        if self.stage_id:
            domain &= Domain("stage_id", "=", self.stage_id.id)
        return self.env["crm.campaign.participant"].search(domain, order="id")

    def _add_recipients(self):
        """Add a recipient for each target participant not yet in the mailing."""
        Recipient = self.env["crm.campaign.mailing.recipient"].sudo()
        vals_list = []
        for mailing in self:
            known = set(mailing.sudo().recipient_ids.participant_id.ids)
            participants = mailing._get_target_participants().filtered(
                lambda part, known=known: part.id not in known
            )
            vals_list += Recipient._prepare_values(mailing, participants)
        if vals_list:
            Recipient.create(vals_list)

    def _get_default_email_from(self):
        self.ensure_one()
        return self.user_id.email_formatted or self.company_id.email_formatted

    def _get_letter_subject(self, participant):
        """The subject of the letter or fax, in the campaign's language."""
        self.ensure_one()
        campaign = self.campaign_id.with_context(lang=self.campaign_id.lang)
        return campaign.letter_subject or campaign.name

    def _check_done(self):
        """Mailings in progress whose recipients are all handed over and answered by the mail
        queue are done; letters get their merged PDF first."""
        in_progress = self.filtered(lambda mailing: mailing.state == "in_progress")
        if not in_progress:
            return
        waiting = {
            mailing.id
            for [mailing] in self.env["crm.campaign.mailing.recipient"]
            .sudo()
            ._read_group(
                Domain("mailing_id", "in", in_progress.ids) & Domain("state", "=", "queued"),
                ["mailing_id"],
            )
        }
        done = in_progress.filtered(lambda mailing: mailing.id not in waiting)
        for mailing in done.filtered(lambda mailing: mailing.medium == "letter"):
            mailing._merge_letters()
        done.write({"state": "done", "date_done": fields.Datetime.now()})

    def _merge_letters(self):
        """One PDF with the letters of all recipients, in the order of the recipients, for
        printing."""
        self.ensure_one()
        letters = self.sudo().recipient_ids.filtered(
            lambda rec: rec.state in DELIVERED_STATES and rec.attachment_id
        )
        if not letters:
            return
        merged = merge_pdf([letter.attachment_id.raw for letter in letters])
        name = self.env._("Letters %(mailing)s.pdf", mailing=self.name).replace("/", "-")
        self.merged_pdf_id = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": name,
                    "raw": merged,
                    "mimetype": "application/pdf",
                    "res_model": self._name,
                    "res_id": self.id,
                    "type": "binary",
                }
            )
        )

    # ------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------

    @api.model
    def _cron_process_mailings(self):
        """Hand the recipients of the mailings in progress over in batches: queue e-mails,
        print letters and faxes. Each batch is committed with the cron progress; recipients
        are locked and handed over once, also when two workers run at the same time."""
        IrCron = self.env["ir.cron"]
        Recipient = self.env["crm.campaign.mailing.recipient"]
        mailings = self.search(Domain("state", "=", "in_progress"), order="id")
        IrCron._commit_progress(remaining=mailings._count_pending())
        for mailing in mailings:
            while recipients := Recipient._lock_pending(mailing, mailing.batch_size):
                mailing._process_recipients(recipients)
                if not IrCron._commit_progress(len(recipients)):
                    return  # out of time: the cron runs again for the rest
            mailing._check_done()
            IrCron._commit_progress()

    def _process_recipients(self, recipients):
        """Hand ``recipients`` over. When the batch fails (a letter that does not render, a
        broken address), each recipient is tried alone and the failing ones are marked failed
        with the error, so that one bad recipient does not block the mailing."""
        self.ensure_one()
        try:
            with self.env.cr.savepoint():
                recipients._process()
        except psycopg2.OperationalError:
            raise  # a lock or serialization conflict: the whole batch is retried later
        except Exception:
            _logger.warning("Mailing %s: batch failed, retrying one by one", self.id, exc_info=True)
            for recipient in recipients:
                try:
                    with self.env.cr.savepoint():
                        recipient._process()
                except psycopg2.OperationalError:
                    raise
                except Exception as error:
                    recipient.write(
                        {
                            "state": "failed",
                            "date_processed": fields.Datetime.now(),
                            "failure_reason": tools.exception_to_unicode(error),
                        }
                    )
        if self.medium in ("email", "fax"):
            self.env.ref(MAIL_QUEUE_CRON).sudo()._trigger()

    def _count_pending(self):
        if not self:
            return 0
        return self.env["crm.campaign.mailing.recipient"].search_count(
            Domain("mailing_id", "in", self.ids)
            & Domain("state", "=", "queued")
            & Domain("date_processed", "=", False)
        )
