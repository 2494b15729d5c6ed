import { registry } from "@web/core/registry";

// See test_schedule_tour.py: Anna Schulz has an overdue task and is about to go on vacation.

registry.category("web_tour.tours").add("crm_contact_management_login_followups", {
    steps: () => [
        {
            content: "The first page of the day lists the overdue task",
            trigger: ".o_notification.o_crm_login_followups:contains(Send the offer):contains(Overdue)",
        },
        {
            content: "Open the schedule from the notification",
            trigger: ".o_crm_login_followups .o_notification_buttons button:contains(Open My Schedule)",
            run: "click",
        },
        {
            content: "The schedule lists the due and overdue follow-ups",
            trigger: ".o_list_view .o_data_row:contains(Send the offer) td[name=display_name]",
            run: "click",
        },
        {
            content: "The task opens its document",
            trigger: ".o_breadcrumb .active:contains(Müller Maschinenbau GmbH)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_contact_management_record_absence", {
    steps: () => [
        {
            content: "Record a new absence",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Choose the deputy",
            trigger: ".o_field_widget[name=deputy_user_id] input",
            run: "edit Bernd",
        },
        {
            content: "Bernd Keller stands in",
            trigger: ".o-autocomplete--dropdown-item:contains(Bernd Keller)",
            run: "click",
        },
        {
            content: "Save the absence",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "The absence has started",
            trigger: ".o_form_saved .o_statusbar_status .o_arrow_button_current:contains(Current)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_contact_management_deputy_schedule", {
    steps: () => [
        {
            content: "Show the schedule as a list",
            trigger: ".o_switch_view.o_list",
            run: "click",
        },
        {
            content: "Anna's task is on her deputy's schedule",
            trigger: ".o_list_view .o_data_row:contains(Send the offer)",
        },
    ],
});
