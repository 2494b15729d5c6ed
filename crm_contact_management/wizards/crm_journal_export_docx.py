import base64
import io
import re
from urllib.parse import quote, urlencode

import docx
from docx.shared import Cm
from lxml import html as lxml_html

from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime, format_duration, is_html_empty

WHITESPACE = re.compile(r"\s+")
INLINE_FORMATS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "cite": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strike",
    "strike": "strike",
    "del": "strike",
    "code": "monospace",
    "kbd": "monospace",
    "tt": "monospace",
}
# headings of a report sit below the heading of its entry (1) and of the report (2)
HEADING_STYLES = {
    "h1": "Heading 3",
    "h2": "Heading 3",
    "h3": "Heading 4",
    "h4": "Heading 4",
    "h5": "Heading 5",
    "h6": "Heading 5",
}
BLOCK_TAGS = {
    "p",
    "div",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "figure",
    "figcaption",
    "dl",
    "dt",
    "dd",
    "hr",
}
SKIPPED_TAGS = {"script", "style", "head", "title", "img", "svg", "video", "iframe", "object"}
MONOSPACE_FONT = "Courier New"
MAX_LIST_DEPTH = 3
# columns of the table of an entry, on an A4 or letter page with the default margins
LABEL_WIDTH = Cm(4.5)
VALUE_WIDTH = Cm(11.5)


