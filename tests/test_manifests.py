"""Every addon of this repository is an installable Odoo 19.0 addon that depends only on
Odoo S.A.'s own addons and on addons of this repository."""

import ast
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
ODOO_HOME = Path(os.environ.get("ODOO_HOME", "/opt/odoo"))
ADDON_DIRS = sorted(p.parent for p in REPO.glob("*/__manifest__.py"))
OUR_ADDONS = {p.name for p in ADDON_DIRS}


def manifest(path):
    return ast.literal_eval((path / "__manifest__.py").read_text(encoding="utf-8"))


ODOO_SA_AUTHOR = re.compile(r"^\s*odoo(\s+s\.?\s?a\.?)?\s*$", re.IGNORECASE)
# Third-party addons our Odoo snapshot also carries; never a dependency of ours.
THIRD_PARTY = re.compile(
    r"crm_activity_hub|document_templates|global_back_button|navbar_back_button|hrsd|hr_case_"
    r"|hr_employee_|hr_payroll_community|hr_plus|hr_reminder|hr_resignation|hr_reward_warning"
    r"|hr_timesheet_pro|hrms_dashboard|ohrms_|oh_employee_|_oca$"
)


def odoo_sa_addon(name):
    """An addon shipped by Odoo S.A. in the Community source: the base addon, or an addon
    whose manifest names Odoo S.A. as its author."""
    if THIRD_PARTY.search(name):
        return False
    if (ODOO_HOME / "odoo" / "addons" / name / "__manifest__.py").exists():
        return True
    path = ODOO_HOME / "addons" / name
    if not (path / "__manifest__.py").exists():
        return False
    return bool(ODOO_SA_AUTHOR.match(manifest(path).get("author", "")))


def test_addons_exist():
    assert {
        "crm_contact_management",
        "crm_campaign_stages",
        "crm_exchange_sync",
        "crm_selection",
    } <= OUR_ADDONS


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=lambda p: p.name)
def test_manifest_is_installable_19(addon):
    data = manifest(addon)
    assert data["version"].startswith("19.0."), data["version"]
    assert data.get("installable", True)
    assert data["license"] == "LGPL-3"


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=lambda p: p.name)
def test_depends_only_on_odoo_sa_or_ours(addon):
    foreign = [
        dep
        for dep in manifest(addon).get("depends", [])
        if dep not in OUR_ADDONS and not odoo_sa_addon(dep)
    ]
    assert not foreign, f"{addon.name} depends on addons that are neither Odoo S.A.'s nor ours"


def test_third_party_snapshot_addon_is_rejected():
    """The check itself tells a third-party addon of the snapshot from an Odoo S.A. one."""
    assert odoo_sa_addon("crm") and odoo_sa_addon("base")
    assert not odoo_sa_addon("crm_activity_hub")
    assert not odoo_sa_addon("sign_oca")
    assert not odoo_sa_addon("hrsd")
    assert not odoo_sa_addon("no_such_addon")


@pytest.mark.parametrize("addon", ADDON_DIRS, ids=lambda p: p.name)
def test_data_files_exist(addon):
    data = manifest(addon)
    for key in ("data", "demo"):
        for rel in data.get(key, []):
            assert (addon / rel).is_file(), f"{addon.name}: {rel} is listed but missing"
