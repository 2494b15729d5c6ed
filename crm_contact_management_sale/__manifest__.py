{
    "name": "CRM Contact Management - Sales",
    "version": "19.0.1.0.0",
    "category": "Sales/Sales",
    "summary": "Quotations and customer invoices use the default addresses of the customer; "
    "contact journal, appointments and tasks on sales orders",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "sale"],
    "data": ["views/sale_order_views.xml"],
    "assets": {
        "web.assets_tests": [
            "crm_contact_management_sale/static/tests/tours/**/*",
        ],
    },
    "installable": True,
    "auto_install": True,
}
