{
    "name": "CRM Selection",
    "version": "19.0.0.1.0",
    "category": "Sales/CRM",
    "summary": "Saved, combinable selections of companies and contact persons, compiled to SQL",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management"],
    "data": [],
    "installable": True,
}
