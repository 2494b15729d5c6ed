"""Property-based tests of phone numbers and dated attribute values with hostile input.

A phone number of any text is saved as entered and normalized to E.164 when it is a valid number
of its country, never crashing; the onchange warns about the others. A batch of dated attribute
values with random, reversed or overlapping periods and values of the wrong type is either saved
whole, with no two values of an attribute overlapping, or refused whole with a clear
ValidationError: the database constraints answer in the messages of the constraints, which the
RPC layer turns into the ValidationError the user reads, never a bare IntegrityError.
"""

import re
from contextlib import closing
from datetime import date, timedelta
from itertools import pairwise

import phonenumbers
import psycopg2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.fields import Domain
from odoo.tests import TransactionCase, tagged
from odoo.tools import SQL, mute_logger

PROPERTY_SETTINGS = settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")
# any character but NUL, which no text field of the database can hold
characters = st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00")
PHONE_SAMPLES = [
    "+49 30 1234567",
    "030 / 765 43 21",
    "0049 30 1234567",
    "+41 44 668 18 00",
    "044 668 18 00",
    "+48 22 123 45 67",
    "22 123 45 67",
    "+49 30 1234567 ext. 12",
    "+49 (0) 30 1234567-0",
    "+49 30 1234567 Durchwahl 33",
    "+1 800 FLOWERS",
    "0800 CALL NOW",
    "+999 123",
    "+4930123456789012345678",
    "+",
    "00",
    "112",
    "'); DROP TABLE res_partner; --",
    "\u0661\u0662\u0663\u0664\u0665\u0666\u0667",  # Arabic-Indic digits
    "\uff10\uff13\uff10 \uff11\uff12\uff13\uff14\uff15\uff16\uff17",  # full-width digits
]
phones = st.one_of(
    st.sampled_from(PHONE_SAMPLES),
    st.from_regex(
        r"(\+|00)?[0-9]{0,3}[ /().-]{0,2}[0-9 ]{0,14}( ?(ext\.?|x|#|wew\.) ?[0-9]{1,5})?",
        fullmatch=True,
    ),
    st.text(characters, max_size=30),
)
VALUE_TYPES = ["integer", "float", "text", "boolean", "date", "selection", "record"]
CONSTRAINT_MESSAGES = (
    "A partner can have only one value of an attribute on any day",
    "The end of the validity of an attribute value cannot be before its start.",
)
days = st.dates(min_value=date(1950, 1, 1), max_value=date(2100, 12, 31))
# periods in two years, so that values of an attribute often overlap
near_days = st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31))


@st.composite
def value_specs(draw):
    value_type = draw(st.one_of(st.just("integer"), st.sampled_from(VALUE_TYPES)))
    date_from = draw(st.one_of(near_days, days))
    date_to = draw(
        st.one_of(
            st.none(),
            near_days,
            st.just(date_from),
            st.integers(1, 800).map(lambda n, d=date_from: d - timedelta(days=n)),
            st.integers(1, 800).map(lambda n, d=date_from: d + timedelta(days=n)),
        )
    )
    vals = {"type": value_type, "date_from": date_from, "date_to": date_to}
    value = draw(
        st.sampled_from(["right", "right", "right", "missing", "wrong_field", "foreign", "huge"])
    )
    vals["value"] = value
    vals["integer"] = draw(st.integers(-(2**31), 2**31 - 1))
    vals["float"] = draw(st.floats(allow_nan=False, allow_infinity=False, width=32))
    vals["text"] = draw(st.text(characters, max_size=50))
    vals["date"] = draw(days)
    vals["boolean"] = draw(st.booleans())
    vals["option"] = draw(st.integers(0, 2))
    vals["person"] = draw(st.integers(0, 4)) == 0
    return vals


