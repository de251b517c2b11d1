import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { inLeftSide, scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { formatDate } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";

const { DateTime } = luxon;

// Offline, a scanned serial is checked against the till's snapshot and its line is
// marked "checked offline"; back online, the order is paid and synced with that mark.
// The receipt prints the server's warranty end (24 months), not one computed from the
// till's product data (made stale here: 1 month).
registry.category("web_tour.tours").add("pos_serial_offline_scan_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "the till's product data is stale: 1 month of warranty",
                trigger: "body",
                run: () => {
                    for (const product of window.posmodel.models["product.product"].getAll()) {
                        if (product.tracking === "serial") {
                            product.warranty_months = 1;
                        }
                    }
                },
            },
            Serial.goOffline(),
            scan_barcode("SPH-0001"),
            ProductScreen.selectedOrderlineHas("Serial Phone", "1.00"),
            Serial.lineHasSerial("SPH-0001"),
            Serial.waitFor(
                "the line is marked checked offline",
                (pos) => pos.get_order().get_selected_orderline()?.serial_checked_offline,
                2000
            ),
            inLeftSide({ trigger: ".orderline.selected .o_pos_serial_offline" }),
            Serial.goOnline(),
            Serial.pay(),
            {
                content: "the receipt prints the server's warranty end",
                trigger: `.receipt-screen li:contains('SPH-0001 · warranty until ${formatDate(
                    DateTime.now().plus({ months: 24 }).minus({ days: 1 })
                )}')`,
            },
        ].flat(),
});

// A unit sold after the till loaded its snapshot leaves the snapshot at the next
// periodic refresh (shortened here): offline, the till no longer accepts it, and a
// unit still in stock, typed offline, is accepted and marked "checked offline".
registry.category("web_tour.tours").add("pos_serial_snapshot_refresh_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            scan_barcode("SPH-0001"),
            Serial.lineHasSerial("SPH-0001"),
            Serial.pay(),
            ReceiptScreen.clickNextOrder(),
            Serial.waitFor(
                "the snapshot loaded at start still lists the sold unit",
                (pos) => pos.serialOfflineProductOf("SPH-0001"),
                1000
            ),
            {
                content: "refresh the snapshot every half second",
                trigger: "body",
                run: () => {
                    window.posmodel.serialSnapshotRefreshMs = 500;
                    window.posmodel.startSerialSnapshotRefresh();
                },
            },
            Serial.waitFor(
                "a refresh dropped the sold unit and kept the unit in stock",
                (pos) =>
                    !pos.serialOfflineProductOf("SPH-0001") && pos.serialOfflineProductOf("SPH-0002")
            ),
            Serial.goOffline(),
            Serial.sellTyped("Serial Phone", "SPH-0001"),
            Serial.refusedTyped(
                "SPH-0001",
                "Serial cannot be checked offline",
                "SPH-0001"
            ),
            ProductScreen.orderIsEmpty(),
            Serial.sellTyped("Serial Phone", "SPH-0002"),
            Serial.lineHasSerial("SPH-0002"),
            inLeftSide({ trigger: ".orderline.selected .o_pos_serial_offline" }),
        ].flat(),
});
