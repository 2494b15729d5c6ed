from . import crm_campaign_letter_report
