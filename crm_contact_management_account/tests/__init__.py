from . import test_invoice_documents
