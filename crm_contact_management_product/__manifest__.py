{
    "name": "CRM Contact Management - Products",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "summary": "Contact journal, appointments and tasks on products",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "product"],
    "data": ["views/product_template_views.xml"],
    "installable": True,
    "auto_install": True,
}
