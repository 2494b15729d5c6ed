from odoo import api, fields, models
from odoo.exceptions import ValidationError


class CrmDocumentLink(models.Model):
    """A business document (sale order, purchase order, manufacturing order, invoice, product,
    lot, or any record) linked to a journal entry or an appointment."""

    _name = "crm.document.link"
    _description = "Linked Business Document"
    _order = "id"

    journal_entry_id = fields.Many2one(
        "crm.journal.entry", index="btree_not_null", ondelete="cascade"
    )
    calendar_event_id = fields.Many2one(
        "calendar.event", string="Appointment", index="btree_not_null", ondelete="cascade"
    )
    res_model = fields.Char(string="Document Model", required=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", required=True)
    res_model_name = fields.Char(string="Document Type", compute="_compute_res_model_name")
    res_name = fields.Char(
        string="Document Name",
        compute="_compute_res_name",
        compute_sudo=True,
        store=True,
        readonly=False,
        help="Name of the document when it was linked or deleted; shown once it is gone.",
    )
    reference = fields.Reference(
        selection="_selection_reference",
        string="Document",
        compute="_compute_reference",
        inverse="_inverse_reference",
        help="The document to link: pick its type, then the document.",
    )
    document_exists = fields.Boolean(compute="_compute_document_exists")

    _one_owner = models.Constraint(
        "CHECK((journal_entry_id IS NULL) <> (calendar_event_id IS NULL))",
        "A linked document belongs either to a journal entry or to an appointment.",
    )
    _res_idx = models.Index("(res_model, res_id)")
    _journal_entry_document_uniq = models.UniqueIndex(
        "(journal_entry_id, res_model, res_id) WHERE journal_entry_id IS NOT NULL",
        "This document is already linked to the journal entry.",
    )
    _calendar_event_document_uniq = models.UniqueIndex(
        "(calendar_event_id, res_model, res_id) WHERE calendar_event_id IS NOT NULL",
        "This document is already linked to the appointment.",
    )

    @api.model
    def _get_document_models(self):
        """The kinds of documents a user may pick for a link, as ``(model, label)`` pairs.

        Every glue addon adds its documents (sale orders, invoices, lots ...); code may still
        link any record of any model."""
        return [("res.partner", self.env._("Contact"))]

    @api.model
    def _selection_reference(self):
        return [(model, label) for model, label in self._get_document_models() if model in self.env]

    @api.depends("res_model")
    def _compute_res_model_name(self):
        for link in self:
            model = self.env["ir.model"]._get(link.res_model) if link.res_model else None
            link.res_model_name = model.name if model else link.res_model

    @api.depends("res_model", "res_id")
    def _compute_res_name(self):
        for link in self:
            document = link._get_document()
            if document:
                link.res_name = document.display_name
            elif not link.res_name:
                link.res_name = link.res_model and f"{link.res_model},{link.res_id}"

    @api.depends("res_model", "res_id")
    def _compute_reference(self):
        allowed = {model for model, _label in self._selection_reference()}
        for link in self:
            document = link._get_document() if link.res_model in allowed else None
            link.reference = f"{link.res_model},{link.res_id}" if document else False

    def _inverse_reference(self):
        for link in self.filtered("reference"):
            link.write(self._document_values(link.reference))

    @api.depends("res_model", "res_id")
    def _compute_document_exists(self):
        for link in self:
            link.document_exists = bool(link._get_document())

    @api.depends("res_model", "res_id", "res_name")
    @api.depends_context("lang")
    def _compute_display_name(self):
        for link in self:
            document = link.sudo()._get_document()
            if document:
                link.display_name = document.display_name
            else:
                link.display_name = self.env._(
                    "%(document)s (deleted)", document=link.res_name or link.res_model_name or ""
                )

    @api.constrains("res_model", "res_id")
    def _check_document(self):
        for link in self:
            if link.res_model not in self.env:
                raise ValidationError(
                    self.env._(
                        "Cannot link a document of the unknown kind %(model)s.",
                        model=link.res_model,
                    )
                )
            if not link.res_id:
                raise ValidationError(self.env._("Choose the document to link."))

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("reference"):
                vals.update(self._document_values(vals.pop("reference")))
            # a link created with its appointment does not take the journal entry the
            # appointment follows up (``default_journal_entry_id``) as its owner, nor the reverse
            if vals.get("calendar_event_id"):
                vals.setdefault("journal_entry_id", False)
            elif vals.get("journal_entry_id"):
                vals.setdefault("calendar_event_id", False)
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("reference"):
            vals = dict(vals)
            vals.update(self._document_values(vals.pop("reference")))
        return super().write(vals)

    def action_open_document(self):
        self.ensure_one()
        document = self._get_document()
        if not document:
            raise ValidationError(
                self.env._("The document %(document)s was deleted.", document=self.display_name)
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": document._name,
            "res_id": document.id,
            "views": [(False, "form")],
            "target": "current",
        }

    def _get_document(self):
        """The linked record if it still exists, else ``None``."""
        self.ensure_one()
        if not self.res_model or not self.res_id or self.res_model not in self.env:
            return None
        return self.env[self.res_model].browse(self.res_id).exists() or None

    @api.model
    def _document_values(self, reference):
        """``res_model`` and ``res_id`` of a reference value (a record or "model,id")."""
        if isinstance(reference, models.BaseModel):
            return {"res_model": reference._name, "res_id": reference.id}
        res_model, res_id = reference.split(",")
        return {"res_model": res_model, "res_id": int(res_id)}

    @api.model
    def _prepare_links(self, documents):
        """Values of new links to ``documents`` (any records), as one2many commands."""
        return [
            fields.Command.create({"res_model": document._name, "res_id": document.id})
            for document in documents
        ]
