from . import test_purchase_default_addresses
