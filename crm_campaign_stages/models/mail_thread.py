from odoo import api, models, tools


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def _routing_handle_bounce(self, email_message, message_dict):
        """A bounce of a serial mailing e-mail or fax marks its recipient bounced."""
        res = super()._routing_handle_bounce(email_message, message_dict)
        bounced_msg_ids = message_dict.get("bounced_msg_ids")
        if bounced_msg_ids:
            recipients = (
                self.env["crm.campaign.mailing.recipient"]
                .sudo()
                ._search_by_message_ids(bounced_msg_ids)
            )
            if recipients:
                reason = tools.html2plaintext(message_dict.get("body") or "").strip()
                recipients._mark_bounced(reason[:1000] or False)
        return res
