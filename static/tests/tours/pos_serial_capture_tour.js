import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

// Unknown, already sold and stolen serials are refused, each with its own message, and
// the cashier is back in the serial popup with the serial selected; left, nothing is
// added to the order.
registry.category("web_tour.tours").add("pos_serial_refusals_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            Serial.sellTyped("Serial Phone", "NOPE-404"),
            Serial.refusedTyped("NOPE-404", "Unknown serial", "is not registered for"),
            ProductScreen.orderIsEmpty(),
            Serial.sellTyped("Serial Phone", "SPH-SOLD"),
            Serial.refusedTyped("SPH-SOLD", "Serial already sold", "can be sold only once"),
            ProductScreen.orderIsEmpty(),
            Serial.sellTyped("Serial Phone", "SPH-STOLEN"),
            Serial.refusedTyped(
                "SPH-STOLEN",
                "Do not sell: unit reported stolen",
                "call your manager"
            ),
            ProductScreen.orderIsEmpty(),
        ].flat(),
});

// Scanning a unit's serial adds the phone with that serial; scanning it again is
// refused; a line of two phones needs two serials before payment; the receipt prints
// each serial with its warranty end.
registry.category("web_tour.tours").add("pos_serial_scan_and_quantity_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode("SPH-0001"),
            ProductScreen.selectedOrderlineHas("Serial Phone", "1.00"),
            Serial.lineHasSerial("SPH-0001"),
            scan_barcode("SPH-0001"),
            Serial.refused("Serial already in this order"),
            ProductScreen.selectedOrderlineHas("Serial Phone", "1.00"),
            ProductScreen.clickNumpad("2"),
            ProductScreen.selectedOrderlineHas("Serial Phone", "2.00"),
            ProductScreen.clickPayButton(false),
            Serial.refused("Serial numbers missing", "1 of 2 serials"),
            ProductScreen.isShown(),
            ProductScreen.clickLotIcon(),
            ProductScreen.enterLastLotNumber("SPH-0002"),
            Serial.lineHasSerial("SPH-0002"),
            Serial.pay(),
            { trigger: ".receipt-screen li:contains('SPH-0001 · warranty until')" },
        ].flat(),
});

// A GS1 DataMatrix (AI 01 GTIN + AI 21 serial) adds the product with its serial.
registry.category("web_tour.tours").add("pos_serial_gs1_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode("010843167302012521GS1-0001"),
            ProductScreen.selectedOrderlineHas("Serial Phone", "1.00"),
            Serial.lineHasSerial("GS1-0001"),
            Serial.pay(),
        ].flat(),
});

// A sold serial is refunded, then sold again.
registry.category("web_tour.tours").add("pos_serial_refund_resell_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            Serial.sellTyped("Serial Phone", "SPH-0003"),
            Serial.pay(),
            ReceiptScreen.clickNextOrder(),
            ...Serial.refundOneUnit("-0001"),
            ProductScreen.isShown(),
            Serial.lineHasSerial("SPH-0003"),
            Serial.pay(),
            ReceiptScreen.clickNextOrder(),
            Serial.sellTyped("Serial Phone", "SPH-0003"),
            Serial.lineHasSerial("SPH-0003"),
            Serial.pay(),
        ].flat(),
});
