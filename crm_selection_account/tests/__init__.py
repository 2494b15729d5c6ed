from . import test_invoice_criteria