@tagged("post_install", "-at_install")
class TestHypothesisPhone(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        cls.countries = [cls.env.ref(f"base.{code}") for code in ("de", "ch", "pl", "at")]
        cls.company = cls.Partner.create(
            {
                "name": "Rheinhafen Logistik GmbH",
                "is_company": True,
                "country_id": cls.countries[0].id,
            }
        )

    @PROPERTY_SETTINGS
    @given(
        phone=phones,
        country=st.sampled_from([None, 0, 1, 2, 3]),
        with_company=st.booleans(),
    )
    def test_phone_saved_as_entered_and_normalized_or_not(self, phone, country, with_company):
        vals = {
            "name": "Hanna Hypothese",
            "phone": phone,
            "country_id": self.countries[country].id if country is not None else False,
            "parent_id": self.company.id if with_company else False,
        }
        onchange = self.Partner.new(vals)._onchange_phone_validation()
        if onchange:
            self.assertTrue(onchange["warning"]["message"])
        with closing(self.env.cr.savepoint()):
            partner = self.Partner.create(vals)
            partner.flush_recordset()
            self.assertEqual(partner.phone or False, phone or False, "kept as entered")
            sanitized = partner.phone_sanitized
            if sanitized:
                self.assertRegex(sanitized, E164)
                self.assertTrue(phonenumbers.is_valid_number(phonenumbers.parse(sanitized)))
                self.assertIsNone(onchange, "a number normalized without a warning")
                found = self.Partner.search(
                    Domain("phone_mobile_search", "=", sanitized) & Domain("id", "=", partner.id)
                )
                self.assertEqual(found, partner)
            # searching for any text never fails
            try:
                self.Partner.search_count(Domain("phone_mobile_search", "ilike", phone))
            except UserError as error:  # fewer than 3 characters
                self.assertTrue(str(error))
            self.Partner.name_search(phone or "x", limit=5)
            partner.write({"phone": phone[::-1] or False})


@tagged("post_install", "-at_install")
class TestHypothesisAttributeValues(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Value = cls.env["crm.attribute.value"]
        cls.Attribute = cls.env["crm.attribute"]
        cls.Attribute.search([("required", "=", True)]).required = False
        cls.attributes = {}
        for value_type in VALUE_TYPES:
            vals = {
                "name": f"Hypothesis {value_type}",
                "code": f"hypothesis_{value_type}",
                "value_type": value_type,
                "applies_to": "company",
            }
            if value_type == "selection":
                vals["option_ids"] = [Command.create({"name": name}) for name in "ABC"]
            if value_type == "record":
                vals["res_model"] = "res.partner"
            cls.attributes[value_type] = cls.Attribute.create(vals)
        cls.other_option = cls.Attribute.create(
            {
                "name": "Hypothesis other options",
                "code": "hypothesis_other",
                "value_type": "selection",
                "applies_to": "company",
                "option_ids": [Command.create({"name": "Z"})],
            }
        ).option_ids
        cls.company = cls.env["res.partner"].create(
            {"name": "Weichsel Handel Sp. z o.o.", "is_company": True}
        )
        cls.person = cls.env["res.partner"].create(
            {"name": "Marta Wiśniewska", "parent_id": cls.company.id}
        )

    def _create_vals(self, spec):
        attribute = self.attributes[spec["type"]]
        vals = {
            "partner_id": (self.person if spec["person"] else self.company).id,
            "attribute_id": attribute.id,
            "date_from": spec["date_from"],
            "date_to": spec["date_to"] or False,
        }
        typed = {
            "integer": {"value_integer": spec["integer"]},
            "float": {"value_float": spec["float"]},
            "text": {"value_text": spec["text"]},
            "boolean": {"value_boolean": spec["boolean"]},
            "date": {"value_date": spec["date"]},
            "selection": {
                "value_option_id": self.attributes["selection"].option_ids[spec["option"]].id
            },
            "record": {"value_res_id": self.company.id},
        }
        if spec["value"] == "right":
            vals.update(typed[spec["type"]])
        elif spec["value"] == "wrong_field":
            other = VALUE_TYPES[(VALUE_TYPES.index(spec["type"]) + 1) % len(VALUE_TYPES)]
            vals.update(typed[other])
        elif spec["value"] == "foreign":
            foreign = {
                "selection": {"value_option_id": self.other_option.id},
                "record": {"value_res_id": 2**31 - 1},
            }
            vals.update(foreign.get(spec["type"], {"value_text": spec["text"]}))
        elif spec["value"] == "huge":
            # more than the database holds in an integer, e.g. a revenue typed as employees
            vals["value_integer"] = 2**31 + spec["integer"] % 1000
        return vals

    def _rows(self):
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "SELECT id, partner_id, attribute_id, date_from, date_to, value_integer, "
                "value_text FROM crm_attribute_value WHERE partner_id IN %s ORDER BY id",
                (self.company.id, self.person.id),
            )
        )
        return self.env.cr.fetchall()

    def _as_user(self, func):
        """Run ``func`` and flush as a request does, in a savepoint; return the error the user
        reads: a ValidationError or UserError, or for a database constraint the message the
        RPC layer raises as a ValidationError (see ``odoo.service.model.retrying``)."""
        try:
            with self.env.cr.savepoint():
                func()
                self.env.flush_all()
        except (ValidationError, UserError) as error:
            return str(error)
        except psycopg2.IntegrityError as error:
            message = self.Value._sql_error_to_message(error)
            self.assertTrue(
                message.startswith(CONSTRAINT_MESSAGES),
                f"a database error gets the message of its constraint, not {message!r}",
            )
            return message
        return None

    def _check_saved(self):
        rows = self._rows()
        periods = {}
        for _id, partner_id, attribute_id, date_from, date_to, _int, _text in rows:
            self.assertTrue(date_to is None or date_to >= date_from)
            periods.setdefault((partner_id, attribute_id), []).append(
                (date_from, date_to or date.max)
            )
        for spans in periods.values():
            spans.sort()
            for (_start, end), (next_start, _end) in pairwise(spans):
                self.assertLess(end, next_start, "two values of an attribute overlap")
        values = self.Value.search([("partner_id", "in", (self.company | self.person).ids)])
        values.invalidate_recordset()
        for value in values:
            self.assertIsInstance(value.value_display, str)
            value._get_value()

    def test_value_batches_are_saved_whole_or_refused_whole(self):
        self.outcomes = {"saved": 0, "refused": 0, "overlap": 0}
        self._check_value_batches()
        # saved batches, refused ones, and overlaps the database refused all occurred
        self.assertGreater(self.outcomes["saved"], 5)
        self.assertGreater(self.outcomes["refused"], 5)
        self.assertGreater(self.outcomes["overlap"], 0)

    @PROPERTY_SETTINGS
    @given(
        existing=st.lists(value_specs(), max_size=3),
        batch=st.lists(value_specs(), min_size=1, max_size=4),
    )
    def _check_value_batches(self, existing, batch):
        with closing(self.env.cr.savepoint()), mute_logger("odoo.sql_db"):
            for spec in existing:
                self._as_user(lambda spec=spec: self.Value.create(self._create_vals(spec)))
            before = self._rows()
            error = self._as_user(
                lambda: self.Value.create([self._create_vals(spec) for spec in batch])
            )
            if error is not None:
                self.assertTrue(error.strip())
                self.assertEqual(self._rows(), before, "a refused batch writes nothing")
                self.outcomes["refused"] += 1
                self.outcomes["overlap"] += error.startswith(CONSTRAINT_MESSAGES[0])
            else:
                self.assertEqual(len(self._rows()), len(before) + len(batch))
                self.outcomes["saved"] += 1
            self._check_saved()

    @PROPERTY_SETTINGS
    @given(
        existing=st.lists(value_specs(), min_size=1, max_size=4),
        date_from=days,
        date_to=st.one_of(st.none(), days),
        index=st.integers(0, 3),
    )
    def test_moving_a_period_is_saved_or_refused(self, existing, date_from, date_to, index):
        with closing(self.env.cr.savepoint()), mute_logger("odoo.sql_db"):
            for spec in existing:
                self._as_user(lambda spec=spec: self.Value.create(self._create_vals(spec)))
            values = self.Value.search([("partner_id", "in", (self.company | self.person).ids)])
            if not values:
                return
            value = values[index % len(values)]
            before = self._rows()
            error = self._as_user(
                lambda: value.write({"date_from": date_from, "date_to": date_to or False})
            )
            if error is not None:
                self.assertEqual(self._rows(), before)
            self._check_saved()

    def test_numbers_beyond_the_database_are_refused_clearly(self):
        integer = self.attributes["integer"]
        with self.assertRaisesRegex(ValidationError, "too large"):
            self.Value.create(
                {
                    "partner_id": self.company.id,
                    "attribute_id": integer.id,
                    "date_from": date(2024, 1, 1),
                    "value_integer": 3_000_000_000,
                }
            )
        value = self.Value.create(
            {
                "partner_id": self.company.id,
                "attribute_id": integer.id,
                "date_from": date(2024, 1, 1),
                "value_integer": 2**31 - 1,
            }
        )
        with self.assertRaisesRegex(ValidationError, "too large"):
            value.value_integer = -(2**31) - 1
        self.assertEqual(value.value_integer, 2**31 - 1)
