import { registry } from "@web/core/registry";

// An inventory user receives a supplier's shipment announced by EPCIS: scanning the
// SSCC of each pallet receives every unit packed on it.
registry.category("web_tour.tours").add("serial_epcis_receipt_tour", {
    steps: () => [
        {
            content: "open the scan of pallets and cases",
            trigger: "button[name=action_open_epcis_scan]",
            run: "click",
        },
        {
            content: "scan the first pallet's label",
            trigger: ".modal .o_field_widget[name=code] input",
            run: "edit (00)106141410000000002",
        },
        {
            content: "receive what is on it",
            trigger: ".modal button[name=action_receive]",
            run: "click",
        },
        {
            content: "500 units received, 500 still expected",
            trigger:
                ".modal .o_field_widget[name=result]:contains(500 expected units not yet scanned)",
        },
        {
            content: "scan the second pallet's label",
            trigger: ".modal .o_field_widget[name=code] input",
            run: "edit (00)106141410000000019",
        },
        {
            content: "receive what is on it",
            trigger: ".modal button[name=action_receive]",
            run: "click",
        },
        {
            content: "everything expected is on the receipt",
            trigger:
                ".modal .o_field_widget[name=result]:contains(received; 0 expected units not yet scanned)",
        },
        {
            content: "close",
            trigger: ".modal button.btn-secondary:contains(Close)",
            run: "click",
        },
        {
            content: "back on the receipt",
            trigger: "body:not(:has(.modal))",
        },
    ],
});
