import base64
import binascii

import psycopg2

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError

from .address_csv import (
    AddressFileError,
    decode,
    detect_delimiter,
    guess_field,
    has_header,
    read_rows,
)
from .address_import import AddressImporter

PREVIEW_ROWS = 20
IMPORT_FIELDS = [
    ("name", "Name"),
    ("first_name", "First Name"),
    ("last_name", "Last Name"),
    ("company", "Company"),
    ("street", "Street"),
    ("street2", "Street 2"),
    ("zip", "ZIP"),
    ("city", "City"),
    ("country", "Country"),
    ("email", "E-mail"),
    ("phone", "Phone"),
    ("vat", "Tax ID"),
    ("function", "Function"),
    ("form_of_address", "Form of Address"),
    ("academic_title", "Academic Title"),
]
ROW_ACTIONS = [("match", "Match"), ("create", "Create"), ("error", "Error")]


class CrmSelectionImport(models.TransientModel):
    """Import addresses from a CSV file into a target: the manual members of a selection.

    The file is read (encoding, delimiter and header detected), its columns mapped to partner
    fields, its rows matched with existing partners or created, and the partners handed to
    ``_import_into``, the extension point for other targets (campaigns, sale orders).
    """

    _name = "crm.selection.import"
    _description = "Import Addresses"

    res_model = fields.Char(string="Target Model", required=True, readonly=True)
    res_id = fields.Many2oneReference(
        string="Target", model_field="res_model", required=True, readonly=True
    )
    target_name = fields.Char(string="Import Into", compute="_compute_target_name")
    state = fields.Selection(
        [("upload", "Upload"), ("map", "Columns"), ("preview", "Preview"), ("done", "Done")],
        default="upload",
        required=True,
    )
    file = fields.Binary(attachment=False)
    filename = fields.Char()
    encoding = fields.Selection(
        [
            ("auto", "Detect"),
            ("utf-8", "UTF-8"),
            ("utf-8-sig", "UTF-8 with BOM"),
            ("utf-16", "UTF-16"),
            ("cp1252", "Windows-1252 (Western Europe)"),
            ("iso-8859-2", "ISO-8859-2 (Central Europe)"),
            ("cp1250", "Windows-1250 (Central Europe)"),
        ],
        default="auto",
        required=True,
    )
    delimiter = fields.Selection(
        [("auto", "Detect"), (";", "Semicolon"), (",", "Comma"), ("\t", "Tab"), ("|", "Pipe")],
        default="auto",
        required=True,
    )
    has_header = fields.Boolean(
        string="First Row Names the Columns",
        default=True,
        help="The first row holds the column names and is not imported.",
    )
    mode = fields.Selection(
        [("skip", "Skip bad rows"), ("all_or_nothing", "All or nothing")],
        default="skip",
        required=True,
        help="Skip bad rows: import the good rows and report the bad ones.\n"
        "All or nothing: import nothing as soon as one row is bad.",
    )
    column_ids = fields.One2many("crm.selection.import.column", "import_id", string="Columns")
    preview_ids = fields.One2many("crm.selection.import.preview", "import_id", string="Preview")
    error_ids = fields.One2many("crm.selection.import.error", "import_id", string="Errors")
    row_count = fields.Integer(string="Rows", readonly=True)
    match_count = fields.Integer(string="Existing Partners", readonly=True)
    create_count = fields.Integer(string="New Partners", readonly=True)
    error_count = fields.Integer(string="Bad Rows", readonly=True)
    imported_count = fields.Integer(string="Imported Rows", readonly=True)
    result_message = fields.Text(readonly=True)

    @api.depends("res_model", "res_id")
    def _compute_target_name(self):
        for wizard in self:
            target = wizard._get_target()
            wizard.target_name = target.display_name if target else False

    @api.constrains("res_model")
    def _check_res_model(self):
        for wizard in self:
            if wizard.res_model not in self._get_target_models():
                raise ValidationError(
                    self.env._(
                        "Addresses cannot be imported into %(model)s.", model=wizard.res_model
                    )
                )

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if context.get("active_model") in self._get_target_models() and context.get("active_id"):
            values.setdefault("res_model", context["active_model"])
            values.setdefault("res_id", context["active_id"])
        return values

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_load(self):
        """Read the uploaded file: detect its encoding, delimiter and header, guess the
        mapping of its columns."""
        self.ensure_one()
        text, encoding = self._decode_file(self.encoding)
        delimiter = self.delimiter if self.delimiter != "auto" else detect_delimiter(text)
        rows = self._read_rows(text, delimiter)
        self.write(
            {
                "encoding": encoding,
                "delimiter": delimiter,
                "has_header": has_header(rows[0][1]),
                "state": "map",
            }
        )
        self._load_columns(rows)
        return self._reopen()

    def action_reload(self):
        """Read the file again with the chosen encoding, delimiter and header row."""
        self.ensure_one()
        text, _encoding = self._decode_file(self.encoding)
        self._load_columns(self._read_rows(text, self.delimiter))
        self.state = "map"
        return self._reopen()

    def action_back(self):
        self.ensure_one()
        self._clear_results()
        self.write({"state": "upload", "encoding": "auto", "delimiter": "auto"})
        self.column_ids.unlink()
        return self._reopen()

    def action_preview(self):
        """Show what the import will do with the first rows, and every row's errors."""
        self.ensure_one()
        importer, rows = self._analyze()
        self._report(importer, rows, preview=True)
        self.state = "preview"
        return self._reopen()

    def action_import(self):
        """Import the file: match or create the partners of its rows and hand them to the
        target. In all-or-nothing mode one bad row leaves the database untouched."""
        self.ensure_one()
        self._check_import_rights()
        importer, rows = self._analyze()
        all_or_nothing = self.mode == "all_or_nothing"
        if importer.check_columns() or (all_or_nothing and any(row.errors for row in rows)):
            self._report(importer, rows)
            self.state = "done"
            return self._reopen()
        try:
            with self.env.cr.savepoint():
                importer.create_partners(rows, isolate_errors=not all_or_nothing)
                self._import_into_target(rows)
        except (UserError, ValueError, psycopg2.Error) as error:
            self._report(importer, rows, failure=str(error))
        else:
            self._report(importer, rows, imported=True)
        self.state = "done"
        return self._reopen()

    def action_open_target(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": self.res_model,
            "res_id": self.res_id,
            "view_mode": "form",
            "target": "current",
        }

    # ------------------------------------------------------------
    # Target (extension point)
    # ------------------------------------------------------------

    @api.model
    def _get_target_models(self):
        """Models addresses can be imported into; an addon adding a model here also extends
        ``_import_into``."""
        return ["crm.selection"]

    def _get_target(self):
        self.ensure_one()
        if self.res_model not in self._get_target_models() or not self.res_id:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    def _import_into(self, target, partners):
        """Add the imported ``partners`` (matched or created) to the ``target`` record.

        A selection takes them as manual members. Other targets extend this method, e.g. a
        sale order adding them to its contacts.
        """
        if target._name == "crm.selection":
            target.write({"manual_partner_ids": [Command.link(pid) for pid in partners.ids]})
            return
        raise UserError(
            self.env._("Addresses cannot be imported into %(model)s.", model=target._name)
        )

    def _import_into_target(self, rows):
        target = self._get_target()
        if not target:
            raise UserError(self.env._("The record to import into no longer exists."))
        partner_ids = list(dict.fromkeys(row.partner_id for row in rows if row.partner_id))
        self._import_into(target, self.env["res.partner"].browse(partner_ids))

    def _check_import_rights(self):
        target = self._get_target()
        if not target:
            raise UserError(self.env._("The record to import into no longer exists."))
        target.check_access("write")
        self.env["res.partner"].check_access("create")

    # ------------------------------------------------------------
    # File
    # ------------------------------------------------------------

    def _get_file_content(self):
        if not self.file:
            raise UserError(self.env._("Choose the CSV file to import."))
        try:
            return base64.b64decode(self.with_context(bin_size=False).file, validate=True)
        except (binascii.Error, ValueError, TypeError) as error:
            raise UserError(self.env._("The uploaded file cannot be read.")) from error

    def _decode_file(self, encoding):
        data = self._get_file_content()
        try:
            return decode(data, None if encoding == "auto" else encoding)
        except AddressFileError as error:
            raise UserError(self._get_file_error_message(error)) from error

    def _read_rows(self, text, delimiter):
        try:
            return read_rows(text, delimiter)
        except AddressFileError as error:
            raise UserError(self._get_file_error_message(error)) from error

    def _get_file_error_message(self, error):
        if error.code == "empty":
            return self.env._("The file is empty.")
        if error.code == "binary":
            return self.env._(
                "The file is not a CSV text file (a spreadsheet or a PDF?). Save it as CSV "
                "and upload it again."
            )
        if error.code == "encoding":
            return self.env._(
                "The file cannot be read as %(encoding)s. Choose another encoding.",
                encoding=dict(self._fields["encoding"]._description_selection(self.env)).get(
                    error.params.get("encoding"), error.params.get("encoding")
                ),
            )
        return self.env._(
            "Row %(row)s of the file cannot be read: %(message)s",
            row=error.params.get("row", "?"),
            message=error.params.get("message", ""),
        )

    def _load_columns(self, rows):
        """Create a mapping line per column of the file, guessing its field from its header."""
        first_row = rows[0][1]
        data_rows = rows[1:] if self.has_header else rows
        sample_row = data_rows[0][1] if data_rows else []
        if self.has_header:
            width = len(first_row)
        else:
            width = max(len(cells) for _number, cells in rows[:PREVIEW_ROWS])
        guessed = set()
        vals_list = []
        for index in range(width):
            header = first_row[index] if self.has_header and index < len(first_row) else ""
            field_name = guess_field(header) if header else False
            if field_name in guessed:
                field_name = False
            guessed.add(field_name)
            vals_list.append(
                {
                    "import_id": self.id,
                    "sequence": index,
                    "column_index": index,
                    "header": header or self.env._("Column %(number)s", number=index + 1),
                    "sample": sample_row[index] if index < len(sample_row) else "",
                    "field_name": field_name,
                }
            )
        self._clear_results()
        self.column_ids.unlink()
        self.env["crm.selection.import.column"].create(vals_list)

    # ------------------------------------------------------------
    # Analysis and report
    # ------------------------------------------------------------

    def _analyze(self):
        text, _encoding = self._decode_file(self.encoding)
        if self.delimiter == "auto":
            self.delimiter = detect_delimiter(text)
        rows = self._read_rows(text, self.delimiter)
        if not self.column_ids:
            self._load_columns(rows)
        if self.has_header:
            rows = rows[1:]
        if not rows:
            raise UserError(self.env._("The file has no addresses, only a header row."))
        columns = {}
        for column in self.column_ids.sorted("column_index").filtered("field_name"):
            if column.field_name in columns:
                raise UserError(
                    self.env._(
                        "Two columns are imported as %(field)s: map each field to one column only.",
                        field=column._get_field_label(),
                    )
                )
            columns[column.field_name] = column.column_index
        headers = self.column_ids.sorted("column_index").mapped("header")
        importer = AddressImporter(self.env, columns, headers)
        if importer.check_columns():
            return importer, []
        return importer, importer.analyze(rows)

    def _clear_results(self):
        self.preview_ids.unlink()
        self.error_ids.unlink()

    def _report(self, importer, rows, preview=False, imported=False, failure=None):
        """Write the counts, the preview of the first rows and the errors of every row."""
        self._clear_results()
        errors = [
            {"import_id": self.id, "row_number": 0, "column": "", "message": message}
            for message in importer.check_columns()
        ]
        if failure:
            errors.append(
                {
                    "import_id": self.id,
                    "row_number": 0,
                    "column": "",
                    "message": self.env._("Nothing was imported: %(error)s", error=failure),
                }
            )
        for row in rows:
            errors += [
                {"import_id": self.id, "row_number": row.number, "column": col, "message": msg}
                for col, msg in row.errors
            ]
        self.env["crm.selection.import.error"].create(errors)
        if preview:
            self.env["crm.selection.import.preview"].create(
                [self._get_preview_vals(row) for row in rows[:PREVIEW_ROWS]]
            )
        bad_rows = sum(1 for row in rows if row.errors)
        imported_count = 0
        if imported:
            imported_count = sum(1 for row in rows if row.partner_id and not row.errors)
        self.write(
            {
                "row_count": len(rows),
                "match_count": sum(1 for row in rows if row.action == "match"),
                "create_count": sum(1 for row in rows if row.action == "create"),
                "error_count": bad_rows,
                "imported_count": imported_count,
                "result_message": not preview
                and self._get_result_message(len(rows), imported_count, bad_rows, imported),
            }
        )

    def _get_result_message(self, total, imported_count, bad_rows, imported):
        if not imported and bad_rows:
            return self.env._(
                "Nothing was imported: %(bad)s of %(total)s rows have errors. Correct the file "
                "and import it again.",
                bad=bad_rows,
                total=total,
            )
        if not imported:
            return self.env._("Nothing was imported: see the errors.")
        if bad_rows:
            return self.env._(
                "%(imported)s of %(total)s rows were imported into %(target)s; %(bad)s bad rows "
                "were skipped.",
                imported=imported_count,
                total=total,
                bad=bad_rows,
                target=self.target_name,
            )
        return self.env._(
            "All %(imported)s rows were imported into %(target)s.",
            imported=imported_count,
            target=self.target_name,
        )

    def _get_preview_vals(self, row):
        if row.errors:
            message = "; ".join(msg for _col, msg in row.errors)
        elif row.matched_by:
            message = {
                "email": self.env._("Matches an existing partner by e-mail."),
                "vat": self.env._("Matches an existing partner by tax ID."),
                "name": self.env._("Matches an existing partner by name and ZIP."),
            }[row.matched_by]
        elif row.has_company and row.company_id:
            message = self.env._("Creates a contact person of an existing company.")
        elif row.has_company:
            message = self.env._("Creates a company and its contact person.")
        else:
            message = self.env._("Creates a partner.")
        return {
            "import_id": self.id,
            "row_number": row.number,
            "action": row.action,
            "partner_id": row.partner_id or False,
            "name": row.person_name,
            "company": row.company_name,
            "email": row.values.get("email", ""),
            "city": " ".join(filter(None, (row.values.get("zip"), row.values.get("city")))),
            "message": message,
        }

    def _reopen(self):
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "context": self.env.context,
        }
