from . import crm_document_link
from . import stock_lot
