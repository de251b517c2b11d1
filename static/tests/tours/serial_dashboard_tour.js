import { registry } from "@web/core/registry";

// An auditor opens the serials dashboard and clicks the count of lost units of the
// TOUR- prefix through to the list of those serials.
registry.category("web_tour.tours").add("serial_dashboard_tour", {
    steps: () => [
        {
            content: "the time to locate a unit, measured as the dashboard loads",
            trigger: ".o_serial_dashboard_kpis .o_serial_kpi_locate .fs-2:contains(ms)",
        },
        {
            content: "how fresh the figures are: the time they were read",
            trigger: ".o_serial_kpi_freshness:contains(Figures read at)",
        },
        {
            content: "the compliance reports, linked for the auditor",
            trigger:
                ".o_serial_kpi_reports button:contains(Loss Prevention Report) + button:contains(Integrity Report)",
        },
        {
            content: "open the loss prevention report",
            trigger: ".o_serial_kpi_reports button:contains(Loss Prevention Report)",
            run: "click",
        },
        {
            content: "its period is asked in a dialog, closed here",
            trigger: ".modal .modal-title:contains(Loss Prevention)",
            run: () => document.querySelector(".modal .btn-close").click(),
        },
        {
            content: "back on the dashboard",
            trigger: "body:not(:has(.modal)) .o_serial_dashboard_kpis",
        },
        {
            content: "the chart of units registered per day",
            trigger: ".o_serial_kpi_registered .o_graph_renderer",
        },
        {
            content: "click the lost units of prefix TOUR- (the 5th count: Lost)",
            trigger: ".o_pivot tr:has(th:contains(TOUR-)) td:nth-child(6):contains(2)",
            run: "click",
        },
        {
            content: "the list of the lost serials of that prefix opens",
            trigger: ".o_breadcrumb:contains(Lost)",
        },
        {
            content: "it holds those two serials, and no other",
            trigger: ".o_list_view .o_data_row:contains(TOUR-0004)",
            run() {
                const names = [
                    ...document.querySelectorAll(".o_list_view .o_data_row td[name=name]"),
                ].map((cell) => cell.textContent.trim());
                if (names.join(",") !== "TOUR-0003,TOUR-0004") {
                    throw new Error(`expected TOUR-0003 and TOUR-0004, got ${names}`);
                }
            },
        },
    ],
});
