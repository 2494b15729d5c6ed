{
    "name": "CRM Selection - Sales",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Select companies by their sales: revenue, quantities and number of orders",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_selection_product", "sale"],
    "data": [
        "security/ir.model.access.csv",
        "views/crm_selection_node_views.xml",
        "views/sale_order_views.xml",
    ],
    "demo": [
        "demo/crm_selection_sale_demo.xml",
    ],
    "installable": True,
    "auto_install": True,
}
