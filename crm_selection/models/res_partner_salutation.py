from odoo import fields, models

# Letter openings by language: (woman, man, person of unknown form of address, company).
# {name} is the academic title and the last name, {full_name} the whole name. Polish letters
# open without the surname ("Szanowna Pani,"), with an academic title in the vocative.
SALUTATIONS = {
    "de": (
        "Sehr geehrte Frau {name},",
        "Sehr geehrter Herr {name},",
        "Guten Tag {full_name},",
        "Sehr geehrte Damen und Herren,",
    ),
    "pl": (
        "Szanowna Pani{title},",
        "Szanowny Panie{title},",
        "Szanowni Państwo,",
        "Szanowni Państwo,",
    ),
    "en": ("Dear Ms {name},", "Dear Mr {name},", "Dear {full_name},", "Dear Sir or Madam,"),
    "en_US": ("Dear Ms. {name},", "Dear Mr. {name},", "Dear {full_name},", "Dear Sir or Madam,"),
    "fr": ("Madame,", "Monsieur,", "Madame, Monsieur,", "Madame, Monsieur,"),
    "it": (
        "Gentile Signora {name},",
        "Egregio Signor {name},",
        "Gentile {full_name},",
        "Spettabile Ditta,",
    ),
}
# The recipient line of an address block: (woman, man); a neutral one is the bare name.
RECIPIENT_LINES = {
    "de": ("Frau {full_name}", "Herrn {full_name}"),
    "de_CH": ("Frau {full_name}", "Herr {full_name}"),
    "pl": ("Pani {full_name}", "Pan {full_name}"),
    "en": ("Ms {full_name}", "Mr {full_name}"),
    "en_US": ("Ms. {full_name}", "Mr. {full_name}"),
    "fr": ("Madame {full_name}", "Monsieur {full_name}"),
    "it": ("Sig.ra {full_name}", "Sig. {full_name}"),
}
# Polish academic titles in a salutation: (addressing a woman, addressing a man).
POLISH_TITLES = (("prof", " Profesor", " Profesorze"), ("dr", " Doktor", " Doktorze"))
# The language of a partner without one, by country.
COUNTRY_LANGUAGES = {"DE": "de_DE", "AT": "de_AT", "CH": "de_CH", "LI": "de_CH", "PL": "pl_PL"}
FORM_INDEX = {"ms": 0, "mr": 1}


class ResPartner(models.Model):
    _inherit = "res.partner"

    form_of_address = fields.Selection(
        [("ms", "Ms"), ("mr", "Mr")],
        help="How letters address the contact person: as a woman (Frau, Pani) or a man "
        "(Herr, Pan). Empty: a neutral salutation.",
    )
    academic_title = fields.Char(
        help="Academic title used in letters before the name, e.g. Dr. or Prof. Dr.",
    )

    # ------------------------------------------------------------
    # Letters
    # ------------------------------------------------------------

    def _get_letter_language(self):
        """The language letters to the partner are written in (a code such as de_DE)."""
        self.ensure_one()
        country = self.country_id or self.commercial_partner_id.country_id
        return self.lang or COUNTRY_LANGUAGES.get(country.code or "", "en_US")

    def _get_letter_salutation(self):
        """The opening of a letter to the partner in the partner's language."""
        self.ensure_one()
        language = self._get_letter_language()
        woman, man, neutral, company = _by_language(SALUTATIONS, language)
        if self.is_company:
            return company
        template = {"ms": woman, "mr": man}.get(self.form_of_address, neutral)
        return template.format(
            name=" ".join(filter(None, [self.academic_title, self._get_last_name()])),
            full_name=self._get_full_name(),
            title=self._get_polish_title(),
        )

    def _get_letter_recipient(self):
        """The line naming the contact person in an address block, e.g. "Herrn Dr. Hans Müller"."""
        self.ensure_one()
        full_name = self._get_full_name()
        if self.form_of_address not in FORM_INDEX:
            return full_name
        lines = _by_language(RECIPIENT_LINES, self._get_letter_language())
        return lines[FORM_INDEX[self.form_of_address]].format(full_name=full_name)

    def _get_address_block_lines(self):
        """The address block of a letter to the partner, one line per item, formatted by the
        address format of the partner's country, the country named in the partner's language
        and left out for partners in the country of the current company."""
        self.ensure_one()
        partner = self.with_context(lang=self._get_letter_language())
        address_format, args = partner._prepare_display_address(without_company=True)
        if partner.country_id and partner.country_id == self.env.company.country_id:
            args["country_name"] = ""
        lines = []
        if self.is_company:
            lines.append(self.name)
        else:
            if self.parent_id:
                lines.append(self.commercial_company_name or self.parent_id.name)
            lines.append(self._get_letter_recipient())
        lines += (address_format % args).split("\n")
        return [line.strip() for line in lines if line and line.strip()]

    def _get_first_and_last_name(self):
        """The person's name split at its last word: ("Anna Maria", "Bergmann")."""
        self.ensure_one()
        words = (self.name or "").split()
        if self.academic_title and words[:1] == [self.academic_title]:
            words = words[1:]
        if not words or self.is_company:
            return "", self.name or ""
        return " ".join(words[:-1]), words[-1]

    def _get_last_name(self):
        return self._get_first_and_last_name()[1]

    def _get_full_name(self):
        self.ensure_one()
        name = self.name or ""
        if self.academic_title and not name.startswith(self.academic_title):
            return f"{self.academic_title} {name}"
        return name

    def _get_polish_title(self):
        title = (self.academic_title or "").lower()
        for prefix, woman, man in POLISH_TITLES:
            if title.startswith(prefix):
                return woman if self.form_of_address == "ms" else man
        return ""


def _by_language(table, language):
    """The entry of ``table`` for a language code such as de_CH: exact, by language, English."""
    language = language or "en_US"
    return table.get(language) or table.get(language.split("_")[0]) or table["en"]
