import { registry } from "@web/core/registry";

const buttons = ".o_form_view .o_statusbar_buttons";

// A Serial Manager opens a lost unit's form: the actions the lifecycle allows from
// Lost are offered (Found, Mark Stolen), the others are not; once found, those of a
// unit in stock are.
registry.category("web_tour.tours").add("serial_state_buttons_tour", {
    steps: () => [
        {
            content: "a lost unit can be found",
            trigger: `${buttons} button[name=action_mark_found]`,
        },
        {
            content: "or marked stolen",
            trigger: `${buttons} button[name=action_mark_stolen]`,
        },
        {
            content: "but not marked lost again, recalled, or its recall closed",
            trigger:
                `${buttons}:not(:has(button[name=action_mark_lost]))` +
                ":not(:has(button[name=action_recall]))" +
                ":not(:has(button[name=action_close_recall]))",
        },
        {
            content: "the unit is found",
            trigger: `${buttons} button[name=action_mark_found]`,
            run: "click",
        },
        {
            content: "where it was",
            trigger: ".modal .o_field_widget[name=reason] textarea",
            run: "edit Behind the counter",
        },
        {
            trigger: ".modal button[name=action_confirm]",
            run: "click",
        },
        {
            content: "in stock again: it can be marked lost or recalled, not found",
            trigger:
                `${buttons}:has(button[name=action_mark_lost])` +
                ":has(button[name=action_recall])" +
                ":not(:has(button[name=action_mark_found]))",
        },
    ],
});
