import logging

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL

_logger = logging.getLogger(__name__)


class CrmAbsenceRedirection(models.Model):
    """One record handed to a deputy during an absence: who had it, who got it, and why.

    A record is handed over at most once per absence and field: the rows are claimed with
    ``INSERT ... ON CONFLICT DO NOTHING RETURNING``, so of two workers running at once only the
    one whose row was inserted changes the record.
    """

    _name = "crm.absence.redirection"
    _description = "Absence Redirection"
    _order = "date desc, id desc"
    _rec_name = "record_name"

    absence_id = fields.Many2one("crm.absence", required=True, index=True, ondelete="cascade")
    kind = fields.Selection(
        [("appointment", "Appointment"), ("task", "Task"), ("journal", "Planned Contact")],
        required=True,
    )
    res_model = fields.Char(string="Document Model", required=True)
    res_id = fields.Many2oneReference(string="Document ID", model_field="res_model", required=True)
    field_name = fields.Char(
        required=True, help="Field of the record that was changed: the assignee, organizer, ..."
    )
    record_name = fields.Char(string="Record", help="Name of the record when it was handed over.")
    from_user_id = fields.Many2one("res.users", string="From", required=True, index=True)
    to_user_id = fields.Many2one("res.users", string="To", required=True, index=True)
    date = fields.Datetime(string="Handed Over On", required=True, default=fields.Datetime.now)
    date_handed_back = fields.Datetime(string="Handed Back On", readonly=True)
    state = fields.Selection(
        [("redirected", "With the Deputy"), ("handed_back", "Handed Back")],
        default="redirected",
        required=True,
        index=True,
    )
    reason = fields.Text()

    _absence_record_field_unique = models.Constraint(
        "UNIQUE (absence_id, res_model, res_id, field_name)",
        "A record is handed to the deputy only once per absence.",
    )
    _record_idx = models.Index("(res_model, res_id)")

    def action_open_record(self):
        self.ensure_one()
        record = self.env[self.res_model].browse(self.res_id).exists()
        if not record:
            return False
        record.check_access("read")
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "views": [(False, "form")],
            "target": "current",
        }

    @api.model
    def _claim(self, absence, rows, reason):
        """Insert the rows not yet recorded for this absence; return the keys inserted.

        :param absence: the absence (one record)
        :param rows: list of ``(kind, record, field_name)``
        :param str reason: why the records are handed over
        :return: set of ``(res_model, res_id, field_name)`` this call inserted: only these
            records may be handed over, the others were handed over before (or by a worker
            running at the same time).

        When a worker running at the same time inserted some of the rows after this
        transaction started, PostgreSQL (repeatable read) refuses the insert: nothing is claimed
        then, and the next run hands over what is still left.
        """
        if not rows:
            return set()
        self.flush_model()
        now = fields.Datetime.now()
        query = SQL(
            """
            INSERT INTO crm_absence_redirection (
                absence_id, kind, res_model, res_id, field_name, record_name,
                from_user_id, to_user_id, date, state, reason,
                create_uid, create_date, write_uid, write_date
            )
            SELECT %(absence)s, claim.kind, claim.res_model, claim.res_id, claim.field_name,
                   claim.record_name, %(from_user)s, %(to_user)s, %(now)s, 'redirected',
                   %(reason)s, %(uid)s, %(now)s, %(uid)s, %(now)s
              FROM unnest(
                    %(kinds)s::varchar[], %(models)s::varchar[], %(ids)s::integer[],
                    %(field_names)s::varchar[], %(names)s::varchar[]
                   ) AS claim(kind, res_model, res_id, field_name, record_name)
                ON CONFLICT (absence_id, res_model, res_id, field_name) DO NOTHING
            RETURNING res_model, res_id, field_name
            """,
            absence=absence.id,
            from_user=absence.user_id.id,
            to_user=absence.deputy_user_id.id,
            now=now,
            reason=reason,
            uid=self.env.uid,
            kinds=[kind for kind, _record, _field in rows],
            models=[record._name for _kind, record, _field in rows],
            ids=[record.id for _kind, record, _field in rows],
            field_names=[field for _kind, _record, field in rows],
            names=[record.display_name or "" for _kind, record, _field in rows],
        )
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(query, log_exceptions=False)
                claimed = set(self.env.cr.fetchall())
        except SerializationFailure:
            _logger.info("Absence %s: another worker is handing over the same records.", absence.id)
            return set()
        absence.invalidate_recordset(["redirection_ids", "redirection_count"])
        return claimed
