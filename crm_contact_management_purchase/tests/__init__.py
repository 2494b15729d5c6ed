from . import test_purchase_default_addresses
from . import test_purchase_documents
