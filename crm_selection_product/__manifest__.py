{
    "name": "CRM Selection - Products",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Shared base of the selection criteria over document lines: products, "
    "currencies, periods",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_selection", "product"],
    "installable": True,
    "auto_install": True,
}
