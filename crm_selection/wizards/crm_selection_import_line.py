from odoo import fields, models

from .crm_selection_import import IMPORT_FIELDS, ROW_ACTIONS


class CrmSelectionImportColumn(models.TransientModel):
    """A column of the imported file and the partner field it fills."""

    _name = "crm.selection.import.column"
    _description = "Column of an Address Import"
    _order = "sequence, id"

    import_id = fields.Many2one("crm.selection.import", required=True, ondelete="cascade")
    sequence = fields.Integer()
    column_index = fields.Integer(readonly=True)
    header = fields.Char(string="Column", readonly=True)
    sample = fields.Char(string="First Value", readonly=True)
    field_name = fields.Selection(
        IMPORT_FIELDS, string="Import As", help="Leave empty to skip the column."
    )

    def _get_field_label(self):
        self.ensure_one()
        return dict(self._fields["field_name"]._description_selection(self.env)).get(
            self.field_name, self.field_name
        )


class CrmSelectionImportPreview(models.TransientModel):
    """What the import does with one of the first rows of the file."""

    _name = "crm.selection.import.preview"
    _description = "Preview of an Address Import"
    _order = "row_number, id"

    import_id = fields.Many2one("crm.selection.import", required=True, ondelete="cascade")
    row_number = fields.Integer(string="Row")
    action = fields.Selection(ROW_ACTIONS)
    partner_id = fields.Many2one("res.partner", string="Existing Partner")
    name = fields.Char()
    company = fields.Char()
    email = fields.Char(string="E-mail")
    city = fields.Char()
    message = fields.Char(string="Details")


class CrmSelectionImportError(models.TransientModel):
    """A problem found in a row of the imported file."""

    _name = "crm.selection.import.error"
    _description = "Error of an Address Import"
    _order = "row_number, id"

    import_id = fields.Many2one("crm.selection.import", required=True, ondelete="cascade")
    row_number = fields.Integer(string="Row", help="Row in the file; 0 for the whole file.")
    column = fields.Char()
    message = fields.Char()
