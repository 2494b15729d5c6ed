import base64

from odoo import http
from odoo.http import request
from odoo.tools import consteq

# a transparent 1x1 GIF
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


class CampaignMailingController(http.Controller):
    @http.route(
        "/crm_campaign/mailing/open/<int:recipient_id>/<string:token>/blank.gif",
        type="http",
        auth="public",
        methods=["GET"],
        csrf=False,
        save_session=False,
    )
    def mailing_open(self, recipient_id, token, **kwargs):
        """Tracking pixel of a serial mailing e-mail: marks its recipient opened. Answers the
        same image whatever the token, so that it tells nothing about the recipients."""
        recipient = (
            request.env["crm.campaign.mailing.recipient"].sudo().browse(recipient_id).exists()
        )
        if recipient and recipient.access_token and consteq(recipient.access_token, token):
            recipient._mark_opened()
        return request.make_response(
            PIXEL,
            headers=[
                ("Content-Type", "image/gif"),
                ("Content-Length", str(len(PIXEL))),
                ("Cache-Control", "no-cache, no-store, must-revalidate, max-age=0"),
            ],
        )
