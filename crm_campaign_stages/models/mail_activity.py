from odoo import fields, models
from odoo.tools import SQL

# Action types whose completion means the participant was contacted.
CONTACT_ACTION_TYPES = ("call", "email", "letter", "visit")
# Journal medium of a completed task, per action type.
MEDIUM_XMLIDS = {
    "call": "crm_contact_management.crm_journal_medium_phone",
    "visit": "crm_contact_management.crm_journal_medium_visit",
    "email": "crm_contact_management.crm_journal_medium_email",
    "letter": "crm_contact_management.crm_journal_medium_letter",
}
MEASURE_XMLID = "crm_contact_management.crm_journal_content_type_measure"
# Context key of the engine creating its tasks by the thousand (``_prepare_create_values``).
BULK_CONTEXT_KEY = "crm_campaign_bulk_tasks"
# Computed fields whose values the engine reads for a whole batch and gives to the create.
BULK_GIVEN_FIELDS = ("res_name", "user_tz")


class MailActivity(models.Model):
    """Campaign tasks: the activities the campaign engine creates on participants, one per
    participant, stage action and occurrence (repeat actions have several occurrences).

    Completing one logs a measure in the contact journal, sets the participant's contacted
    flag for contact actions, moves the participant on when its stage's actions are all done
    and plans the next occurrence of a repeat action.
    """

    _inherit = "mail.activity"

    campaign_id = fields.Many2one(
        "crm.campaign", string="Campaign", readonly=True, index="btree_not_null"
    )
    campaign_participant_id = fields.Many2one(
        "crm.campaign.participant",
        string="Campaign Participant",
        readonly=True,
        ondelete="cascade",
        index="btree_not_null",
    )
    campaign_stage_id = fields.Many2one(
        "crm.campaign.stage", string="Campaign Stage", readonly=True, ondelete="set null"
    )
    campaign_action_id = fields.Many2one(
        "crm.campaign.stage.action",
        string="Campaign Action",
        readonly=True,
        ondelete="set null",
    )
    campaign_occurrence = fields.Integer(
        string="Occurrence",
        readonly=True,
        help="1 for the first task of the action, 2 for its first repeat, ...",
    )
    campaign_stage_entered = fields.Datetime(
        string="Stage Entered On",
        readonly=True,
        help="When the participant entered the stage this task was created for.",
    )
    campaign_notified = fields.Boolean(
        string="Operator Notified",
        readonly=True,
        help="The operator got the advance notice of this task.",
    )

    _campaign_task_unique = models.UniqueIndex(
        "(campaign_participant_id, campaign_action_id, campaign_occurrence) "
        "WHERE campaign_participant_id IS NOT NULL AND campaign_action_id IS NOT NULL",
        "This task of the campaign action already exists for the participant.",
    )
    _campaign_open_user_idx = models.Index(
        "(user_id, date_deadline) WHERE campaign_id IS NOT NULL AND active"
    )

    def _prepare_create_values(self, vals_list):
        """The engine's tasks all have the same fields and are created together: their
        default values are looked up once, not per task, and their record's model (which
        mail.activity precomputes from ``res_model_id`` through a new record per task) is
        read once per model. Any other create takes the ORM's path."""
        keys = set(vals_list[0]) if vals_list else set()
        if (
            not self.env.context.get(BULK_CONTEXT_KEY)
            or len(vals_list) < 2
            or "res_model_id" not in keys
            or {name for name, field in self._fields.items() if field.precompute} != {"res_model"}
            or any(vals.keys() != keys for vals in vals_list)
        ):
            return super()._prepare_create_values(vals_list)
        first = super()._prepare_create_values(vals_list[:1])[0]
        if not keys <= set(first):
            # some given values are dropped (magic fields): let the ORM do it
            return super()._prepare_create_values(vals_list)
        # defaults, magic fields and the precomputed model, the same for every task
        common = {name: value for name, value in first.items() if name not in keys}
        model_names = {
            model.id: model.model
            for model in self.env["ir.model"]
            .sudo()
            .browse({vals["res_model_id"] for vals in vals_list})
        }
        precomputed = common.pop("__precomputed__", ())
        result = [first]
        for vals in vals_list[1:]:
            prepared = common | vals
            prepared["res_model"] = model_names[vals["res_model_id"]]
            prepared["__precomputed__"] = set(precomputed)
            result.append(prepared)
        return result

    def _create(self, data_list):
        """The engine gives its tasks' record name and user time zone, read for the whole
        batch in the environment of the create (``_generate_campaign_tasks``): they are kept
        as given, as the ORM keeps an editable computed field, instead of being computed again
        per task after the insert to the same values."""
        if self.env.context.get(BULK_CONTEXT_KEY):
            given = [self._fields[name] for name in BULK_GIVEN_FIELDS]
            for data in data_list:
                if all(name in data["stored"] for name in BULK_GIVEN_FIELDS):
                    data["protected"].update(given)
        return super()._create(data_list)

    def _classify_by_model(self):
        # For the engine's batches, the same result as mail's, which adds the activities one
        # by one to a growing recordset per model (quadratic for thousands of tasks).
        if not self.env.context.get(BULK_CONTEXT_KEY):
            return super()._classify_by_model()
        activity_ids, record_ids = {}, {}
        for activity in self.filtered(lambda act: act.res_model and act.res_id):
            activity_ids.setdefault(activity.res_model, []).append(activity._ids[0])
            record_ids.setdefault(activity.res_model, []).append(activity.res_id)
        return {
            model: {
                "activities": self.env["mail.activity"].browse(ids),
                "record_ids": record_ids[model],
            }
            for model, ids in activity_ids.items()
        }

    def _action_done(self, feedback=False, attachment_ids=None):
        campaign_tasks = self.filtered("campaign_participant_id")
        messages, next_activities = super()._action_done(
            feedback=feedback, attachment_ids=attachment_ids
        )
        done = campaign_tasks.exists().filtered(lambda task: not task.active)
        if done:
            done._campaign_task_done(feedback)
        return messages, next_activities

    # ------------------------------------------------------------
    # Advance notice
    # ------------------------------------------------------------

    def _mark_campaign_notified(self):
        """Record that the operators got the advance notice of these tasks: what writing
        ``campaign_notified`` through the ORM does (the flag and the last update; nothing
        else depends on it), in one statement for the thousands of tasks of a campaign."""
        if not self:
            return
        self.flush_recordset(["campaign_notified", "write_uid", "write_date"])
        self.env.cr.execute(
            SQL(
                """
                UPDATE mail_activity
                   SET campaign_notified = TRUE, write_uid = %(uid)s, write_date = %(now)s
                 WHERE id = ANY(%(ids)s)
                """,
                uid=self.env.uid,
                now=self.env.cr.now(),
                ids=list(self.ids),
            )
        )
        self.invalidate_recordset(["campaign_notified", "write_uid", "write_date"])
        self.modified(["campaign_notified"])

    # ------------------------------------------------------------
    # Completion of campaign tasks
    # ------------------------------------------------------------

    def _campaign_task_done(self, feedback=False):
        """Journal, contacted flag and stage condition after the tasks were done; the
        engine is triggered to plan what follows (next stage, next occurrence of a repeat).

        Called from ``_action_done``: the current user may mark their task as done, which
        is all the rights this needs.
        """
        tasks = self.sudo()
        participants = tasks.campaign_participant_id
        participants._lock_for_engine()
        tasks._campaign_log_measures(self.env.user, feedback)
        contacted = tasks.filtered(
            lambda task: task.campaign_action_id.action_type in CONTACT_ACTION_TYPES
        ).campaign_participant_id.filtered(lambda participant: not participant.contacted)
        if contacted:
            contacted.write({"contacted": True})
        participants._check_stage_condition()
        participants._trigger_engine()

    def _campaign_log_measures(self, user, feedback=False):
        """One done journal entry of content type Measure per task."""
        measure = self.env.ref(MEASURE_XMLID, raise_if_not_found=False)
        now = fields.Datetime.now()
        vals_list = []
        for task in self:
            participant = task.campaign_participant_id
            partner = participant.partner_id
            action = task.campaign_action_id
            medium_xmlid = MEDIUM_XMLIDS.get(action.action_type)
            medium = self.env.ref(medium_xmlid, raise_if_not_found=False) if medium_xmlid else None
            vals = {
                "name": task.summary or action.name or task.activity_type_id.name,
                "user_id": user.id,
                "medium_id": medium.id if medium else False,
                "content_type_id": measure.id if measure else False,
                "direction": "outgoing",
                "state": "done",
                "date_start": now,
                "date_finished": now,
                "campaign_id": task.campaign_id.id,
                "campaign_participant_id": participant.id,
                "company_id": (task.campaign_id.company_id or self.env.company).id,
            }
            if feedback:
                vals["report"] = feedback
            if partner.is_company:
                vals["partner_id"] = partner.id
            elif partner.commercial_partner_id.is_company:
                vals["contact_id"] = partner.id
            else:
                # A private person: the journal shows them as the business partner.
                vals["partner_id"] = partner.id
            vals_list.append(vals)
        if vals_list:
            self.env["crm.journal.entry"].create(vals_list)
