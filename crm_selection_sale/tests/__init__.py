from . import test_sale_criteria
from . import test_sales_question
from . import test_shared_line_scan
from . import test_import_sale
