from . import crm_campaign_copy_language
from . import crm_campaign_lost
from . import crm_selection_import
from . import crm_campaign_mailing_wizard
