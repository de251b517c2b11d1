import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { inLeftSide, negate } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

const refundPopup = "body:has(.ticket-screen) .modal .o_pos_serial_refund_popup";

// A cashier with Point of Sale: User rights only sells two phones, typing their
// serials: a serial typed twice is refused with a message and selected for retyping; an
// already sold serial is refused and the cashier is back in the popup with it selected,
// and types the right one. Then one phone comes back: the refund takes its serial.
registry.category("web_tour.tours").add("pos_serial_cashier_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickDisplayedProduct("Serial Phone"),
            Serial.typeValidSerial("SPH-C1", ".list-line-input:first"),
            Serial.lineHasSerial("SPH-C1"),
            // two phones: the second serial typed is the first one again
            ProductScreen.clickNumpad("2"),
            ProductScreen.selectedOrderlineHas("Serial Phone", "2.00"),
            ProductScreen.clickLotIcon(),
            {
                trigger: ".modal .edit-list-inputs .input-group:last-child input",
                run: "edit SPH-C1",
            },
            Dialog.confirm(),
            Serial.refused("Serial already in this order", "SPH-C1 is already in this order"),
            Serial.backInPopupWithSelected("SPH-C1"),
            // the already sold unit typed over it: refused, back in the popup again
            { trigger: ".modal .list-line-input:focus", run: "edit SPH-SOLD" },
            Dialog.confirm(),
            Serial.refused("Serial already sold", "can be sold only once"),
            Serial.backInPopupWithSelected("SPH-SOLD"),
            ...Serial.retypeSelected("SPH-C2"),
            Serial.lineHasSerial("SPH-C1"),
            Serial.lineHasSerial("SPH-C2"),
            inLeftSide({ trigger: negate(".orderline .info-list:contains('SN SPH-SOLD')") }),
            ProductScreen.selectedOrderlineHas("Serial Phone", "2.00"),
            // a new line with the sold unit: refused, the popup left, nothing added
            ProductScreen.clickDisplayedProduct("Serial Phone"),
            { trigger: ".modal .list-line-input:first", run: "edit SPH-SOLD" },
            Dialog.confirm(),
            Serial.refusedTyped("SPH-SOLD", "Serial already sold", "can be sold only once"),
            ProductScreen.selectedOrderlineHas("Serial Phone", "2.00"),
            Serial.pay(),
            ReceiptScreen.clickNextOrder(),
            // SPH-C2 comes back
            ...Serial.refundOneUnit("-0001"),
            {
                trigger: `${refundPopup} .o_pos_serial_refund_option:contains('SPH-C2')`,
                run: "click",
            },
            { trigger: ".modal .o_pos_serial_refund_popup .btn-primary:enabled", run: "click" },
            ProductScreen.isShown(),
            Serial.lineHasSerial("SPH-C2"),
            Serial.pay(),
        ].flat(),
});
