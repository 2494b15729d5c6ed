from . import test_mrp_documents
