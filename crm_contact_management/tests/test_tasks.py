from datetime import timedelta

from odoo import fields
from odoo.tests import Form, TransactionCase, new_test_user


class TestTasks(TransactionCase):
    """Tasks are activities on any document: the salesperson plans a task on a contact person
    of Kowalski Dystrybucja, a colleague completes it, and who did it, when and with what
    feedback stays visible in the task list."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Partner = cls.env["res.partner"]
        cls.kowalski = Partner.create(
            {"name": "Kowalski Dystrybucja Sp. z o.o.", "is_company": True, "city": "Poznań"}
        )
        cls.agnieszka = Partner.create(
            {"name": "Agnieszka Wiśniewska", "parent_id": cls.kowalski.id}
        )
        cls.nowak = Partner.create({"name": "Nowak Software S.A.", "is_company": True})
        # internal users with the standard "Contact Creation" right
        cls.salesperson = new_test_user(
            cls.env, login="k2_task_sales", groups="base.group_user,base.group_partner_manager"
        )
        cls.colleague = new_test_user(cls.env, login="k2_task_colleague", groups="base.group_user")
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    def _plan(self, partner, summary, user=None, days=3):
        return partner.activity_schedule(
            activity_type_id=self.todo.id,
            summary=summary,
            user_id=(user or self.salesperson).id,
            date_deadline=fields.Date.today() + timedelta(days=days),
        )

    def test_task_planned_from_a_partner(self):
        action = self.agnieszka.with_user(self.salesperson).action_crm_plan_task()
        wizard_model = self.env[action["res_model"]].with_user(self.salesperson)
        with Form(wizard_model.with_context(action["context"])) as wizard:
            wizard.activity_type_id = self.todo
            wizard.summary = "Send the price list"
        wizard.record.action_schedule_activities()
        task = self.env["mail.activity"].search(
            [("res_model", "=", "res.partner"), ("res_id", "=", self.agnieszka.id)]
        )
        self.assertEqual(task.summary, "Send the price list")
        self.assertEqual(task.user_id, self.salesperson)

    def test_completion_is_kept_with_who_when_and_feedback(self):
        task = self._plan(self.agnieszka, "Call back about the pallets", user=self.colleague)
        task.with_user(self.colleague).action_feedback(feedback="Pallets ship on Monday.")
        self.assertFalse(task.active, "a done task is archived, not deleted")
        self.assertEqual(task.done_user_id, self.colleague)
        self.assertEqual(task.date_done, fields.Date.today())
        self.assertEqual(task.feedback, "Pallets ship on Monday.")
        self.assertEqual(task.state, "done")

    def test_task_done_by_someone_else_than_the_assignee(self):
        task = self._plan(self.kowalski, "Confirm the delivery address")
        task.with_user(self.salesperson).action_done()
        self.assertEqual(task.done_user_id, self.salesperson)
        self.assertFalse(self._plan(self.nowak, "Untouched").done_user_id)

    def test_task_list_shows_open_and_done_tasks(self):
        open_task = self._plan(self.kowalski, "Prepare the visit")
        done_task = self._plan(self.agnieszka, "Send the catalog")
        done_task.action_feedback(feedback="Sent by post.")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "crm_contact_management.mail_activity_action_crm_task"
        )
        Activity = self.env["mail.activity"].with_context(active_test=False)
        tasks = Activity.search([("id", "in", (open_task | done_task).ids)])
        self.assertEqual(tasks, open_task | done_task)
        self.assertEqual(Activity.search([("active", "=", False)]) & tasks, done_task)
        self.assertIn("'active_test': False", action["context"])
        search = self.env.ref("crm_contact_management.mail_activity_view_search_crm_task")
        self.assertIn('name="filter_done"', search.arch)
        views = {mode: view_id for view_id, mode in action["views"]}
        arch = self.env["ir.ui.view"].browse(views["list"]).arch
        for field in ("user_id", "date_deadline", "done_user_id", "date_done", "feedback"):
            self.assertIn(f'name="{field}"', arch)

    def test_company_counts_the_open_tasks_of_its_contact_persons(self):
        self._plan(self.kowalski, "Renew the framework contract")
        self._plan(self.agnieszka, "Send the price list")
        self._plan(self.agnieszka, "Old task").action_done()
        self._plan(self.nowak, "Demo of the shop")
        partners = self.kowalski | self.agnieszka | self.nowak
        self.assertEqual(partners.mapped("crm_open_task_count"), [2, 1, 1])
        action = self.kowalski.action_crm_view_tasks()
        shown = self.env["mail.activity"].with_context(active_test=False).search(action["domain"])
        self.assertEqual(len(shown), 3, "the list of a company shows done tasks too")
        self.assertEqual(action["context"]["search_default_filter_open"], 1)

    def test_person_working_for_two_companies_counts_for_both(self):
        """Agnieszka Wiśniewska also advises Nowak Software: her tasks show on both
        companies, each list with its own tasks too."""
        self.env["crm.contact.link"].create(
            {"person_id": self.agnieszka.id, "organization_id": self.nowak.id}
        )
        price_list = self._plan(self.agnieszka, "Send the price list")
        contract = self._plan(self.kowalski, "Renew the framework contract")
        demo = self._plan(self.nowak, "Demo of the shop")
        partners = self.kowalski | self.nowak | self.agnieszka
        self.assertEqual(partners.mapped("crm_open_task_count"), [2, 2, 1])
        Activity = self.env["mail.activity"].with_context(active_test=False)
        shown = Activity.search(self.kowalski.action_crm_view_tasks()["domain"])
        self.assertEqual(shown, price_list | contract)
        shown = Activity.search(self.nowak.action_crm_view_tasks()["domain"])
        self.assertEqual(shown, price_list | demo)
        shown = Activity.search(self.agnieszka.action_crm_view_tasks()["domain"])
        self.assertEqual(shown, price_list)
