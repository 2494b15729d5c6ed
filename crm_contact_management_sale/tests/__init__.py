from . import test_sale_default_addresses
