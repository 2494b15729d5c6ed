from contextlib import contextmanager
from datetime import date

from psycopg2.errors import CheckViolation, ExclusionViolation, UniqueViolation

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command, Domain
from odoo.tests import Form, TransactionCase, new_test_user
from odoo.tools import SQL, mute_logger


class TestAttributes(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Attribute = cls.env["crm.attribute"]
        cls.Value = cls.env["crm.attribute.value"]
        cls.Partner = cls.env["res.partner"]
        # only the required attributes of the tests count
        cls.Attribute.search([("required", "=", True)]).required = False

        cls.employees = cls.Attribute.create(
            {
                "name": "Number of Employees",
                "code": "test_employees",
                "value_type": "integer",
                "applies_to": "company",
            }
        )
        cls.iso = cls.Attribute.create(
            {
                "name": "ISO 9001 Certified",
                "code": "test_iso_9001",
                "value_type": "boolean",
                "applies_to": "company",
            }
        )
        cls.rating = cls.Attribute.create(
            {
                "name": "Credit Rating",
                "code": "test_credit_rating",
                "value_type": "selection",
                "applies_to": "company",
                "option_ids": [Command.create({"name": grade}) for grade in "ABCD"],
            }
        )
        cls.rating_a, cls.rating_b, cls.rating_c, cls.rating_d = cls.rating.option_ids
        cls.revenue = cls.Attribute.create(
            {
                "name": "Annual Revenue (EUR)",
                "code": "test_revenue",
                "value_type": "float",
                "applies_to": "company",
            }
        )
        cls.expiry = cls.Attribute.create(
            {
                "name": "Certification Expiry",
                "code": "test_expiry",
                "value_type": "date",
                "applies_to": "company",
            }
        )
        cls.competitor = cls.Attribute.create(
            {
                "name": "Main Competitor",
                "code": "test_competitor",
                "value_type": "record",
                "res_model": "res.partner",
                "applies_to": "company",
            }
        )
        cls.languages = cls.Attribute.create(
            {
                "name": "Meeting Languages",
                "code": "test_languages",
                "value_type": "text",
                "applies_to": "person",
            }
        )
        cls.mueller = cls.Partner.create({"name": "Müller Maschinenbau GmbH", "is_company": True})
        cls.alpen = cls.Partner.create({"name": "Alpen Präzision AG", "is_company": True})
        cls.nowak = cls.Partner.create({"name": "Nowak Software S.A.", "is_company": True})
        cls.petra = cls.Partner.create({"name": "Petra Schneider", "parent_id": cls.mueller.id})

    @contextmanager
    def _assert_raises_message(self, exception, text):
        """Like assertRaisesRegex, within a savepoint rolled back on the expected error."""
        with self.assertRaises(exception) as error:
            yield error
        self.assertIn(text, str(error.exception))

    def _record(self, partner, attribute, date_from, date_to=None, **value):
        return self.Value.create(
            {
                "partner_id": partner.id,
                "attribute_id": attribute.id,
                "date_from": date_from,
                "date_to": date_to,
                **value,
            }
        )

    def _search(self, attribute, operator, value=None, as_of=None):
        return self.Partner.search(
            self.Partner._crm_attribute_domain(attribute, operator, value, as_of=as_of)
        )

    # --- value types and validation ---

    def test_every_value_type_is_read_in_its_python_type(self):
        day = date(2024, 1, 1)
        self._record(self.mueller, self.employees, day, value_integer=240)
        self._record(self.mueller, self.iso, day, value_boolean=True)
        self._record(self.mueller, self.rating, day, value_option_id=self.rating_a.id)
        self._record(self.mueller, self.revenue, day, value_float=41250000.5)
        self._record(self.mueller, self.expiry, day, value_date=date(2027, 6, 14))
        self._record(self.mueller, self.competitor, day, value_res_id=self.alpen.id)
        self._record(self.petra, self.languages, day, value_text="German, English")

        read = self.mueller._get_attribute_value
        self.assertEqual(read("test_employees"), 240)
        self.assertIs(read("test_iso_9001"), True)
        self.assertEqual(read("test_credit_rating"), self.rating_a)
        self.assertEqual(read("test_revenue"), 41250000.5)
        self.assertEqual(read("test_expiry"), date(2027, 6, 14))
        self.assertEqual(read(self.competitor), self.alpen)
        self.assertEqual(self.petra._get_attribute_value("test_languages"), "German, English")

        displays = self.mueller.attribute_value_ids.mapped("value_display")
        self.assertIn("A", displays)
        self.assertIn("Alpen Präzision AG", displays)
        self.assertIn("Yes", displays)

    def test_value_must_fit_the_attribute(self):
        day = date(2024, 1, 1)
        other_selection = self.Attribute.create(
            {
                "name": "Buying Role",
                "code": "test_buying_role",
                "value_type": "selection",
                "option_ids": [Command.create({"name": "Decision maker"})],
            }
        )
        with self._assert_raises_message(ValidationError, "is not an option of the attribute"):
            self._record(
                self.mueller, self.rating, day, value_option_id=other_selection.option_ids.id
            )
        with self._assert_raises_message(ValidationError, "Enter a value"):
            self._record(self.mueller, self.rating, day)
        missing_partner_id = self.Partner.search([], order="id desc", limit=1).id + 1000
        with self._assert_raises_message(ValidationError, "must point to an existing record"):
            self._record(self.mueller, self.competitor, day, value_res_id=missing_partner_id)
        with self._assert_raises_message(ValidationError, "applies only to companies"):
            self._record(self.petra, self.employees, day, value_integer=3)
        with self._assert_raises_message(ValidationError, "applies only to persons"):
            self._record(self.mueller, self.languages, day, value_text="German")
        self._record(self.alpen, self.employees, day, value_integer=96)
        with self._assert_raises_message(ValidationError, "applies only to companies"):
            self.alpen.is_company = False

    def test_value_type_is_fixed_once_values_exist(self):
        self._record(self.mueller, self.employees, date(2024, 1, 1), value_integer=240)
        with self._assert_raises_message(ValidationError, "cannot be changed"):
            self.employees.value_type = "float"
        with self._assert_raises_message(ValidationError, "would no longer apply"):
            self.employees.applies_to = "person"
        self.revenue.value_type = "integer"  # no values yet

    def test_code_is_unique(self):
        with mute_logger("odoo.sql_db"), self.assertRaises(UniqueViolation) as error:
            self.Attribute.create({"name": "Staff", "code": "test_employees"})
        self.assertIn("test_employees", str(error.exception))

    # --- history ---

    def test_new_value_closes_the_open_period_on_the_day_before(self):
        old = self._record(self.mueller, self.employees, date(2022, 1, 1), value_integer=185)
        new = self._record(self.mueller, self.employees, date(2024, 1, 1), value_integer=240)
        self.assertEqual(old.date_to, date(2023, 12, 31))
        self.assertFalse(new.date_to)
        self.assertEqual(len(self.mueller.attribute_value_ids), 2, "the history stays")

    def test_deleting_the_open_value_reopens_the_previous_one(self):
        old = self._record(self.mueller, self.employees, date(2022, 1, 1), value_integer=185)
        typo = self._record(self.mueller, self.employees, date(2024, 1, 1), value_integer=2400)
        self.assertEqual(old.date_to, date(2023, 12, 31))
        typo.unlink()
        self.assertFalse(old.date_to)
        self.assertEqual(self.mueller._get_attribute_value("test_employees"), 185)

    def test_batch_create_chains_the_periods(self):
        values = self.Value.create(
            [
                {
                    "partner_id": partner.id,
                    "attribute_id": self.employees.id,
                    "date_from": day,
                    "value_integer": count,
                }
                for partner, day, count in [
                    (self.mueller, date(2024, 1, 1), 240),
                    (self.alpen, date(2023, 1, 1), 90),
                    (self.mueller, date(2022, 1, 1), 185),
                    (self.mueller, date(2023, 1, 1), 212),
                    (self.alpen, date(2024, 1, 1), 96),
                ]
            ]
        )
        self.assertEqual(
            values.mapped("date_to"),
            [False, date(2023, 12, 31), date(2022, 12, 31), date(2023, 12, 31), False],
        )
        # a value recorded afterwards in the past ends before the next known one starts
        backdated = self._record(self.mueller, self.employees, date(2021, 1, 1), value_integer=150)
        self.assertEqual(backdated.date_to, date(2021, 12, 31))

    def test_new_value_through_the_partner_form(self):
        old = self._record(self.mueller, self.employees, date(2022, 1, 1), value_integer=185)
        with Form(self.mueller) as form, form.attribute_value_ids.new() as line:
            line.attribute_id = self.employees
            line.value_integer = 240
            line.date_from = date(2024, 1, 1)
        self.assertEqual(old.date_to, date(2023, 12, 31))
        self.assertEqual(self.mueller._get_attribute_value("test_employees"), 240)

    @mute_logger("odoo.sql_db")
    def test_overlap_is_rejected_by_the_database(self):
        self._record(
            self.mueller, self.employees, date(2022, 1, 1), date(2022, 12, 31), value_integer=1
        )
        closed_later = self._record(self.mueller, self.employees, date(2023, 1, 1), value_integer=2)
        # Python keeps out of the way: the period is closed, the new one starts inside it
        with self.assertRaises(ExclusionViolation):
            self._record(
                self.mueller, self.employees, date(2022, 6, 1), date(2022, 6, 30), value_integer=3
            )
            self.env.flush_all()
        with self.assertRaises(ExclusionViolation):
            self._record(self.mueller, self.employees, date(2023, 1, 1), value_integer=4)
            self.env.flush_all()
        with self.assertRaises(ExclusionViolation):
            closed_later.date_from = date(2022, 12, 1)
            self.env.flush_all()
        # a raw insert that bypasses the ORM entirely
        with self.assertRaises(ExclusionViolation) as error:
            self.env.cr.execute(
                SQL(
                    "INSERT INTO crm_attribute_value (partner_id, attribute_id, date_from, "
                    "value_integer) VALUES (%s, %s, %s, 5)",
                    self.mueller.id,
                    self.employees.id,
                    date(2022, 3, 1),
                )
            )
        message = self.Value._sql_error_to_message(error.exception)
        self.assertIn("only one value of an attribute on any day", message)
        # the same day on another partner or attribute is fine
        self._record(self.alpen, self.employees, date(2022, 6, 1), value_integer=3)
        self._record(self.mueller, self.iso, date(2022, 6, 1), value_boolean=True)
        self.env.flush_all()

    @mute_logger("odoo.sql_db")
    def test_end_before_start_is_rejected(self):
        with self.assertRaises(CheckViolation):
            self._record(
                self.mueller, self.employees, date(2022, 1, 1), date(2021, 1, 1), value_integer=1
            )
            self.env.flush_all()

    # --- reading as of a date ---

    def test_read_as_of_a_date(self):
        self._record(self.mueller, self.rating, date(2021, 3, 1), value_option_id=self.rating_b.id)
        self._record(self.mueller, self.rating, date(2023, 3, 1), value_option_id=self.rating_a.id)
        read = self.mueller._get_attribute_value
        self.assertIsNone(read("test_credit_rating", as_of=date(2021, 2, 28)))
        self.assertEqual(read("test_credit_rating", as_of=date(2021, 3, 1)), self.rating_b)
        self.assertEqual(read("test_credit_rating", as_of="2023-02-28"), self.rating_b)
        self.assertEqual(read("test_credit_rating", as_of=date(2023, 3, 1)), self.rating_a)
        self.assertEqual(read("test_credit_rating"), self.rating_a)
        with self._assert_raises_message(UserError, "no attribute with the code"):
            read("no_such_attribute")

    def test_read_many_partners_in_one_query(self):
        self._record(self.mueller, self.employees, date(2021, 1, 1), value_integer=185)
        self._record(self.mueller, self.employees, date(2023, 1, 1), value_integer=240)
        self._record(self.alpen, self.employees, date(2022, 1, 1), value_integer=96)
        partners = self.mueller | self.alpen | self.nowak
        partners.invalidate_recordset()
        self.env.invalidate_all()
        # attribute by code, values, their fields, the attribute's type: whatever the partners
        with self.assertQueryCount(4):
            values = partners._get_attribute_values("test_employees", as_of=date(2022, 6, 1))
        self.assertEqual(values, {self.mueller.id: 185, self.alpen.id: 96, self.nowak.id: None})

    def test_partner_form_shows_values_valid_on_the_chosen_date(self):
        old = self._record(self.mueller, self.employees, date(2021, 1, 1), value_integer=185)
        new = self._record(self.mueller, self.employees, date(2023, 1, 1), value_integer=240)
        rating = self._record(
            self.mueller, self.rating, date(2022, 3, 1), value_option_id=self.rating_b.id
        )
        self.assertEqual(self.mueller.attribute_current_value_ids, new | rating)
        form = Form(self.mueller)
        self.assertEqual(fields.Date.to_date(form.attribute_as_of_date), date.today())
        self.assertEqual(set(form.attribute_as_of_value_ids.ids), {new.id, rating.id})
        form.attribute_as_of_date = date(2021, 6, 1)
        self.assertEqual(form.attribute_as_of_value_ids.ids, old.ids)
        form.attribute_as_of_date = date(2022, 6, 1)
        self.assertEqual(set(form.attribute_as_of_value_ids.ids), {old.id, rating.id})

    # --- searching partners by value ---

    def test_search_by_value_as_of_a_date(self):
        self._record(self.mueller, self.employees, date(2021, 1, 1), value_integer=185)
        self._record(self.mueller, self.employees, date(2023, 1, 1), value_integer=240)
        self._record(self.alpen, self.employees, date(2022, 1, 1), value_integer=96)
        in_2022 = date(2022, 6, 1)
        self.assertEqual(self._search(self.employees, ">=", 200), self.mueller)
        self.assertEqual(self._search(self.employees, ">=", 200, as_of=in_2022), self.Partner)
        self.assertEqual(
            self._search(self.employees, ">", 90, as_of=in_2022), self.mueller | self.alpen
        )
        self.assertEqual(self._search("test_employees", "<", 100, as_of=in_2022), self.alpen)
        self.assertEqual(self._search(self.employees, "=", 185, as_of=in_2022), self.mueller)
        self.assertEqual(self._search(self.employees, "!=", 185, as_of=in_2022), self.alpen)
        self.assertEqual(self._search(self.employees, "set", as_of=date(2021, 6, 1)), self.mueller)
        not_set = self._search(self.employees, "not set", as_of=date(2021, 6, 1))
        self.assertIn(self.alpen, not_set)
        self.assertIn(self.nowak, not_set)
        self.assertNotIn(self.mueller, not_set)
        self.assertNotIn(self.petra, not_set, "the attribute applies to companies only")

    def test_search_by_each_value_type(self):
        day = date(2024, 1, 1)
        self._record(self.mueller, self.iso, day, value_boolean=True)
        self._record(self.alpen, self.iso, day, value_boolean=False)
        self._record(self.mueller, self.rating, day, value_option_id=self.rating_a.id)
        self._record(self.alpen, self.rating, day, value_option_id=self.rating_c.id)
        self._record(self.mueller, self.expiry, day, value_date=date(2027, 6, 14))
        self._record(self.alpen, self.expiry, day, value_date=date(2025, 8, 31))
        self._record(self.mueller, self.competitor, day, value_res_id=self.alpen.id)
        self._record(self.mueller, self.revenue, day, value_float=41250000.0)
        self._record(self.petra, self.languages, day, value_text="German, English")

        self.assertEqual(self._search(self.iso, "=", True), self.mueller)
        self.assertEqual(self._search(self.iso, "=", False), self.alpen)
        self.assertEqual(self._search(self.rating, "=", self.rating_a), self.mueller)
        self.assertEqual(self._search(self.rating, "!=", self.rating_a.id), self.alpen)
        self.assertEqual(self._search(self.expiry, "<", date(2026, 1, 1)), self.alpen)
        self.assertEqual(self._search(self.competitor, "=", self.alpen), self.mueller)
        self.assertEqual(self._search(self.revenue, ">", 4e7), self.mueller)
        self.assertEqual(self._search(self.languages, "ilike", "english"), self.petra)
        self.assertNotIn(self.petra, self._search(self.languages, "not ilike", "english"))

        with self._assert_raises_message(UserError, "does not fit the attribute"):
            self.Partner._crm_attribute_domain(self.iso, ">", True)
        with self._assert_raises_message(UserError, "Enter a value to search"):
            self.Partner._crm_attribute_domain(self.rating, "=", False)

    def test_search_domain_compiles_to_one_subquery(self):
        domain = self.Partner._crm_attribute_domain(
            self.rating, "=", self.rating_a, as_of=date(2024, 1, 1)
        )
        self.assertIsInstance(domain, Domain)
        query = self.Partner._search(domain)
        sql = query.select().code
        self.assertEqual(sql.count('FROM "crm_attribute_value"'), 1, sql)
        self.assertNotIn('"crm_attribute_option"', sql)

    def test_search_wizard_opens_the_matching_partners(self):
        self._record(self.mueller, self.rating, date(2021, 3, 1), value_option_id=self.rating_b.id)
        self._record(self.mueller, self.rating, date(2023, 3, 1), value_option_id=self.rating_a.id)
        self._record(self.alpen, self.rating, date(2022, 3, 1), value_option_id=self.rating_b.id)
        form = Form(self.env["crm.attribute.search"])
        form.attribute_id = self.rating
        self.assertEqual(form.available_operators, ["=", "!=", "set", "not set"])
        form.operator = "="
        form.value_option_id = self.rating_b
        form.as_of_date = date(2022, 6, 1)
        action = form.save().action_search()
        self.assertEqual(action["res_model"], "res.partner")
        self.assertIn("Credit Rating", action["name"])
        self.assertEqual(self.Partner.search(action["domain"]), self.mueller | self.alpen)

        form = Form(self.env["crm.attribute.search"])
        form.attribute_id = self.employees
        form.operator = ">"
        form.attribute_id = self.iso
        self.assertEqual(form.operator, "=", "an operator that does not fit is reset")
        self.assertEqual(form.available_operators, ["=", "set", "not set"])

    # --- required attributes ---

    def test_missing_required_attributes(self):
        self.rating.required = True
        self.languages.required = True
        self._record(self.mueller, self.rating, date(2023, 3, 1), value_option_id=self.rating_a.id)
        self._record(
            self.alpen,
            self.rating,
            date(2020, 1, 1),
            date(2022, 12, 31),
            value_option_id=self.rating_a.id,
        )
        self.assertFalse(self.mueller.attribute_missing_required_ids)
        self.assertEqual(self.alpen.attribute_missing_required_ids, self.rating, "expired")
        self.assertEqual(self.nowak.attribute_missing_required_ids, self.rating)
        self.assertEqual(self.petra.attribute_missing_required_ids, self.languages)
        missing = self.Partner.search([("attribute_missing_required", "=", True)])
        self.assertIn(self.alpen, missing)
        self.assertIn(self.nowak, missing)
        self.assertIn(self.petra, missing)
        self.assertNotIn(self.mueller, missing)
        complete = self.Partner.search([("attribute_missing_required", "=", False)])
        self.assertIn(self.mueller, complete)
        self.assertNotIn(self.nowak, complete)

    # --- access rights ---

    def test_internal_user_reads_but_cannot_write_values(self):
        value = self._record(self.mueller, self.employees, date(2023, 1, 1), value_integer=240)
        user = new_test_user(self.env, login="attr_reader", groups="base.group_user")
        self.assertFalse(user.has_group("base.group_partner_manager"))
        mueller = self.mueller.with_user(user)
        self.assertEqual(mueller._get_attribute_value("test_employees"), 240)
        self.assertEqual(mueller.attribute_current_value_ids.value_display, "240")
        with self.assertRaises(AccessError):
            value.with_user(user).value_integer = 250
        with self.assertRaises(AccessError):
            self.Value.with_user(user).create(
                {
                    "partner_id": self.mueller.id,
                    "attribute_id": self.employees.id,
                    "date_from": date(2024, 1, 1),
                    "value_integer": 250,
                }
            )
        with self.assertRaises(AccessError):
            self.employees.with_user(user).required = True

    def test_partner_manager_records_values(self):
        user = new_test_user(
            self.env,
            login="attr_manager",
            groups="base.group_user,base.group_partner_manager",
        )
        old = self._record(self.mueller, self.employees, date(2022, 1, 1), value_integer=185)
        new = self.Value.with_user(user).create(
            {
                "partner_id": self.mueller.id,
                "attribute_id": self.employees.id,
                "date_from": date(2024, 1, 1),
                "value_integer": 240,
            }
        )
        self.assertEqual(old.date_to, date(2023, 12, 31))
        new.with_user(user).value_integer = 241
        self.assertEqual(self.mueller._get_attribute_value("test_employees"), 241)
        with self.assertRaises(AccessError):
            self.employees.with_user(user).required = True
