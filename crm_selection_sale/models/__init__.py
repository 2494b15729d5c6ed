from . import crm_selection_node
from . import sale_order
