{
    "name": "CRM Contact Management - Sales",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "summary": "Quotations and customer invoices use the default addresses of the customer",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "sale"],
    "data": [],
    "installable": True,
    "auto_install": True,
}