class HtmlToDocx:
    """Append rich text (the value of an Html field) to a python-docx document as paragraphs.

    Keeps bold, italic, underline, strike-through, code, line breaks, headings, quotes,
    bulleted and numbered lists (up to three levels, numbering restarting with every list),
    checklists and simple tables. Pictures and scripts are left out.
    """

    def __init__(self, document):
        self.document = document
        self.paragraph = None
        self.pending_break = False
        self.style = None
        self.num_id = None
        self.formats = []
        self.lists = []
        self.preformatted = False

    def append(self, html):
        root = lxml_html.fragment_fromstring(str(html), create_parent="div")
        self._convert_children(root)
        self._end_paragraph()

    # ------------------------------------------------------------
    # Elements
    # ------------------------------------------------------------

    def _convert_children(self, node):
        self._add_text(node.text)
        for child in node:
            self._convert(child)
            self._add_text(child.tail)

    def _convert(self, node):
        tag = node.tag.lower() if isinstance(node.tag, str) else None
        if tag is None or tag in SKIPPED_TAGS:
            return
        if tag == "br":
            self._add_break()
        elif tag in ("ul", "ol"):
            self._convert_list(node, ordered=tag == "ol")
        elif tag == "li":
            self._convert_list_item(node)
        elif tag == "table":
            self._convert_table(node)
        elif tag in HEADING_STYLES:
            self._convert_block(node, HEADING_STYLES[tag])
        elif tag == "blockquote":
            self._convert_block(node, "Quote")
        elif tag == "pre":
            self._convert_preformatted(node)
        elif tag in BLOCK_TAGS:
            self._convert_block(node, self.style)
        elif tag == "a":
            self._convert_link(node)
        else:
            self._convert_inline(node, self._node_formats(node, tag))

    def _convert_block(self, node, style):
        self._end_paragraph()
        previous_style = self.style
        self.style = style
        self._convert_children(node)
        self._end_paragraph()
        self.style = previous_style

    def _convert_preformatted(self, node):
        self._end_paragraph()
        self.preformatted = True
        self.formats.append("monospace")
        for index, line in enumerate(node.text_content().split("\n")):
            if index:
                self._add_break()
            self._add_text(line)
        self.formats.pop()
        self.preformatted = False
        self._end_paragraph()

    def _convert_inline(self, node, formats):
        self.formats.extend(formats)
        self._convert_children(node)
        if formats:
            del self.formats[-len(formats) :]

    def _convert_link(self, node):
        self._convert_inline(node, ["underline"])
        href = (node.get("href") or "").strip()
        text = WHITESPACE.sub(" ", node.text_content()).strip()
        if href.startswith(("http://", "https://")) and href != text:
            self._add_text(f" ({href})")
        elif href.startswith("mailto:") and href[len("mailto:") :] != text:
            self._add_text(f" ({href[len('mailto:') :]})")

    def _convert_list(self, node, ordered):
        self._end_paragraph()
        depth = min(len(self.lists) + 1, MAX_LIST_DEPTH)
        style = self._list_style(ordered, depth)
        num_id = self._restart_numbering(style) if ordered else None
        self.lists.append((style, num_id, "o_checklist" in (node.get("class") or "")))
        for child in node:
            if isinstance(child.tag, str) and child.tag.lower() == "li":
                self._convert_list_item(child)
            else:
                self._convert(child)
        self.lists.pop()
        self._end_paragraph()

    def _convert_list_item(self, node):
        self._end_paragraph()
        style, num_id, checklist = self.lists[-1] if self.lists else ("List Bullet", None, False)
        previous = self.style, self.num_id
        self.style, self.num_id = style, num_id
        if checklist:
            checked = "o_checked" in (node.get("class") or "")
            self._add_text("☑ " if checked else "☐ ")
        self._convert_children(node)
        self._end_paragraph()
        self.style, self.num_id = previous

    def _convert_table(self, node):
        self._end_paragraph()
        rows = [
            [WHITESPACE.sub(" ", cell.text_content()).strip() for cell in row.xpath("./td|./th")]
            for row in node.iter("tr")
        ]
        rows = [row for row in rows if row]
        if not rows:
            return
        table = self.document.add_table(rows=len(rows), cols=max(map(len, rows)))
        table.style = "Table Grid"
        for row, values in zip(table.rows, rows, strict=True):
            for cell, value in zip(row.cells, values, strict=False):
                cell.text = value

    # ------------------------------------------------------------
    # Paragraphs and runs
    # ------------------------------------------------------------

    def _node_formats(self, node, tag):
        formats = [INLINE_FORMATS[tag]] if tag in INLINE_FORMATS else []
        style = (node.get("style") or "").replace(" ", "").lower()
        if re.search(r"font-weight:(bold|bolder|[6-9]00)", style):
            formats.append("bold")
        if "font-style:italic" in style:
            formats.append("italic")
        if "underline" in style:
            formats.append("underline")
        if "line-through" in style:
            formats.append("strike")
        return formats

    def _add_text(self, text):
        if not text:
            return
        if not self.preformatted:
            text = WHITESPACE.sub(" ", text)
            if self.paragraph is None or not self.paragraph.text or self.pending_break:
                text = text.lstrip()
            if not text:
                return
        paragraph = self._get_paragraph()
        if self.pending_break:
            paragraph.add_run().add_break()
            self.pending_break = False
        run = paragraph.add_run(text)
        run.bold = "bold" in self.formats or None
        run.italic = "italic" in self.formats or None
        run.underline = "underline" in self.formats or None
        run.font.strike = "strike" in self.formats or None
        if "monospace" in self.formats:
            run.font.name = MONOSPACE_FONT

    def _add_break(self):
        # a break only shows when text follows: "<p>text<br></p>" is a single line
        self._get_paragraph()
        self.pending_break = True

    def _get_paragraph(self):
        if self.paragraph is None:
            self.paragraph = self.document.add_paragraph(style=self.style)
            if self.num_id:
                num_pr = self.paragraph._p.get_or_add_pPr().get_or_add_numPr()
                num_pr.get_or_add_ilvl().val = 0
                num_pr.get_or_add_numId().val = self.num_id
        return self.paragraph

    def _end_paragraph(self):
        if self.paragraph is not None and self.paragraph.runs:
            last_run = self.paragraph.runs[-1]
            if last_run.text != last_run.text.rstrip(" "):
                last_run.text = last_run.text.rstrip(" ")
        self.paragraph = None
        self.pending_break = False

    # ------------------------------------------------------------
    # Lists
    # ------------------------------------------------------------

    @staticmethod
    def _list_style(ordered, depth):
        name = "List Number" if ordered else "List Bullet"
        return name if depth == 1 else f"{name} {depth}"

    def _restart_numbering(self, style_name):
        """A new numbering instance of the list style, starting at 1: every numbered list of
        the report counts from one instead of continuing the previous list."""
        style_num_pr = self.document.styles[style_name].element.pPr.numPr
        numbering = self.document.part.numbering_part.element
        abstract_num_id = numbering.num_having_numId(style_num_pr.numId.val).abstractNumId.val
        num = numbering.add_num(abstract_num_id)
        num.add_lvlOverride(ilvl=0).add_startOverride(1)
        return num.numId


