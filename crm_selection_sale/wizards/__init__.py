from . import crm_selection_import
