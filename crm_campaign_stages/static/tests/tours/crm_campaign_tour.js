import { registry } from "@web/core/registry";

// Started on the list of campaigns (see test_tour.py): the campaign manager creates a
// two-stage campaign for the companies of a saved selection, starts it, runs the engine,
// completes the task it generated, and sees the participant move to the second stage and
// the forecast change.

const stageRow = ".o_field_widget[name=stage_ids] .o_data_row.o_selected_row";

function fillStage(name, dealValue, probability) {
    return [
        {
            content: `Add the stage ${name}`,
            trigger: ".o_field_widget[name=stage_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Name it",
            trigger: `${stageRow} .o_field_widget[name=name] input`,
            run: `edit ${name}`,
        },
        {
            content: "Its deal value",
            trigger: `${stageRow} .o_field_widget[name=deal_value] input`,
            run: `edit ${dealValue}`,
        },
        {
            content: "Its probability",
            trigger: `${stageRow} .o_field_widget[name=probability] input`,
            run: `edit ${probability}`,
        },
    ];
}

registry.category("web_tour.tours").add("crm_campaign_stages_tour", {
    steps: () => [
        {
            content: "Create a campaign",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit Tour Herbstaktion Fräsmaschinen",
        },

        // --- two stages: contact (a call), then the offer (until a success is recorded) ---
        ...fillStage("Kontakt", "10000", "20"),
        ...fillStage("Angebot", "30000", "50"),
        {
            content: "The offer moves on when a success is recorded",
            trigger: `${stageRow} .o_field_widget[name=condition] input`,
            run: "click",
        },
        {
            content: "Choose the condition",
            trigger: ".o_select_menu_item:contains(Result Recorded as Success)",
            run: "click",
        },

        // --- the target group: a saved selection ---
        {
            content: "Open the target group",
            trigger: ".o_notebook .nav-link[name=target_group]",
            run: "click",
        },
        {
            content: "Look up the selection",
            trigger: ".o_field_widget[name=selection_id] input",
            run: "edit Tour Fräskunden",
        },
        {
            content: "Choose it",
            trigger: ".o_field_widget[name=selection_id] .o-autocomplete--dropdown-item:contains(Tour Fräskunden)",
            run: "click",
        },
        {
            content: "Save the campaign",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "The campaign is saved",
            trigger: ".o_form_saved",
        },

        // --- the first stage gets a call for the campaign's responsible ---
        {
            content: "Back to the stages",
            trigger: ".o_notebook .nav-link[name=stages]",
            run: "click",
        },
        {
            content: "Open the first stage",
            trigger:
                ".o_field_widget[name=stage_ids] .o_data_row:contains(Kontakt) .o_list_record_open_form_view button",
            run: "click",
        },
        {
            content: "Add an action",
            trigger: ".o_form_view .o_field_widget[name=action_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Name the action",
            trigger:
                ".o_field_widget[name=action_ids] .o_data_row.o_selected_row .o_field_widget[name=name] input",
            run: "edit Bedarf telefonisch klären",
        },
        {
            content: "Open the responsible rules",
            trigger:
                ".o_field_widget[name=action_ids] .o_data_row.o_selected_row .o_field_widget[name=responsible_rule] input",
            run: "click",
        },
        {
            content: "The campaign's responsible calls",
            trigger: ".o_select_menu_item:contains(Campaign Responsible)",
            run: "click",
        },
        {
            content: "Save the stage",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "The stage is saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Back to the campaign",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Tour Herbstaktion)",
            run: "click",
        },

        // --- start: the selection's members enter the first stage ---
        {
            content: "Start the campaign",
            trigger: ".o_form_view button[name=action_start]",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal-footer button.btn-primary",
            run: "click",
        },
        {
            content: "The campaign runs",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Running)",
        },
        {
            content: "Look at the success indicators",
            trigger: ".o_notebook .nav-link[name=success]",
            run: "click",
        },
        {
            content: "Forecast: 10,000 x 20 %",
            trigger: ".o_field_widget[name=expected_value]:contains(2,000.00)",
        },

        // --- the engine generates the call ---
        {
            content: "Run the engine",
            trigger: ".o_form_view button[name=action_run_engine]",
            run: "click",
        },
        {
            content: "The engine created the task",
            trigger: ".o_notification:contains(Tasks created: 1.)",
        },
        {
            content: "One task on the campaign",
            trigger: ".oe_stat_button[name=action_view_tasks] .o_stat_value:contains(1)",
        },
        {
            content: "Open the participants",
            trigger: ".oe_stat_button[name=action_view_participants]",
            run: "click",
        },
        {
            content: "The participant waits in the first stage",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains(Kontakt)) .o_kanban_record:contains(Tour Fräswerk Schwaben GmbH)",
            run: "click",
        },

        // --- complete the task ---
        {
            content: "The participant is in the first stage",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains(Kontakt)",
        },
        {
            content: "Mark the call as done",
            trigger: ".o-mail-Activity:contains(Bedarf telefonisch klären) .o-mail-Activity-markDone",
            run: "click",
        },
        {
            content: "Write the result",
            trigger: ".o-mail-ActivityMarkAsDone textarea",
            run: "edit Interesse an zwei Maschinen, Angebot erwünscht",
        },
        {
            content: "Done",
            trigger: ".o-mail-ActivityMarkAsDone button[aria-label=Done]",
            run: "click",
        },
        {
            content: "The call is logged with its result",
            trigger: ".o-mail-Message:contains(Interesse an zwei Maschinen)",
        },
        {
            content: "Back to the participants",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Participants)",
            run: "click",
        },
        {
            content: "The participant moved to the offer, with the offer's expected value",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains(Angebot)) .o_kanban_record:contains(Tour Fräswerk Schwaben GmbH):contains(15,000.00)",
        },
        {
            content: "The first stage is empty now",
            trigger:
                ".o_kanban_group:has(.o_column_title:contains(Kontakt)):not(:has(.o_kanban_record:contains(Tour Fräswerk Schwaben GmbH)))",
        },

        // --- the forecast of the campaign changed ---
        {
            content: "Back to the campaign",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains(Tour Herbstaktion)",
            run: "click",
        },
        {
            content: "Look at the success indicators",
            trigger: ".o_notebook .nav-link[name=success]",
            run: "click",
        },
        {
            content: "Forecast: 30,000 x 50 %",
            trigger: ".o_field_widget[name=expected_value]:contains(15,000.00)",
        },
    ],
});
