{
    "name": "CRM Contact Management - Purchase",
    "version": "19.0.1.0.0",
    "category": "Inventory/Purchase",
    "summary": "Vendor bills and dropship addresses use the default addresses of a company",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "purchase"],
    "data": [],
    "installable": True,
    "auto_install": True,
}
