{
    "name": "CRM Exchange Sync",
    "version": "19.0.0.1.0",
    "category": "Sales/CRM",
    "summary": "Two-way Microsoft Exchange sync of appointments, tasks and contact persons",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management"],
    "external_dependencies": {"python": ["exchangelib"]},
    "data": [],
    "installable": True,
}
