import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

// A recalled unit is scanned, then typed: each time the cashier is told it is recalled
// and to put it aside; nothing is added to the order. A unit of the same product not
// recalled is sold.
registry.category("web_tour.tours").add("pos_serial_recalled_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode("SPH-RCL-1"),
            Serial.refused("Serial recalled", "SPH-RCL-1 is recalled and cannot be sold"),
            ProductScreen.orderIsEmpty(),
            Serial.sellTyped("Serial Phone", "SPH-RCL-1"),
            Serial.refusedTyped(
                "SPH-RCL-1",
                "Serial recalled",
                "Put the unit aside for the recall"
            ),
            ProductScreen.orderIsEmpty(),
            scan_barcode("SPH-0001"),
            Serial.lineHasSerial("SPH-0001"),
            Serial.pay(),
        ].flat(),
});
