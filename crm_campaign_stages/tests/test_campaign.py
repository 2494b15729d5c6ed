import base64

from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import mute_logger

from .common_campaign import CampaignCase


@tagged("post_install", "-at_install")
class TestCampaignTargetGroup(CampaignCase):
    """Marketing starts "Spring Campaign" for the tagged companies of a saved selection,
    plus a few partners added by hand and a trade fair list imported from CSV."""

    def test_start_takes_a_snapshot_of_the_selection(self):
        selection = self._create_selection(user=self.manager)
        campaign = self._create_campaign(selection_id=selection.id)
        campaign.with_user(self.manager).action_start()

        self.assertEqual(campaign.state, "running")
        self.assertTrue(campaign.date_start)
        self.assertTrue(campaign.snapshot_id)
        self.assertEqual(campaign.snapshot_id.selection_id, selection)
        self.assertEqual(
            set(campaign.snapshot_id.member_ids.ids),
            {self.mueller.id, self.bergmann.id, self.kowalski.id},
        )
        self.assertEqual(
            set(campaign.participant_ids.partner_id.ids),
            {self.mueller.id, self.bergmann.id, self.kowalski.id},
        )
        first_stage = campaign._get_first_stage()
        self.assertEqual(first_stage.name, "First Contact")
        self.assertEqual(set(campaign.participant_ids.mapped("stage_id").ids), {first_stage.id})
        self.assertEqual(set(campaign.participant_ids.mapped("source")), {"selection"})
        self.assertEqual(campaign.participant_count, 3)
        # the history records the entry into the first stage
        history = campaign.participant_ids.history_ids
        self.assertEqual(len(history), 3)
        self.assertFalse(history.stage_from_id)
        self.assertEqual(history.stage_to_id, first_stage)

    def test_snapshot_is_frozen_at_start(self):
        selection = self._create_selection()
        campaign = self._create_campaign(selection_id=selection.id)
        campaign.action_start()
        latecomer = self.Partner.create(
            {"name": "Zimmermann Drehteile KG", "is_company": True, "category_id": self.tag.ids}
        )
        self.assertIn(latecomer.id, selection._get_member_ids())
        self.assertNotIn(latecomer, campaign.snapshot_id.member_ids)
        self.assertNotIn(latecomer, campaign.participant_ids.partner_id)

    def test_hand_added_partners_of_every_kind(self):
        supplier = self.Partner.create({"name": "Stahlhandel Nord GmbH", "is_company": True})
        customer = self.Partner.create({"name": "Anna Kunde"})
        campaign = self._create_campaign()
        campaign.write(
            {
                "target_partner_ids": [
                    Command.set((self.mueller | self.petra | supplier | customer).ids)
                ]
            }
        )
        self.assertEqual(campaign.target_partner_count, 4)
        campaign.action_start()
        self.assertEqual(
            set(campaign.participant_ids.partner_id.ids),
            {self.mueller.id, self.petra.id, supplier.id, customer.id},
        )
        self.assertEqual(set(campaign.participant_ids.mapped("source")), {"manual"})
        petra = self._participant(campaign, self.petra)
        self.assertEqual(petra.commercial_partner_id, self.mueller)

    def test_selection_and_hand_added_partner_enter_once(self):
        selection = self._create_selection()
        campaign = self._create_campaign(
            selection_id=selection.id, target_partner_ids=[Command.set(self.mueller.ids)]
        )
        campaign.action_start()
        self.assertEqual(len(self._participant(campaign, self.mueller)), 1)
        self.assertEqual(campaign.participant_count, 3)

    def test_partner_added_to_a_running_campaign_enters_the_first_stage(self):
        campaign = self._create_campaign()
        campaign.action_start()
        new = campaign._add_participants(self.petra)
        self.assertEqual(new.stage_id, campaign._get_first_stage())
        self.assertFalse(campaign._add_participants(self.petra), "no partner twice")
        self.assertEqual(campaign.participant_count, 1)

    def test_partner_added_by_hand_to_a_running_campaign(self):
        campaign = self._create_campaign(target_partner_ids=[Command.set(self.mueller.ids)])
        campaign.action_start()
        with Form(campaign.with_user(self.manager)) as campaign_form:
            campaign_form.target_partner_ids.add(self.agnieszka)
        participant = self._participant(campaign, self.agnieszka)
        self.assertEqual(participant.source, "manual")
        self.assertEqual(participant.stage_id, campaign._get_first_stage())
        self.assertEqual(campaign.participant_count, 2)
        # leaving the target group does not undo the participation
        campaign.target_partner_ids = [Command.unlink(self.agnieszka.id)]
        self.assertTrue(self._participant(campaign, self.agnieszka))

    def test_import_into_a_running_campaign(self):
        campaign = self._create_campaign()
        campaign.action_start()
        wizard_import = self.env["crm.selection.import"]
        wizard_import._import_into(campaign, self.bergmann)
        participant = self._participant(campaign, self.bergmann)
        self.assertEqual(participant.source, "import")
        self.assertEqual(participant.stage_id, campaign._get_first_stage())
        self.assertIn(self.bergmann, campaign.imported_partner_ids)
        campaign.action_done()
        with self.assertRaises(UserError):
            wizard_import._import_into(campaign, self.kowalski)

    def test_import_addresses_into_a_campaign(self):
        self.assertIn("crm.campaign", self.env["crm.selection.import"]._get_target_models())
        campaign = self._create_campaign()
        action = campaign.action_open_import()
        self.assertEqual(action["res_model"], "crm.selection.import")
        content = (
            "Name;Firma;Straße;PLZ;Ort;Land;E-Mail\n"
            "Jörg Weiß;Weiß & Söhne KG;Königsallee 5;40212;Düsseldorf;Deutschland;"
            "joerg.weiss@weiss.example\n"
        )
        wizard = (
            self.env["crm.selection.import"]
            .with_context(action["context"])
            .create(
                {
                    "file": base64.b64encode(content.encode("utf-8")),
                    "filename": "messe.csv",
                }
            )
        )
        self.assertEqual((wizard.res_model, wizard.res_id), ("crm.campaign", campaign.id))
        wizard.action_load()
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        joerg = campaign.target_partner_ids
        self.assertEqual(joerg.name, "Jörg Weiß")
        self.assertEqual(campaign.imported_partner_ids, joerg)
        campaign.action_start()
        participant = self._participant(campaign, joerg)
        self.assertEqual(participant.source, "import")

    def test_start_needs_stages(self):
        campaign = self.Campaign.create({"name": "Empty"})
        with self.assertRaises(UserError):
            campaign.action_start()
        self.assertEqual(campaign.state, "draft")


