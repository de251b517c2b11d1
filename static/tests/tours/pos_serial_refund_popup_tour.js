import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { inLeftSide, negate, scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

const popup = "body:has(.ticket-screen) .modal .o_pos_serial_refund_popup";

// One of two phones sold together comes back: the cashier picks its serial on the
// ticket screen. Cancel leaves the ticket screen with no refund; then SPH-0002 is
// picked, and the refund takes back that unit only.
registry.category("web_tour.tours").add("pos_serial_refund_popup_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode("SPH-0001"),
            Serial.lineHasSerial("SPH-0001"),
            ProductScreen.clickNumpad("2"),
            ProductScreen.clickLotIcon(),
            ProductScreen.enterLastLotNumber("SPH-0002"),
            Serial.lineHasSerial("SPH-0002"),
            Serial.pay(),
            ReceiptScreen.clickNextOrder(),
            ...Serial.refundOneUnit("-0001"),
            {
                content: "the serials are asked on the ticket screen",
                trigger: "body:has(.ticket-screen) .modal",
            },
            { trigger: popup },
            { trigger: `${popup} .o_pos_serial_refund_option:contains('SPH-0001')` },
            { trigger: ".modal .o_pos_serial_refund_cancel", run: "click" },
            { content: "the popup is closed", trigger: negate(".o_pos_serial_refund_popup") },
            { content: "still on the ticket screen", trigger: ".ticket-screen .order-row" },
            Serial.waitFor(
                "no refund line was added",
                (pos) => !pos.models["pos.order.line"].some((line) => line.refunded_orderline_id),
                0
            ),
            {
                trigger: ".ticket-screen .btn-primary.pay-order-button",
                run: "click",
            },
            { trigger: `${popup} .o_pos_serial_refund_option:contains('SPH-0002')`, run: "click" },
            { trigger: ".modal .o_pos_serial_refund_popup .btn-primary:enabled", run: "click" },
            ProductScreen.isShown(),
            Serial.lineHasSerial("SPH-0002"),
            inLeftSide({ trigger: negate(".orderline .info-list:contains('SN SPH-0001')") }),
            Serial.pay(),
        ].flat(),
});
