from datetime import date

from odoo.tests import TransactionCase, freeze_time, new_test_user


@freeze_time("2025-06-10 08:00:00")
class TestHrLeaveAbsence(TransactionCase):
    """Anna Schulz takes time off; her manager Bernd Keller stands in unless she chose a deputy."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.anna = new_test_user(cls.env, "anna.leave", name="Anna Schulz", tz="Europe/Berlin")
        cls.bernd = new_test_user(cls.env, "bernd.leave", name="Bernd Keller", tz="Europe/Berlin")
        cls.dora = new_test_user(cls.env, "dora.leave", name="Dora Lang", tz="Europe/Berlin")
        Employee = cls.env["hr.employee"]
        cls.bernd_employee = Employee.create({"name": "Bernd Keller", "user_id": cls.bernd.id})
        cls.anna_employee = Employee.create(
            {"name": "Anna Schulz", "user_id": cls.anna.id, "parent_id": cls.bernd_employee.id}
        )
        cls.vacation_type = cls.env["hr.leave.type"].create(
            {
                "name": "Paid vacation (test)",
                "requires_allocation": False,
                "leave_validation_type": "hr",
                "request_unit": "day",
            }
        )
        cls.sick_type = cls.env["hr.leave.type"].create(
            {
                "name": "Sick leave (test)",
                "requires_allocation": False,
                "leave_validation_type": "hr",
                "request_unit": "day",
                "crm_absence_reason": "sickness",
            }
        )

    def _leave(self, date_from, date_to, leave_type=None, employee=None):
        return self.env["hr.leave"].create(
            {
                "employee_id": (employee or self.anna_employee).id,
                "holiday_status_id": (leave_type or self.vacation_type).id,
                "request_date_from": date_from,
                "request_date_to": date_to,
            }
        )

    def _absence(self, leave):
        return (
            self.env["crm.absence"]
            .with_context(active_test=False)
            .search([("leave_id", "=", leave.id)])
        )

    def assertNote(self, leave, text):
        self.assertTrue(
            any(text in (message.body or "") for message in leave.message_ids),
            f"no note {text!r} on the time off",
        )

    def test_default_reason_is_vacation(self):
        self.assertEqual(self.env["hr.leave.type"].new({}).crm_absence_reason, "vacation")

    def test_validated_time_off_records_the_absence(self):
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 20))
        self.assertFalse(self._absence(leave), "not before the time off is approved")
        leave.action_approve(check_state=False)
        absence = self._absence(leave)
        self.assertRecordValues(
            absence,
            [
                {
                    "user_id": self.anna.id,
                    "date_from": date(2025, 6, 16),
                    "date_to": date(2025, 6, 20),
                    "reason": "vacation",
                    "deputy_user_id": self.bernd.id,
                    "active": True,
                }
            ],
        )
        self.assertNote(leave, "Bernd Keller stands in for Anna Schulz")

    def test_reason_follows_the_time_off_type(self):
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 17), leave_type=self.sick_type)
        leave.action_approve(check_state=False)
        self.assertEqual(self._absence(leave).reason, "sickness")

    def test_default_deputy_comes_before_the_manager(self):
        self.anna.crm_default_deputy_id = self.dora
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 20))
        leave.action_approve(check_state=False)
        self.assertEqual(self._absence(leave).deputy_user_id, self.dora)

    def test_no_deputy_no_absence_but_a_note(self):
        self.anna_employee.parent_id = False
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 20))
        leave.action_approve(check_state=False)
        self.assertFalse(self._absence(leave))
        self.assertNote(leave, "has no default deputy")

    def test_overlapping_manual_absence_is_kept(self):
        manual = self.env["crm.absence"].create(
            {
                "user_id": self.anna.id,
                "date_from": date(2025, 6, 18),
                "date_to": date(2025, 6, 19),
                "deputy_user_id": self.dora.id,
            }
        )
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 20))
        leave.action_approve(check_state=False)
        self.assertFalse(self._absence(leave))
        self.assertTrue(manual.active)
        self.assertNote(leave, "already recorded as absent")

    def test_refused_time_off_removes_the_planned_absence(self):
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 20))
        leave.action_approve(check_state=False)
        self.assertTrue(self._absence(leave))
        leave.action_refuse()
        self.assertFalse(self._absence(leave))

    def test_cancelled_time_off_ends_the_absence_and_hands_back(self):
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 20))
        leave.action_approve(check_state=False)
        absence = self._absence(leave)
        customer = self.env["res.partner"].create({"name": "Bergmann Test Datenbanken GmbH"})
        task = customer.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=date(2025, 6, 19),
            summary="Call back",
            user_id=self.anna.id,
        )
        with freeze_time("2025-06-17 08:00:00"):
            with self.enter_registry_test_mode():
                self.env.ref(
                    "crm_contact_management.ir_cron_crm_absence_redirect"
                ).method_direct_trigger()
            self.env.invalidate_all()
            self.assertEqual(task.user_id, self.bernd)
            leave._force_cancel("Back earlier")
            self.assertEqual(leave.state, "cancel")
            self.assertEqual(absence.date_to, date(2025, 6, 16))
            self.assertEqual(absence.state, "ended")
        self.assertEqual(task.user_id, self.anna)
        self.assertEqual(absence.redirection_ids.res_id, task.id, "not the time off's event")
        self.assertEqual(absence.redirection_ids.state, "handed_back")

    def test_moved_time_off_moves_the_absence(self):
        leave = self._leave(date(2025, 6, 16), date(2025, 6, 20))
        leave.action_approve(check_state=False)
        leave.with_context(leave_skip_state_check=True).write(
            {"request_date_from": date(2025, 6, 23), "request_date_to": date(2025, 6, 27)}
        )
        self.assertRecordValues(
            self._absence(leave),
            [{"date_from": date(2025, 6, 23), "date_to": date(2025, 6, 27)}],
        )
