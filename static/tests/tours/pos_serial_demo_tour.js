import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

// make run's demo as a newcomer tries it (make check-demo runs it on that database):
// the README's `cashier` (Point of Sale: User only) opens the Furniture Shop till, whose
// demo session waits for its opening, finds the phone in the Serialized Goods category,
// sells NVX-0100 (the README's) typing its serial, pays cash and sees the receipt with the
// serial's warranty; then that serial again, scanned and typed, is refused.
registry.category("web_tour.tours").add("pos_serial_demo_cashier_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            ProductScreen.clickSubcategory("Serialized Goods"),
            ProductScreen.productIsDisplayed("Smartphone Nova X"),
            ProductScreen.clickDisplayedProduct("Smartphone Nova X"),
            Serial.typeValidSerial("NVX-0100", ".list-line-input:first"),
            ProductScreen.selectedOrderlineHas("Smartphone Nova X", "1.00"),
            Serial.lineHasSerial("NVX-0100"),
            ProductScreen.clickPayButton(),
            PaymentScreen.clickPaymentMethod("Cash"),
            PaymentScreen.clickValidate(),
            Serial.receiptShown(),
            { trigger: ".receipt-screen li:contains('NVX-0100 · warranty until')" },
            ReceiptScreen.clickNextOrder(),
            // the same unit again: scanned, then typed, it is refused each time
            scan_barcode("NVX-0100"),
            Serial.refused("Serial already sold", "can be sold only once"),
            ProductScreen.orderIsEmpty(),
            ProductScreen.clickDisplayedProduct("Smartphone Nova X"),
            { trigger: ".modal .list-line-input:first", run: "edit NVX-0100" },
            Dialog.confirm(),
            Serial.refusedTyped("NVX-0100", "Serial already sold", "can be sold only once"),
            ProductScreen.orderIsEmpty(),
        ].flat(),
});
