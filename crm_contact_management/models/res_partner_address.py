from odoo import api, models
from odoo.fields import Domain
from odoo.tools import SQL


class ResPartner(models.Model):
    """Keep exactly one default delivery and one default invoice address per company.

    The field, the database constraints and the helpers are in the "default delivery and
    invoice addresses" section of res_partner.py; the CRUD overrides are here because
    res_partner.py already overrides ``create`` and ``write`` for contact persons.
    """

    _inherit = "res.partner"

    def init(self):
        super().init()
        # addresses that existed before this module: the oldest one of a kind is the default
        self.env.cr.execute(
            SQL(
                """
                UPDATE res_partner
                   SET is_default_address = TRUE
                 WHERE id IN (
                    SELECT DISTINCT ON (address.parent_id, address.type) address.id
                      FROM res_partner address
                     WHERE address.parent_id IS NOT NULL
                       AND address.active
                       AND address.type IN %(types)s
                       AND NOT EXISTS (
                            SELECT FROM res_partner other
                             WHERE other.parent_id = address.parent_id
                               AND other.type = address.type
                               AND other.active
                               AND other.is_default_address
                       )
                  ORDER BY address.parent_id, address.type, address.id
                 )
                """,
                types=self._default_address_types,
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        wanted = [vals.get("is_default_address") for vals in vals_list]
        vals_list = [
            {key: value for key, value in vals.items() if key != "is_default_address"}
            for vals in vals_list
        ]
        partners = super().create(vals_list)
        partners.browse(
            [partner.id for partner, is_default in zip(partners, wanted, strict=True) if is_default]
        ).write({"is_default_address": True})
        self._ensure_default_addresses(partners._default_address_groups())
        return partners

    def write(self, vals):
        if not {"is_default_address", "parent_id", "type", "active"} & vals.keys():
            return super().write(vals)
        self.check_access("write")
        defaults_before = self.filtered("is_default_address")
        groups = defaults_before._default_address_groups()
        if vals.get("is_default_address"):
            self._release_default_addresses(vals)
        elif "is_default_address" not in vals:
            # a default address that is archived, retyped or moved to another company stops
            # being a default before it leaves, so that it never meets another default
            defaults_before.filtered(
                lambda address: address._default_address_group(vals)
                != address._default_address_group()
            )._set_default_address_flag(False)
        result = super().write(vals)
        groups |= self._default_address_groups()
        avoid = self if "is_default_address" in vals and not vals["is_default_address"] else None
        self._ensure_default_addresses(groups, avoid=avoid)
        return result

    def unlink(self):
        self.check_access("unlink")
        groups = self.filtered("is_default_address")._default_address_groups()
        # the addresses of deleted companies lose their company, and their default flag
        self.sudo().search(
            Domain("parent_id", "in", self.ids) & Domain("is_default_address", "=", True)
        )._set_default_address_flag(False)
        result = super().unlink()
        self._ensure_default_addresses(groups)
        return result
