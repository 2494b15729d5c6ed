import { registry } from "@web/core/registry";

const address = (name) => `.o_field_widget[name=child_ids] .o_kanban_record:contains(${name})`;

registry.category("web_tour.tours").add("crm_contact_management_default_address", {
    steps: () => [
        {
            content: "The first delivery address is the default",
            trigger: `${address("Lager Spandau")} .badge:contains(Default)`,
        },
        {
            content: "Make the other delivery address the default",
            trigger: `${address("Lager Tegel")} button[name=action_set_default_address]`,
            run: "click",
        },
        {
            content: "The other address is now the default",
            trigger: `${address("Lager Tegel")} .badge:contains(Default)`,
        },
        {
            content: "The former default can be chosen again",
            trigger: `${address("Lager Spandau")} button[name=action_set_default_address]`,
        },
    ],
});
