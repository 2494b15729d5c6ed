from . import test_product_documents
