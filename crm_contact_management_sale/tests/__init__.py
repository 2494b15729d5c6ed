from . import test_sale_default_addresses
from . import test_sale_documents
from . import test_tour
