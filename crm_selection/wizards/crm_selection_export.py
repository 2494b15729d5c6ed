import base64
import csv
import io
import re
import zipfile
from urllib.parse import quote, urlencode

import docx
import vobject
import xlsxwriter
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Domain
from odoo.tools import format_date

ADDRESS_LINES = 6
MAIL_MERGE_DATA = "mail_merge_data.csv"
MAIL_MERGE_LETTER = "letter.docx"
# Values a spreadsheet would run as a formula; phone numbers such as +49 30 123 stay as they are.
FORMULA_START = re.compile(r"^(?:[=@\t\r]|[+-](?![\d\s()/.-]*$))")
MEMBER_ORDER = "commercial_company_name, is_company desc, name, id"


class CrmSelectionExport(models.TransientModel):
    """Export the members of a selection to CSV, Excel, vCard or a mail merge package.

    Only business contact data is exported (name, company, function, business address,
    e-mail, phone, tax ID), never the private contact data of a person.
    """

    _name = "crm.selection.export"
    _description = "Export Selection Members"

    selection_id = fields.Many2one(
        "crm.selection", required=True, ondelete="cascade", readonly=True
    )
    snapshot_id = fields.Many2one(
        "crm.selection.snapshot",
        string="Latest Snapshot",
        compute="_compute_snapshot_id",
    )
    source = fields.Selection(
        [("snapshot", "Latest snapshot"), ("fresh", "Run the selection now")],
        string="Members",
        compute="_compute_source",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        help="Latest snapshot: the members of the selection's last run.\n"
        "Run the selection now: the current members, stored as a new snapshot.",
    )
    export_format = fields.Selection(
        [
            ("csv", "CSV"),
            ("xlsx", "Excel (XLSX)"),
            ("vcard", "vCard"),
            ("mail_merge", "Mail merge (CSV and Word letter)"),
        ],
        string="Format",
        default="xlsx",
        required=True,
    )
    csv_delimiter = fields.Selection(
        [(";", "Semicolon"), (",", "Comma"), ("\t", "Tab")],
        string="Delimiter",
        default=lambda self: self._default_csv_delimiter(),
        required=True,
        help="Excel in German or Polish expects a semicolon, in English a comma.",
    )
    member_count = fields.Integer(string="Exported Members", readonly=True)
    file_name = fields.Char(readonly=True)
    file_data = fields.Binary(string="File", readonly=True, attachment=False)

    def _default_csv_delimiter(self):
        lang = self.env["res.lang"]._lang_get(self.env.lang or "en_US")
        return ";" if lang.decimal_point == "," else ","

    @api.depends("selection_id")
    def _compute_snapshot_id(self):
        for wizard in self:
            wizard.snapshot_id = wizard.selection_id.last_snapshot_id

    @api.depends("snapshot_id")
    def _compute_source(self):
        for wizard in self:
            wizard.source = "snapshot" if wizard.snapshot_id else "fresh"

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") == "crm.selection" and context.get("active_id"):
            values.setdefault("selection_id", context["active_id"])
        return values

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_export(self):
        """Write the file of the members in the chosen format and download it."""
        self.ensure_one()
        partners = self._get_partners()
        if not partners:
            raise UserError(self.env._("The selection has no members to export."))
        data, extension = getattr(self, f"_export_{self.export_format}")(partners)
        self.write(
            {
                "member_count": len(partners),
                "file_name": f"{self._get_file_base_name()}.{extension}",
                "file_data": base64.b64encode(data),
            }
        )
        query = urlencode(
            {
                "model": self._name,
                "id": self.id,
                "field": "file_data",
                "filename_field": "file_name",
                "filename": self.file_name,
                "download": "true",
            },
            quote_via=quote,
        )
        return {"type": "ir.actions.act_url", "url": f"/web/content?{query}", "target": "download"}

    # ------------------------------------------------------------
    # Members
    # ------------------------------------------------------------

    def _get_partners(self):
        """The members to export, as the current user may read them (record rules apply)."""
        self.ensure_one()
        if self.source == "snapshot" and not self.snapshot_id:
            raise UserError(
                self.env._(
                    "The selection %(selection)s has no snapshot yet: run it now.",
                    selection=self.selection_id.display_name,
                )
            )
        # a fresh run stores a snapshot, so that the exported mailing can be reproduced
        snapshot = self.snapshot_id if self.source == "snapshot" else None
        member_ids = self.selection_id._get_target_partner_ids(snapshot)
        return self.env["res.partner"].search(Domain("id", "in", member_ids), order=MEMBER_ORDER)

    def _get_file_base_name(self):
        name = re.sub(r"[\\/:*?\"<>|]+", " ", self.selection_id.name or "").strip()
        return name or self.env._("Selection")

    # ------------------------------------------------------------
    # CSV and Excel
    # ------------------------------------------------------------

    def _get_columns(self):
        """(key, header) of the columns of a CSV or Excel export."""
        return [
            ("type", self.env._("Type")),
            ("name", self.env._("Name")),
            ("company", self.env._("Company")),
            ("function", self.env._("Function")),
            ("street", self.env._("Street")),
            ("street2", self.env._("Street 2")),
            ("zip", self.env._("ZIP")),
            ("city", self.env._("City")),
            ("state", self.env._("State")),
            ("country", self.env._("Country")),
            ("email", self.env._("E-mail")),
            ("phone", self.env._("Phone")),
            ("vat", self.env._("Tax ID")),
        ]

    def _get_values(self, partner):
        """The business contact data of a member; never its private contact data."""
        company = partner.commercial_partner_id if partner.parent_id else partner.browse()
        return {
            "type": self.env._("Company") if partner.is_company else self.env._("Contact Person"),
            "name": partner.name or "",
            "company": partner.name if partner.is_company else (company.name or ""),
            "function": "" if partner.is_company else (partner.function or ""),
            "street": partner.street or "",
            "street2": partner.street2 or "",
            "zip": partner.zip or "",
            "city": partner.city or "",
            "state": partner.state_id.name or "",
            "country": partner.country_id.name or "",
            "email": partner.email or "",
            "phone": partner.phone or "",
            "vat": partner.commercial_partner_id.vat or "",
        }

    def _export_csv(self, partners):
        columns = self._get_columns()
        rows = [[header for _key, header in columns]]
        for partner in partners:
            values = self._get_values(partner)
            rows.append([values[key] for key, _header in columns])
        return self._write_csv(rows), "csv"

    def _write_csv(self, rows):
        """CSV in UTF-8 with a byte order mark, which Excel needs to read the umlauts."""
        output = io.StringIO()
        writer = csv.writer(output, delimiter=self.csv_delimiter, lineterminator="\r\n")
        writer.writerows([[_spreadsheet_safe(value) for value in row] for row in rows])
        return output.getvalue().encode("utf-8-sig")

    def _export_xlsx(self, partners):
        columns = self._get_columns()
        output = io.BytesIO()
        workbook = xlsxwriter.Workbook(output, {"in_memory": True})
        sheet = workbook.add_worksheet(self._get_file_base_name()[:31])
        bold = workbook.add_format({"bold": True})
        widths = [len(header) for _key, header in columns]
        for col, (_key, header) in enumerate(columns):
            sheet.write_string(0, col, header, bold)
        for row, partner in enumerate(partners, start=1):
            values = self._get_values(partner)
            for col, (key, _header) in enumerate(columns):
                # strings only: ZIP codes keep their leading zeros, nothing runs as a formula
                sheet.write_string(row, col, values[key])
                widths[col] = max(widths[col], len(values[key]))
        for col, width in enumerate(widths):
            sheet.set_column(col, col, min(width + 2, 50))
        sheet.freeze_panes(1, 0)
        sheet.autofilter(0, 0, len(partners), len(columns) - 1)
        workbook.close()
        return output.getvalue(), "xlsx"

    # ------------------------------------------------------------
    # vCard
    # ------------------------------------------------------------

    def _export_vcard(self, partners):
        cards = [self._get_vcard(partner).serialize() for partner in partners]
        return "".join(cards).encode(), "vcf"

    def _get_vcard(self, partner):
        """A vCard 3.0 of a person (name, company, function) or of a company."""
        card = vobject.vCard()
        values = self._get_values(partner)
        if partner.is_company:
            card.add("n").value = vobject.vcard.Name()
            card.add("fn").value = partner.name or ""
            card.add("org").value = [partner.name or ""]
            card.add("x-abshowas").value = "COMPANY"
        else:
            first_name, last_name = partner._get_first_and_last_name()
            card.add("n").value = vobject.vcard.Name(
                family=last_name, given=first_name, prefix=partner.academic_title or ""
            )
            card.add("fn").value = partner._get_full_name()
            if values["company"]:
                card.add("org").value = [values["company"]]
            if values["function"]:
                card.add("title").value = values["function"]
        if values["email"]:
            email = card.add("email")
            email.value = values["email"]
            email.type_paramlist = ["INTERNET", "WORK"]
        if values["phone"]:
            phone = card.add("tel")
            phone.value = values["phone"]
            phone.type_param = "WORK"
        if any(values[key] for key in ("street", "street2", "zip", "city", "country")):
            address = card.add("adr")
            address.value = vobject.vcard.Address(
                street="\n".join(filter(None, (values["street"], values["street2"]))),
                city=values["city"],
                region=values["state"],
                code=values["zip"],
                country=values["country"],
            )
            address.type_param = "WORK"
        return card

    # ------------------------------------------------------------
    # Mail merge
    # ------------------------------------------------------------

    def _get_mail_merge_columns(self):
        """Names of the merge fields: plain ASCII, the same in every language."""
        return [
            "salutation",
            "recipient",
            "name",
            "academic_title",
            "first_name",
            "last_name",
            "company",
            "function",
            *(f"address_line_{number}" for number in range(1, ADDRESS_LINES + 1)),
            "street",
            "street2",
            "zip",
            "city",
            "state",
            "country",
            "email",
            "phone",
            "language",
        ]

    def _get_mail_merge_values(self, partner):
        """Salutation and address block of a member, in the member's language and in the
        address format of the member's country."""
        language = partner._get_letter_language()
        recipient = partner.with_context(lang=language)
        values = self._get_values(recipient)
        lines = recipient._get_address_block_lines()[:ADDRESS_LINES]
        lines += [""] * (ADDRESS_LINES - len(lines))
        first_name, last_name = (
            ("", "") if partner.is_company else partner._get_first_and_last_name()
        )
        return {
            **values,
            "salutation": recipient._get_letter_salutation(),
            "recipient": "" if partner.is_company else recipient._get_letter_recipient(),
            "academic_title": partner.academic_title or "",
            "first_name": first_name,
            "last_name": last_name,
            **{f"address_line_{number}": line for number, line in enumerate(lines, start=1)},
            "language": language,
        }

    def _export_mail_merge(self, partners):
        columns = self._get_mail_merge_columns()
        rows = [columns]
        for partner in partners:
            values = self._get_mail_merge_values(partner)
            rows.append([values[column] for column in columns])
        output = io.BytesIO()
        with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as package:
            package.writestr(MAIL_MERGE_DATA, self._write_csv(rows))
            package.writestr(MAIL_MERGE_LETTER, self._get_letter_template())
            package.writestr("README.txt", self._get_mail_merge_readme())
        return output.getvalue(), "zip"

    def _get_letter_template(self):
        """A Word letter whose address block and salutation are merge fields."""
        document = docx.Document()
        style = document.styles["Normal"]
        style.font.size = Pt(11)
        sender = self.env.company.partner_id
        sender_line = " · ".join(
            filter(None, (sender.name, sender.street, f"{sender.zip or ''} {sender.city or ''}"))
        ).strip(" ·")
        sender_paragraph = document.add_paragraph()
        sender_run = sender_paragraph.add_run(sender_line)
        sender_run.font.size = Pt(8)
        address = document.add_paragraph()
        for number in range(1, ADDRESS_LINES + 1):
            if number > 1:
                address.add_run().add_break()
            _add_merge_field(address, f"address_line_{number}")
        date = document.add_paragraph(
            format_date(self.env, fields.Date.context_today(self), date_format="long")
        )
        date.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        subject = document.add_paragraph()
        subject.add_run(self.env._("Subject")).bold = True
        salutation = document.add_paragraph()
        _add_merge_field(salutation, "salutation")
        document.add_paragraph(self.env._("Your text."))
        document.add_paragraph(self.env._("Kind regards"))
        document.add_paragraph(self.env.user.name or "")
        output = io.BytesIO()
        document.save(output)
        return output.getvalue()

    def _get_mail_merge_readme(self):
        return self.env._(
            "Mail merge of the selection %(selection)s\n\n"
            "%(data)s holds one row per member with the salutation and the address block in "
            "the member's language.\n"
            "Open %(letter)s, choose %(data)s as the recipient list (Word: Mailings > Select "
            "Recipients > Use an Existing List; LibreOffice: Tools > Mail Merge Wizard), "
            "write the letter and merge.\n",
            selection=self.selection_id.display_name,
            data=MAIL_MERGE_DATA,
            letter=MAIL_MERGE_LETTER,
        ).encode("utf-8-sig")


def _add_merge_field(paragraph, name):
    """Append a Word merge field { MERGEFIELD name } to a python-docx paragraph."""
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), f" MERGEFIELD {name} \\* MERGEFORMAT ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = f"«{name}»"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _spreadsheet_safe(value):
    value = value or ""
    return f"'{value}" if FORMULA_START.match(value) else value
