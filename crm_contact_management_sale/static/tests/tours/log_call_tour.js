import { registry } from "@web/core/registry";

// See tests/test_tour.py: Lea Brunner, a salesperson, calls Ursula Meier of Alpen Präzision
// about her quotation, logs the call from the quotation's smart button and finishes it.

const journalButton = ".o_form_view .oe_stat_button[name=action_crm_view_journal]";

registry.category("web_tour.tours").add("crm_contact_management_sale_log_call", {
    steps: () => {
        let orderName;
        return [
            {
                content: "The quotation has no contact logged yet",
                trigger: `${journalButton} .o_stat_value:text(0)`,
            },
            {
                content: "Note the number of the quotation",
                trigger: ".o_form_view .oe_title .o_field_widget[name=name] span:not(:empty)",
                run() {
                    orderName = this.anchor.textContent.trim();
                },
            },
            {
                content: "Open the contact journal of the quotation",
                trigger: journalButton,
                run: "click",
            },
            {
                content: "The journal of the quotation opens",
                trigger: ".o_breadcrumb .active:contains(Contact Journal)",
            },
            {
                content: "Log a new contact from there",
                trigger: ".o_list_button_add",
                run: "click",
            },
            {
                content: "The business partner comes from the quotation",
                trigger: ".o_field_widget[name=partner_id] input:value(Alpen Präzision AG)",
            },
            {
                content: "Show the linked documents",
                trigger: ".o_notebook .nav-link:contains(Linked Documents)",
                run: "click",
            },
            {
                content: "The quotation is already linked",
                trigger:
                    ".o_field_widget[name=document_link_ids] .o_data_row:contains(Sales Order)",
                run() {
                    if (!this.anchor.textContent.includes(orderName)) {
                        throw new Error(`The link does not name the quotation ${orderName}`);
                    }
                },
            },
            {
                content: "Give the subject of the call",
                trigger: ".o_field_widget[name=name] input",
                run: "edit Delivery date of the spindles",
            },
            {
                content: "Look for the contact person",
                trigger: ".o_field_widget[name=contact_id] input",
                run: "edit Ursula",
            },
            {
                content: "Ursula Meier took the call",
                trigger: ".o-autocomplete--dropdown-item:contains(Ursula Meier)",
                run: "click",
            },
            {
                content: "Look for the medium",
                trigger: ".o_field_widget[name=medium_id] input",
                run: "edit Phone",
            },
            {
                content: "It was a phone call",
                trigger: ".o-autocomplete--dropdown-item:text(Phone)",
                run: "click",
            },
            {
                content: "Save the contact",
                trigger: ".o_form_button_save:enabled",
                run: "click",
            },
            {
                content: "Finish the contact as done",
                trigger:
                    ".o_form_saved .o_statusbar_buttons button.btn-primary[name=action_open_finish_wizard]",
                run: "click",
            },
            {
                content: "Give the duration of the call",
                trigger: ".modal .o_field_widget[name=duration] input",
                run: "edit 00:45",
            },
            {
                content: "Write the report of the call",
                trigger: ".modal .o_field_html[name=report] .odoo-editor-editable div.o-paragraph",
                run: "editor Delivery of the spindles confirmed for week 12.",
            },
            {
                content: "Confirm",
                trigger: ".modal .modal-footer button[name=action_confirm]",
                run: "click",
            },
            {
                content: "The contact is done",
                trigger:
                    "body:not(:has(.modal)) .o_form_view .o_statusbar_status .o_arrow_button_current:text(Done)",
            },
            {
                content: "It took the time given",
                trigger: ".o_form_view .o_field_widget[name=duration] input:value(00:45)",
            },
            {
                content: "Show the report",
                trigger: ".o_notebook .nav-link:contains(Report)",
                run: "click",
            },
            {
                content: "It keeps its report",
                trigger: ".o_form_view .o_field_html[name=report]:contains(confirmed for week 12)",
            },
            {
                content: "Back to the quotation",
                trigger: ".o_breadcrumb .breadcrumb-item:not(.o_back_button) > a",
                run: "click",
            },
            {
                content: "The smart button of the quotation counts the call",
                trigger: `${journalButton} .o_stat_value:text(1)`,
                run() {
                    const title = document.querySelector(".o_last_breadcrumb_item").textContent;
                    if (!title.includes(orderName)) {
                        throw new Error(`Back on ${title} instead of the quotation ${orderName}`);
                    }
                },
            },
        ];
    },
});
