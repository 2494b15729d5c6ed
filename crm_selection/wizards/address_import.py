"""Turning the rows of an address file into partners: validation, matching, creation.

The rows are matched in batches with one query per key and batch (e-mail, VAT, postal code)
and the missing partners are created in batches with ``create(vals_list)``, so that a file of
ten thousand addresses costs a few hundred queries, not several per row.
"""

import re
from dataclasses import dataclass, field

import psycopg2

from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import SQL, email_normalize, email_split, split_every

from .address_csv import normalize_code, normalize_text

BATCH_SIZE = 500
# The longest value a cell may hold: longer names do not fit the database's indexes on
# partner names (about 2,700 bytes for a company and its contact person together), and no
# address needs more.
MAX_VALUE_LENGTH = 256
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"'.]{2,}$")
FORMS_OF_ADDRESS = {
    "mr": (
        "mr",
        "herr",
        "herrn",
        "hr",
        "pan",
        "m",
        "male",
        "man",
        "mannlich",
        "sir",
        "monsieur",
        "signor",
    ),
    "ms": (
        "ms",
        "mrs",
        "miss",
        "frau",
        "fr",
        "pani",
        "f",
        "w",
        "female",
        "woman",
        "weiblich",
        "madam",
        "madame",
        "signora",
    ),
    "": ("", "neutral", "divers", "d", "x", "firma", "company"),
}
FORM_BY_WORD = {word: form for form, words in FORMS_OF_ADDRESS.items() for word in words}
ACADEMIC_TITLE_WORDS = {"dr", "prof", "ing", "dipl", "mag", "hab", "phd", "med", "rer", "nat"}
# Names of countries in the languages of the suite, for databases without those languages.
COUNTRY_ALIASES = {
    "DE": ("deutschland", "niemcy", "allemagne", "germania", "brd"),
    "AT": ("osterreich", "oesterreich", "austria", "autriche"),
    "CH": ("schweiz", "szwajcaria", "suisse", "svizzera", "helvetia"),
    "LI": ("liechtenstein",),
    "PL": ("polen", "polska", "pologne", "polonia"),
    "FR": ("frankreich", "francja"),
    "IT": ("italien", "wlochy", "italia"),
    "NL": ("niederlande", "holandia", "holland"),
    "CZ": ("tschechien", "czechy", "tschechische republik"),
    "GB": ("grossbritannien", "vereinigtes konigreich", "wielka brytania", "uk"),
    "US": ("usa", "vereinigte staaten", "stany zjednoczone"),
}
ADDRESS_FIELDS = ("street", "street2", "zip", "city")


@dataclass
class ImportRow:
    """One row of the file on its way to a partner."""

    number: int
    values: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)  # (column, message)
    country_id: int = 0
    function_id: int = 0
    form_of_address: str = ""
    academic_title: str = ""
    email: str = ""
    main_key: tuple = ()
    company_key: tuple = ()
    company_id: int = 0
    company_matched_by: str = ""
    partner_id: int = 0
    matched_by: str = ""

    @property
    def person_name(self):
        name = self.values.get("name")
        if name:
            return name
        return " ".join(filter(None, (self.values.get(f) for f in ("first_name", "last_name"))))

    @property
    def company_name(self):
        return self.values.get("company", "")

    @property
    def is_person(self):
        return bool(self.person_name)

    @property
    def has_company(self):
        """A person of a company: the row describes two partners."""
        return self.is_person and bool(self.company_name)

    @property
    def action(self):
        if self.errors:
            return "error"
        return "match" if self.matched_by else "create"


