from . import crm_document_link
from . import purchase_order
