from pathlib import Path

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import PoFileReader, TranslationModuleReader

REPO = Path(__file__).resolve().parents[2]
LANGS = ("de", "pl")


@tagged("post_install", "-at_install")
class TestTranslations(TransactionCase):
    """Every string a user can see in an addon of this suite has a German and a Polish
    translation, and the template (.pot) is current."""

    def _our_installed_modules(self):
        modules = self.env["ir.module.module"].search([("state", "=", "installed")])
        return [
            m.name
            for m in modules
            if (path := get_module_path(m.name, display_warning=False))
            and Path(path).resolve().parent == REPO
        ]

    def _source_terms(self, module):
        reader = TranslationModuleReader(self.env.cr, modules=[module])
        return {source for mod, _type, _name, _id, source, _value, _c in reader if mod == module}

    def _po_entries(self, module, filename):
        path = Path(get_module_path(module)) / "i18n" / filename
        if not path.exists():
            return None
        with path.open("rb") as po_file:
            return {entry["src"]: entry["value"] for entry in PoFileReader(po_file)}

    def test_our_modules_are_found(self):
        self.assertIn("crm_contact_management", self._our_installed_modules())

    def test_every_term_is_translated(self):
        for module in self._our_installed_modules():
            terms = self._source_terms(module)
            if not terms:
                continue
            template = self._po_entries(module, f"{module}.pot")
            self.assertIsNotNone(template, f"{module}: i18n/{module}.pot is missing")
            missing_in_pot = sorted(terms - set(template))
            self.assertFalse(missing_in_pot, f"{module}.pot lacks terms: {missing_in_pot[:10]}")
            for lang in LANGS:
                entries = self._po_entries(module, f"{lang}.po")
                self.assertIsNotNone(entries, f"{module}: i18n/{lang}.po is missing")
                untranslated = sorted(t for t in terms if not entries.get(t))
                self.assertFalse(
                    untranslated,
                    f"{module}/i18n/{lang}.po: {len(untranslated)} untranslated terms, "
                    f"e.g. {untranslated[:10]}",
                )
