from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestCampaignTour(HttpCase):
    """A campaign manager creates a two-stage campaign from a selection in the browser,
    runs the engine, completes the task and sees the participant move and the forecast
    change."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = new_test_user(
            cls.env,
            login="campaign_tour_manager",
            name="Carla Kampagne",
            groups="crm_campaign_stages.group_crm_campaign_manager,crm_selection.group_selection_user",
        )
        tag = cls.env["res.partner.category"].create({"name": "Tour Fräskunde"})
        cls.company = cls.env["res.partner"].create(
            {
                "name": "Tour Fräswerk Schwaben GmbH",
                "is_company": True,
                "city": "Ulm",
                "country_id": cls.env.ref("base.de").id,
                "category_id": [Command.link(tag.id)],
            }
        )
        selection = (
            cls.env["crm.selection"].with_user(cls.manager).create({"name": "Tour Fräskunden"})
        )
        cls.env["crm.selection.node"].create(
            {
                "selection_id": selection.id,
                "parent_id": selection.root_node_id.id,
                "kind": "partner",
                "category_ids": [Command.set(tag.ids)],
            }
        )

    def test_two_stage_campaign_from_a_selection(self):
        self.start_tour(
            "/odoo/action-crm_campaign_stages.crm_campaign_action",
            "crm_campaign_stages_tour",
            login=self.manager.login,
        )
        campaign = self.env["crm.campaign"].search(
            [("name", "=", "Tour Herbstaktion Fräsmaschinen")]
        )
        self.assertEqual(len(campaign), 1)
        self.assertEqual(campaign.state, "running")
        self.assertEqual(campaign.user_id, self.manager)
        self.assertTrue(campaign.snapshot_id)
        participant = campaign.participant_ids
        self.assertEqual(participant.partner_id, self.company)
        self.assertEqual(participant.source, "selection")
        self.assertEqual(participant.stage_id.name, "Angebot")
        self.assertEqual(participant.state, "running")
        self.assertEqual(
            participant.history_ids.sorted("id").mapped("stage_to_id.name"), ["Kontakt", "Angebot"]
        )
        self.assertAlmostEqual(campaign.expected_value, 15000.0)
        task = (
            self.env["mail.activity"]
            .with_context(active_test=False)
            .search(
                [
                    ("res_model", "=", "crm.campaign.participant"),
                    ("res_id", "=", participant.id),
                ]
            )
        )
        self.assertEqual(len(task), 1)
        self.assertFalse(task.active, "the task is done")
        self.assertEqual(task.user_id, self.manager)
