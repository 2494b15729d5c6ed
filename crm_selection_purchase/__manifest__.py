{
    "name": "CRM Selection - Purchase",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Select companies by what we bought from them: purchase amounts and quantities",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_selection_product", "purchase"],
    "data": [
        "views/crm_selection_node_views.xml",
    ],
    "installable": True,
    "auto_install": True,
}
