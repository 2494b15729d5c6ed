from . import crm_document_link
from . import mrp_production
