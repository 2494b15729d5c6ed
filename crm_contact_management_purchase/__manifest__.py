{
    "name": "CRM Contact Management - Purchase",
    "version": "19.0.1.0.0",
    "category": "Inventory/Purchase",
    "summary": "Vendor bills and dropship addresses use the default addresses of a company; "
    "contact journal, appointments and tasks on purchase orders",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "purchase"],
    "data": ["views/purchase_order_views.xml"],
    "installable": True,
    "auto_install": True,
}
