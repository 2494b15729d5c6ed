{
    "name": "CRM Campaign Stages",
    "version": "19.0.0.1.0",
    "category": "Sales/CRM",
    "summary": "Multi-stage campaigns with chaining, operator tasks and serial mailings",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management"],
    "data": [],
    "installable": True,
}
