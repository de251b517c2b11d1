import { registry } from "@web/core/registry";

// A Serial Manager opens a recall for a range of serials, locates the units and
// activates it; the units in stock are then listed from the recall.
registry.category("web_tour.tours").add("serial_recall_tour", {
    steps: () => [
        {
            content: "open a new recall",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "the problem, as customers will read it",
            trigger: ".o_field_widget[name=reason] textarea",
            run: "edit The charger may overheat.",
        },
        {
            content: "the affected serials, as a range",
            trigger: ".o_field_widget[name=serial_ranges] textarea",
            run: "edit RTOUR-0001..RTOUR-0003",
        },
        {
            content: "locate the units",
            trigger: "button[name=action_locate]",
            run: "click",
        },
        {
            content: "three units located, all in stock",
            trigger:
                "button[name=action_view_lines]:has(.o_stat_text:contains(In Stock)) .o_stat_value:contains(3)",
        },
        {
            content: "activate the recall",
            trigger: "button[name=action_activate]",
            run: "click",
        },
        {
            content: "confirm that the units in our hands are blocked",
            trigger: ".modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "the recall is active",
            trigger: ".o_statusbar_status [aria-checked=true]:contains(Active)",
        },
        {
            content: "open the units in stock",
            trigger: "button[name=action_view_lines]:has(.o_stat_text:contains(In Stock))",
            run: "click",
        },
        {
            content: "they are the three serials of the range, now recalled",
            trigger: ".o_list_view .o_data_row:contains(RTOUR-0003)",
            run() {
                const rows = document.querySelectorAll(".o_list_view .o_data_row");
                const texts = [...rows].map((row) => row.textContent);
                if (rows.length !== 3 || !texts.every((text) => text.includes("Recalled"))) {
                    throw new Error(`expected 3 recalled units, got ${texts}`);
                }
            },
        },
    ],
});