class CrmJournalExportDocx(models.TransientModel):
    """Export journal entries to a Word document, one section per entry."""

    _name = "crm.journal.export.docx"
    _description = "Export Journal Entries to Word"

    entry_ids = fields.Many2many("crm.journal.entry", string="Journal Entries", required=True)
    file_name = fields.Char(readonly=True)
    file_data = fields.Binary(string="Word Document", readonly=True)

    def action_export(self):
        """Create the Word document of the entries and download it."""
        self.ensure_one()
        if not self.entry_ids:
            raise UserError(self.env._("Select the journal entries to export."))
        export = self.with_context(lang=self.env.user.lang or self.env.lang)
        title = export.env._("Contact Journal")
        self.write(
            {
                "file_name": f"{title} {fields.Date.context_today(export).isoformat()}.docx",
                "file_data": base64.b64encode(export._render_docx()),
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
    # Document
    # ------------------------------------------------------------

    def _render_docx(self):
        """The Word document (bytes) of the entries the user may read, in the language and
        date format of the context."""
        self.ensure_one()
        entries = self.entry_ids.sorted()
        document = docx.Document()
        self._add_title(document, entries)
        for entry in entries:
            self._add_entry(document, entry)
        stream = io.BytesIO()
        document.save(stream)
        return stream.getvalue()

    def _add_title(self, document, entries):
        title = self.env._("Contact Journal")
        user = self.env.user
        properties = document.core_properties
        properties.title = title
        properties.author = user.name
        properties.language = (self.env.lang or "en_US").replace("_", "-")
        document.add_heading(title, level=0)
        document.add_paragraph(
            self.env._(
                "Exported on %(date)s by %(user)s",
                date=format_datetime(self.env, fields.Datetime.now(), dt_format="short"),
                user=user.name,
            )
        )
        document.add_paragraph(self.env._("Journal entries: %(count)s", count=len(entries)))

    def _add_entry(self, document, entry):
        document.add_heading(entry.name, level=1)
        rows = [(label, value) for label, value in self._get_entry_values(entry) if value]
        table = document.add_table(rows=len(rows), cols=2)
        table.style = "Table Grid"
        for row, (label, value) in zip(table.rows, rows, strict=True):
            label_cell, value_cell = row.cells
            label_cell.width, value_cell.width = LABEL_WIDTH, VALUE_WIDTH
            label_cell.paragraphs[0].add_run(label).bold = True
            value_cell.text = value
        if not is_html_empty(entry.report):
            document.add_heading(self.env._("Report"), level=2)
            HtmlToDocx(document).append(entry.report)
        if documents := self._get_linked_document_names(entry):
            document.add_heading(self.env._("Linked Documents"), level=2)
            for name in documents:
                document.add_paragraph(name, style="List Bullet")

    def _get_entry_values(self, entry):
        """(label, value) pairs of the entry, in the order of the document."""
        values = [
            (self.env._("Date"), format_datetime(self.env, entry.date_start, dt_format="short")),
            (self.env._("Company"), self._get_readable_name(entry.partner_id)),
            (self.env._("Contact Person"), self._get_readable_name(entry.contact_id, "name")),
            (self.env._("Medium"), self._get_readable_name(entry.medium_id)),
            (self.env._("Content Type"), self._get_readable_name(entry.content_type_id)),
            (self.env._("Direction"), self._get_selection_label(entry, "direction")),
            (self.env._("State"), self._get_selection_label(entry, "state")),
            (self.env._("Responsible"), self._get_readable_name(entry.user_id)),
            (self.env._("Follow-up by"), self._get_readable_name(entry.followup_user_id)),
            (self.env._("Duration"), format_duration(entry.duration) if entry.duration else ""),
            (self.env._("Thread"), self._get_readable_name(entry.thread_id)),
        ]
        if entry.state == "not_done":
            values.append((self.env._("Reason Not Done"), entry.not_done_reason or ""))
        if entry.date_finished:
            values.append(
                (
                    self.env._("Finished"),
                    format_datetime(self.env, entry.date_finished, dt_format="short"),
                )
            )
        return values

    def _get_linked_document_names(self, entry):
        """Display names of the documents linked to the entry that the user may read."""
        names = []
        for link in entry.document_link_ids:
            if link.res_model not in self.env or not link.res_id:
                continue
            document = self.env[link.res_model].browse(link.res_id).exists()
            if name := self._get_readable_name(document):
                names.append(name)
        return names

    # ------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------

    @staticmethod
    def _get_readable_name(records, field_name="display_name"):
        """Names of the records the user may read: a document never shows what the user
        could not open."""
        return ", ".join(records._filtered_access("read").mapped(field_name))

    def _get_selection_label(self, record, field_name):
        field = record._fields[field_name]
        return dict(field._description_selection(self.env)).get(record[field_name], "")
