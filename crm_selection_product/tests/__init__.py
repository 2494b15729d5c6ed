from . import test_product_criteria
