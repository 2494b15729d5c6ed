from odoo import api, fields, models
from odoo.addons.base.models.res_partner import _lang_get
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Command

# the language a campaign's e-mail template renders in: the campaign's
TEMPLATE_LANG = "{{ object.campaign_id.lang }}"


def check_participant_template(template):
    """Refuse an e-mail template that does not render campaign participants."""
    if template and template.model != "crm.campaign.participant":
        raise ValidationError(
            template.env._(
                "The e-mail template %(template)s is not made for campaign participants.",
                template=template.display_name,
            )
        )


# where a participant came from
PARTICIPANT_SOURCES = [
    ("selection", "Selection"),
    ("manual", "Added by Hand"),
    ("import", "Imported"),
    ("chain", "Chained"),
]


class CrmCampaign(models.Model):
    _name = "crm.campaign"
    _description = "Campaign"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"

    def _default_lang(self):
        return self.env.lang or self.env.user.lang or "en_US"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    type_id = fields.Many2one("crm.campaign.type", string="Type", tracking=True)
    lang = fields.Selection(
        _lang_get,
        string="Language",
        required=True,
        default=_default_lang,
        tracking=True,
        help="The campaign runs in this language: its mails and letters are rendered in it.",
    )
    medium = fields.Selection(
        [
            ("email", "E-mail"),
            ("letter", "Letter"),
            ("fax", "Fax"),
            ("phone", "Phone"),
            ("visit", "Visit"),
        ],
        required=True,
        default="email",
        tracking=True,
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="E-mail Template",
        domain="[('model', '=', 'crm.campaign.participant')]",
        help="Rendered for each participant in the language of the campaign.",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        index=True,
        domain="[('share', '=', False)]",
    )
    date_start = fields.Date(string="Start Date", tracking=True, copy=False)
    date_end = fields.Date(string="End Date", tracking=True, copy=False)
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("running", "Running"),
            ("done", "Done"),
            ("cancelled", "Cancelled"),
        ],
        required=True,
        default="draft",
        tracking=True,
        copy=False,
        index=True,
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    description = fields.Html()
    stage_ids = fields.One2many("crm.campaign.stage", "campaign_id", string="Stages", copy=True)
    stage_count = fields.Integer(compute="_compute_stage_count")
    participant_ids = fields.One2many(
        "crm.campaign.participant", "campaign_id", string="Participants", copy=False
    )
    selection_id = fields.Many2one(
        "crm.selection",
        string="Selection",
        tracking=True,
        help="The saved selection whose members enter the campaign when it starts.",
    )
    snapshot_id = fields.Many2one(
        "crm.selection.snapshot",
        string="Snapshot",
        readonly=True,
        copy=False,
        help="The members of the selection as they were when the campaign started.",
    )
    target_partner_ids = fields.Many2many(
        "res.partner",
        "crm_campaign_target_partner_rel",
        "campaign_id",
        "partner_id",
        string="Target Partners",
        copy=False,
        help="Partners added by hand or imported; they enter the campaign when it starts.",
    )
    imported_partner_ids = fields.Many2many(
        "res.partner",
        "crm_campaign_imported_partner_rel",
        "campaign_id",
        "partner_id",
        string="Imported Partners",
        copy=False,
        help="The target partners that came from an address import.",
    )
    target_partner_count = fields.Integer(compute="_compute_target_partner_count")
    operator_user_ids = fields.Many2many(
        "res.users",
        "crm_campaign_operator_rel",
        "campaign_id",
        "user_id",
        string="Operators",
        domain="[('share', '=', False)]",
        help="The campaign team: the operators the tasks are assigned to.",
    )
    assignment_mode = fields.Selection(
        [("round_robin", "Round Robin"), ("least_loaded", "Least Loaded")],
        required=True,
        default="round_robin",
    )
    notify_days_before = fields.Integer(
        string="Notify Days Before",
        default=1,
        help="The operator is notified this many days before a task is due.",
    )
    chain_rule_ids = fields.One2many(
        "crm.campaign.chain.rule", "campaign_id", string="Chaining Rules", copy=True
    )
    split_from_id = fields.Many2one(
        "crm.campaign",
        string="Copied From",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The campaign this one was copied from for another language.",
    )
    language_copy_ids = fields.One2many(
        "crm.campaign", "split_from_id", string="Language Copies", readonly=True
    )
    # success indicators
    participant_count = fields.Integer(compute="_compute_indicators", store=True)
    running_count = fields.Integer(compute="_compute_indicators", store=True)
    won_count = fields.Integer(compute="_compute_indicators", store=True)
    lost_count = fields.Integer(compute="_compute_indicators", store=True)
    contacted_count = fields.Integer(compute="_compute_indicators", store=True)
    responded_count = fields.Integer(compute="_compute_indicators", store=True)
    interested_count = fields.Integer(compute="_compute_indicators", store=True)
    ordered_count = fields.Integer(compute="_compute_indicators", store=True)
    conversion_rate = fields.Float(
        compute="_compute_indicators",
        store=True,
        aggregator="avg",
        help="Won participants in percent of the finished (won or lost) ones.",
    )
    response_rate = fields.Float(
        compute="_compute_indicators",
        store=True,
        aggregator="avg",
        help="Participants who responded in percent of all participants.",
    )
    expected_value = fields.Monetary(
        compute="_compute_indicators",
        store=True,
        help="Sum of the expected values (deal value x probability) of the running participants.",
    )
    won_value = fields.Monetary(
        compute="_compute_indicators",
        store=True,
        help="Sum of the deal values of the won participants.",
    )
    task_count = fields.Integer(compute="_compute_task_count")
    journal_entry_count = fields.Integer(compute="_compute_journal_entry_count")

    _date_check = models.Constraint(
        "CHECK(date_end IS NULL OR date_start IS NULL OR date_end >= date_start)",
        "The end date of a campaign cannot be before its start date.",
    )
    _notify_days_before_check = models.Constraint(
        "CHECK(notify_days_before >= 0)",
        "The days of advance notice cannot be negative.",
    )

    @api.depends("stage_ids")
    def _compute_stage_count(self):
        for campaign in self:
            campaign.stage_count = len(campaign.stage_ids)

    @api.depends("target_partner_ids")
    def _compute_target_partner_count(self):
        for campaign in self:
            campaign.target_partner_count = len(campaign.target_partner_ids)

    @api.depends(
        "participant_ids.state",
        "participant_ids.contacted",
        "participant_ids.responded",
        "participant_ids.interested",
        "participant_ids.ordered",
        "participant_ids.expected_value",
        "participant_ids.deal_value",
    )
    def _compute_indicators(self):
        campaigns = self.filtered("id")
        groups = {}
        if campaigns:
            rows = (
                self.env["crm.campaign.participant"]
                .with_context(active_test=False)
                ._read_group(
                    [("campaign_id", "in", campaigns.ids)],
                    ["campaign_id", "state"],
                    [
                        "__count",
                        "contacted:count_distinct",
                        "expected_value:sum",
                        "deal_value:sum",
                    ],
                )
            )
            for campaign, state, count, _dummy, expected, deal in rows:
                groups.setdefault(campaign.id, {})[state] = (count, expected, deal)
            flag_rows = {}
            for flag in ("contacted", "responded", "interested", "ordered"):
                for campaign, count in (
                    self.env["crm.campaign.participant"]
                    .with_context(active_test=False)
                    ._read_group(
                        [("campaign_id", "in", campaigns.ids), (flag, "=", True)],
                        ["campaign_id"],
                        ["__count"],
                    )
                ):
                    flag_rows.setdefault(campaign.id, {})[flag] = count
        for campaign in self:
            by_state = groups.get(campaign.id, {}) if campaign.id else {}
            flags = flag_rows.get(campaign.id, {}) if campaign.id and campaigns else {}
            running = by_state.get("running", (0, 0.0, 0.0))
            won = by_state.get("won", (0, 0.0, 0.0))
            lost = by_state.get("lost", (0, 0.0, 0.0))
            total = running[0] + won[0] + lost[0]
            finished = won[0] + lost[0]
            campaign.participant_count = total
            campaign.running_count = running[0]
            campaign.won_count = won[0]
            campaign.lost_count = lost[0]
            campaign.contacted_count = flags.get("contacted", 0)
            campaign.responded_count = flags.get("responded", 0)
            campaign.interested_count = flags.get("interested", 0)
            campaign.ordered_count = flags.get("ordered", 0)
            campaign.conversion_rate = 100.0 * won[0] / finished if finished else 0.0
            campaign.response_rate = 100.0 * campaign.responded_count / total if total else 0.0
            campaign.expected_value = running[1]
            campaign.won_value = won[2]

    def _compute_task_count(self):
        counts = {}
        if self.ids:
            Activity = self.env["mail.activity"].with_context(active_test=False)
            participants = self.env["crm.campaign.participant"].with_context(active_test=False)
            by_participant = dict(
                participants._read_group(
                    [("campaign_id", "in", self.ids)], ["campaign_id"], ["id:array_agg"]
                )
            )
            for campaign, participant_ids in by_participant.items():
                counts[campaign.id] = Activity.search_count(
                    [
                        ("res_model", "=", "crm.campaign.participant"),
                        ("res_id", "in", participant_ids),
                    ]
                )
        for campaign in self:
            campaign.task_count = counts.get(campaign.id, 0)

    def _compute_journal_entry_count(self):
        Entry = self.env["crm.journal.entry"]
        counts = {}
        if self.ids and "campaign_id" in Entry._fields:
            counts = {
                campaign.id: count
                for campaign, count in Entry._read_group(
                    [("campaign_id", "in", self.ids)], ["campaign_id"], ["__count"]
                )
            }
        for campaign in self:
            campaign.journal_entry_count = counts.get(campaign.id, 0)

    @api.constrains("mail_template_id")
    def _check_mail_template_id(self):
        for campaign in self:
            check_participant_template(campaign.mail_template_id)

    @api.model_create_multi
    def create(self, vals_list):
        campaigns = super().create(vals_list)
        campaigns._set_template_lang()
        return campaigns

    def write(self, vals):
        if vals.get("active") is False:
            self._check_can_archive()
        targets_before = {}
        if "target_partner_ids" in vals:
            targets_before = {
                campaign.id: set(campaign.target_partner_ids.ids)
                for campaign in self
                if campaign.state == "running"
            }
        result = super().write(vals)
        if "mail_template_id" in vals:
            self._set_template_lang()
        for campaign in self.filtered(lambda c: c.id in targets_before):
            # partners added by hand to a running campaign enter it at once
            added = campaign.target_partner_ids.filtered(
                lambda p, before=targets_before[campaign.id]: p.id not in before
            )
            if added:
                campaign._add_participants(added, "manual")
        return result

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_start(self):
        """Start the campaign: take a snapshot of its selection and let the snapshot
        members, the hand-added and the imported partners enter its first stage."""
        for campaign in self:
            campaign._check_usable()
            if campaign.state != "draft":
                raise UserError(
                    self.env._(
                        "Only a draft campaign can be started; %(campaign)s is %(state)s.",
                        campaign=campaign.display_name,
                        state=campaign._get_state_label(),
                    )
                )
            if not campaign.stage_ids:
                raise UserError(
                    self.env._(
                        "The campaign %(campaign)s has no stages yet. Add at least one stage "
                        "before starting it.",
                        campaign=campaign.display_name,
                    )
                )
        for campaign in self:
            values = {"state": "running"}
            if not campaign.date_start:
                values["date_start"] = fields.Date.context_today(campaign)
            snapshot = False
            if campaign.selection_id:
                snapshot = campaign.selection_id._create_snapshot()
                values["snapshot_id"] = snapshot.id
            campaign.write(values)
            if snapshot:
                members = self.env["res.partner"].browse(snapshot._get_member_ids())
                campaign._add_participants(campaign._filter_lang_split(members), "selection")
            imported = campaign.imported_partner_ids & campaign.target_partner_ids
            campaign._add_participants(imported, "import")
            campaign._add_participants(campaign.target_partner_ids - imported, "manual")
            # participants chained in while the campaign was a draft wait without a stage
            waiting = campaign.participant_ids.filtered(
                lambda p: not p.stage_id and p.state == "running"
            )
            waiting._move_to_stage(campaign._get_first_stage())
        return True

    def action_done(self):
        for campaign in self:
            if campaign.state != "running":
                raise UserError(
                    self.env._(
                        "Only a running campaign can be finished; %(campaign)s is %(state)s.",
                        campaign=campaign.display_name,
                        state=campaign._get_state_label(),
                    )
                )
        self.write({"state": "done", "date_end": fields.Date.context_today(self)})
        return True

    def action_cancel(self):
        for campaign in self:
            if campaign.state not in ("draft", "running"):
                raise UserError(
                    self.env._(
                        "The campaign %(campaign)s is %(state)s already and cannot be cancelled.",
                        campaign=campaign.display_name,
                        state=campaign._get_state_label(),
                    )
                )
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        """Reset a cancelled or finished campaign to draft so it can be restarted; the
        participants it has keep their stage and history."""
        for campaign in self:
            campaign._check_usable()
            if campaign.state not in ("cancelled", "done"):
                raise UserError(
                    self.env._(
                        "Only a cancelled or finished campaign can be reset to draft; "
                        "%(campaign)s is %(state)s.",
                        campaign=campaign.display_name,
                        state=campaign._get_state_label(),
                    )
                )
        self.write({"state": "draft"})
        return True

    def action_archive(self):
        self._check_can_archive()
        return super().action_archive()

    def action_open_copy_for_language(self):
        self.ensure_one()
        self._check_usable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Copy for Another Language"),
            "res_model": "crm.campaign.copy.language",
            "view_mode": "form",
            "target": "new",
            "context": {"default_campaign_id": self.id},
        }

    def action_open_import(self):
        """Open the address import of crm_selection with this campaign as its target."""
        self.ensure_one()
        self._check_usable()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_selection.crm_selection_import_action"
        )
        action["context"] = {"active_model": self._name, "active_id": self.id}
        return action

    def action_view_participants(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_campaign_stages.crm_campaign_participant_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {
            "default_campaign_id": self.id,
            "search_default_group_stage_id": 1,
            "active_test": False,
        }
        return action

    def action_view_target_partners(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Target Partners of %(campaign)s", campaign=self.display_name),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "domain": [("id", "in", self.target_partner_ids.ids)],
        }

    def action_view_tasks(self):
        self.ensure_one()
        participant_ids = (
            self.env["crm.campaign.participant"]
            .with_context(active_test=False)
            .search([("campaign_id", "=", self.id)])
            .ids
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Tasks of %(campaign)s", campaign=self.display_name),
            "res_model": "mail.activity",
            "view_mode": "list,form",
            "domain": [
                ("res_model", "=", "crm.campaign.participant"),
                ("res_id", "in", participant_ids),
            ],
            "context": {"active_test": False, "create": False},
        }

    def action_view_journal_entries(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.crm_journal_entry_action"
        )
        action["domain"] = [("campaign_id", "=", self.id)]
        action["context"] = {"default_campaign_id": self.id}
        return action

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _get_state_label(self):
        self.ensure_one()
        return dict(self._fields["state"]._description_selection(self.env))[self.state]

    def _check_usable(self):
        """Raise if a campaign is archived: it can no longer be chosen, assigned
        participants, linked or restarted."""
        archived = self.filtered(lambda c: not c.active)
        if archived:
            raise UserError(
                self.env._(
                    "The campaign %(campaign)s is archived and can no longer be used.",
                    campaign=archived[0].display_name,
                )
            )

    def _check_can_archive(self):
        unfinished = self.filtered(lambda c: c.active and c.state not in ("done", "cancelled"))
        if unfinished:
            raise UserError(
                self.env._(
                    "Only finished or cancelled campaigns can be archived; %(campaign)s is "
                    "%(state)s.",
                    campaign=unfinished[0].display_name,
                    state=unfinished[0]._get_state_label(),
                )
            )

    def _get_first_stage(self):
        self.ensure_one()
        return self.stage_ids.sorted(lambda s: (s.sequence, s.id))[:1]

    def _get_next_stage(self, stage):
        """Return the stage after ``stage`` in this campaign, or an empty recordset."""
        self.ensure_one()
        stages = self.stage_ids.sorted(lambda s: (s.sequence, s.id))
        if stage not in stages:
            return stages[:1]
        index = list(stages).index(stage)
        return stages[index + 1 : index + 2]

    def _filter_lang_split(self, partners):
        """Split the target group by the partners' languages: a language copy takes the
        partners of its language, the original keeps everyone else."""
        self.ensure_one()
        if self.split_from_id:
            return partners.filtered(lambda p: p.lang == self.lang)
        copy_langs = {
            copy.lang
            for copy in self.language_copy_ids
            if copy.state != "cancelled" and copy.lang != self.lang
        }
        if not copy_langs:
            return partners
        return partners.filtered(lambda p: p.lang not in copy_langs)

    def _add_participants(self, partners, source="manual", chained_from=None):
        """Let ``partners`` enter the campaign and return the new participants.

        Partners already in the campaign are skipped, so a partner is never added twice. A
        running campaign puts them into its first stage; a draft campaign keeps them without
        a stage until it starts. Archived, finished and cancelled campaigns take nobody.
        """
        self.ensure_one()
        self._check_usable()
        if self.state not in ("draft", "running"):
            raise UserError(
                self.env._(
                    "The campaign %(campaign)s is %(state)s and takes no more participants.",
                    campaign=self.display_name,
                    state=self._get_state_label(),
                )
            )
        Participant = self.env["crm.campaign.participant"]
        partners = partners.exists()
        if not partners:
            return Participant
        self.env.flush_all()
        existing = Participant.with_context(active_test=False).search_fetch(
            [("campaign_id", "=", self.id), ("partner_id", "in", partners.ids)], ["partner_id"]
        )
        new_partners = partners - existing.partner_id
        if not new_partners:
            return Participant
        values = {"campaign_id": self.id, "source": source}
        if chained_from:
            values["chained_from_id"] = chained_from.id
        participants = Participant.create(
            [dict(values, partner_id=partner.id) for partner in new_partners]
        )
        if self.state == "running":
            participants._move_to_stage(self._get_first_stage())
        return participants

    def _add_target_partners(self, partners, imported=False):
        """Add partners to the target group by hand or from an import; on a running
        campaign they enter it at once."""
        self.ensure_one()
        self._check_usable()
        if self.state not in ("draft", "running"):
            raise UserError(
                self.env._(
                    "The campaign %(campaign)s is %(state)s: its target group cannot change.",
                    campaign=self.display_name,
                    state=self._get_state_label(),
                )
            )
        participants = self.env["crm.campaign.participant"]
        if self.state == "running":
            participants = self._add_participants(partners, "import" if imported else "manual")
        commands = [Command.link(pid) for pid in partners.ids]
        values = {"target_partner_ids": commands}
        if imported:
            values["imported_partner_ids"] = commands
        self.write(values)
        return participants

    def _copy_for_language(self, lang, name=None, split_target=True):
        """Duplicate the campaign with its stages, actions and chaining rules for ``lang``.

        The e-mail template is shared: it renders in each campaign's own language, so the
        copy sends the template's translation. With ``split_target``, the target partners
        speaking ``lang`` move to the copy, and at start each campaign takes only its share
        of the selection members.
        """
        self.ensure_one()
        self._check_usable()
        copy = self.copy(
            {
                "name": name or self.name,
                "lang": lang,
                "split_from_id": self.id if split_target else False,
                "selection_id": self.selection_id.id,
                "mail_template_id": self.mail_template_id.id,
                "operator_user_ids": [Command.set(self.operator_user_ids.ids)],
            }
        )
        if split_target:
            moved = self.target_partner_ids.filtered(lambda p: p.lang == lang)
            if moved:
                moved_imported = moved & self.imported_partner_ids
                copy.write(
                    {
                        "target_partner_ids": [Command.set(moved.ids)],
                        "imported_partner_ids": [Command.set(moved_imported.ids)],
                    }
                )
                self.write(
                    {
                        "target_partner_ids": [Command.unlink(pid) for pid in moved.ids],
                        "imported_partner_ids": [Command.unlink(pid) for pid in moved_imported.ids],
                    }
                )
        else:
            copy.write(
                {
                    "target_partner_ids": [Command.set(self.target_partner_ids.ids)],
                    "imported_partner_ids": [Command.set(self.imported_partner_ids.ids)],
                }
            )
        self.message_post(
            body=self.env._("Copied for another language: %(copy)s.", copy=copy._get_html_link())
        )
        return copy

    def _set_template_lang(self):
        """Make the campaign's e-mail template render in the campaign's language, not in
        the partner's: a copy for another language then sends the template's translation."""
        templates = self.mail_template_id.filtered(lambda t: t.lang != TEMPLATE_LANG)
        if templates:
            templates.sudo().write({"lang": TEMPLATE_LANG})
