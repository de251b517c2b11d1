import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import { scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

/** A GS1 code: AI 01 (the phone's GTIN), AI 17 (expiry, YYMMDD), AI 21 (serial). */
function gs1(expiry, serial) {
    return `0108431673020125` + `17${expiry}` + `21${serial}`;
}

// Scanned GS1 codes are refused when their expiry (AI 17) has passed, or differs from
// the unit's registered one (online by the server, offline from the till's snapshot);
// nothing is added for them. Codes giving the registered expiry, or a future expiry for
// a unit registered without one, are sold.
registry.category("web_tour.tours").add("pos_serial_expiry_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode(gs1("200101", "EXP-OLD")),
            Serial.refused("Unit expired", "expired on 01/01/2020"),
            ProductScreen.orderIsEmpty(),
            scan_barcode(gs1("300531", "EXP-FAKE")),
            Serial.refused(
                "Do not sell: expiry does not match",
                "registered with 06/30/2030"
            ),
            ProductScreen.orderIsEmpty(),
            scan_barcode(gs1("300630", "EXP-GOOD")),
            ProductScreen.selectedOrderlineHas("Serial Phone", "1.00"),
            Serial.lineHasSerial("EXP-GOOD"),
            scan_barcode(gs1("301231", "EXP-NEW")),
            Serial.lineHasSerial("EXP-NEW"),
            // offline: the same rules, from the snapshot
            Serial.goOffline(),
            scan_barcode(gs1("200101", "EXP-OLD")),
            Serial.refused("Unit expired", "expired on 01/01/2020"),
            scan_barcode(gs1("300531", "EXP-FAKE")),
            Serial.refused("Do not sell: expiry does not match", "may be falsified"),
            Serial.goOnline(),
            Serial.waitFor("the order holds the two accepted units only", (pos) =>
                ["EXP-GOOD", "EXP-NEW"].every((serial) =>
                    pos
                        .get_order()
                        .lines.some((line) =>
                            line.pack_lot_ids.some((lot) => lot.lot_name === serial)
                        )
                ) &&
                pos.get_order().lines.reduce((total, line) => total + line.qty, 0) === 2
            ),
            Serial.pay(),
        ].flat(),
});
