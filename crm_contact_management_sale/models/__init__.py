from . import crm_document_link
from . import sale_order
