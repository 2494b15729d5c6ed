from unittest.mock import patch

from odoo import Command
from odoo.tests import TransactionCase, new_test_user

# wkhtmltopdf must not fetch the report assets from this test's own server: it would wait for
# the test's transaction; a closed port fails at once and the page still renders
CLOSED_REPORT_URL = "http://127.0.0.1:9"


class MailingCase(TransactionCase):
    """A German machine tool maker mails the running participants of its spring campaign."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        for code in ("de_DE", "pl_PL"):
            cls.env["res.lang"]._activate_lang(code)
        cls.germany = cls.env.ref("base.de")
        cls.company = cls.env["res.company"].create(
            {
                "name": "Schwarzwald Werkzeugmaschinen GmbH",
                "street": "Industriestraße 12",
                "zip": "78048",
                "city": "Villingen-Schwenningen",
                "country_id": cls.germany.id,
                "phone": "+49 7721 40500",
                "email": "vertrieb@schwarzwald-wzm.example.com",
            }
        )
        cls.env.user.company_ids |= cls.company
        cls.env = cls.env(context=dict(cls.env.context, allowed_company_ids=[cls.company.id]))
        Partner = cls.env["res.partner"]
        cls.mueller = Partner.create(
            {
                "name": "Müller Maschinenbau GmbH",
                "is_company": True,
                "lang": "de_DE",
                "street": "Bahnhofstraße 7",
                "zip": "70173",
                "city": "Stuttgart",
                "country_id": cls.germany.id,
                "email": "info@mueller-maschinenbau.example.com",
                "fax": "+49 (0)711 123-45",
            }
        )
        cls.petra = Partner.create(
            {
                "name": "Petra Schneider",
                "parent_id": cls.mueller.id,
                "lang": "de_DE",
                "form_of_address": "ms",
                "email": "petra.schneider@mueller-maschinenbau.example.com",
            }
        )
        cls.hans = Partner.create(
            {
                "name": "Hans Bergmann",
                "lang": "de_DE",
                "form_of_address": "mr",
                "academic_title": "Dr.",
                "street": "Lindenweg 3",
                "zip": "80331",
                "city": "München",
                "country_id": cls.germany.id,
                "email": "h.bergmann@bergmann-werkzeuge.example.com",
            }
        )
        cls.kowalski = Partner.create(
            {
                "name": "Kowalski Dystrybucja Sp. z o.o.",
                "is_company": True,
                "lang": "pl_PL",
                "street": "ul. Długa 15",
                "zip": "00-238",
                "city": "Warszawa",
                "country_id": cls.env.ref("base.pl").id,
                "email": "biuro@kowalski.example.com",
            }
        )
        cls.manager = new_test_user(
            cls.env,
            login="mailing_manager",
            name="Monika Manager",
            email="monika.manager@schwarzwald-wzm.example.com",
            company_id=cls.company.id,
            groups="crm_campaign_stages.group_crm_campaign_manager",
        )
        cls.operator = new_test_user(
            cls.env,
            login="mailing_operator",
            name="Olaf Operator",
            company_id=cls.company.id,
            groups="crm_campaign_stages.group_crm_campaign_user",
        )
        cls.other_operator = new_test_user(
            cls.env,
            login="mailing_other_operator",
            name="Otto Other",
            company_id=cls.company.id,
            groups="crm_campaign_stages.group_crm_campaign_user",
        )
        cls.template = cls.env["mail.template"].create(
            {
                "name": "Spring offer",
                "model_id": cls.env["ir.model"]._get_id("crm.campaign.participant"),
                "subject": "Our spring offer",
                "body_html": '<p>Hello <t t-out="object.partner_id.name"/>, see our offer.</p>',
            }
        )
        cls.template.with_context(lang="de_DE").write(
            {
                "subject": "Unser Frühjahrsangebot",
                "body_html": '<p>Hallo <t t-out="object.partner_id.name"/>, hier ist unser '
                "Angebot.</p>",
            }
        )
        cls.campaign = cls.env["crm.campaign"].create(
            {
                "name": "Frühjahrsaktion Fräsmaschinen",
                "company_id": cls.company.id,
                "lang": "de_DE",
                "medium": "email",
                "mail_template_id": cls.template.id,
                "user_id": cls.manager.id,
                "operator_user_ids": [Command.link(cls.operator.id)],
                "letter_subject": "Unser Frühjahrsangebot",
                "letter_body": '<p>wir laden <span t-out="object.partner_id.name"/> zu unserer '
                "Hausmesse ein.</p>",
                "stage_ids": [
                    Command.create({"name": "Erstkontakt", "sequence": 1}),
                    Command.create({"name": "Angebot", "sequence": 2}),
                ],
            }
        )
        cls.first_stage, cls.second_stage = cls.campaign.stage_ids.sorted("sequence")
        cls.campaign._add_participants(cls.mueller | cls.petra | cls.hans)
        cls.campaign.action_start()
        cls.participants = cls.campaign.participant_ids
        cls.env["ir.config_parameter"].sudo().set_param("report.url", CLOSED_REPORT_URL)

    def _participant(self, partner):
        return self.participants.filtered(lambda part: part.partner_id == partner)

    def _create_mailing(self, medium="email", user=None, **values):
        """A mailing created by ``user`` (the manager), returned in the test's environment."""
        Mailing = self.env["crm.campaign.mailing"].with_user(user or self.manager)
        mailing = Mailing.create({"campaign_id": self.campaign.id, "medium": medium, **values})
        return mailing.with_env(self.env)

    def _run_cron(self):
        """Run the mailing job; the cron progress is recorded but never committed."""
        with patch.object(
            type(self.env["ir.cron"]), "_commit_progress", return_value=float("inf")
        ) as commit_progress:
            self.env["crm.campaign.mailing"]._cron_process_mailings()
        return commit_progress
