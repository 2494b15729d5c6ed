from . import test_purchase_criteria
