{
    "name": "CRM Contact Management - Invoicing",
    "version": "19.0.1.0.0",
    "category": "Accounting/Accounting",
    "summary": "Contact journal, appointments and tasks on invoices and bills",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "account"],
    "data": ["views/account_move_views.xml"],
    "installable": True,
    "auto_install": True,
}
