from odoo import api, models
from odoo.fields import Domain

ADDRESS_FIELDS = ("street", "city", "zip", "state", "country")


class ResPartner(models.Model):
    """Contact persons synced with an Exchange contacts folder (the user's own or a shared one)."""

    _name = "res.partner"
    _inherit = ["res.partner", "crm.exchange.synced.mixin"]

    @api.model
    def _crm_exchange_synced_fields(self):
        return {
            "name", "parent_id", "company_name", "function", "function_id", "email", "phone",
            "street", "city", "zip", "state_id", "country_id", "active", "is_company",
        }  # fmt: skip

    @api.model
    def _crm_exchange_scope_ids(self, user, settings):
        """The contact persons the settings' filter selects for ``user``."""
        persons = (
            Domain("is_company", "=", False)
            & Domain("type", "=", "contact")
            & Domain("active", "=", True)
        )
        contact_filter = settings.get("contact_filter") or "my_accounts"
        if contact_filter == "selection":
            selection = (
                self.env["crm.selection"]
                .browse(settings.get("contact_selection_id") or [])
                .exists()
            )
            if not selection:
                return set()
            member_ids = selection._get_member_ids()
            domain = persons & (
                Domain("id", "in", member_ids) | Domain("parent_id", "in", member_ids)
            )
        elif contact_filter == "all_persons":
            domain = persons & Domain("user_ids", "=", False)
        else:
            domain = persons & (
                Domain("user_id", "=", user.id) | Domain("parent_id.user_id", "=", user.id)
            )
        return set(self.search(domain).ids)

    @api.model
    def _crm_exchange_still_in_scope(self, records, user, settings):
        """A mapped person stays synced while active, even when it leaves the filter: an Outlook
        contact is never deleted just because a saved selection changed."""
        return records.filtered(lambda p: p.active and not p.is_company)

    def _crm_exchange_values(self, user, extra=None):
        self.ensure_one()
        extra = extra or {}
        given_name, surname = self._crm_exchange_split_name()
        emails = [self.email.strip()] if self.email else []
        emails += [
            e for e in extra.get("emails", []) if e.lower() not in {x.lower() for x in emails}
        ]
        phones = dict(extra.get("phones") or {})
        phones["business"] = self.phone or None
        return {
            "given_name": given_name,
            "surname": surname,
            "display_name": self.name or "",
            "company_name": self.parent_id.name or self.company_name or "",
            "job_title": self.function or "",
            "department": extra.get("department") or "",
            "emails": emails[:3],
            "phones": {
                key: phones.get(key) or None
                for key in ("business", "mobile", "home", "business_fax")
            },
            "address": {
                "street": self.street or "",
                "city": self.city or "",
                "zip": self.zip or "",
                "state": self.state_id.name or "",
                "country": self.country_id.name or "",
            },
        }

    def _crm_exchange_split_name(self):
        """(given name, surname): the last word is the surname."""
        parts = (self.name or "").strip().rsplit(" ", 1)
        return (parts[0], parts[1]) if len(parts) == 2 else ("", parts[0])

    @api.model
    def _crm_exchange_prepare_vals(self, values, user):
        name = " ".join(filter(None, [values.get("given_name"), values.get("surname")])).strip()
        emails = [e for e in values.get("emails") or [] if e]
        phones = values.get("phones") or {}
        address = values.get("address") or {}
        vals = {
            "name": name or values.get("display_name") or (emails[0] if emails else ""),
            "function": values.get("job_title") or False,
            "email": emails[0] if emails else False,
            "phone": phones.get("business")
            or (phones.get("mobile") if not phones.get("business") else False),
            "street": address.get("street") or False,
            "city": address.get("city") or False,
            "zip": address.get("zip") or False,
        }
        vals["name"] = vals["name"] or self.env._("(no name)")
        country = self._crm_exchange_find_country(address.get("country"))
        vals["country_id"] = country.id
        vals["state_id"] = self._crm_exchange_find_state(address.get("state"), country).id
        company_name = (values.get("company_name") or "").strip()
        company = self.browse()
        if company_name:
            company = self.search(
                [("is_company", "=", True), ("name", "=ilike", company_name)], limit=1
            )
        vals["parent_id"] = company.id
        vals["company_name"] = company_name if company_name and not company else False
        extra = {
            "emails": emails[1:3],
            "phones": {k: v for k, v in phones.items() if k != "business" and v},
            "department": values.get("department") or "",
        }
        if not phones.get("business") and phones.get("mobile"):
            extra["phones"].pop("mobile", None)
        return vals, extra

    @api.model
    def _crm_exchange_find_country(self, name):
        if not name:
            return self.env["res.country"]
        return self.env["res.country"].search(
            ["|", ("code", "=ilike", name.strip()), ("name", "=ilike", name.strip())], limit=1
        )

    @api.model
    def _crm_exchange_find_state(self, name, country):
        if not name:
            return self.env["res.country.state"]
        domain = Domain("code", "=ilike", name.strip()) | Domain("name", "=ilike", name.strip())
        if country:
            domain &= Domain("country_id", "=", country.id)
        return self.env["res.country.state"].search(domain, limit=1)

    @api.model
    def _crm_exchange_create_from(self, values, user):
        """A contact created in Outlook: a contact person of the user's accounts."""
        return self._crm_exchange_create_from_multi([values], user)[0]

    @api.model
    def _crm_exchange_create_from_multi(self, values_list, user):
        """Contacts created in Outlook (contact persons of the user's accounts), in one
        create."""
        prepared = [self._crm_exchange_prepare_vals(values, user) for values in values_list]
        partners = self.create(
            [
                dict(vals, is_company=False, type="contact", user_id=user.id)
                for vals, _extra in prepared
            ]
        )
        return [
            (partner, extra) for partner, (_vals, extra) in zip(partners, prepared, strict=True)
        ]

    def _crm_exchange_update_from(self, values, user):
        self.ensure_one()
        vals, extra = self._crm_exchange_prepare_vals(values, user)
        if not vals["parent_id"] and self.parent_id and not values.get("company_name"):
            vals.pop("parent_id")
        self.write(vals)
        return self, extra

    def _crm_exchange_remove(self, user):
        """Deleted in Outlook: the person is archived, never deleted (journal, links stay)."""
        self.write({"active": False})
