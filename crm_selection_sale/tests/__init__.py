from . import test_sale_criteria
from . import test_sales_question
from . import test_import_sale
