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
