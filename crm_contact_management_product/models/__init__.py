from . import crm_document_link
from . import product_product
from . import product_template
