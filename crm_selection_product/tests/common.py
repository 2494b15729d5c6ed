"""The set-up the tests of the criteria over documents share (sale orders, invoices, purchase
orders, manufacturing orders, lots): last year as the period, product categories, companies,
a user of the documents, and one criterion evaluated as that user.

The test modules of the document addons import it:
``from odoo.addons.crm_selection_product.tests.common import DocumentCriteriaCase``."""

from datetime import date

from odoo import Command
from odoo.fields import Domain
from odoo.tests import TransactionCase, new_test_user


class DocumentCriteriaCase(TransactionCase):
    """A test case of the criteria of one addon of documents. Subclasses set:

    - ``criterion_kind``: the kind of the criterion :meth:`_companies` evaluates, unless the
      call gives one;
    - ``document_groups``: the groups a user needs to read the documents, given to the users
      of :meth:`_selection_user` besides those of an employee using selections;

    and in ``setUpClass`` ``companies`` (the candidates by default) and ``selection_user``
    (who evaluates the criteria by default). It mixes with the test cases of Odoo's addons,
    e.g. ``AccountTestInvoicingCommon``, listed after it."""

    criterion_kind = False
    document_groups = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Partner = cls.env["res.partner"]
        cls.year = date.today().year - 1
        cls.date_from = date(cls.year, 1, 1)
        cls.date_to = date(cls.year, 12, 31)

    @classmethod
    def _product_categories(cls, name, subcategory_name):
        """A product category and a subcategory of it."""
        category = cls.env["product.category"].create({"name": name})
        subcategory = cls.env["product.category"].create(
            {"name": subcategory_name, "parent_id": category.id}
        )
        return category, subcategory

    @classmethod
    def _company(cls, name, **values):
        return cls.Partner.create({"name": name, "is_company": True, **values})

    @classmethod
    def _create_companies(cls, *names):
        """Companies of these names, in their order."""
        return cls.Partner.create([{"name": name, "is_company": True} for name in names])

    @classmethod
    def _selection_user(cls, login, companies=None):
        """An employee using selections who may read the documents (``document_groups``) of
        ``companies``, the current company by default."""
        companies = companies or cls.env.company
        return new_test_user(
            cls.env,
            login=login,
            groups=",".join(
                ["base.group_user", "crm_selection.group_selection_user", *cls.document_groups]
            ),
            company_id=companies[0].id,
            company_ids=[Command.set(companies.ids)],
        )

    def _selection(self, user=None, **node_values):
        """A selection with one criterion, created as ``user`` (``selection_user`` by
        default); the criterion is of ``criterion_kind`` unless ``node_values`` say."""
        if self.criterion_kind:
            node_values.setdefault("kind", self.criterion_kind)
        return (
            self.env["crm.selection"]
            .with_user(user or self.selection_user)
            .create(
                {
                    "name": "Test selection",
                    "node_ids": [Command.create({"node_type": "criterion", **node_values})],
                }
            )
        )

    def _companies(self, candidates=None, user=None, **node_values):
        """The companies among ``candidates`` (``companies`` by default) meeting one
        criterion, for ``user``."""
        selection = self._selection(user=user, **node_values)
        candidates = candidates or self.companies
        domain = selection._get_company_domain() & Domain("id", "in", candidates.ids)
        return selection.env["res.partner"].search(domain)

    def _last_year(self, **node_values):
        """The candidate companies meeting one criterion over last year's documents."""
        return self._companies(date_from=self.date_from, date_to=self.date_to, **node_values)
