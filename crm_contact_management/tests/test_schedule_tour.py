from datetime import timedelta

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestScheduleTour(HttpCase):
    """Anna Schulz sees her overdue task when she logs in, records her vacation, and the task
    shows up on the schedule of her deputy Bernd Keller."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = new_test_user(cls.env, "anna.tour", name="Anna Schulz")
        cls.bernd = new_test_user(cls.env, "bernd.tour", name="Bernd Keller")
        cls.customer = cls.env["res.partner"].create(
            {"name": "Müller Maschinenbau GmbH", "is_company": True, "city": "Berlin"}
        )
        cls.task = cls.customer.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=fields.Date.today() - timedelta(days=2),
            summary="Send the offer",
            user_id=cls.anna.id,
        )

    def test_login_notification_lists_the_follow_ups(self):
        self.start_tour("/odoo", "crm_contact_management_login_followups", login="anna.tour")
        self.assertEqual(self.anna.crm_followup_notice_date, fields.Date.context_today(self.anna))

    def test_deputy_schedule_fills_with_the_absence(self):
        self.anna.crm_followup_notice_date = fields.Date.context_today(self.anna)
        self.start_tour(
            "/odoo/action-crm_contact_management.crm_absence_action",
            "crm_contact_management_record_absence",
            login="anna.tour",
        )
        absence = self.env["crm.absence"].search([("user_id", "=", self.anna.id)])
        self.assertEqual(absence.deputy_user_id, self.bernd)
        self.env.ref("crm_contact_management.ir_cron_crm_absence_redirect").method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(self.task.user_id, self.bernd)
        self.bernd.crm_followup_notice_date = fields.Date.context_today(self.bernd)
        self.start_tour(
            "/odoo/action-crm_contact_management.crm_schedule_item_action",
            "crm_contact_management_deputy_schedule",
            login="bernd.tour",
        )
