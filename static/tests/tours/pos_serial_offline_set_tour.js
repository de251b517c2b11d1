import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import { inLeftSide, scan_barcode } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

// the hashes Python computes (tests/test_pos_serial_offline_set.py AGREED_HASHES)
const AGREED_HASHES = [
    [7, "SN-1", "87fb12f92fddeb23"],
    [12, "SÉ✓-é", "b03b29fc9c7aed41"],
    [123456, "0123456789ABCDEFGHIJ/x", "abb9d03324fbe846"],
    [1, "X".repeat(70), "c13cdc1e79bfa5a0"],
];

// A big shop's till: 500,000 sellable serials loaded in its offline set in under a
// second. Offline, a registered unit typed or scanned (its product found among the
// shop's 50) is accepted, a sold one is
// refused, and past the shop's limit on offline sales (2 here) a manager must
// reconnect the till; back online, the order is paid.
registry.category("web_tour.tours").add("pos_serial_offline_set_tour", {
    steps: () =>
        [
            {
                content: "the till has loaded (the shop's set is built on a loaded machine)",
                // body is hidden while the till loads: found visible or not
                trigger: "body:not(:visible), body:visible",
                run: async () => {
                    const end = Date.now() + 110000;
                    while (!document.querySelector(".screen-login .btn.open-register-btn")) {
                        if (Date.now() > end) {
                            throw new Error("The till did not load");
                        }
                        await new Promise((resolve) => setTimeout(resolve, 200));
                    }
                },
            },
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            {
                content: "the till computes the server's hashes",
                trigger: "body",
                run: () => {
                    // read at run time: the module is in the till's bundle only, and
                    // this file is loaded with every tour (the backend's too)
                    const { serialHashHex } = odoo.loader.modules.get(
                        "@pos_serial_tracking/app/serial_offline_set/serial_offline_set"
                    );
                    for (const [productId, serial, expected] of AGREED_HASHES) {
                        const hex = serialHashHex(productId, serial);
                        if (hex !== expected) {
                            throw new Error(`hash of ${productId}:${serial}: ${hex}, not ${expected}`);
                        }
                    }
                },
            },
            {
                content: "500,000 serials are loaded in under a second",
                trigger: "body",
                run: () => {
                    const pos = window.posmodel;
                    const { size } = pos.serialSnapshot.set;
                    const ms = pos.serialSnapshotLoadMs;
                    console.log(`pos_serial_offline_set: ${size} serials decoded in ${ms.toFixed(1)} ms`);
                    if (size !== 500000 || !(ms < 1000)) {
                        throw new Error(`offline set: ${size} serials loaded in ${ms} ms`);
                    }
                },
            },
            Serial.goOffline(),
            Serial.sellTyped("Serial Phone", "OFF-0005000"),
            Serial.lineHasSerial("OFF-0005000"),
            inLeftSide({ trigger: ".orderline.selected .o_pos_serial_offline" }),
            Serial.sellTyped("Serial Phone", "OFF-SOLD-0000001"),
            Serial.refusedTyped(
                "OFF-SOLD-0000001",
                "Serial cannot be checked offline",
                "OFF-SOLD-0000001"
            ),
            // a unit of another of the shop's 50 products, found by its serial alone
            scan_barcode("OFF-0250000"),
            ProductScreen.selectedOrderlineHas("Offline Product 24", "1.00"),
            Serial.lineHasSerial("OFF-0250000"),
            Serial.sellTyped("Serial Phone", "OFF-0000003"),
            Serial.refusedTyped("OFF-0000003", "A manager must reconnect the till", "2 units"),
            Serial.goOnline(),
            Serial.pay(),
        ].flat(),
});
