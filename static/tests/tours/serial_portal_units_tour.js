import { registry } from "@web/core/registry";

// A customer opens "My Units" from the portal's home, answers a recall of one of
// their units, opens another (its warranty, its public check page), then registers a
// unit bought elsewhere with its receipt.
registry.category("web_tour.tours").add("serial_portal_my_units_tour", {
    steps: () => [
        {
            content: "open My Units from the portal's home",
            trigger: ".o_portal_index_card a[href='/my/units']:contains(My Units)",
            run: "click",
        },
        {
            content: "answer the recall of the unit bought in Acme's name from the list",
            trigger:
                ".o_serial_portal_unit:contains(ACME-2) .o_serial_portal_answer:contains(I have it)",
            run: "click",
        },
        {
            content: "the answer is recorded, on the unit's page",
            trigger: ".alert-success:contains(your answer is recorded)",
        },
        {
            trigger: ".o_serial_portal_recall strong:contains(I have it)",
        },
        {
            content: "back to My Units",
            trigger: ".breadcrumb a[href='/my/units']",
            run: "click",
        },
        {
            content: "open the unit bought through Alice",
            trigger: ".o_serial_portal_unit_link:contains(ACME-1)",
            run: "click",
        },
        {
            content: "the unit's warranty and its public check page",
            trigger: ".o_serial_portal_warranty",
        },
        {
            trigger: "a[href*='/01/04006381333931/21/ACME-1']",
        },
        {
            content: "back to My Units",
            trigger: ".breadcrumb a[href='/my/units']",
            run: "click",
        },
        {
            content: "register a unit bought elsewhere",
            trigger: "a.o_serial_portal_register",
            run: "click",
        },
        {
            content: "its serial",
            trigger: ".o_serial_portal_register_form input[name=serial]",
            run: "edit ELSE-1",
        },
        {
            content: "the date on the receipt",
            trigger: ".o_serial_portal_register_form input[name=purchase_date]",
            run() {
                const day = new Date(Date.now() - 30 * 24 * 3600 * 1000);
                this.anchor.value = day.toISOString().slice(0, 10);
            },
        },
        {
            content: "the receipt",
            trigger: ".o_serial_portal_register_form input[name=receipt]",
            run() {
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4 receipt"], "receipt.pdf", { type: "application/pdf" })
                );
                this.anchor.files = transfer.files;
            },
        },
        {
            content: "submit",
            trigger: ".o_serial_portal_register_form button[type=submit]",
            run: "click",
        },
        {
            content: "the request waits for our check",
            trigger: ".o_serial_portal_registration_state:contains(To Review)",
        },
    ],
});
