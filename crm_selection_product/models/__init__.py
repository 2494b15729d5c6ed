from . import crm_selection_node
