import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as Numpad from "@point_of_sale/../tests/tours/utils/numpad_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import { inLeftSide } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

const phoneId = (pos) =>
    pos.models["product.product"].find((product) => product.name === "Serial Phone").id;

// A serial another till's open order holds is refused, naming that till; a serial the
// check accepts is held by this order, and released once its line is removed. The bus
// message of another till's lease drops the unit from the offline list, its release
// brings it back.
registry.category("web_tour.tours").add("pos_serial_lease_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            Serial.sellTyped("Serial Phone", "SPH-HELD"),
            Serial.refusedTyped(
                "SPH-HELD",
                "Serial in an open order at another till",
                "is in an open order at Till Two since"
            ),
            ProductScreen.orderIsEmpty(),
            Serial.sellTyped("Serial Phone", "SPH-L1"),
            Serial.lineHasSerial("SPH-L1"),
            Serial.waitFor("the order holds SPH-L1", (pos) =>
                pos.serialLeases.get(pos.get_order().uuid)?.has("SPH-L1")
            ),
            {
                content: "another till's order takes SPH-L2: the offline list drops it",
                trigger: "body",
                run: () => {
                    const pos = window.posmodel;
                    if (!pos.serialOfflineFind(phoneId(pos), "SPH-L2")) {
                        throw new Error("SPH-L2 should be in the offline list first");
                    }
                    pos.onSerialAvailability({
                        unavailable: [[phoneId(pos), "SPH-L2"]],
                        available: [],
                    });
                    if (pos.serialOfflineFind(phoneId(pos), "SPH-L2")) {
                        throw new Error("SPH-L2 should be out of the offline list");
                    }
                    pos.onSerialAvailability({
                        unavailable: [],
                        available: [[phoneId(pos), "SPH-L2"], [phoneId(pos), "SPH-ELSE"]],
                    });
                    if (!pos.serialOfflineFind(phoneId(pos), "SPH-L2")) {
                        throw new Error("SPH-L2 should be back in the offline list");
                    }
                    if (pos.serialOfflineFind(phoneId(pos), "SPH-ELSE")) {
                        throw new Error("a unit never dropped should not be added");
                    }
                },
            },
            inLeftSide([Numpad.click("⌫"), Numpad.click("⌫")]),
            ProductScreen.orderIsEmpty(),
            Serial.waitFor("SPH-L1 released", (pos) => !pos.serialLeases.size),
            // the release reached the server: SPH-L1 is free, sold again here
            Serial.sellTyped("Serial Phone", "SPH-L1"),
            Serial.lineHasSerial("SPH-L1"),
        ].flat(),
});
