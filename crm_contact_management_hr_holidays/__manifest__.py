{
    "name": "CRM Contact Management - Time Off",
    "version": "19.0.1.0.0",
    "category": "Human Resources/Time Off",
    "summary": "Validated time off records the absence: the deputy takes over tasks, appointments "
    "and planned contacts",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "hr_holidays"],
    "data": [
        "views/hr_leave_type_views.xml",
        "views/crm_absence_views.xml",
    ],
    "installable": True,
    "auto_install": True,
}
