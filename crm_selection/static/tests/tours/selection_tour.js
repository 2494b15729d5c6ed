import { registry } from "@web/core/registry";

// Started on the list of selections (see test_selection_ui.py): the user builds "companies in
// Germany, but none in the postal codes 66xxx", watches the live count, runs the selection
// and opens its members.

const liveCount = "div[name=live_count] .o_field_widget[name=member_count]";
let germanCount = 0;

function readCount(element) {
    return parseInt(element.textContent.replace(/\D/g, ""), 10);
}

registry.category("web_tour.tours").add("crm_selection_builder_tour", {
    steps: () => [
        {
            content: "Create a selection",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Name it",
            trigger: ".o_field_widget[name=name] input",
            run: "edit German companies outside Saarland",
        },
        {
            content: "Nothing is selected yet",
            trigger: `${liveCount}:contains(0)`,
        },

        // --- first criterion: the country ---
        {
            content: "Add a criterion",
            trigger: ".o_field_widget[name=node_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Look up the country",
            trigger: ".modal .o_field_widget[name=country_ids] input",
            run: "edit Germany",
        },
        {
            content: "Choose Germany",
            trigger:
                ".modal .o_field_widget[name=country_ids] .o-autocomplete--dropdown-item:contains(Germany)",
            run: "click",
        },
        {
            content: "The criterion counts its companies while it is edited",
            trigger: ".modal .o_field_widget[name=company_count]:not(:contains(0))",
        },
        {
            content: "Keep the criterion",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The live count shows the German companies",
            trigger: `body:not(:has(.modal)) ${liveCount}:not(:contains(0))`,
            run() {
                germanCount = readCount(this.anchor);
            },
        },

        // --- second criterion: not in the postal codes 66xxx ---
        {
            content: "Add another criterion",
            trigger: ".o_field_widget[name=node_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Enter the postal codes",
            trigger: ".modal .o_field_widget[name=zip_pattern] input",
            run: "edit 66*",
        },
        {
            content: "Open the postal code modes",
            trigger: ".modal .o_field_widget[name=zip_mode] input",
            run: "click",
        },
        {
            content: "Exclude these postal codes",
            trigger: ".o_select_menu_item:contains(All but these)",
            run: "click",
        },
        {
            content: "Keep the criterion",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The criteria list shows both criteria",
            trigger:
                ".o_field_widget[name=node_ids] .o_data_row:contains(Germany) ~ .o_data_row:contains(postal code not 66)",
        },
        {
            content: "The live count drops: the Saarland companies are out",
            trigger: `body:not(:has(.modal)) ${liveCount}`,
            run() {
                const count = readCount(this.anchor);
                if (!(count > 0 && count < germanCount)) {
                    throw new Error(`live count ${count} should be below ${germanCount}`);
                }
            },
        },

        // --- save, run, and open the result ---
        {
            content: "Save the selection",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "The selection is saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Run it",
            trigger: ".o_form_view button[name=action_run]",
            run: "click",
        },
        {
            content: "The run is stored as a snapshot with its members",
            trigger:
                ".o_form_view .o_field_widget[name=selection_id]:contains(German companies outside Saarland)",
        },
        {
            content: "Open the members of the run",
            trigger: ".o_form_view button[name=action_view_members]",
            run: "click",
        },
        {
            content: "The Berlin machine builder is a member, the Saarland steel trader is not",
            trigger: ".o_list_view .o_data_row:contains(Tour Maschinenbau Berlin GmbH)",
            run() {
                const rows = [...document.querySelectorAll(".o_list_view .o_data_row")];
                if (rows.some((row) => row.textContent.includes("Tour Stahl Saarbrücken"))) {
                    throw new Error("a company in 66xxx is in the result");
                }
            },
        },
    ],
});
