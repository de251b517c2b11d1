import * as Chrome from "@point_of_sale/../tests/tours/utils/chrome_util";
import * as Dialog from "@point_of_sale/../tests/tours/utils/dialog_util";
import * as PartnerList from "@point_of_sale/../tests/tours/utils/partner_list_util";
import * as PaymentScreen from "@point_of_sale/../tests/tours/utils/payment_screen_util";
import * as ProductScreen from "@point_of_sale/../tests/tours/utils/product_screen_util";
import * as ReceiptScreen from "@point_of_sale/../tests/tours/utils/receipt_screen_util";
import { negate } from "@point_of_sale/../tests/tours/utils/common";
import * as Serial from "@pos_serial_tracking/../tests/tours/utils/serial_util";
import { registry } from "@web/core/registry";

// "Ask for a customer on serial sales": optional. A phone sold without customer: the
// till asks once, the cashier continues without and is paid (validation does not ask
// again). The next phone: the cashier chooses the customer from the dialog. A sale
// without serial product: nothing is asked.
registry.category("web_tour.tours").add("pos_serial_customer_optional_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            Serial.sellTyped("Serial Phone", "SPH-0001"),
            ProductScreen.clickPayButton(false),
            Serial.customerAsked("Customer for a recall", "reach them in a recall"),
            Dialog.confirm("Continue Without", ".btn-secondary"),
            PaymentScreen.isShown(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            Serial.receiptShown(),
            ReceiptScreen.clickNextOrder(),

            Serial.sellTyped("Serial Phone", "SPH-0002"),
            ProductScreen.clickPayButton(false),
            Serial.customerAsked("Customer for a recall"),
            Dialog.confirm("Choose Customer"),
            PartnerList.clickPartner("Recall Buyer"),
            PaymentScreen.isShown(),
            { trigger: ".payment-screen .partner-button:contains('Recall Buyer')" },
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            Serial.receiptShown(),
            ReceiptScreen.clickNextOrder(),

            ProductScreen.clickDisplayedProduct("Desk Pad"),
            ProductScreen.clickPayButton(),
            Serial.noCustomerAsked(),
            PaymentScreen.clickPaymentMethod("Bank"),
            PaymentScreen.clickValidate(),
            Serial.receiptShown(),
        ].flat(),
});

// "required": the cashier cannot go on without a customer. Back, or closing the
// customer list without choosing, stays on the order; a customer chosen goes on to
// payment. Removed on the payment screen, the customer is asked again at validation;
// once chosen, the cashier validates.
registry.category("web_tour.tours").add("pos_serial_customer_required_tour", {
    steps: () =>
        [
            Chrome.startPoS(),
            Dialog.confirm("Open Register"),
            Serial.sellTyped("Serial Phone", "SPH-0001"),
            ProductScreen.clickPayButton(false),
            Serial.customerAsked("Customer required", "sells them only to a known customer"),
            { trigger: negate(".modal .btn:contains('Continue Without')") },
            Dialog.confirm("Back", ".btn-secondary"),
            Serial.noCustomerAsked(),
            ProductScreen.isShown(),
            ProductScreen.clickPayButton(false),
            Serial.customerAsked("Customer required"),
            Dialog.confirm("Choose Customer"),
            { trigger: ".modal .partner-list b:contains(Recall Buyer)" },
            Dialog.discard(),
            Serial.noCustomerAsked(),
            ProductScreen.isShown(),
            ProductScreen.clickPayButton(false),
            Serial.customerAsked("Customer required"),
            Dialog.confirm("Choose Customer"),
            PartnerList.clickPartner("Recall Buyer"),
            PaymentScreen.isShown(),
            PaymentScreen.clickPaymentMethod("Bank"),
            { trigger: ".payment-screen button.partner-button", run: "click" },
            { trigger: ".modal .partner-list .unselect-tag", run: "click" },
            { trigger: negate(".payment-screen .partner-button:contains('Recall Buyer')") },
            PaymentScreen.clickValidate(),
            Serial.customerAsked("Customer required"),
            Dialog.confirm("Choose Customer"),
            PartnerList.clickPartner("Recall Buyer"),
            Serial.noCustomerAsked(),
            PaymentScreen.isShown(),
            PaymentScreen.clickValidate(),
            Serial.receiptShown(),
        ].flat(),
});
