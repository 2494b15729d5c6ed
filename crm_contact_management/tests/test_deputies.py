from datetime import date

from psycopg2.errors import CheckViolation, UniqueViolation

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, TransactionCase, freeze_time, new_test_user
from odoo.tools import mute_logger


@freeze_time("2025-06-16")
class TestDeputies(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.Deputy = cls.env["crm.contact.deputy"]
        cls.customer, cls.software_house = cls.Partner.create(
            [
                {"name": "Kowalski Test Sp. z o.o.", "is_company": True, "city": "Poznań"},
                {"name": "Nowak Test S.A.", "is_company": True, "city": "Kraków"},
            ]
        )
        cls.agnieszka, cls.piotr, cls.marek, cls.katarzyna = cls.Partner.create(
            [
                {"name": "Agnieszka Wiśniewska", "parent_id": cls.customer.id},
                {"name": "Piotr Zieliński", "parent_id": cls.customer.id},
                {"name": "Marek Kowalski", "parent_id": cls.customer.id},
                {"name": "Katarzyna Nowak", "parent_id": cls.software_house.id},
            ]
        )

    def _deputy(self, deputy, sequence=10, contact=None, **values):
        return self.Deputy.create(
            {
                "contact_id": (contact or self.agnieszka).id,
                "deputy_id": deputy.id,
                "sequence": sequence,
                **values,
            }
        )

    # ------------------------------------------------------------
    # Who may stand in
    # ------------------------------------------------------------

    def test_deputy_must_work_for_the_same_company(self):
        with self.assertRaisesRegex(ValidationError, "Katarzyna Nowak cannot stand in for"):
            self._deputy(self.katarzyna)

    def test_deputy_linked_to_the_company_through_a_second_link(self):
        self.env["crm.contact.link"].create(
            {"person_id": self.katarzyna.id, "organization_id": self.customer.id}
        )
        deputy = self._deputy(self.katarzyna)
        self.assertEqual(self.agnieszka.deputy_ids, deputy)
        self.assertEqual(self.katarzyna.deputy_for_ids, deputy)

    def test_a_person_is_not_their_own_deputy(self):
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"):
            self._deputy(self.agnieszka)

    def test_the_same_deputy_is_listed_once(self):
        self._deputy(self.piotr)
        with self.assertRaises(UniqueViolation), mute_logger("odoo.sql_db"):
            self._deputy(self.piotr, sequence=20)

    def test_end_date_before_start_date_is_refused(self):
        with self.assertRaises(CheckViolation), mute_logger("odoo.sql_db"):
            self._deputy(self.piotr, date_from=date(2025, 7, 1), date_to=date(2025, 6, 30))

    def test_companies_have_no_deputies(self):
        with self.assertRaises(ValidationError):
            self._deputy(self.piotr, contact=self.customer)

    # ------------------------------------------------------------
    # Who stands in today
    # ------------------------------------------------------------

    def test_first_deputy_by_sequence_stands_in(self):
        piotr = self._deputy(self.piotr, sequence=20)
        marek = self._deputy(self.marek, sequence=10)
        self.assertEqual(self.agnieszka.deputy_ids, marek | piotr)
        self.assertEqual(self.agnieszka.current_deputy_id, self.marek)

        marek.sequence = 30
        self.assertEqual(self.agnieszka.current_deputy_id, self.piotr)

    def test_deputy_bounded_in_time(self):
        self._deputy(self.marek, sequence=10, date_from=date(2025, 7, 1), date_to=date(2025, 7, 31))
        self._deputy(self.piotr, sequence=20, date_to=date(2025, 6, 30))
        self.assertEqual(self.agnieszka.current_deputy_id, self.piotr)
        self.assertEqual(self.agnieszka._get_current_deputy(date(2025, 7, 15)), self.marek)
        self.assertFalse(self.agnieszka._get_current_deputy(date(2025, 8, 1)))
        self.assertEqual(
            self.agnieszka.deputy_ids.mapped("is_current"), [False, True], "by sequence"
        )

    def test_archived_deputy_does_not_stand_in(self):
        self._deputy(self.marek, sequence=10)
        self._deputy(self.piotr, sequence=20)
        self.marek.action_archive()
        self.assertEqual(self.agnieszka._get_current_deputy(), self.piotr)

    def test_form_shows_who_stands_in_today(self):
        with Form(self.agnieszka) as person_form:
            self.assertFalse(person_form.current_deputy_id)
            with person_form.deputy_ids.new() as line:
                line.deputy_id = self.piotr
            self.assertEqual(person_form.current_deputy_id, self.piotr)
        self.assertEqual(self.agnieszka.current_deputy_id, self.piotr)

    # ------------------------------------------------------------
    # Access rights
    # ------------------------------------------------------------

    def test_internal_user_reads_but_does_not_manage_deputies(self):
        deputy = self._deputy(self.piotr)
        user = new_test_user(self.env, login="cm_deputy_reader", groups="base.group_user")
        self.assertEqual(self.agnieszka.with_user(user).current_deputy_id, self.piotr)
        self.assertEqual(deputy.with_user(user).deputy_id, self.piotr)
        with self.assertRaises(AccessError):
            self.Deputy.with_user(user).create(
                {"contact_id": self.agnieszka.id, "deputy_id": self.marek.id}
            )

    def test_partner_manager_manages_deputies(self):
        manager = new_test_user(
            self.env,
            login="cm_deputy_manager",
            groups="base.group_user,base.group_partner_manager",
        )
        deputy = self.Deputy.with_user(manager).create(
            {"contact_id": self.agnieszka.id, "deputy_id": self.marek.id}
        )
        deputy.date_to = date(2025, 12, 31)
        self.assertEqual(self.agnieszka.current_deputy_id, self.marek)
        deputy.unlink()
        self.assertFalse(self.agnieszka.current_deputy_id)