@tagged("post_install", "-at_install")
class TestCampaignStates(CampaignCase):
    def test_state_flow(self):
        campaign = self._create_campaign(target_partner_ids=[Command.set(self.mueller.ids)])
        self.assertEqual(campaign.state, "draft")
        campaign.action_start()
        self.assertEqual(campaign.state, "running")
        with self.assertRaises(UserError):
            campaign.action_start()
        with self.assertRaises(UserError):
            campaign.action_draft()
        campaign.action_done()
        self.assertEqual(campaign.state, "done")
        self.assertTrue(campaign.date_end)
        with self.assertRaises(UserError):
            campaign.action_cancel()
        with self.assertRaises(UserError):
            campaign._add_participants(self.bergmann)
        campaign.action_draft()
        self.assertEqual(campaign.state, "draft")
        campaign.action_cancel()
        self.assertEqual(campaign.state, "cancelled")
        with self.assertRaises(UserError):
            campaign.action_done()

    def test_only_finished_campaigns_are_archived(self):
        campaign = self._create_campaign()
        with self.assertRaises(UserError):
            campaign.action_archive()
        campaign.action_start()
        with self.assertRaises(UserError):
            campaign.action_archive()
        with self.assertRaises(UserError):
            campaign.write({"active": False})
        self.assertTrue(campaign.active)

    def test_archiving_keeps_every_link_and_blocks_reuse(self):
        follow_up = self._create_campaign(name="Follow-up")
        campaign = self._create_campaign(
            target_partner_ids=[Command.set((self.mueller | self.bergmann).ids)],
            chain_rule_ids=[Command.create({"trigger": "won", "next_campaign_id": follow_up.id})],
        )
        campaign.action_start()
        mueller = self._participant(campaign, self.mueller)
        mueller.action_mark_won()
        campaign.action_done()
        history = mueller.history_ids
        campaign.action_archive()

        self.assertFalse(campaign.active)
        # participants, history and chaining stay, only archived with their campaign
        mueller = self._participant(campaign, self.mueller)
        self.assertTrue(mueller)
        self.assertFalse(mueller.active)
        self.assertEqual(mueller.state, "won")
        self.assertEqual(mueller.history_ids.with_context(active_test=False), history)
        self.assertEqual(len(campaign.with_context(active_test=False).participant_ids), 2)
        self.assertEqual(campaign.chain_rule_ids.next_campaign_id, follow_up)
        self.assertEqual(self._participant(follow_up, self.mueller).chained_from_id, mueller)

        # an archived campaign can no longer be chosen, assigned or restarted
        self.assertNotIn(campaign, self.Campaign.search([]))
        self.assertNotIn(campaign.id, [r[0] for r in self.Campaign.name_search(campaign.name)])
        with self.assertRaises(UserError):
            campaign.action_draft()
        with self.assertRaises(UserError):
            campaign.action_start()
        with self.assertRaises(UserError):
            campaign._add_participants(self.kowalski)
        with self.assertRaises(UserError):
            self.Participant.create({"campaign_id": campaign.id, "partner_id": self.kowalski.id})
        with self.assertRaises(ValidationError):
            follow_up.write(
                {
                    "chain_rule_ids": [
                        Command.create({"trigger": "won", "next_campaign_id": campaign.id})
                    ]
                }
            )
        with self.assertRaises(UserError):
            campaign.action_open_copy_for_language()

        # unarchived, it is usable again
        campaign.action_unarchive()
        self.assertTrue(self._participant(campaign, self.mueller).active)
        campaign.action_draft()
        self.assertEqual(campaign.state, "draft")

    def test_date_and_probability_constraints(self):
        campaign = self._create_campaign()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            campaign.write({"date_start": "2026-05-01", "date_end": "2026-04-01"})
            campaign.flush_recordset()
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError), self.cr.savepoint():
            campaign.stage_ids[0].write({"probability": 120.0})
            campaign.stage_ids[0].flush_recordset()


