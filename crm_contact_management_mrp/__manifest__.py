{
    "name": "CRM Contact Management - Manufacturing",
    "version": "19.0.1.0.0",
    "category": "Manufacturing/Manufacturing",
    "summary": "Contact journal, appointments and tasks on manufacturing orders",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "mrp"],
    "data": ["views/mrp_production_views.xml"],
    "installable": True,
    "auto_install": True,
}
