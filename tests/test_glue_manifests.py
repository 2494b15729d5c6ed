"""Installing the suite installs no ERP application: the links to sales, purchase,
manufacturing, inventory and invoicing documents live in small glue addons that Odoo installs
automatically once both their sides are installed, and only then."""

import ast
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))
ADDONS_PATHS = [REPO, ODOO_HOME / "addons", ODOO_HOME / "odoo" / "addons"]

# glue addon -> (the suite addon, the ERP addon) it links; the suite side may be another glue
# addon of the same suite addon that holds what several glue addons share
# (crm_selection_product: the product filters and currency helpers of the document criteria)
GLUE_ADDONS = {
    "crm_contact_management_sale": ("crm_contact_management", "sale"),
    "crm_contact_management_purchase": ("crm_contact_management", "purchase"),
    "crm_contact_management_mrp": ("crm_contact_management", "mrp"),
    "crm_contact_management_stock": ("crm_contact_management", "stock"),
    "crm_contact_management_account": ("crm_contact_management", "account"),
    "crm_contact_management_product": ("crm_contact_management", "product"),
    "crm_contact_management_hr_holidays": ("crm_contact_management", "hr_holidays"),
    "crm_selection_product": ("crm_selection", "product"),
    "crm_selection_sale": ("crm_selection_product", "sale"),
    "crm_selection_account": ("crm_selection_product", "account"),
    "crm_selection_purchase": ("crm_selection_product", "purchase"),
    "crm_selection_stock": ("crm_selection_product", "stock"),
    "crm_selection_mrp": ("crm_selection_product", "mrp"),
}
SUITE_ADDONS = [
    "crm_contact_management",
    "crm_selection",
    "crm_campaign_stages",
    "crm_exchange_sync",
]
ERP_APPLICATIONS = {"mrp", "purchase", "stock", "account", "sale", "hr_holidays"}


def manifest(addon):
    for path in ADDONS_PATHS:
        file = path / addon / "__manifest__.py"
        if file.is_file():
            return ast.literal_eval(file.read_text(encoding="utf-8"))
    raise LookupError(f"addon {addon} is in none of {ADDONS_PATHS}")


def dependencies(addon):
    """Every addon installing ``addon`` installs, itself excluded."""
    seen, todo = set(), list(manifest(addon).get("depends", []))
    while todo:
        dep = todo.pop()
        if dep not in seen:
            seen.add(dep)
            todo.extend(manifest(dep).get("depends", []))
    return seen


@pytest.mark.parametrize("addon", sorted(GLUE_ADDONS))
def test_glue_addon_installs_with_both_its_sides_only(addon):
    data = manifest(addon)
    assert data.get("auto_install") is True
    assert data["depends"] == list(GLUE_ADDONS[addon])
    assert data["version"].startswith("19.0.")
    assert data["license"] == "LGPL-3"


@pytest.mark.parametrize("addon", sorted(GLUE_ADDONS))
def test_glue_addon_suite_side_leads_to_a_suite_addon(addon):
    """The suite side of a glue addon is a suite addon, or a glue addon of a suite addon that
    is no ERP application, so the glue addon still installs only with both its sides."""
    suite_side, erp_side = GLUE_ADDONS[addon]
    assert erp_side not in SUITE_ADDONS
    if suite_side not in SUITE_ADDONS:
        assert suite_side in GLUE_ADDONS
        base, shared_erp_side = GLUE_ADDONS[suite_side]
        assert base in SUITE_ADDONS
        assert shared_erp_side not in ERP_APPLICATIONS
        assert shared_erp_side in dependencies(erp_side)


@pytest.mark.parametrize("addon", sorted(GLUE_ADDONS))
def test_glue_addon_has_tests_and_description(addon):
    path = REPO / addon
    assert (path / "tests" / "__init__.py").is_file()
    assert (path / "readme" / "DESCRIPTION.md").is_file()
    assert (path / "README.md").is_file()


@pytest.mark.parametrize("addon", SUITE_ADDONS)
def test_suite_addon_installs_no_erp_application(addon):
    assert not dependencies(addon) & ERP_APPLICATIONS


def test_dependency_walk_sees_through_addons():
    """The check itself follows dependencies down: a glue addon pulls its ERP addon."""
    assert "mrp" in dependencies("crm_contact_management_mrp")
    assert "account" in dependencies("crm_contact_management_sale")
    assert "base" in dependencies("crm_contact_management")


def test_every_auto_install_addon_of_ours_is_a_known_glue_addon():
    auto = {
        path.parent.name
        for path in REPO.glob("*/__manifest__.py")
        if manifest(path.parent.name).get("auto_install")
    }
    assert auto == set(GLUE_ADDONS)
