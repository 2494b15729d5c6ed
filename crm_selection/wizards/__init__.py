from . import crm_selection_import
from . import crm_selection_import_line
from . import crm_selection_export
