import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import { inLeftSide } from "@point_of_sale/../tests/tours/utils/common";

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
