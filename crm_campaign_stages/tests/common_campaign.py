from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class CampaignCase(TransactionCase):
    """A machine tool maker runs campaigns towards German and Polish companies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        cls.Campaign = cls.env["crm.campaign"]
        cls.Participant = cls.env["crm.campaign.participant"]
        for code in ("de_DE", "pl_PL"):
            cls.env["res.lang"]._activate_lang(code)
        cls.company = cls.env.company
        cls.tag = cls.env["res.partner.category"].create({"name": "Campaign test target"})
        cls.mueller = cls.Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "lang": "de_DE",
                "category_id": [Command.link(cls.tag.id)],
            }
        )
        cls.bergmann = cls.Partner.create(
            {
                "name": "Bergmann Werkzeuge AG",
                "is_company": True,
                "lang": "de_DE",
                "category_id": [Command.link(cls.tag.id)],
            }
        )
        cls.kowalski = cls.Partner.create(
            {
                "name": "Kowalski Dystrybucja Sp. z o.o.",
                "is_company": True,
                "lang": "pl_PL",
                "category_id": [Command.link(cls.tag.id)],
            }
        )
        cls.petra = cls.Partner.create(
            {"name": "Petra Schneider", "parent_id": cls.mueller.id, "lang": "de_DE"}
        )
        cls.agnieszka = cls.Partner.create(
            {"name": "Agnieszka Wiśniewska", "parent_id": cls.kowalski.id, "lang": "pl_PL"}
        )
        cls.manager = new_test_user(
            cls.env,
            login="campaign_manager",
            name="Monika Manager",
            groups="crm_campaign_stages.group_crm_campaign_manager,crm_selection.group_selection_user",
        )
        cls.operator = new_test_user(
            cls.env,
            login="campaign_operator",
            name="Olaf Operator",
            groups="crm_campaign_stages.group_crm_campaign_user",
        )
        cls.no_budget = cls.env.ref("crm_campaign_stages.crm_campaign_failure_code_no_budget")
        cls.no_interest = cls.env.ref("crm_campaign_stages.crm_campaign_failure_code_no_interest")
        cls.marketing = cls.env.ref("crm_campaign_stages.crm_campaign_type_marketing")

    @classmethod
    def _create_selection(cls, name="Tagged companies", user=None):
        """A saved selection of the companies carrying the test tag."""
        Selection = cls.env["crm.selection"].with_user(user) if user else cls.env["crm.selection"]
        selection = Selection.create({"name": name}).with_env(cls.env)
        cls.env["crm.selection.node"].create(
            {
                "selection_id": selection.id,
                "parent_id": selection.root_node_id.id,
                "kind": "partner",
                "category_ids": [Command.set(cls.tag.ids)],
            }
        )
        return selection

    @classmethod
    def _create_campaign(cls, name="Spring Campaign", stages=None, **vals):
        """A campaign with the given stages (list of dicts); by default two stages without
        actions advancing on a recorded success."""
        if stages is None:
            stages = [
                {
                    "name": "First Contact",
                    "sequence": 1,
                    "deal_value": 10000.0,
                    "probability": 10.0,
                    "condition": "success",
                },
                {
                    "name": "Offer",
                    "sequence": 2,
                    "deal_value": 20000.0,
                    "probability": 50.0,
                    "condition": "success",
                },
            ]
        return cls.Campaign.create(
            {
                "name": name,
                "type_id": cls.marketing.id,
                "lang": "de_DE",
                "stage_ids": [Command.create(stage) for stage in stages],
                **vals,
            }
        )

    def _participant(self, campaign, partner):
        return self.Participant.with_context(active_test=False).search(
            [("campaign_id", "=", campaign.id), ("partner_id", "=", partner.id)]
        )
