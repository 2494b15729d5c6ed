from odoo import models
from odoo.fields import Domain


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, success_emails, failure_reason=False, failure_type=None
    ):
        """Report the outcome of the mail queue to the serial mailing recipients of these
        e-mails: sent, or failed with the reason. Runs before sent e-mails are auto-deleted."""
        recipients = (
            self.env["crm.campaign.mailing.recipient"]
            .sudo()
            .search(Domain("mail_mail_id", "in", self.ids))
        )
        for mail in self.filtered(lambda mail: mail in recipients.mail_mail_id):
            mail_recipients = recipients.filtered(lambda rec, mail=mail: rec.mail_mail_id == mail)
            if failure_type:
                reason = failure_reason or dict(
                    self._fields["failure_type"]._description_selection(self.env)
                ).get(failure_type)
                mail_recipients._mark_failed(reason)
            else:
                mail_recipients._mark_sent(mail)
        return super()._postprocess_sent_message(
            success_pids, success_emails, failure_reason=failure_reason, failure_type=failure_type
        )
