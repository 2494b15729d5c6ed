from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import email_normalize

FAX_GATEWAY_PARAM = "crm_campaign_stages.fax_gateway"


def check_fax_gateway(env, gateway):
    """Raise when ``gateway`` is not an e-mail address pattern with a ``{number}`` placeholder,
    such as ``{number}@fax.example.com``."""
    try:
        address = gateway.format(number="4971112345")
    except (KeyError, IndexError, ValueError):
        address = False
    if "{number}" not in gateway or not address or not email_normalize(address):
        raise ValidationError(
            env._(
                "The fax gateway %(gateway)s is not an e-mail address with the placeholder "
                "{number}, such as {number}@fax.example.com.",
                gateway=gateway,
            )
        )


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    crm_campaign_fax_gateway = fields.Char(
        string="E-mail-to-Fax Gateway",
        config_parameter=FAX_GATEWAY_PARAM,
        help="Faxes of serial mailings are e-mailed with the letter as PDF to this address; "
        "{number} stands for the fax number in digits, e.g. {number}@fax.example.com.",
    )

    @api.constrains("crm_campaign_fax_gateway")
    def _check_crm_campaign_fax_gateway(self):
        for settings in self.filtered("crm_campaign_fax_gateway"):
            check_fax_gateway(self.env, settings.crm_campaign_fax_gateway.strip())
