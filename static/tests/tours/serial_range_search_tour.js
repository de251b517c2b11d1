import { registry } from "@web/core/registry";

function searchSerialRange(text) {
    return [
        {
            content: `type ${text} in the search`,
            trigger: ".o_searchview_input",
            run: `edit ${text}`,
        },
        {
            content: "search it as a serial range",
            trigger: `.o_searchview_autocomplete .o_menu_item:contains(Serial Range):contains(${text})`,
            run: "click",
        },
    ];
}

// A Serial User searches a serial range: a bad one is told with an example built
// from what was typed and leaves no facet behind; a good one filters the list.
registry.category("web_tour.tours").add("serial_range_search_tour", {
    steps: () => [
        {
            content: "the list of serials, every serial in it",
            trigger: ".o_list_view .o_data_row td[name=name]:contains(NVX-0011)",
        },
        ...searchSerialRange("NVX-0002-0010"),
        {
            content: "the problem is told, with a right example",
            trigger: ".o_notification:contains(for example NVX-0002..NVX-0010)",
        },
        {
            content: "no facet is left for the bad range",
            trigger: ".o_control_panel:not(:has(.o_facet_value))",
        },
        {
            content: "and the list is still the whole list, no error dialog over it",
            trigger: "body:not(:has(.modal)) .o_list_view td[name=name]:contains(NVX-0011)",
        },
        ...searchSerialRange("NVX-0002..NVX-0010"),
        {
            content: "the good range is a facet",
            trigger: ".o_searchview .o_facet_value:contains(NVX-0002..NVX-0010)",
        },
        {
            content: "and the list holds that range only",
            trigger: ".o_list_view:not(:has(td[name=name]:contains(NVX-0011)))",
            run() {
                const names = [
                    ...document.querySelectorAll(".o_list_view .o_data_row td[name=name]"),
                ].map((cell) => cell.textContent.trim());
                if (names.sort().join(",") !== "NVX-0002,NVX-0005,NVX-0010") {
                    throw new Error(`expected NVX-0002, NVX-0005, NVX-0010, got ${names}`);
                }
            },
        },
    ],
});
