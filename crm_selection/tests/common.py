from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class SelectionCase(TransactionCase):
    """Companies in Germany, Switzerland and Poland with their contact persons, and helpers
    to build selections."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Partner = cls.env["res.partner"]
        cls.Selection = cls.env["crm.selection"]
        cls.Node = cls.env["crm.selection.node"]
        cls.de = cls.env.ref("base.de")
        cls.ch = cls.env.ref("base.ch")
        cls.pl = cls.env.ref("base.pl")
        cls.purchaser = cls.env.ref("crm_contact_management.crm_contact_function_purchaser")
        cls.managing_director = cls.env.ref(
            "crm_contact_management.crm_contact_function_managing_director"
        )
        cls.advisory_board = cls.env.ref(
            "crm_contact_management.crm_contact_function_advisory_board"
        )
        cls.sales = cls.env.ref("crm_contact_management.crm_contact_function_sales")
        cls.database_software, cls.machine_building = cls.env["res.partner.industry"].create(
            [{"name": "Database Software (test)"}, {"name": "Machine Building (test)"}]
        )
        cls.tag_vip = cls.env["res.partner.category"].create({"name": "VIP (test)"})
        cls.interest_cad = cls.env["crm.interest.area"].create({"name": "CAD (test)"})
        cls.class_key = cls.env["crm.company.class"].create({"name": "Key Account (test)"})
        cls.rep_north = cls.env["crm.sales.representative"].create({"name": "North (test)"})

        def company(name, country, zip_code, city, **vals):
            return {
                "name": name,
                "is_company": True,
                "country_id": country.id,
                "zip": zip_code,
                "city": city,
                **vals,
            }

        (
            cls.mueller,
            cls.bergmann,
            cls.saar,
            cls.alpen,
            cls.kowalski,
            cls.nozip,
        ) = cls.Partner.create(
            [
                company(
                    "Müller Maschinenbau GmbH",
                    cls.de,
                    "10559",
                    "Berlin",
                    industry_id=cls.machine_building.id,
                    abc_class="a",
                    category_id=[Command.link(cls.tag_vip.id)],
                    interest_area_ids=[Command.link(cls.interest_cad.id)],
                ),
                company(
                    "Bergmann Datenbanken GmbH",
                    cls.de,
                    "80331",
                    "München",
                    industry_id=cls.database_software.id,
                    abc_class="b",
                    company_class_id=cls.class_key.id,
                ),
                company(
                    "Saar Stahlhandel GmbH",
                    cls.de,
                    "66111",
                    "Saarbrücken",
                    sales_representative_id=cls.rep_north.id,
                ),
                company("Alpen Präzision AG", cls.ch, "8001", "Zürich", abc_class="a"),
                company("Kowalski Dystrybucja Sp. z o.o.", cls.pl, "60-001", "Poznań"),
                company("Ohne PLZ GmbH", cls.de, False, "Hamburg"),
            ]
        )
        cls.companies = cls.mueller | cls.bergmann | cls.saar | cls.alpen | cls.kowalski
        cls.companies |= cls.nozip

        def person(name, parent, function):
            return {
                "name": name,
                "parent_id": parent.id,
                "function_id": function.id,
                "type": "contact",
            }

        (
            cls.hans,
            cls.petra,
            cls.anna,
            cls.thomas,
            cls.ursula,
            cls.reto,
            cls.marek,
        ) = cls.Partner.create(
            [
                person("Hans Müller", cls.mueller, cls.managing_director),
                person("Petra Schneider", cls.mueller, cls.purchaser),
                person("Anna Bergmann", cls.bergmann, cls.managing_director),
                person("Thomas Keller", cls.saar, cls.sales),
                person("Ursula Meier", cls.alpen, cls.purchaser),
                person("Reto Baumann", cls.alpen, cls.managing_director),
                person("Marek Kowalski", cls.kowalski, cls.managing_director),
            ]
        )
        cls.persons = cls.hans | cls.petra | cls.anna | cls.thomas | cls.ursula | cls.reto
        cls.persons |= cls.marek
        # Anna Bergmann also sits on the advisory board of Müller Maschinenbau
        cls.env["crm.contact.link"].create(
            {
                "person_id": cls.anna.id,
                "organization_id": cls.mueller.id,
                "function_id": cls.advisory_board.id,
            }
        )
        cls.selection_user = new_test_user(
            cls.env,
            login="selection_user",
            groups="crm_selection.group_selection_user",
            name="Selma Selection",
        )

    @classmethod
    def _create_selection(cls, criteria=(), operator="and", **vals):
        """Create a selection whose top group (AND by default) holds ``criteria``, each a
        dict of node values."""
        selection = cls.Selection.create({"name": "Test selection", **vals})
        selection.root_node_id.group_operator = operator
        cls._add_nodes(selection.root_node_id, criteria)
        return selection

    @classmethod
    def _add_nodes(cls, group, criteria):
        return cls.Node.create(
            [
                {"selection_id": group.selection_id.id, "parent_id": group.id, **vals}
                for vals in criteria
            ]
        )

    def _members(self, selection, extra=None):
        """The members of ``selection`` among the partners of the test (the database may
        hold other partners)."""
        universe = self.companies | self.persons | (extra or self.Partner)
        return self.Partner.browse(selection._get_member_ids()) & universe

    def assertMembers(self, selection, expected, extra=None):
        members = self._members(selection, extra=extra)
        self.assertEqual(sorted(members.mapped("name")), sorted(expected.mapped("name")))