@tagged("post_install", "-at_install")
class TestCampaignAccess(CampaignCase):
    def test_operator_cannot_edit_campaigns(self):
        campaign = self._create_campaign(target_partner_ids=[Command.set(self.mueller.ids)])
        campaign.action_start()
        as_operator = campaign.with_user(self.operator)
        self.assertEqual(as_operator.name, "Spring Campaign")
        with self.assertRaises(AccessError):
            as_operator.write({"name": "Renamed"})
        with self.assertRaises(AccessError):
            self.Campaign.with_user(self.operator).create({"name": "Mine"})
        with self.assertRaises(AccessError):
            as_operator.stage_ids[0].write({"probability": 90.0})
        with self.assertRaises(AccessError):
            as_operator.action_done()
        # but works on the participants
        participant = self._participant(campaign, self.mueller).with_user(self.operator)
        participant.write({"contacted": True})
        participant.action_record_success()
        self.assertEqual(participant.stage_id.name, "Offer")
        self.assertEqual(participant.history_ids[:1].user_id, self.operator)

    def test_operator_opens_campaigns_and_participants(self):
        campaign = self._create_campaign(target_partner_ids=[Command.set(self.mueller.ids)])
        campaign.action_start()
        participant = self._participant(campaign, self.mueller)
        for record in (campaign, participant):
            as_operator = record.with_user(self.operator)
            for view_type in ("form", "list"):
                views = as_operator.get_views([(False, view_type)])
                fields_in_view = views["models"][record._name]["fields"]
                values = as_operator.read(list(fields_in_view))
                self.assertEqual(values[0]["id"], record.id)
        kanban = participant.with_user(self.operator).get_views([(False, "kanban")])
        self.assertIn("stage_id", kanban["views"]["kanban"]["arch"])

    def test_manager_runs_campaigns(self):
        campaign = self.Campaign.with_user(self.manager).create(
            {
                "name": "Manager's campaign",
                "stage_ids": [Command.create({"name": "Only"})],
                "target_partner_ids": [Command.set(self.mueller.ids)],
            }
        )
        campaign.action_start()
        self.assertEqual(campaign.participant_count, 1)

    def test_multi_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Alpen Präzision AG"})
        other_manager = new_test_user(
            self.env,
            login="other_campaign_manager",
            groups="crm_campaign_stages.group_crm_campaign_manager",
            company_id=other_company.id,
            company_ids=[Command.set(other_company.ids)],
        )
        ours = self._create_campaign(target_partner_ids=[Command.set(self.mueller.ids)])
        ours.action_start()
        theirs = (
            self.Campaign.with_user(other_manager)
            .with_company(other_company)
            .create({"name": "Schweizer Frühling", "stage_ids": [Command.create({"name": "A"})]})
        )
        self.assertEqual(theirs.company_id, other_company)
        Campaign = self.Campaign.with_user(other_manager)
        self.assertNotIn(ours, Campaign.search([]))
        self.assertIn(theirs, Campaign.search([]))
        self.assertFalse(
            self.Participant.with_user(other_manager).search([("campaign_id", "=", ours.id)])
        )
        self.assertFalse(
            self.env["crm.campaign.stage"]
            .with_user(other_manager)
            .search([("campaign_id", "=", ours.id)])
        )
        with self.assertRaises(AccessError):
            ours.with_user(other_manager).read(["name"])
        self.assertNotIn(theirs, self.Campaign.with_user(self.manager).search([]))


