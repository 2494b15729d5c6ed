from . import crm_partner_catalog_report
