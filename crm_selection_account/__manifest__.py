{
    "name": "CRM Selection - Invoicing",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Select companies by their invoiced revenue and quantities, credit notes deducted",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_selection_product", "account"],
    "data": [
        "views/crm_selection_node_views.xml",
    ],
    "installable": True,
    "auto_install": True,
}
