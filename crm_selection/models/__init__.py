from . import crm_selection
from . import crm_selection_node
from . import crm_selection_output_rule
from . import res_partner_salutation
from . import crm_selection_snapshot
from . import res_partner_selection
from . import crm_selection_builder
