from . import account_move
from . import crm_document_link
