import { patch } from "@web/core/utils/patch";
import { PaymentScreen } from "@point_of_sale/app/screens/payment_screen/payment_screen";
import { askSerialCustomer } from "@pos_serial_tracking/app/serial_customer/serial_customer";

patch(PaymentScreen.prototype, {
    /**
     * Validating an order selling serialized units asks for its customer as the till's
     * setting says (the customer may have been removed on this screen); once chosen,
     * the cashier validates again.
     */
    async _askForCustomerIfRequired() {
        const result = await super._askForCustomerIfRequired(...arguments);
        if (result === false) {
            return false;
        }
        const goOn = await askSerialCustomer(this.pos, this.currentOrder, {
            goOnOnceChosen: false,
        });
        return goOn ? result : false;
    },
});
