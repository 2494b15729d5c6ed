{
    "name": "CRM Exchange Sync",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Two-way Microsoft Exchange sync of appointments, tasks and contact persons",
    "author": "CRM Contact Suite",
    "website": "https://github.com/crm-contact-suite/crm-contact-suite",
    "license": "LGPL-3",
    "depends": ["crm_contact_management", "crm_selection", "calendar", "mail"],
    "external_dependencies": {"python": ["exchangelib"]},
    "data": [
        "security/ir.model.access.csv",
        "views/res_config_settings_views.xml",
        "views/res_users_views.xml",
        "views/crm_exchange_mapping_views.xml",
        "views/res_config_settings_sync_views.xml",
        "data/ir_cron_data.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "crm_exchange_sync/static/src/**/*",
        ],
        "web.assets_tests": [
            "crm_exchange_sync/static/tests/tours/**/*",
        ],
    },
    "installable": True,
}