@tagged("post_install", "-at_install")
class TestCampaignCopyForLanguage(CampaignCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Spring offer",
                "model_id": cls.env["ir.model"]._get_id("crm.campaign.participant"),
                "subject": "Our spring offer",
                "body_html": "<p>Dear customer</p>",
                # the usual choice of a template: the partner's language
                "lang": "{{ object.partner_id.lang }}",
            }
        )
        cls.template.with_context(lang="de_DE").write(
            {
                "subject": "Unser Frühjahrsangebot",
                "body_html": "<p>Sehr geehrte Damen und Herren</p>",
            }
        )
        cls.template.with_context(lang="pl_PL").write(
            {"subject": "Nasza wiosenna oferta", "body_html": "<p>Szanowni Państwo</p>"}
        )
        cls.campaign = cls._create_campaign(
            mail_template_id=cls.template.id,
            operator_user_ids=[Command.set(cls.operator.ids)],
            target_partner_ids=[
                Command.set((cls.mueller | cls.petra | cls.kowalski | cls.agnieszka).ids)
            ],
        )
        cls.campaign.stage_ids[0].write(
            {"action_ids": [Command.create({"name": "Call purchaser", "action_type": "call"})]}
        )
        cls.follow_up = cls._create_campaign(name="Follow-up")
        cls.campaign.write(
            {
                "chain_rule_ids": [
                    Command.create({"trigger": "won", "next_campaign_id": cls.follow_up.id})
                ]
            }
        )

    def _copy(self, lang="pl_PL", **vals):
        wizard_form = Form(
            self.env["crm.campaign.copy.language"].with_context(
                **self.campaign.action_open_copy_for_language()["context"]
            )
        )
        wizard_form.lang = lang
        for name, value in vals.items():
            setattr(wizard_form, name, value)
        wizard = wizard_form.save()
        action = wizard.action_copy()
        return self.Campaign.browse(action["res_id"])

    def test_copy_duplicates_stages_and_actions_in_the_new_language(self):
        copy = self._copy()
        self.assertNotEqual(copy, self.campaign)
        self.assertEqual(copy.lang, "pl_PL")
        self.assertEqual(copy.state, "draft")
        self.assertEqual(copy.split_from_id, self.campaign)
        self.assertEqual(copy.stage_ids.mapped("name"), ["First Contact", "Offer"])
        self.assertFalse(copy.stage_ids & self.campaign.stage_ids)
        self.assertEqual(copy.stage_ids[0].action_ids.name, "Call purchaser")
        self.assertEqual(copy.chain_rule_ids.next_campaign_id, self.follow_up)
        self.assertEqual(copy.operator_user_ids, self.operator)
        self.assertEqual(copy.mail_template_id, self.template)
        self.assertIn("Polish", copy.name)

    def test_target_group_is_split_by_language(self):
        copy = self._copy()
        self.assertEqual(copy.target_partner_ids, self.kowalski | self.agnieszka)
        self.assertEqual(self.campaign.target_partner_ids, self.mueller | self.petra)

    def test_selection_members_are_split_at_start(self):
        selection = self._create_selection()
        self.campaign.write({"selection_id": selection.id, "target_partner_ids": [Command.clear()]})
        copy = self._copy()
        self.campaign.action_start()
        copy.action_start()
        self.assertEqual(self.campaign.participant_ids.partner_id, self.mueller | self.bergmann)
        self.assertEqual(copy.participant_ids.partner_id, self.kowalski)

    def test_no_split_keeps_the_target_group(self):
        copy = self._copy(split_target=False)
        self.assertEqual(copy.target_partner_ids, self.campaign.target_partner_ids)
        self.assertEqual(len(self.campaign.target_partner_ids), 4)

    def test_copy_needs_another_language(self):
        with self.assertRaises(UserError):
            self._copy(lang="de_DE")

    def test_mail_template_renders_in_the_campaign_language(self):
        copy = self._copy()
        self.campaign.action_start()
        copy.action_start()
        german = self._participant(self.campaign, self.mueller)
        polish = self._participant(copy, self.kowalski)
        self.assertEqual(self.template.lang, "{{ object.campaign_id.lang }}")
        subjects = self.template._render_field("subject", (german | polish).ids, compute_lang=True)
        self.assertEqual(subjects[german.id], "Unser Frühjahrsangebot")
        self.assertEqual(subjects[polish.id], "Nasza wiosenna oferta")
        # the campaign's language wins over the partner's
        self.mueller.lang = "pl_PL"
        subjects = self.template._render_field("subject", german.ids, compute_lang=True)
        self.assertEqual(subjects[german.id], "Unser Frühjahrsangebot")

    def test_template_must_be_for_participants(self):
        other = self.env["mail.template"].create(
            {"name": "Partner template", "model_id": self.env["ir.model"]._get_id("res.partner")}
        )
        with self.assertRaises(ValidationError):
            self.campaign.mail_template_id = other
