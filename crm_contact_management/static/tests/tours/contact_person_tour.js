import { registry } from "@web/core/registry";

// Started on the form of the company Müller Maschinenbau GmbH (Berlin), which already employs
// Jonas Weber; Karl Hoffmann of a Hamburg carrier works for it too (see test_tour.py).

const deputyLine = ".o_field_widget[name=deputy_ids] .o_data_row";
const deputyInput = `${deputyLine} .o_field_widget[name=deputy_id] input`;
const deputyOption = (name) =>
    `${deputyLine} .o_field_widget[name=deputy_id] .o-autocomplete--dropdown-item:contains(${name})`;

registry.category("web_tour.tours").add("crm_contact_management_contact_person_tour", {
    steps: () => [
        // --- a new contact person of the company ---
        {
            content: "Open the contacts of the company",
            trigger: ".o_form_view .o_notebook a[name=contact_addresses]",
            run: "click",
        },
        {
            content: "Add a contact",
            trigger: ".o_field_widget[name=child_ids] .o-kanban-button-new",
            run: "click",
        },
        {
            content: "Name the new contact person",
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Lena Hoffmann",
        },
        {
            content: "Enter her e-mail",
            trigger: ".modal .o_field_widget[name=email] input",
            run: "edit lena.hoffmann@mueller-maschinenbau.de",
        },
        {
            content: "Keep the new contact",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The new contact is listed on the company",
            trigger: ".o_field_widget[name=child_ids] .o_kanban_record:contains(Lena Hoffmann)",
        },
        {
            content: "Save the company",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "The company is saved",
            trigger: ".o_form_saved",
        },

        // --- her deputy and an attribute, on her own form ---
        {
            content: "Go to the contact persons",
            trigger:
                ".o_main_navbar [data-menu-xmlid='crm_contact_management.res_partner_menu_contact_persons']",
            run: "click",
        },
        {
            content: "Search her",
            trigger: ".o_searchview_input",
            run: "edit Hoffmann",
        },
        {
            content: "Apply the search",
            trigger: ".o_searchview_input",
            run: "press Enter",
        },
        {
            content: "Open the new contact person",
            trigger: ".o_list_view .o_data_row .o_data_cell[name=name]:contains(Lena Hoffmann)",
            run: "click",
        },
        {
            content: "Open her deputies",
            trigger: ".o_form_view .o_notebook a[name=crm_contact_deputies]",
            run: "click",
        },
        {
            content: "Add a deputy",
            trigger: ".o_field_widget[name=deputy_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Look up her colleague",
            trigger: deputyInput,
            run: "edit Weber",
        },
        {
            content: "Choose Jonas Weber",
            trigger: deputyOption("Jonas Weber"),
            run: "click",
        },
        {
            content: "Open her attributes",
            trigger: ".o_form_view .o_notebook a[name=crm_attributes]",
            run: "click",
        },
        {
            content: "Record an attribute value",
            trigger: ".o_field_widget[name=attribute_value_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Look up the attribute",
            trigger: ".modal .o_field_widget[name=attribute_id] input",
            run: "edit Trade Fair",
        },
        {
            content: "Choose the attribute",
            trigger:
                ".modal .o_field_widget[name=attribute_id] .o-autocomplete--dropdown-item:contains(Favourite Trade Fair)",
            run: "click",
        },
        {
            content: "Enter the value",
            trigger: ".modal .o_field_widget[name=value_text] input",
            run: "edit Hannover Messe",
        },
        {
            content: "Keep the value",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            content: "The value is in her attribute history",
            trigger: ".o_field_widget[name=attribute_value_ids] .o_data_row:contains(Hannover Messe)",
        },
        {
            content: "Save the contact person",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "The form tells who stands in for her today",
            trigger:
                ".o_form_saved .alert:contains(Stands in today:) .o_field_widget[name=current_deputy_id]:contains(Jonas Weber)",
        },

        // --- the autocomplete finds her by two terms ---
        {
            content: "Open the deputy",
            trigger: ".o_form_saved .o_field_widget[name=current_deputy_id] a.o_form_uri",
            run: "click",
        },
        {
            content: "The deputy's form is open",
            trigger: ".o_breadcrumb .active:contains(Jonas Weber)",
        },
        {
            content: "Open his deputies",
            trigger: ".o_form_view .o_notebook a[name=crm_contact_deputies]",
            run: "click",
        },
        {
            content: "Add a deputy",
            trigger: ".o_field_widget[name=deputy_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            content: "Type her last name and city",
            trigger: deputyInput,
            run: "edit hoffmann berlin",
        },
        {
            content: "Only the Hoffmann from Berlin is suggested",
            trigger: `${deputyLine} .o-autocomplete--dropdown-menu:has(.o-autocomplete--dropdown-item:contains(Lena Hoffmann)):not(:has(.o-autocomplete--dropdown-item:contains(Karl Hoffmann)))`,
        },
        {
            content: "Choose her",
            trigger: deputyOption("Lena Hoffmann"),
            run: "click",
        },
        {
            content: "Save the deputy",
            trigger: ".o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "His deputy is saved",
            trigger: ".o_form_saved .o_field_widget[name=deputy_ids] .o_data_row:contains(Lena Hoffmann)",
        },
    ],
});
