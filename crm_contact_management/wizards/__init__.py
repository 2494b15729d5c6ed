from . import crm_attribute_search
from . import crm_journal_export_docx
from . import crm_journal_finish
