from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.fields import Domain
from odoo.tools import SQL

# Set while the main link and the person's parent company are being synchronised,
# so that each side does not write the other one back.
NO_SYNC_CONTEXT_KEY = "crm_contact_link_no_sync"


def period_contains(date_from, date_to, day):
    """Whether the period from ``date_from`` to ``date_to`` (both optional) contains ``day``."""
    return (not date_from or date_from <= day) and (not date_to or date_to >= day)


class CrmContactLink(models.Model):
    _name = "crm.contact.link"
    _description = "Contact Person Link"
    _order = "is_main desc, date_from desc, id"

    person_id = fields.Many2one(
        "res.partner",
        string="Contact Person",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", False)],
    )
    organization_id = fields.Many2one(
        "res.partner",
        string="Company",
        required=True,
        index=True,
        ondelete="cascade",
        domain=[("is_company", "=", True)],
    )
    function_id = fields.Many2one(
        "crm.contact.function",
        string="Function",
        index="btree_not_null",
        ondelete="restrict",
    )
    department = fields.Char()
    phone = fields.Char(string="Business Phone")
    email = fields.Char(string="Business E-mail")
    date_from = fields.Date(string="Valid From")
    date_to = fields.Date(string="Valid To")
    is_main = fields.Boolean(
        string="Main Company",
        help="The main employer of the person. It is the person's related company in Odoo.",
    )
    is_current = fields.Boolean(
        string="Current",
        compute="_compute_is_current",
        search="_search_is_current",
        help="The link is valid today.",
    )

    _one_main_link_per_person = models.UniqueIndex(
        "(person_id) WHERE is_main",
        "A contact person can have only one main company.",
    )
    _person_organization_date_unique = models.UniqueIndex(
        "(person_id, organization_id, COALESCE(date_from, '-infinity'::date))",
        "This person is already linked to this company from the same date.",
    )
    _date_range = models.Constraint(
        "CHECK (date_to IS NULL OR date_from IS NULL OR date_to >= date_from)",
        "The end date of a link cannot be before its start date.",
    )

    @api.depends("person_id", "organization_id")
    def _compute_display_name(self):
        for link in self:
            link.display_name = self.env._(
                "%(person)s at %(organization)s",
                person=link.person_id.name or "",
                organization=link.organization_id.name or "",
            )

    @api.depends("date_from", "date_to")
    def _compute_is_current(self):
        today = fields.Date.context_today(self)
        for link in self:
            link.is_current = period_contains(link.date_from, link.date_to, today)

    def _search_is_current(self, operator, value):
        if operator != "in":
            return NotImplemented
        return self._get_valid_on_domain(fields.Date.context_today(self))

    @api.constrains("person_id", "organization_id")
    def _check_partner_kinds(self):
        for link in self:
            if link.person_id.is_company:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is a company: only persons can be linked to a company "
                        "as contact persons.",
                        partner=link.person_id.display_name,
                    )
                )
            if not link.organization_id.is_company:
                raise ValidationError(
                    self.env._(
                        "%(partner)s is not a company: contact persons can only be linked "
                        "to companies.",
                        partner=link.organization_id.display_name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.context.get(NO_SYNC_CONTEXT_KEY):
            persons = self.env["res.partner"].browse(
                vals["person_id"]
                for vals in vals_list
                if vals.get("is_main") and vals.get("person_id")
            )
            persons._unset_main_contact_links()
        links = super().create(vals_list)
        if not self.env.context.get(NO_SYNC_CONTEXT_KEY):
            links.filtered("is_main")._sync_person_parent()
        return links

    def write(self, vals):
        sync = not self.env.context.get(NO_SYNC_CONTEXT_KEY)
        if sync and vals.get("is_main"):
            persons = (
                self.env["res.partner"].browse(vals["person_id"])
                if vals.get("person_id")
                else self.person_id
            )
            persons._unset_main_contact_links(keep=self)
        unset_main = self.filtered("is_main") if sync and "is_main" in vals else self.browse()
        res = super().write(vals)
        if sync:
            if "is_main" in vals and not vals["is_main"]:
                unset_main._release_person_parent()
            if {"is_main", "person_id", "organization_id", "function_id"} & vals.keys():
                self.filtered("is_main")._sync_person_parent()
        return res

    def unlink(self):
        if not self.env.context.get(NO_SYNC_CONTEXT_KEY):
            self.filtered("is_main")._release_person_parent()
        return super().unlink()

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    @api.model
    def _get_valid_on_domain(self, date):
        return (Domain("date_from", "=", False) | Domain("date_from", "<=", date)) & (
            Domain("date_to", "=", False) | Domain("date_to", ">=", date)
        )

    def _sync_person_parent(self):
        """Make the organization of main links the related company (parent) of their person,
        and copy the function of the link to the person."""
        persons_by_values = defaultdict(lambda: self.env["res.partner"])
        for link in self:
            person = link.person_id
            vals = {}
            if person.parent_id != link.organization_id:
                vals["parent_id"] = link.organization_id.id
            if link.function_id and person.function_id != link.function_id:
                vals["function_id"] = link.function_id.id
            if vals:
                persons_by_values[frozenset(vals.items())] |= person
        for vals, persons in persons_by_values.items():
            persons.with_context(**{NO_SYNC_CONTEXT_KEY: True}).write(dict(vals))

    def _release_person_parent(self):
        """The persons of former main links no longer have a related company."""
        persons = self.env["res.partner"]
        for link in self:
            if link.person_id.parent_id == link.organization_id:
                persons |= link.person_id
        persons.with_context(**{NO_SYNC_CONTEXT_KEY: True}).write({"parent_id": False})

    @api.model
    def _create_main_links_for_child_contacts(self):
        """Give every existing contact person of a company (an Odoo child contact) its main link.

        Used once when the module is installed; a single INSERT ... SELECT, idempotent.
        """
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO crm_contact_link (
                    person_id, organization_id, function_id, is_main,
                    create_uid, create_date, write_uid, write_date
                )
                SELECT person.id, person.parent_id, person.function_id, TRUE,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM res_partner person
                  JOIN res_partner organization ON organization.id = person.parent_id
                 WHERE person.is_company IS NOT TRUE
                   AND person.type = 'contact'
                   AND organization.is_company
                   AND NOT EXISTS (
                        SELECT 1
                          FROM crm_contact_link link
                         WHERE link.person_id = person.id
                           AND (link.is_main OR link.organization_id = person.parent_id)
                       )
                """,
                uid=self.env.uid,
            )
        )
        created = self.env.cr.rowcount
        self.env.invalidate_all()
        return created
