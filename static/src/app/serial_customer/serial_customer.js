import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { _t } from "@web/core/l10n/translation";

/** The order sells at least one serialized unit (a refund alone asks for nothing). */
function sellsSerials(pos, order) {
    return order.lines.some((line) => pos.isSerialProduct(line.product_id) && line.qty > 0);
}

/**
 * The till's "Ask for a customer on serial sales" (pos.config serial_customer_policy),
 * before an order selling serialized units and having no customer goes on to payment
 * or is validated. "optional": the cashier chooses a customer, so the shop can reach
 * them in a recall, or continues without (asked once per order); "required": the order
 * goes on only once a customer is chosen. Returns whether the order may go on.
 * `goOnOnceChosen`: when the cashier has just chosen the customer, whether the order
 * goes on at once (to the payment screen) or stays for a second look (validation: the
 * customer's pricelist or fiscal position may change the amounts).
 *
 * Only the till asks: the server never refuses a paid order for want of a customer,
 * because a paid order must never be lost (a refused order blocks the till's sync).
 */
export async function askSerialCustomer(pos, order, { goOnOnceChosen = true } = {}) {
    const policy = pos.config.serial_customer_policy;
    if (
        !order ||
        !["optional", "required"].includes(policy) ||
        order.get_partner() ||
        !sellsSerials(pos, order) ||
        (policy === "optional" && pos.serialCustomerWaived.has(order.uuid))
    ) {
        return true;
    }
    const required = policy === "required";
    const choice = await new Promise((resolve) => {
        pos.dialog.add(
            AlertDialog,
            {
                title: required ? _t("Customer required") : _t("Customer for a recall"),
                body: required
                    ? _t(
                          "This sale holds serialized units: this shop sells them only to a known customer, so it can reach them in a recall. Choose the customer to go on."
                      )
                    : _t(
                          "This sale holds serialized units: choose a customer so the shop can reach them in a recall."
                      ),
                confirmLabel: _t("Choose Customer"),
                confirm: () => resolve("choose"),
                cancelLabel: required ? _t("Back") : _t("Continue Without"),
                cancel: () => resolve(required ? "back" : "without"),
                dismiss: () => resolve("back"),
                contentClass: "o_pos_serial_customer",
            },
            // the first answer counts: closing after a button changes nothing
            { onClose: () => resolve("back") }
        );
    });
    if (choice === "without") {
        pos.serialCustomerWaived.add(order.uuid);
        return true;
    }
    if (choice === "choose") {
        await pos.selectPartner();
        return Boolean(order.get_partner()) && goOnOnceChosen;
    }
    return false;
}
