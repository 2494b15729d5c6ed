{
    "name": "CRM Selection - Inventory",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Select companies by the lots and serial numbers they delivered or received",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_selection_product", "stock"],
    "data": [
        "views/crm_selection_node_views.xml",
    ],
    "installable": True,
    "auto_install": True,
}
