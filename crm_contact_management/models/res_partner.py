import re
import unicodedata

import phonenumbers

from odoo import api, fields, models
from odoo.addons.phone_validation.models.mail_thread_phone import PHONE_REGEX_PATTERN
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.modules import db as odoo_db
from odoo.tools import SQL, escape_psql

from .crm_contact_link import NO_SYNC_CONTEXT_KEY, period_contains

PRIVATE_DATA_GROUP = "crm_contact_management.group_private_contact_data"


class ResPartner(models.Model):
    _inherit = "res.partner"

    # --- contact persons: links, function, person code, channel, deputies ---

    function_id = fields.Many2one(
        "crm.contact.function",
        string="Function",
        index="btree_not_null",
        ondelete="restrict",
        help="Role of the contact person at their main company. Fills the job position.",
    )
    function = fields.Char(compute="_compute_function", store=True, readonly=False)
    person_code_id = fields.Many2one(
        "crm.person.code", string="Person Code", index="btree_not_null", ondelete="restrict"
    )
    preferred_channel = fields.Selection(
        [
            ("email", "E-mail"),
            ("phone", "Phone"),
            ("mobile", "Mobile"),
            ("letter", "Letter"),
            ("fax", "Fax"),
            ("visit", "Visit"),
        ],
        string="Preferred Channel",
        help="How this contact person prefers to be contacted.",
    )
    contact_link_ids = fields.One2many("crm.contact.link", "person_id", string="Company Links")
    organization_link_ids = fields.One2many(
        "crm.contact.link", "organization_id", string="Contact Persons"
    )
    linked_organization_ids = fields.Many2many(
        "res.partner",
        string="Linked Companies",
        compute="_compute_linked_organization_ids",
        search="_search_linked_organization_ids",
        help="Companies the contact person currently works for.",
    )
    deputy_ids = fields.One2many("crm.contact.deputy", "contact_id", string="Deputies")
    deputy_for_ids = fields.One2many("crm.contact.deputy", "deputy_id", string="Stands In For")
    current_deputy_id = fields.Many2one(
        "res.partner",
        string="Current Deputy",
        compute="_compute_current_deputy_id",
        help="The first deputy, by order, who stands in today.",
    )

    @api.depends("function_id.name")
    def _compute_function(self):
        for partner in self.filtered("function_id"):
            partner.function = partner.function_id.name

    @api.depends(
        "contact_link_ids.organization_id",
        "contact_link_ids.date_from",
        "contact_link_ids.date_to",
    )
    def _compute_linked_organization_ids(self):
        for partner in self:
            partner.linked_organization_ids = partner.contact_link_ids.filtered(
                "is_current"
            ).organization_id

    def _search_linked_organization_ids(self, operator, value):
        if operator in Domain.NEGATIVE_OPERATORS:
            return NotImplemented
        return Domain(
            "contact_link_ids",
            "any",
            Domain("is_current", "=", True) & Domain("organization_id", operator, value),
        )

    @api.depends(
        "deputy_ids.sequence",
        "deputy_ids.deputy_id.active",
        "deputy_ids.date_from",
        "deputy_ids.date_to",
    )
    def _compute_current_deputy_id(self):
        for partner in self:
            partner.current_deputy_id = partner._get_current_deputy()

    @api.constrains("is_company")
    def _check_contact_link_kinds(self):
        (self.contact_link_ids | self.organization_link_ids)._check_partner_kinds()

    @api.model_create_multi
    def create(self, vals_list):
        partners = super().create(vals_list)
        if not self.env.context.get(NO_SYNC_CONTEXT_KEY):
            partners.filtered("parent_id")._sync_main_contact_links()
        return partners

    def write(self, vals):
        sync = not self.env.context.get(NO_SYNC_CONTEXT_KEY)
        # read the keys first: the base write pops is_company from vals
        sync_main_links = sync and bool({"parent_id", "type", "is_company"} & vals.keys())
        sync_function = sync and "function_id" in vals
        res = super().write(vals)
        if sync_main_links:
            self._sync_main_contact_links()
        if sync_function:
            self._sync_main_contact_links_function()
        return res

    def _get_current_deputy(self, date=None):
        """Return the contact person who stands in for this one on ``date`` (default: today):
        the first active deputy, by sequence, whose period contains the date."""
        self.ensure_one()
        date = date or fields.Date.context_today(self)
        deputies = self.deputy_ids.filtered(
            lambda deputy: deputy.deputy_id.active
            and period_contains(deputy.date_from, deputy.date_to, date)
        )
        return deputies.sorted("sequence")[:1].deputy_id

    def _get_linked_organizations(self):
        """Companies the person is linked to, at any time, including the related company."""
        self.ensure_one()
        return self.contact_link_ids.organization_id | self.parent_id.filtered("is_company")

    def _get_company_for_contact(self, company):
        """The company of a record (journal entry, appointment) made with this contact person:
        ``company`` while the person is linked to it, else the person's main company."""
        self.ensure_one()
        if company and company in self._get_linked_organizations():
            return company
        main = self.commercial_partner_id
        return main if main.is_company else self.browse()

    def _unset_main_contact_links(self, keep=None):
        """Drop the main flag of the persons' links, except on ``keep``, without touching
        their related company: a new main link is about to take over."""
        links = self.contact_link_ids.filtered("is_main")
        if keep:
            links -= keep
        links.sudo().with_context(**{NO_SYNC_CONTEXT_KEY: True}).write({"is_main": False})
        # the database allows one main link per person: drop the old flag before a new one is set
        links.flush_recordset(["is_main"])

    def _sync_main_contact_links(self):
        """Make the main link of contact persons follow their related company (parent).

        The main link moves to an existing link with the new company, or a new main link is
        created; the previous main link stays as a secondary link. Runs as superuser: it is a
        consequence of a partner change the user was allowed to make.
        """
        Link = self.env["crm.contact.link"].sudo().with_context(**{NO_SYNC_CONTEXT_KEY: True})
        persons = self.filtered(lambda partner: not partner.is_company)
        if not persons:
            return
        links_by_person = Link.search([("person_id", "in", persons.ids)]).grouped("person_id")
        to_unset, to_set, vals_list = Link, Link, []
        for person in persons:
            person_links = links_by_person.get(person, Link)
            main_link = person_links.filtered("is_main")
            organization = person.parent_id
            if person.type != "contact" or not organization.is_company:
                to_unset |= main_link
                continue
            if main_link.organization_id == organization:
                continue
            to_unset |= main_link
            existing = person_links.filtered(
                lambda link, organization=organization: link.organization_id == organization
            )
            if existing:
                to_set |= (existing.filtered("is_current") or existing)[:1]
            else:
                vals_list.append(
                    {
                        "person_id": person.id,
                        "organization_id": organization.id,
                        "function_id": person.function_id.id,
                        "is_main": True,
                    }
                )
        to_unset.write({"is_main": False})
        # the database allows one main link per person: drop the old flag before a new one is set
        to_unset.flush_recordset(["is_main"])
        to_set.write({"is_main": True})
        Link.create(vals_list)

    def _sync_main_contact_links_function(self):
        """The function of a contact person is the function of their main link."""
        links = (
            self.env["crm.contact.link"]
            .sudo()
            .search([("person_id", "in", self.ids), ("is_main", "=", True)])
        )
        for function, function_links in links.grouped(
            lambda link: link.person_id.function_id
        ).items():
            function_links.with_context(**{NO_SYNC_CONTEXT_KEY: True}).write(
                {"function_id": function.id}
            )

    # --- classification and private contact data ---

    industry_ids = fields.Many2many(
        "res.partner.industry",
        "res_partner_industry_crm_rel",
        "partner_id",
        "industry_id",
        string="Industries",
        compute="_compute_industry_ids",
        store=True,
        readonly=False,
        help="All industries of the company; the main industry is always one of them.",
    )
    interest_area_ids = fields.Many2many(
        "crm.interest.area",
        "res_partner_crm_interest_area_rel",
        "partner_id",
        "interest_area_id",
        string="Interest Areas",
    )
    company_class_id = fields.Many2one(
        "crm.company.class", string="Company Class", index="btree_not_null", ondelete="restrict"
    )
    sales_representative_id = fields.Many2one(
        "crm.sales.representative",
        string="Sales Representative",
        index="btree_not_null",
        ondelete="restrict",
    )
    abc_class = fields.Selection(
        [("a", "A"), ("b", "B"), ("c", "C")],
        string="ABC Class",
        index="btree_not_null",
        help="Importance of the customer, A being the most important (by revenue).",
    )
    business_relation_ids = fields.Many2many(
        "crm.business.relation",
        "res_partner_crm_business_relation_rel",
        "partner_id",
        "business_relation_id",
        string="Business Relations",
        help="What the company is to us: customer, supplier, prospect, carrier, bank...",
    )
    # Private data of contact persons: only the group "Private contact data" reads, searches,
    # groups and exports them; copy=False keeps duplicating a contact open to everyone.
    private_street = fields.Char(groups=PRIVATE_DATA_GROUP, copy=False)
    private_street2 = fields.Char(groups=PRIVATE_DATA_GROUP, copy=False)
    private_zip = fields.Char(groups=PRIVATE_DATA_GROUP, copy=False)
    private_city = fields.Char(groups=PRIVATE_DATA_GROUP, copy=False)
    private_country_id = fields.Many2one(
        "res.country", string="Private Country", groups=PRIVATE_DATA_GROUP, copy=False
    )
    private_phone = fields.Char(groups=PRIVATE_DATA_GROUP, copy=False)
    private_email = fields.Char(string="Private E-mail", groups=PRIVATE_DATA_GROUP, copy=False)
    birthday = fields.Date(groups=PRIVATE_DATA_GROUP, copy=False)
    private_note = fields.Text(string="Private Notes", groups=PRIVATE_DATA_GROUP, copy=False)
    contact_date_ids = fields.One2many("crm.contact.date", "partner_id", string="Reminder Dates")

    @api.depends("industry_id")
    def _compute_industry_ids(self):
        for partner in self:
            partner.industry_ids |= partner.industry_id

    @api.constrains("industry_id", "industry_ids")
    def _check_main_industry(self):
        for partner in self:
            if partner.industry_id and partner.industry_id not in partner.industry_ids:
                raise ValidationError(
                    self.env._(
                        "The main industry %(industry)s of %(partner)s must be one of its "
                        "industries.",
                        industry=partner.industry_id.display_name,
                        partner=partner.display_name,
                    )
                )

    @api.onchange("industry_ids")
    def _onchange_industry_ids(self):
        """Removing the main industry from the industries makes the next one the main one."""
        if self.industry_id not in self.industry_ids:
            self.industry_id = self.industry_ids[:1]

    @api.model
    def _commercial_fields(self):
        """The classification belongs to the company and is shared by its contact persons."""
        return [
            *super()._commercial_fields(),
            "industry_ids",
            "interest_area_ids",
            "company_class_id",
            "sales_representative_id",
            "abc_class",
            "business_relation_ids",
        ]

    @api.model
    def _get_classification_companies_action(self, name, field_name, record_id):
        """The companies classified with a master data record, for its smart button."""
        action = self.env["ir.actions.act_window"]._for_xml_id("contacts.action_contacts")
        return {
            **action,
            "name": name,
            "domain": [(field_name, "in", [record_id]), ("is_company", "=", True)],
            "context": {"default_is_company": True},
        }

    # --- default delivery and invoice addresses ---

    # Kinds of addresses that have one default per company. The CRUD overrides that keep
    # exactly one default per kind live in res_partner_address.py (create and write are
    # already overridden above).
    _default_address_types = ("delivery", "invoice")

    is_default_address = fields.Boolean(
        string="Default Address",
        copy=False,
        readonly=True,
        help="The default delivery or invoice address of its company: sales and purchase "
        "documents use it when the company is chosen. The first address of a kind becomes "
        "the default; a company has exactly one default address of each kind.",
    )

    _default_address_unique = models.UniqueIndex(
        "(parent_id, type) WHERE is_default_address AND active",
        "A company can have only one default delivery address and one default invoice "
        "address. Reload the company and choose the default address again.",
    )
    _default_address_type = models.Constraint(
        "CHECK (NOT is_default_address OR type IN ('delivery', 'invoice'))",
        "Only delivery and invoice addresses can be default addresses.",
    )

    def action_set_default_address(self):
        """Make these addresses the defaults of their companies, in place of the current
        ones (at most one address per company and kind)."""
        self.write({"is_default_address": True})
        return True

    def address_get(self, adr_pref=None):
        """Prefer the default delivery and invoice addresses of a company over the first
        address of that kind found by the depth-first search.

        The partner's own subtree is searched first, as in the standard: a contact person's
        own delivery address still wins over the default of their company.
        """
        result = super().address_get(adr_pref)
        kinds = [kind for kind in self._default_address_types if kind in result]
        if len(self) != 1 or not kinds:
            return result
        chain = self._default_address_lookup_chain()
        chain_ids = [partner_id for partner_id in chain._origin.ids if partner_id]
        if not chain_ids:
            return result
        defaults = {
            (address.parent_id.id, address.type): address.id
            for address in self.search_fetch(
                Domain("parent_id", "in", chain_ids)
                & Domain("type", "in", kinds)
                & Domain("is_default_address", "=", True),
                ["parent_id", "type"],
            )
        }
        for kind in kinds:
            found = self.browse(result[kind])
            found = found if found.type == kind else self.browse()
            found_lineage = found._default_address_lineage()
            for partner in chain:
                if partner == found:
                    break
                if default_id := defaults.get((partner._origin.id, kind)):
                    result[kind] = default_id
                    break
                if partner in found_lineage:
                    # found below this partner, before the search climbed further up
                    break
        return result

    def _default_address_lookup_chain(self):
        """The partner and its ancestors up to its company, in the order ``address_get``
        searches them."""
        self.ensure_one()
        chain = partner = self
        while not partner.is_company and partner.parent_id:
            partner = partner.parent_id
            chain |= partner
        return chain

    def _default_address_lineage(self):
        """The partner and all its ancestors."""
        lineage = partner = self
        while partner.parent_id and partner.parent_id not in lineage:
            partner = partner.parent_id
            lineage |= partner
        return lineage

    def _default_address_group(self, vals=None):
        """``(company id, kind)`` of the address, as it is or as ``vals`` would make it, or
        ``None`` when it is no active delivery or invoice address of a company."""
        self.ensure_one()
        vals = vals or {}
        parent_id = vals["parent_id"] if "parent_id" in vals else self.parent_id.id
        address_type = vals["type"] if "type" in vals else self.type
        active = vals["active"] if "active" in vals else self.active
        if active and parent_id and address_type in self._default_address_types:
            return (parent_id, address_type)
        return None

    def _default_address_groups(self):
        """The ``(company id, kind)`` groups of these addresses."""
        return {group for partner in self if (group := partner._default_address_group())}

    def _release_default_addresses(self, vals):
        """Before these addresses become defaults (``vals`` are about to be written on them),
        take the flag off the current defaults of their companies, in one batch, so that the
        unique index never sees two defaults of one kind. The caller checked write access."""
        groups = [partner._default_address_group(vals) for partner in self]
        if not all(groups):
            raise ValidationError(
                self.env._(
                    "Only active delivery and invoice addresses of a company can be its "
                    "default address."
                )
            )
        if len(set(groups)) < len(groups):
            raise ValidationError(
                self.env._(
                    "A company can have only one default address of each kind: choose one "
                    "delivery address and one invoice address."
                )
            )
        current = self.sudo().search(
            Domain("parent_id", "in", list({parent_id for parent_id, _kind in groups}))
            & Domain("type", "in", list({kind for _parent_id, kind in groups}))
            & Domain("is_default_address", "=", True)
            & Domain("id", "not in", self.ids)
        )
        current.filtered(
            lambda address: address._default_address_group() in groups
        )._set_default_address_flag(False)

    @api.model
    def _ensure_default_addresses(self, groups, avoid=None):
        """Give each ``(company id, kind)`` group that has active addresses but no default
        one: its oldest address, preferring addresses not in ``avoid``."""
        if not groups:
            return
        # pending flag changes reach the database before any promotion, never with it
        self.flush_model(["is_default_address"])
        addresses = self.sudo().search_fetch(
            Domain("parent_id", "in", list({parent_id for parent_id, _kind in groups}))
            & Domain("type", "in", list({kind for _parent_id, kind in groups})),
            ["parent_id", "type", "is_default_address"],
            order="id",
        )
        members, with_default = {}, set()
        for address in addresses:
            group = (address.parent_id.id, address.type)
            members.setdefault(group, []).append(address)
            if address.is_default_address:
                with_default.add(group)
        avoid_ids = set(avoid.ids) if avoid else set()
        to_promote = []
        for group in groups - with_default:
            if candidates := members.get(group):
                preferred = [address for address in candidates if address.id not in avoid_ids]
                to_promote.append((preferred or candidates)[0].id)
        self.sudo().browse(to_promote)._set_default_address_flag(True)

    def _set_default_address_flag(self, value):
        """Write the flag as the consequence of a change the user was allowed to make, past
        the default-address logic of ``write``, and send it to the database at once."""
        if not self:
            return
        super(ResPartner, self.sudo()).write({"is_default_address": value})
        self.flush_recordset(["is_default_address"])

    # --- phone normalization and autocomplete ---

    # the phone numbers stay as entered in ``phone``; ``phone_sanitized`` (mail.thread.phone)
    # holds their E.164 form, computed with the country of ``_phone_get_country``
    _crm_autocomplete_limit = 10
    _crm_autocomplete_max_terms = 5
    # Matches ranked for a page when the names starting with the first term do not fill it
    # (at least the page): "Wagner GmbH" matches 7,000 of a million partners, and reading
    # and ranking them all took 130 ms; the first 150 found take a few.
    _crm_autocomplete_candidates = 150
    _crm_autocomplete_persons_only_key = "crm_autocomplete_persons_only"
    _crm_search_text_separator = " | "
    _crm_search_term_separators = str.maketrans({",": " ", ";": " ", "|": " "})
    _crm_transliteration = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
    _crm_folding = str.maketrans(
        {"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "þ": "th"}
    )
    # Legal forms in a large share of company names: as search terms they narrow down little,
    # so they filter the partners the other terms find instead of driving the trigram index
    # (reading a third of the index for "gmbh" made "Hofmann GmbH" slow on a million partners).
    _crm_autocomplete_common_terms = frozenset(
        {"gmbh", "mbh", "kgaa", "ohg", "gbr", "ltd", "inc", "llc", "sarl", "spolka"}
    )

    phone_sanitized = fields.Char(index="btree_not_null")
    crm_search_text = fields.Char(
        string="Autocomplete Text",
        compute="_compute_crm_search_text",
        store=True,
        index="trigram",
        help="Name, company, city, e-mail, function and references of the partner, in lower "
        "case without accents (and with German transliterations: ü as ue), for the autocomplete.",
    )
    # The folded name (the first part of the autocomplete text), for names starting with a term.
    _crm_search_name_idx = models.Index("(split_part(crm_search_text, ' | ', 1) text_pattern_ops)")

    def _auto_init(self):
        # The autocomplete's trigram index needs pg_trgm (a trusted extension). Odoo creates it
        # with the databases it creates itself; a database created otherwise gets it here,
        # before the registry creates the indexes of the stored fields.
        if not self.pool.has_trigram:
            self.env.cr.execute(SQL("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
            self.pool.has_trigram = odoo_db.has_trigram(self.env.cr)
        return super()._auto_init()

    @api.depends(
        "name",
        "parent_id.name",
        "commercial_company_name",
        "city",
        "email",
        "function",
        "ref",
        "vat",
        "company_registry",
    )
    def _compute_crm_search_text(self):
        for partner in self:
            partner.crm_search_text = partner._crm_get_search_text()

    def _search_phone_mobile_search(self, operator, value):
        """Find numbers typed in any format (``+49 30 1234567``, ``030/1234567``,
        ``0049301234567``) whatever their stored format: see ``_crm_phone_search_domain``.
        Negative and set/unset searches keep the behavior of ``mail.thread.phone``."""
        if (
            operator in ("=", "like", "ilike")
            and isinstance(value, str)
            and sum(char.isdigit() for char in value) >= self._phone_search_min_length
        ):
            return self._crm_phone_search_domain(value, exact=operator == "=")
        return super()._search_phone_mobile_search(operator, value)

    @api.onchange("phone", "country_id", "company_id", "parent_id")
    def _onchange_phone_validation(self):
        """Keep the number as entered (phone_validation would reformat it) and warn when it
        cannot be normalized: it is saved anyway, but a search in another format misses it."""
        if not self.phone:
            return None
        try:
            self._phone_format(fname="phone", raise_exception=True)
        except UserError as error:
            return {
                "warning": {
                    "title": self.env._("Invalid phone number"),
                    "message": self.env._(
                        "%(reason)s The number is saved as entered, but searching it in "
                        "another format will not find it.",
                        reason=str(error),
                    ),
                }
            }
        return None

    @api.model
    @api.readonly
    def name_search(self, name="", domain=None, operator="ilike", limit=100):
        """Many2one autocomplete of every partner field: all terms must match the name,
        company, city, e-mail or function (accents ignored), phone numbers match in any
        format, and the best matches come first (see ``_crm_autocomplete_search``). The context
        key ``crm_autocomplete_persons_only`` restricts the suggestions to contact persons."""
        persons_only = bool(self.env.context.get(self._crm_autocomplete_persons_only_key))
        if operator != "ilike" or not self._crm_autocomplete_terms(name):
            if persons_only:
                domain = Domain(domain or Domain.TRUE) & self._crm_persons_domain()
            return super().name_search(name, domain, operator, limit)
        partners = self._crm_autocomplete_search(
            name, domain=domain, limit=limit, persons_only=persons_only
        )
        return [(partner.id, partner.display_name) for partner in partners.sudo()]

    @api.model
    @api.readonly
    def crm_autocomplete(self, query, limit=10, persons_only=False):
        """Return the partners matching every term of ``query`` (see ``name_search``), best
        first, at most 10, as dicts for the UI: ``id``, ``display_name``, ``name``,
        ``company``, ``city``, ``function``, ``email`` and ``is_company``.

        :param persons_only: return contact persons only (also set by the context key
            ``crm_autocomplete_persons_only``)
        """
        limit = min(limit or self._crm_autocomplete_limit, self._crm_autocomplete_limit)
        persons_only = persons_only or bool(
            self.env.context.get(self._crm_autocomplete_persons_only_key)
        )
        partners = self._crm_autocomplete_search(query, limit=limit, persons_only=persons_only)
        return [
            {
                "id": partner.id,
                "display_name": partner.display_name,
                "name": partner.name or "",
                "company": (not partner.is_company and partner.commercial_company_name) or "",
                "city": partner.city or "",
                "function": partner.function or "",
                "email": partner.email or "",
                "is_company": partner.is_company,
            }
            for partner in partners
        ]

    def _phone_get_country(self):
        """The country of a number is the partner's, else its company's (related company,
        then commercial entity); ``_phone_format`` falls back to the current company's."""
        country_by_partner = super()._phone_get_country()
        for partner in self:
            if not country_by_partner.get(partner.id):
                country = partner.parent_id.country_id or partner.commercial_partner_id.country_id
                if country:
                    country_by_partner[partner.id] = country
        return country_by_partner

    def _phone_get_sanitize_triggers(self):
        return [
            *super()._phone_get_sanitize_triggers(),
            "parent_id.country_id",
            "commercial_partner_id.country_id",
        ]

    @api.model
    def _crm_phone_search_domain(self, number, exact=False):
        """Return the domain of the partners whose number matches ``number`` typed in any
        format, read with the country of the current company:

        - the normalized number equals ``phone_sanitized`` (btree index);
        - otherwise (partial numbers) the E.164 prefix matches ``phone_sanitized``, or the
          digits without trunk or international prefix are part of the stored number without
          separators (trigram index of ``mail.thread.phone``).
        """
        country = self.env.company.country_id
        number = number.strip()
        domain = Domain.FALSE
        if e164 := self._phone_format(number=number, country=country, force_format="E164"):
            domain |= Domain("phone_sanitized", "=", e164)
        if exact:
            return domain | self._crm_phone_number_domain(re.sub(PHONE_REGEX_PATTERN, "", number))

        digits = "".join(char for char in number if char.isdigit())
        if number.startswith("+"):
            international = digits
        elif number.startswith("00"):
            international = digits.removeprefix("00")
        else:
            metadata = country.code and phonenumbers.PhoneMetadata.metadata_for_region(
                country.code.upper()
            )
            trunk_prefix = (metadata and metadata.national_prefix) or ""
            if trunk_prefix and digits.startswith(trunk_prefix):
                digits = digits.removeprefix(trunk_prefix)
            international = country.phone_code and f"{country.phone_code}{digits}"
            if len(digits) < self._phone_search_min_length:
                return domain
            domain |= self._crm_phone_number_domain(f"%{digits}%")
        if international:
            domain |= Domain("phone_sanitized", "=like", f"+{international}%")
            if number.startswith(("+", "00")):
                domain |= self._crm_phone_number_domain(f"%{international}%")
        return domain

    @api.model
    def _crm_phone_number_domain(self, pattern):
        """Return the domain of the partners whose stored number, without separators, is
        LIKE ``pattern``: the expression indexed by ``mail.thread.phone``."""
        fnames = [
            fname
            for fname in self._phone_get_number_fields()
            if fname in self._fields and self._fields[fname].store
        ]

        def to_sql(model, alias, query):
            return SQL(
                "(%s)",
                SQL(" OR ").join(
                    SQL(
                        "(%(number)s IS NOT NULL AND"
                        " regexp_replace(%(number)s, %(separators)s, '', 'g') LIKE %(pattern)s)",
                        number=model._field_to_sql(alias, fname, query),
                        separators=PHONE_REGEX_PATTERN,
                        pattern=pattern,
                    )
                    for fname in fnames
                ),
            )

        return Domain.custom(to_sql=to_sql) if fnames else Domain.FALSE

    def _crm_get_search_text(self):
        """Return the autocomplete text of the partner: its folded name first (the ranking
        reads it), then its companies, city, e-mail, function and references, then the German
        transliterations of the words that have one, separated by `` | ``."""
        self.ensure_one()
        name = (self.name or "").strip()
        others = [
            self.parent_id.name,
            self.commercial_company_name,
            self.city,
            self.email,
            self.function,
            self.ref,
            self.vat,
            self.company_registry,
        ]
        others = [value.strip() for value in others if value and value.strip()]
        values = [name, *dict.fromkeys(value for value in others if value != name)]
        if not any(values):
            return False
        folded = [" ".join(self._crm_fold(value).split()) for value in values]
        words = {word for value in folded for word in value.split()}
        transliterated = dict.fromkeys(
            word
            for value in values
            for word in self._crm_fold(value, transliterate=True).split()
            if word not in words
        )
        if transliterated:
            folded.append(" ".join(transliterated))
        return self._crm_search_text_separator.join(folded)

    @api.model
    def _crm_fold(self, text, transliterate=False):
        """Return ``text`` in lower case without accents; with ``transliterate``, German
        umlauts become two letters (``Müller``: ``mueller``) instead of losing their dots."""
        text = unicodedata.normalize("NFC", text).lower()
        if transliterate:
            text = text.translate(self._crm_transliteration)
        text = unicodedata.normalize("NFKD", text.translate(self._crm_folding))
        return "".join(char for char in text if not unicodedata.combining(char))

    @api.model
    def _crm_untransliterate(self, text):
        """Return ``text`` with the German transliterations folded: ``mueller``: ``muller``."""
        return text.replace("ae", "a").replace("oe", "o").replace("ue", "u")

    @api.model
    def _crm_autocomplete_terms(self, query):
        """Return the terms of ``query``, each as the tuple of its folded spellings: plain
        folding first, then the German transliteration when it differs."""
        terms = []
        for word in (query or "").translate(self._crm_search_term_separators).split():
            spellings = tuple(
                dict.fromkeys(
                    spelling
                    for spelling in (self._crm_fold(word), self._crm_fold(word, transliterate=True))
                    if spelling
                )
            )
            if spellings and spellings not in terms:
                terms.append(spellings)
        return terms[: self._crm_autocomplete_max_terms]

    @api.model
    def _crm_search_text_domain(self, terms, first_term_filters=False):
        """Every term matches ``crm_search_text`` in one of its spellings, as typed (``%`` and
        ``_`` are no wildcards): anywhere for terms of three letters or more (trigram index),
        at the start of a word for shorter ones. The text and the terms are folded to lower
        case already: ``like`` finds what ``ilike`` would, and checks the rows the index
        finds twice as fast (no ``unaccent`` nor lower-casing of each text).

        :param first_term_filters: the first term filters the partners the other terms (or
            other conditions) find instead of driving the trigram index, as legal forms do
        """
        conditions = []
        common = self._crm_autocomplete_common_terms
        has_rare_term = any(not set(spellings) <= common for spellings in terms)
        for index, spellings in enumerate(terms):
            if (has_rare_term and set(spellings) <= common) or (first_term_filters and index == 0):
                conditions.append(Domain.OR(map(self._crm_search_text_contains, spellings)))
                continue
            spelling_conditions = []
            for spelling in spellings:
                pattern = escape_psql(spelling)
                if len(spelling) >= 3:
                    spelling_conditions.append(Domain("crm_search_text", "like", pattern))
                else:
                    spelling_conditions.append(
                        Domain("crm_search_text", "=like", f"{pattern}%")
                        | Domain("crm_search_text", "=like", f"% {pattern}%")
                    )
            conditions.append(Domain.OR(spelling_conditions))
        return Domain.AND(conditions)

    @api.model
    def _crm_search_text_contains(self, spelling):
        """``crm_search_text`` contains ``spelling`` (at the start of a word when shorter than
        three letters, as in ``_crm_search_text_domain``), as a plain filter the trigram
        index does not serve (the text is folded to lower case already)."""
        if len(spelling) < 3:
            # at the start of the text or after a space
            needle = f" {spelling}"
            return Domain.custom(
                to_sql=lambda model, alias, query: SQL(
                    "strpos(' ' || %s, %s) > 0",
                    model._field_to_sql(alias, "crm_search_text", query),
                    needle,
                ),
                predicate=lambda partner: needle in f" {partner.crm_search_text or ''}",
            )

        def to_sql(model, alias, query):
            text = model._field_to_sql(alias, "crm_search_text", query)
            return SQL("strpos(%s, %s) > 0", text, spelling)

        return Domain.custom(
            to_sql=to_sql, predicate=lambda partner: spelling in (partner.crm_search_text or "")
        )

    @api.model
    def _crm_persons_domain(self):
        return Domain("is_company", "=", False) & Domain("type", "=", "contact")

    @api.model
    def _crm_is_phone_query(self, query):
        """Whether ``query`` looks like a (partial) phone number."""
        query = query.strip()
        return sum(char.isdigit() for char in query) >= self._phone_search_min_length and all(
            char.isdigit() or char in "+ /.-()" for char in query
        )

    @api.model
    def _crm_autocomplete_search(self, query, domain=None, limit=None, persons_only=False):
        """Return the partners matching ``query`` and ``domain``, with the access rights and
        record rules of the user, best first (see ``_crm_autocomplete_order``)."""
        terms = self._crm_autocomplete_terms(query)
        if not terms:
            return self.browse()
        search_domain = self._crm_autocomplete_domain(
            query, self._crm_search_text_domain(terms), domain, persons_only
        )
        if not limit:
            search_query = self._search(search_domain)
            if search_query.is_empty():
                return self.browse()
            search_query.order = self._crm_autocomplete_order(terms, search_query)
            return self.browse(search_query.get_result_ids())
        # The partners whose name starts with the first term rank first (the exact matches
        # among them): they are all ranked, served by the btree index of the folded name.
        # Unless another term drives the trigram index, the first term only filters them:
        # the index would return every text with a frequent name ("Wagner GmbH": 32,000
        # rows) to intersect with the 2,000 names starting with it.
        common = self._crm_autocomplete_common_terms
        first_term_filters = all(set(spellings) <= common for spellings in terms[1:])
        prefix_domain = self._crm_autocomplete_domain(
            query, self._crm_search_text_domain(terms, first_term_filters), domain, persons_only
        ) & self._crm_name_starts_with(terms[0])
        prefix_ids = ()
        prefix_query = self._search(prefix_domain, limit=limit)
        if not prefix_query.is_empty():
            prefix_query.order = self._crm_autocomplete_order(terms, prefix_query)
            prefix_ids = prefix_query.get_result_ids()
            if len(prefix_ids) >= limit:
                return self.browse(prefix_ids)
        # The others follow, from a bounded number of candidates (see
        # ``_crm_autocomplete_ranked_candidates``): all of them when there are fewer.
        search_query = self._search(search_domain)
        if search_query.is_empty():
            return self.browse(prefix_ids)
        other_ids = self._crm_autocomplete_ranked_candidates(terms, search_query, limit)
        return self.browse(list(dict.fromkeys([*prefix_ids, *other_ids]))[:limit])

    @api.model
    def _crm_autocomplete_domain(self, query, text_domain, domain, persons_only):
        """The partners of ``text_domain`` (or whose number matches a phone ``query``)
        within ``domain``, contact persons only with ``persons_only``."""
        search_domain = text_domain
        if self._crm_is_phone_query(query):
            search_domain |= Domain("phone_mobile_search", "ilike", query)
        search_domain &= Domain(domain or Domain.TRUE)
        if persons_only:
            search_domain &= self._crm_persons_domain()
        return search_domain

    @api.model
    def _crm_autocomplete_ranked_candidates(self, terms, query, limit):
        """Return the ids of the best ``limit`` partners of ``query`` (no order nor limit)
        among the first ``_crm_autocomplete_candidates`` found (at least ``limit``),
        ranked by ``_crm_autocomplete_order``.

        With fewer matches, this is the ranking of every match. With more, a sample in index
        order is ranked: the partners whose name starts with the first term, which rank
        first, are read apart, in full, by ``_crm_autocomplete_search``. The candidates are
        a MATERIALIZED CTE, planned for all its rows (bitmap scan of the trigram index) and
        read only as far as the LIMIT asks; a plain subquery with a LIMIT may be planned as
        a sequential scan of the table."""
        bound = max(self._crm_autocomplete_candidates, limit)
        alias = query.table
        # the ranking reads the columns of the candidates under the alias of the table
        columns = [
            SQL("%s AS %s", self._field_to_sql(alias, fname, query), SQL.identifier(fname))
            for fname in ("id", "crm_search_text", "complete_name")
        ]
        rows = self.env.execute_query(
            SQL(
                "WITH candidates AS MATERIALIZED (%(candidates)s)"
                " SELECT %(id)s FROM (SELECT * FROM candidates LIMIT %(bound)s) AS %(alias)s"
                " ORDER BY %(order)s LIMIT %(limit)s",
                candidates=query.select(*columns),
                id=SQL.identifier(alias, "id"),
                bound=bound,
                alias=SQL.identifier(alias),
                order=self._crm_autocomplete_order(terms, query),
                limit=limit,
            )
        )
        return [partner_id for (partner_id,) in rows]

    @api.model
    def _crm_name_starts_with(self, spellings):
        """The folded name starts with one of ``spellings`` (or their untransliterated forms),
        as the ranking of ``_crm_autocomplete_order`` reads it; served by a btree index."""
        prefixes = list(dict.fromkeys([*spellings, *map(self._crm_untransliterate, spellings)]))

        def to_sql(model, alias, query):
            name = SQL(
                "split_part(%s, %s, 1)",
                model._field_to_sql(alias, "crm_search_text", query),
                self._crm_search_text_separator,
            )
            return SQL(
                "(%s)",
                SQL(" OR ").join(
                    SQL("%s LIKE %s", name, f"{escape_psql(prefix)}%") for prefix in prefixes
                ),
            )

        def predicate(partner):
            name = (partner.crm_search_text or "").split(self._crm_search_text_separator)[0]
            return name.startswith(tuple(prefixes))

        return Domain.custom(to_sql=to_sql, predicate=predicate)

    @api.model
    def _crm_autocomplete_order(self, terms, query):
        """ORDER BY of the autocomplete: first the partners whose name equals the query, then
        whose name starts with the query, then with the first term, then whose name has a word
        starting with the first term, then the others; within each rank the names most similar
        to the query (pg_trgm ``similarity``) first, then by display name."""
        alias = query.table
        text = self._field_to_sql(alias, "crm_search_text", query)
        # the name is the first part of the text, folded without transliteration: compare it
        # with the spellings of the query, "mueller" also read as "muller"
        name = SQL("split_part(%s, %s, 1)", text, self._crm_search_text_separator)
        phrases = [" ".join(spellings[index] for spellings in terms) for index in (0, -1)]
        phrases = list(dict.fromkeys([*phrases, *map(self._crm_untransliterate, phrases)]))
        first_terms = list(dict.fromkeys([*terms[0], *map(self._crm_untransliterate, terms[0])]))
        rank = SQL(
            "CASE WHEN %(name)s = ANY(%(phrases)s) THEN 0"
            " WHEN %(name)s LIKE ANY(%(phrase_prefixes)s) THEN 1"
            " WHEN %(name)s LIKE ANY(%(term_prefixes)s) THEN 2"
            " WHEN ' ' || %(name)s LIKE ANY(%(word_prefixes)s) THEN 3 ELSE 4 END",
            name=name,
            phrases=phrases,
            phrase_prefixes=[f"{phrase}%" for phrase in phrases],
            term_prefixes=[f"{term}%" for term in first_terms],
            word_prefixes=[f"% {term}%" for term in first_terms],
        )
        orders = [rank]
        if self.env.registry.has_trigram:
            similarities = [SQL("similarity(%s, %s)", phrase, name) for phrase in phrases]
            orders.append(SQL("GREATEST(%s) DESC", SQL(", ").join(similarities)))
        orders.append(self._field_to_sql(alias, "complete_name", query))
        orders.append(SQL("%s DESC", SQL.identifier(alias, "id")))
        return SQL(", ").join(orders)

    # --- dated attributes ---

    attribute_value_ids = fields.One2many(
        "crm.attribute.value", "partner_id", string="Attribute Values"
    )
    attribute_current_value_ids = fields.Many2many(
        "crm.attribute.value",
        string="Current Attribute Values",
        compute="_compute_attribute_current_value_ids",
    )
    attribute_as_of_date = fields.Date(
        string="Values Valid On",
        compute="_compute_attribute_as_of_date",
        readonly=False,
        help="Shows the attribute values that were valid on this day.",
    )
    attribute_as_of_value_ids = fields.Many2many(
        "crm.attribute.value",
        string="Attribute Values on the Date",
        compute="_compute_attribute_as_of_value_ids",
    )
    attribute_missing_required_ids = fields.Many2many(
        "crm.attribute",
        string="Missing Required Attributes",
        compute="_compute_attribute_missing_required_ids",
        help="Required attributes that apply to the partner and have no value valid today.",
    )
    attribute_missing_required = fields.Boolean(
        string="Lacks Required Attributes",
        compute="_compute_attribute_missing_required_ids",
        search="_search_attribute_missing_required",
    )

    @api.depends(
        "attribute_value_ids.attribute_id",
        "attribute_value_ids.date_from",
        "attribute_value_ids.date_to",
    )
    def _compute_attribute_current_value_ids(self):
        today = fields.Date.context_today(self)
        for partner in self:
            partner.attribute_current_value_ids = partner._get_attribute_values_on(today)

    def _compute_attribute_as_of_date(self):
        self.attribute_as_of_date = fields.Date.context_today(self)

    @api.depends(
        "attribute_as_of_date",
        "attribute_value_ids.attribute_id",
        "attribute_value_ids.date_from",
        "attribute_value_ids.date_to",
    )
    def _compute_attribute_as_of_value_ids(self):
        for partner in self:
            partner.attribute_as_of_value_ids = partner._get_attribute_values_on(
                partner.attribute_as_of_date or fields.Date.context_today(partner)
            )

    @api.depends("is_company", "attribute_current_value_ids")
    def _compute_attribute_missing_required_ids(self):
        required = self.env["crm.attribute"].search([("required", "=", True)])
        for partner in self:
            missing = (
                required.filtered(
                    lambda attribute, partner=partner: attribute._applies_to_partner(partner)
                )
                - partner.attribute_current_value_ids.attribute_id
            )
            partner.attribute_missing_required_ids = missing
            partner.attribute_missing_required = bool(missing)

    def _search_attribute_missing_required(self, operator, value):
        if operator != "in":
            return NotImplemented
        # one condition per required attribute: master data, a handful at most
        required = self.env["crm.attribute"].search([("required", "=", True)])
        return Domain.OR(self._crm_attribute_domain(attribute, "not set") for attribute in required)

    @api.constrains("is_company")
    def _check_attribute_values_apply(self):
        self.attribute_value_ids._check_attribute_applies_to_partner()

    def _get_attribute_values_on(self, day):
        """Return the attribute values of the partner valid on ``day``."""
        self.ensure_one()
        return self.attribute_value_ids.filtered(lambda value: value._is_valid_on(day)).sorted(
            lambda value: (value.attribute_id.sequence, value.attribute_id.id)
        )

    def _get_attribute_value(self, attribute, as_of=None):
        """Return the value of ``attribute`` (a code or a ``crm.attribute``) valid on ``as_of``
        (default: today) in its Python type (see ``crm.attribute.value._get_value``), or
        ``None`` when no value is valid on that day."""
        self.ensure_one()
        return self._get_attribute_values(attribute, as_of=as_of)[self.id]

    def _get_attribute_values(self, attribute, as_of=None):
        """Return ``{partner id: value}`` of ``attribute`` valid on ``as_of`` for all partners
        in ``self``, read with one query; ``None`` for partners without a value that day."""
        attribute = self.env["crm.attribute"]._from_code(attribute)
        as_of = fields.Date.to_date(as_of) or fields.Date.context_today(self)
        values = self.env["crm.attribute.value"].search(
            Domain("partner_id", "in", self.ids)
            & Domain("attribute_id", "=", attribute.id)
            & self.env["crm.attribute.value"]._valid_on_domain(as_of)
        )
        result = dict.fromkeys(self.ids)
        for value in values:
            result[value.partner_id.id] = value._get_value()
        return result

    @api.model
    def _crm_attribute_domain(self, attribute, operator, value=None, as_of=None):
        """Return the domain of the partners whose value of ``attribute`` (a code or a
        ``crm.attribute``) valid on ``as_of`` (default: today) compares to ``value`` with
        ``operator`` (one of ``crm.attribute._get_search_operators()``; ``set`` and
        ``not set`` ignore ``value``). It compiles to a single SQL subquery."""
        attribute = self.env["crm.attribute"]._from_code(attribute)
        values = Domain(
            "attribute_value_ids", "any", attribute._value_domain(operator, value, as_of)
        )
        return attribute._partner_domain() & (~values if operator == "not set" else values)
