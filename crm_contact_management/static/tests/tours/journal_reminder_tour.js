import { registry } from "@web/core/registry";

// See test_journal_tour.py: Katrin Vogel plans to call Petra Schneider of Müller Maschinenbau
// back and is reminded of it the next time she logs in.

const subject = "Call back about the maintenance contract";

registry.category("web_tour.tours").add("crm_contact_management_plan_reminder", {
    steps: () => [
        {
            content: "Plan a new contact",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Give its subject",
            trigger: ".o_field_widget[name=name] input",
            run: `edit ${subject}`,
        },
        {
            content: "Look for the contact person",
            trigger: ".o_field_widget[name=contact_id] input",
            run: "edit Petra",
        },
        {
            content: "Petra Schneider is to be called",
            trigger: ".o-autocomplete--dropdown-item:contains(Petra Schneider)",
            run: "click",
        },
        {
            content: "Her company follows",
            trigger: ".o_field_widget[name=partner_id] input:value(Müller Maschinenbau GmbH)",
        },
        {
            content: "Look for the medium",
            trigger: ".o_field_widget[name=medium_id] input",
            run: "edit Phone",
        },
        {
            content: "It is a phone call",
            trigger: ".o-autocomplete--dropdown-item:text(Phone)",
            run: "click",
        },
        {
            content: "Look for the follow-up user",
            trigger: ".o_field_widget[name=followup_user_id] input",
            run: "edit Katrin",
        },
        {
            content: "Katrin follows the call up herself",
            trigger: ".o-autocomplete--dropdown-item:contains(Katrin Vogel)",
            run: "click",
        },
        {
            content: "Remind her of it",
            trigger: ".o_field_widget[name=reminder] input:not(:checked)",
            run: "click",
        },
        {
            content: "Save the planned contact",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "The contact is planned",
            trigger: ".o_form_saved .o_statusbar_status .o_arrow_button_current:text(Planned)",
        },
    ],
});

registry.category("web_tour.tours").add("crm_contact_management_reminder_next_login", {
    steps: () => [
        {
            content: "The first page of the day lists the planned call",
            trigger: `.o_notification.o_crm_login_followups:contains(${subject}):contains(Müller Maschinenbau GmbH)`,
        },
        {
            content: "Open the schedule from the notification",
            trigger:
                ".o_crm_login_followups .o_notification_buttons button:contains(Open My Schedule)",
            run: "click",
        },
        {
            content: "The schedule lists the planned call",
            trigger: `.o_list_view .o_data_row:contains(${subject}) td[name=display_name]`,
            run: "click",
        },
        {
            content: "The call opens, with its reminder",
            trigger: `.o_form_view:has(.o_field_widget[name=name] input:value(${subject})) .o_field_widget[name=reminder] input:checked`,
        },
    ],
});
