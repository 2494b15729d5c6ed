from . import test_mrp_criteria
