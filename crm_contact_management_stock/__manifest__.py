{
    "name": "CRM Contact Management - Lots and Serial Numbers",
    "version": "19.0.1.0.0",
    "category": "Inventory/Inventory",
    "summary": "Contact journal, appointments and tasks on lots and serial numbers",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "stock"],
    "data": ["views/stock_lot_views.xml"],
    "installable": True,
    "auto_install": True,
}
