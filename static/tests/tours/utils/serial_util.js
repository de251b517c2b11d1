import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as TicketScreen from "@point_of_sale/../tests/tours/utils/ticket_screen_util";
import { inLeftSide, negate } from "@point_of_sale/../tests/tours/utils/common";

/** The cashier is told why a serial is refused, with that title, and closes the alert. */
export function refused(title, bodyContains) {
    return [
        Dialog.is({ title }),
        ...(bodyContains ? [Dialog.bodyIs(bodyContains)] : []),
        Dialog.confirm(),
    ];
}

/** The order shows this serial on a line. */
export function lineHasSerial(serial) {
    return inLeftSide({ trigger: `.info-list:contains('SN ${serial}')` });
}

export function sellTyped(productName, serial) {
    return [
        ProductScreen.clickDisplayedProduct(productName),
        ProductScreen.enterLotNumber(serial),
    ].flat();
}

/** The till loses its connection: every server call fails as when the network is down. */
export function goOffline() {
    return {
        content: "the till goes offline",
        trigger: "body",
        run: () => {
            window.posmodel.data.network.offline = true;
        },
    };
}

export function goOnline() {
    return {
        content: "the till is online again",
        trigger: "body",
        run: () => {
            window.posmodel.data.network.offline = false;
        },
    };
}

/** Runs `check` (on the POS store) until it is true, for up to `timeout` ms. */
export function waitFor(content, check, timeout = 15000) {
    return {
        content,
        trigger: "body",
        run: async () => {
            const end = Date.now() + timeout;
            while (!check(window.posmodel)) {
                if (Date.now() > end) {
                    throw new Error(`Timed out: ${content}`);
                }
                await new Promise((resolve) => setTimeout(resolve, 100));
            }
        },
    };
}

/** Paid by bank; the receipt waits for the sync (slow on a loaded machine). */
export function pay() {
    return [
        ProductScreen.clickPayButton(),
        PaymentScreen.clickPaymentMethod("Bank"),
        PaymentScreen.clickValidate(),
        { content: "receipt screen is shown", trigger: ".pos .receipt-screen", timeout: 30000 },
    ].flat();
}

/** From the product screen: refund one unit of the paid order whose name ends so. */
export function refundOneUnit(orderNameEnd) {
    return [
        ...ProductScreen.clickRefund(),
        TicketScreen.selectOrder(orderNameEnd),
        ProductScreen.clickNumpad("1"),
        TicketScreen.toRefundTextContains("To Refund: 1.00"),
        TicketScreen.confirmRefund(),
    ];
}

/** The till asks for the order's customer (the serial sales setting), with this title. */
export function customerAsked(title, bodyContains) {
    return [
        { trigger: `.modal .o_pos_serial_customer .modal-header:contains("${title}")` },
        ...(bodyContains ? [Dialog.bodyIs(bodyContains)] : []),
    ];
}

export function noCustomerAsked() {
    return { content: "no customer dialog", trigger: negate(".o_pos_serial_customer") };
}

/** The receipt screen, once the order is synced (slow on a loaded machine). */
export function receiptShown() {
    return { content: "receipt screen is shown", trigger: ".pos .receipt-screen", timeout: 30000 };
}

/**
 * After a refusal the cashier is back in the serial popup, the refused serial selected
 * (focused, all its text selected) to type the right one over it.
 */
export function backInPopupWithSelected(serial) {
    return {
        content: `back in the serial popup, ${serial} selected`,
        trigger: `.modal .edit-list-inputs .list-line-input`,
        run: () => {
            const input = document.activeElement;
            const selected =
                input?.classList.contains("list-line-input") &&
                input.value === serial &&
                input.selectionStart === 0 &&
                input.selectionEnd === serial.length;
            if (!selected) {
                throw new Error(`${serial} is not selected in the serial popup`);
            }
        },
    };
}

/** Types over the selected (refused) serial in the popup, then confirms. */
export function retypeSelected(serial) {
    return [
        { trigger: ".modal .list-line-input:focus", run: `edit ${serial}` },
        Dialog.confirm(),
    ];
}

/** Leaves the serial popup without adding anything (Escape). */
export function leavePopup() {
    return [
        { trigger: ".modal .edit-list-inputs .list-line-input", run: "press Escape" },
        { content: "the serial popup is closed", trigger: negate(".modal .edit-list-inputs") },
    ];
}

/** A refusal of a typed serial: the alert, then the popup again with it selected, left. */
export function refusedTyped(serial, title, bodyContains) {
    return [
        ...refused(title, bodyContains),
        backInPopupWithSelected(serial),
        ...leavePopup(),
    ];
}

/**
 * Types a valid serial in the popup: while it is typed, no "No existing serial/lot
 * number matching..." under it (the server checks it); then confirms.
 */
export function typeValidSerial(serial, inputSelector = ".list-line-input:last") {
    return [
        { content: `type ${serial}`, trigger: `.modal ${inputSelector}`, run: `edit ${serial}` },
        {
            content: "no 'No existing serial/lot number matching' while typing",
            trigger: ".modal .list-line-input:focus",
            run: async () => {
                // the popup renders its dropdown on the next frames
                await new Promise((resolve) => setTimeout(resolve, 300));
                if (document.querySelector(".modal .options-dropdown .no-match")) {
                    throw new Error("the popup says no serial matches a valid serial");
                }
            },
        },
        Dialog.confirm(),
    ];
}