class AddressImporter:
    """Validate, match and create the partners of the rows of an address file.

    ``columns`` maps the import fields (name, company, street, ...) to column indexes,
    ``headers`` are the names of the columns (the header row, or generated names).
    """

    def __init__(self, env, columns, headers):
        self.env = env
        self.columns = columns
        self.headers = headers
        self.Partner = env["res.partner"]
        self._countries = None
        self._functions = None
        self._new_companies = {}  # company key -> id of a company created by this import

    # ------------------------------------------------------------
    # Columns
    # ------------------------------------------------------------

    def column_label(self, field_name):
        index = self.columns.get(field_name)
        if index is None:
            return self.field_labels().get(field_name, field_name)
        return self.headers[index] if index < len(self.headers) else str(index + 1)

    def field_labels(self):
        return {
            "name": self.env._("Name"),
            "first_name": self.env._("First Name"),
            "last_name": self.env._("Last Name"),
            "company": self.env._("Company"),
            "street": self.env._("Street"),
            "street2": self.env._("Street 2"),
            "zip": self.env._("ZIP"),
            "city": self.env._("City"),
            "country": self.env._("Country"),
            "email": self.env._("E-mail"),
            "phone": self.env._("Phone"),
            "vat": self.env._("Tax ID"),
            "function": self.env._("Function"),
            "form_of_address": self.env._("Form of Address"),
            "academic_title": self.env._("Academic Title"),
        }

    def check_columns(self):
        """Messages about columns the file lacks; the import needs a name or a company."""
        if not {"name", "first_name", "last_name", "company"} & self.columns.keys():
            return [
                self.env._(
                    "The file has no column for the name or the company: map a column to "
                    "Name, First Name, Last Name or Company."
                )
            ]
        return []

    # ------------------------------------------------------------
    # Analysis
    # ------------------------------------------------------------

    def analyze(self, rows):
        """Return an ``ImportRow`` per ``(number, cells)``, validated and matched."""
        import_rows = [self._parse(number, cells) for number, cells in rows]
        self._flag_duplicates(import_rows)
        for batch in split_every(BATCH_SIZE, [row for row in import_rows if not row.errors]):
            self._match(batch)
        return import_rows

    def _parse(self, number, cells):
        row = ImportRow(number=number)
        width = len(self.headers)
        if len(cells) > width and any(cells[width:]):
            row.errors.append(
                (
                    "",
                    self.env._(
                        "The row has %(found)s values but the header %(expected)s columns: "
                        "is a value with the delimiter in it not quoted?",
                        found=len(cells),
                        expected=width,
                    ),
                )
            )
        for field_name, index in self.columns.items():
            if index < len(cells):
                row.values[field_name] = " ".join(cells[index].split())
            else:
                row.errors.append(
                    (self.column_label(field_name), self.env._("The row lacks this column."))
                )
        for field_name, value in row.values.items():
            if len(value) > MAX_VALUE_LENGTH:
                row.errors.append(
                    (
                        self.column_label(field_name),
                        self.env._(
                            "The value is too long: %(length)s characters, at most %(max)s.",
                            length=len(value),
                            max=MAX_VALUE_LENGTH,
                        ),
                    )
                )
        if row.errors:
            return row
        if not row.person_name and not row.company_name:
            column = "name" if {"name", "first_name", "last_name"} & self.columns.keys() else ""
            row.errors.append(
                (
                    self.column_label(column or "company"),
                    self.env._("The row has neither a name nor a company."),
                )
            )
        self._parse_email(row)
        self._parse_country(row)
        self._parse_form_of_address(row)
        self._parse_function(row)
        if not row.errors:
            self._set_keys(row)
        return row

    def _parse_email(self, row):
        value = row.values.get("email")
        if not value:
            return
        addresses = email_split(value)
        normalized = email_normalize(value) if len(addresses) == 1 else False
        if not normalized or not EMAIL_PATTERN.match(normalized):
            row.errors.append(
                (
                    self.column_label("email"),
                    self.env._("%(value)s is not a valid e-mail address.", value=value),
                )
            )
            return
        row.email = normalized

    def _parse_country(self, row):
        value = row.values.get("country")
        if not value:
            return
        country_id = self._get_countries().get(normalize_text(value))
        if not country_id:
            row.errors.append(
                (
                    self.column_label("country"),
                    self.env._("Unknown country %(value)s.", value=value),
                )
            )
            return
        row.country_id = country_id

    def _parse_form_of_address(self, row):
        """Read "Herr", "Frau Dr.", "Mrs", "Pani"... into a form of address and a title."""
        value = row.values.get("form_of_address")
        titles = [row.values.get("academic_title", "")]
        if value:
            forms = set()
            for word in value.replace(".", ". ").split():
                key = normalize_text(word)
                if key in ACADEMIC_TITLE_WORDS:
                    titles.append(word)
                elif key in FORM_BY_WORD:
                    forms.add(FORM_BY_WORD[key])
                else:
                    forms.add(None)
            if None in forms or len(forms - {""}) > 1:
                row.errors.append(
                    (
                        self.column_label("form_of_address"),
                        self.env._(
                            "Unknown form of address %(value)s: use Mr or Ms (Herr or Frau, "
                            "Pan or Pani), or leave it empty.",
                            value=value,
                        ),
                    )
                )
                return
            row.form_of_address = next(iter(forms - {""}), "")
        row.academic_title = " ".join(filter(None, titles))

    def _parse_function(self, row):
        value = row.values.get("function")
        if value:
            row.function_id = self._get_functions().get(normalize_text(value), 0)

    def _set_keys(self, row):
        """Keys telling whether two rows, or a row and a partner, are the same partner."""
        vat = normalize_code(row.values.get("vat"))
        zip_code = normalize_code(row.values.get("zip"))
        if row.has_company:
            company_name = normalize_text(row.company_name)
            row.company_key = ("vat", vat) if vat else ("name", company_name, zip_code)
            vat = ""  # the VAT number is the company's
        name = normalize_text(row.person_name or row.company_name)
        if row.email:
            row.main_key = ("email", row.email)
        elif vat:
            row.main_key = ("vat", vat)
        else:
            row.main_key = ("name", name, zip_code)

    def _flag_duplicates(self, rows):
        first_rows = {}
        key_columns = {"email": "email", "vat": "vat", "name": "name"}
        for row in rows:
            if row.errors:
                continue
            first = first_rows.setdefault(row.main_key, row)
            if first is not row:
                column = key_columns[row.main_key[0]]
                if column == "name" and not row.is_person:
                    column = "company"
                row.errors.append(
                    (
                        self.column_label(column),
                        self.env._("Duplicate of row %(row)s.", row=first.number),
                    )
                )

    # ------------------------------------------------------------
    # Matching
    # ------------------------------------------------------------

    def _match(self, rows):
        """Match the rows of a batch with existing partners: e-mail, then VAT, then name and
        postal code; one query per key for the whole batch."""
        keys = [row.main_key for row in rows] + [row.company_key for row in rows if row.company_key]
        emails = {key[1] for key in keys if key[0] == "email"}
        vats = {key[1] for key in keys if key[0] == "vat"}
        zips = {key[2] for key in keys if key[0] == "name" and key[2]}
        candidates = {}
        for partner_id, email, is_company in self._find_by_email(emails):
            candidates.setdefault(("email", email), []).append((partner_id, is_company))
        for partner_id, vat, is_company in self._find_by_code("vat", vats):
            candidates.setdefault(("vat", vat), []).append((partner_id, is_company))
        for partner_id, zip_code, is_company, name in self._find_by_code("zip", zips, "name"):
            key = ("name", normalize_text(name), zip_code)
            candidates.setdefault(key, []).append((partner_id, is_company))
        for row in rows:
            if row.company_key:
                company_id = _pick(candidates.get(row.company_key), True, strict=True)
                if company_id:
                    row.company_id = company_id
                    row.company_matched_by = row.company_key[0]
            strict = row.main_key[0] == "name"
            partner_id = _pick(candidates.get(row.main_key), not row.is_person, strict)
            if partner_id:
                row.partner_id = partner_id
                row.matched_by = row.main_key[0]

    def _find_by_email(self, emails):
        if not emails:
            return []
        partners = self.Partner.search_fetch(
            Domain("email_normalized", "in", list(emails)), ["email_normalized", "is_company"]
        )
        return [(p.id, p.email_normalized, p.is_company) for p in partners]

    def _find_by_code(self, field_name, codes, *extra_fields):
        """Partners whose ``field_name``, reduced to letters and digits, is one of ``codes``;
        access rights and record rules apply."""
        if not codes:
            return []
        query = self.Partner._search(Domain(field_name, "!=", False))
        column = self.Partner._field_to_sql(query.table, field_name, query)
        normalized = SQL("upper(regexp_replace(%s, '[^[:alnum:]]', '', 'g'))", column)
        query.add_where(SQL("%s IN %s", normalized, tuple(codes)))
        extra = [self.Partner._field_to_sql(query.table, name, query) for name in extra_fields]
        return self.env.execute_query(
            query.select(
                SQL.identifier(query.table, "id"),
                normalized,
                self.Partner._field_to_sql(query.table, "is_company", query),
                *extra,
            )
        )

    # ------------------------------------------------------------
    # Creation
    # ------------------------------------------------------------

    def create_partners(self, rows, isolate_errors=True):
        """Create the partners of the rows to create, in batches.

        With ``isolate_errors``, a batch the database refuses is retried row by row so that
        only the bad rows fail (their error is added to the row); otherwise the error is
        raised.
        """
        # The partners are created without the per-partner synchronization of res.partner
        # (a few queries per partner): a contact person receives the address, language and
        # commercial fields of their company in its creation values instead, the way Odoo
        # loads partners from data files.
        self.Partner = self.Partner.with_context(
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
            _partners_skip_fields_sync=True,
        )
        for batch in split_every(BATCH_SIZE, [row for row in rows if row.action == "create"]):
            if not isolate_errors:
                self._create_batch(batch)
                continue
            try:
                with self.env.cr.savepoint():
                    self._create_batch(batch)
            except (UserError, ValueError, psycopg2.Error):
                self._forget(batch)
                for row in batch:
                    self._create_row(row)

    def _create_row(self, row):
        try:
            with self.env.cr.savepoint():
                self._create_batch([row])
        except (UserError, ValueError, psycopg2.Error) as error:
            self._forget([row])
            row.errors.append(
                (
                    "",
                    self.env._(
                        "The partner could not be created: %(error)s", error=str(error).strip()
                    ),
                )
            )

    def _create_batch(self, rows):
        companies = {}
        for row in rows:
            if row.company_key and not row.company_id:
                new_id = self._new_companies.get(row.company_key)
                if new_id:
                    row.company_id = new_id
                else:
                    companies.setdefault(row.company_key, self._company_vals(row))
        if companies:
            created = self.Partner.create(list(companies.values()))
            self._new_companies.update(zip(companies, created.ids, strict=True))
            for row in rows:
                if row.company_key and not row.company_id:
                    row.company_id = self._new_companies[row.company_key]
        parents = self.Partner.browse({row.company_id for row in rows if row.company_id})
        synced = {parent.id: self._get_synced_values(parent) for parent in parents}
        partners = self.Partner.create(
            [self._main_vals(row, synced.get(row.company_id, ({}, {}))[0]) for row in rows]
        )
        for row, partner_id in zip(rows, partners.ids, strict=True):
            row.partner_id = partner_id
        self._write_restricted_values(partners, synced)
        self._sync_company_dependent_fields(partners.filtered("parent_id"))

    def _get_synced_values(self, company):
        """What a new contact person of ``company`` shares with it: the address, the
        language and the commercial fields, as ``(values, restricted values)``; the user
        may not write the restricted ones (e.g. a credit limit), which are synchronized as
        superuser the way res.partner synchronizes them."""
        commercial = company.commercial_partner_id.sudo()._get_commercial_values()
        values = {
            **company._get_address_values(),
            **({"lang": company.lang} if company.lang else {}),
        }
        restricted = {}
        for name, value in commercial.items():
            if self.Partner._has_field_access(self.Partner._fields[name], "write"):
                values[name] = value
            else:
                restricted[name] = value
        return values, restricted

    def _write_restricted_values(self, partners, synced):
        groups = {}
        for partner in partners.filtered("parent_id"):
            restricted = synced[partner.parent_id.id][1]
            if restricted:
                groups.setdefault(repr(sorted(restricted.items())), (restricted, []))[1].append(
                    partner.id
                )
        for restricted, partner_ids in groups.values():
            self.Partner.sudo().browse(partner_ids).write(restricted)

    def _sync_company_dependent_fields(self, persons):
        """Commercial fields depending on the company (fiscal positions, payment terms...)
        follow the company in the other companies of the database too, as superuser like the
        synchronization of res.partner; only the differing values are written."""
        field_names = self.Partner._company_dependent_commercial_fields()
        if not persons or not field_names:
            return
        other_companies = (
            self.env["res.company"].sudo().search(Domain("id", "!=", self.env.company.id))
        )
        for company in other_companies:
            persons_in_company = persons.sudo().with_company(company)
            persons_in_company.fetch(field_names)
            persons_in_company.commercial_partner_id.fetch(field_names)
            groups = {}
            for person in persons_in_company:
                commercial = person.commercial_partner_id
                changed = [name for name in field_names if person[name] != commercial[name]]
                if changed:
                    vals = commercial._convert_fields_to_values(changed)
                    key = repr(sorted(vals.items()))
                    groups.setdefault(key, (vals, []))[1].append(person.id)
            for vals, person_ids in groups.values():
                persons.sudo().with_company(company).browse(person_ids).write(vals)

    def _forget(self, rows):
        """Drop what a rolled back batch created from the rows."""
        for row in rows:
            if not row.matched_by:
                row.partner_id = 0
            if row.company_key and not row.company_matched_by:
                row.company_id = 0
                self._new_companies.pop(row.company_key, None)

    def _company_vals(self, row):
        return {
            "name": row.company_name,
            "is_company": True,
            "vat": row.values.get("vat") or False,
            **self._address_vals(row),
        }

    def _main_vals(self, row, synced=None):
        values = row.values
        vals = {
            "email": row.email or False,
            "phone": values.get("phone") or False,
        }
        if not row.is_person:
            return {
                **vals,
                "name": row.company_name,
                "is_company": True,
                "vat": values.get("vat") or False,
                **self._address_vals(row),
            }
        vals.update(
            name=row.person_name,
            is_company=False,
            form_of_address=row.form_of_address or False,
            academic_title=row.academic_title or False,
        )
        if row.function_id:
            vals["function_id"] = row.function_id
        elif values.get("function"):
            vals["function"] = values["function"]
        if row.company_id:
            vals.update(parent_id=row.company_id, type="contact", **(synced or {}))
        else:
            vals.update(vat=values.get("vat") or False, **self._address_vals(row))
        return vals

    @staticmethod
    def _address_vals(row):
        vals = {name: row.values.get(name) or False for name in ADDRESS_FIELDS}
        vals["country_id"] = row.country_id or False
        return vals

    # ------------------------------------------------------------
    # Master data
    # ------------------------------------------------------------

    def _get_countries(self):
        """Countries by normalized code and name, in every active language."""
        if self._countries is None:
            countries = {}
            Country = self.env["res.country"]
            for code, aliases in COUNTRY_ALIASES.items():
                for alias in aliases:
                    countries[alias] = code
            for lang in {"en_US", *(code for code, _name in self.env["res.lang"].get_installed())}:
                for country in Country.with_context(lang=lang).search_fetch([], ["name", "code"]):
                    countries[normalize_text(country.name)] = country.code
            code_ids = {country.code: country.id for country in Country.search_fetch([], ["code"])}
            self._countries = {
                name: code_ids[code] for name, code in countries.items() if code in code_ids
            }
            self._countries.update(
                (normalize_text(code), country_id) for code, country_id in code_ids.items()
            )
        return self._countries

    def _get_functions(self):
        """Functions of contact persons by normalized name (every active language) and code."""
        if self._functions is None:
            functions = {}
            Function = self.env["crm.contact.function"]
            for lang in {"en_US", *(code for code, _name in self.env["res.lang"].get_installed())}:
                for function in Function.with_context(lang=lang).search_fetch([], ["name", "code"]):
                    functions[normalize_text(function.name)] = function.id
                    functions[normalize_text(function.code)] = function.id
            self._functions = functions
        return self._functions


def _pick(candidates, is_company, strict):
    """The partner among ``(id, is_company)`` candidates: the oldest of the wanted kind, or with
    ``strict`` False the oldest of any kind."""
    if not candidates:
        return 0
    same_kind = sorted(pid for pid, kind in candidates if bool(kind) == bool(is_company))
    if same_kind:
        return same_kind[0]
    return 0 if strict else min(pid for pid, _kind in candidates)
