import { registry } from "@web/core/registry";

// An administrator connects Odoo to Exchange: EWS address, basic authentication and the
// credentials of his mailbox, then "Test Connection". test_tour.py starts the fake Exchange
// server and puts its address and the mailbox into sessionStorage before the tour starts.

const field = (name) => `#crm_exchange_server_setting .o_field_widget[name=${name}]`;

registry.category("web_tour.tours").add("crm_exchange_settings_tour", {
    steps: () => {
        const serverUrl = sessionStorage.getItem("crm_exchange_tour_server_url");
        const mailbox = sessionStorage.getItem("crm_exchange_tour_mailbox");
        const password = sessionStorage.getItem("crm_exchange_tour_password");
        return [
            {
                content: "Open the settings of Contact Management",
                trigger: ".settings_tab .tab[data-key='crm_contact_management']",
                run: "click",
            },
            {
                content: "The Microsoft Exchange section is there",
                trigger: ".o_setting_container:contains(Microsoft Exchange) #crm_exchange_server_setting",
            },
            {
                content: "Enter the EWS address",
                trigger: `${field("crm_exchange_server_url")} input`,
                run: `edit ${serverUrl}`,
            },
            {
                content: "Open the authentication types",
                trigger: `${field("crm_exchange_auth_type")} .o_select_menu_toggler`,
                run: "click",
            },
            {
                content: "Choose basic authentication",
                trigger: ".o_select_menu_item:contains(Basic)",
                run: "click",
            },
            {
                content: "No password stored yet",
                trigger: "#crm_exchange_server_setting .badge:contains(not set)",
            },
            {
                content: "Enter the user name",
                trigger: `${field("crm_exchange_username")} input`,
                run: `edit ${mailbox}`,
            },
            {
                content: "Enter the password",
                trigger: `${field("crm_exchange_password")} input[type=password]`,
                run: `edit ${password}`,
            },
            {
                content: "Test the connection",
                trigger: "#crm_exchange_test_setting button.o_crm_exchange_test_connection:enabled",
                run: "click",
            },
            {
                content: "The success is notified",
                trigger: `.o_notification:contains(Connection successful):contains(${mailbox})`,
            },
            {
                content: "and shown on the settings page",
                trigger: "#crm_exchange_test_setting .alert-success .o_crm_exchange_test_result:contains(Connection successful)",
            },
            {
                content: "The typed password is not sent back to the browser",
                trigger: `${field("crm_exchange_password")} input[type=password]`,
                run() {
                    if (this.anchor.value) {
                        throw new Error("The password came back to the browser.");
                    }
                },
            },
            {
                content: "The values typed before the test are still on the page",
                trigger: `${field("crm_exchange_server_url")} input`,
                run() {
                    if (this.anchor.value !== serverUrl) {
                        throw new Error(`EWS address lost after the test: ${this.anchor.value}`);
                    }
                },
            },
            {
                content: "Synchronise the appointments too",
                trigger: "#crm_exchange_what_setting .o_field_widget[name=crm_exchange_sync_events] input",
                run: "click",
            },
            {
                content: "Save the settings (the page reloads)",
                trigger: ".o_control_panel .o_form_button_save",
                run: "click",
                expectUnloadPage: true,
            },
            {
                content: "Back to the settings of Contact Management",
                trigger: ".settings_tab .tab[data-key='crm_contact_management']",
                run: "click",
            },
            {
                content: "After saving, the password is stored (but still not shown)",
                trigger: "#crm_exchange_server_setting .badge:contains(set):not(:contains(not))",
            },
            {
                content: "and the appointments are synchronised",
                trigger: "#crm_exchange_what_setting .o_field_widget[name=crm_exchange_sync_events] input:checked",
            },
        ];
    },
});
