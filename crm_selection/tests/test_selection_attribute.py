from datetime import date

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common import SelectionCase


@tagged("post_install", "-at_install")
class TestSelectionAttribute(SelectionCase):
    """Dated attributes are selected as they were valid on a day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Attribute = cls.env["crm.attribute"]
        cls.employees = Attribute.create(
            {
                "name": "Employees",
                "code": "test_employees",
                "value_type": "integer",
                "applies_to": "company",
            }
        )
        cls.status = Attribute.create(
            {"name": "Status", "code": "test_status", "value_type": "selection"}
        )
        cls.gold, cls.silver = cls.env["crm.attribute.option"].create(
            [
                {"attribute_id": cls.status.id, "name": "Gold"},
                {"attribute_id": cls.status.id, "name": "Silver"},
            ]
        )
        cls.env["crm.attribute.value"].create(
            [
                {
                    "partner_id": cls.mueller.id,
                    "attribute_id": cls.employees.id,
                    "date_from": date(2020, 1, 1),
                    "value_integer": 500,
                },
                {
                    "partner_id": cls.mueller.id,
                    "attribute_id": cls.employees.id,
                    "date_from": date(2024, 1, 1),
                    "value_integer": 800,
                },
                {
                    "partner_id": cls.bergmann.id,
                    "attribute_id": cls.employees.id,
                    "date_from": date(2022, 1, 1),
                    "value_integer": 120,
                },
                {
                    "partner_id": cls.alpen.id,
                    "attribute_id": cls.status.id,
                    "date_from": date(2020, 1, 1),
                    "value_option_id": cls.gold.id,
                },
                {
                    "partner_id": cls.kowalski.id,
                    "attribute_id": cls.status.id,
                    "date_from": date(2020, 1, 1),
                    "value_option_id": cls.silver.id,
                },
            ]
        )

    def _select(self, as_of_date=None, **params):
        return self._create_selection(
            [{"kind": "attribute", "attribute_id": self.employees.id, **params}],
            as_of_date=as_of_date,
        )

    def test_value_as_of_the_date_of_the_selection(self):
        params = {"attribute_operator": ">=", "attribute_value": "700"}
        self.assertMembers(self._select(as_of_date=date(2021, 6, 1), **params), self.Partner)
        self.assertMembers(self._select(as_of_date=date(2024, 6, 1), **params), self.mueller)

    def test_value_as_of_today_by_default(self):
        selection = self._select(attribute_operator="<", attribute_value="1000")
        self.assertMembers(selection, self.mueller | self.bergmann)

    def test_date_of_the_criterion_wins(self):
        selection = self._create_selection(
            [
                {
                    "kind": "attribute",
                    "attribute_id": self.employees.id,
                    "attribute_operator": "=",
                    "attribute_value": "500",
                    "as_of_date": date(2021, 6, 1),
                }
            ],
            as_of_date=date(2024, 6, 1),
        )
        self.assertMembers(selection, self.mueller)

    def test_set_and_not_set(self):
        on_2021 = date(2021, 6, 1)
        self.assertMembers(self._select(as_of_date=on_2021, attribute_operator="set"), self.mueller)
        self.assertMembers(
            self._select(as_of_date=on_2021, attribute_operator="not set"),
            self.companies - self.mueller,
        )

    def test_selection_attribute_by_option(self):
        selection = self._create_selection(
            [
                {
                    "kind": "attribute",
                    "attribute_id": self.status.id,
                    "attribute_operator": "=",
                    "attribute_option_id": self.gold.id,
                }
            ]
        )
        self.assertMembers(selection, self.alpen)

    def test_invalid_values_are_refused(self):
        for params in (
            {"attribute_operator": ">=", "attribute_value": "many"},
            {"attribute_operator": ">=", "attribute_value": "1; DROP TABLE res_partner"},
            {"attribute_operator": "ilike", "attribute_value": "5"},
            {"attribute_operator": "=", "attribute_value": ""},
        ):
            with self.subTest(**params), self.assertRaises(ValidationError):
                self._select(**params)
        with self.assertRaises(ValidationError):
            self._create_selection(
                [{"kind": "attribute", "attribute_id": self.status.id, "attribute_operator": "="}]
            )
