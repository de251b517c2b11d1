import { patch } from "@web/core/utils/patch";
import { TicketScreen } from "@point_of_sale/app/screens/ticket_screen/ticket_screen";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { SerialRefundPopup } from "@pos_serial_tracking/app/serial_refund_popup/serial_refund_popup";
import { _t } from "@web/core/l10n/translation";

patch(TicketScreen.prototype, {
    /**
     * A refund takes back only serials the original line sold and no refund took back
     * yet; when there is a choice, the cashier picks the units handed back here, on
     * the ticket screen, before Odoo creates any refund line (it has no awaited hook
     * before them). Cancel leaves the ticket screen as it was: no refund.
     */
    async onDoRefund() {
        const order = this.getSelectedOrder();
        const chosen = new Map();
        // the quantities the cashier set; Odoo's own refund then adds the sole
        // refundable unit of an order when none is set: that one has no choice
        for (const detail of order ? this._getRefundableDetails(order.get_partner(), order) : []) {
            const original = detail.line;
            if (!this.pos.isSerialProduct(original.product_id)) {
                continue;
            }
            const refundable = this.serialsToRefund(original);
            const needed = Math.abs(detail.qty);
            if (refundable.length > needed) {
                const serials = await makeAwaitable(this.dialog, SerialRefundPopup, {
                    title: _t("Which serials are handed back?"),
                    productName: original.product_id.display_name,
                    serials: refundable,
                    needed,
                });
                if (!serials) {
                    return;
                }
                chosen.set(original.uuid, serials);
            }
        }
        // the refund lines that exist before Odoo's refund adds its own
        this.serialRefundKnownLines = new Set(
            (order?.lines || []).flatMap((line) => line.refund_orderline_ids.map((l) => l.uuid))
        );
        this.serialRefundChoices = chosen;
        try {
            return await super.onDoRefund(...arguments);
        } finally {
            this.serialRefundChoices = null;
            this.serialRefundKnownLines = null;
        }
    },

    /** The serials of `original` (a sold line) that no refund line, other than `except`, holds. */
    serialsToRefund(original, except = null) {
        const refunded = new Set(
            original.refund_orderline_ids
                .filter((refund) => refund !== except)
                .flatMap((refund) => refund.pack_lot_ids.map((lot) => lot.lot_name))
        );
        return original.pack_lot_ids
            .map((lot) => lot.lot_name)
            .filter((name) => !refunded.has(name));
    },

    /**
     * Odoo's awaited hook, once the refund lines exist (each with every serial of its
     * original line): they hold the serials chosen, or those not yet refunded.
     */
    async addAdditionalRefundInfo(order, destinationOrder) {
        await super.addAdditionalRefundInfo(...arguments);
        const known = this.serialRefundKnownLines;
        if (!known) {
            return;
        }
        for (const line of destinationOrder.lines) {
            const original = line.refunded_orderline_id;
            if (
                !original ||
                known.has(line.uuid) ||
                !this.pos.isSerialProduct(original.product_id)
            ) {
                continue;
            }
            const serials =
                this.serialRefundChoices?.get(original.uuid) ||
                this.serialsToRefund(original, line).slice(0, Math.abs(line.qty));
            line.setPackLotLines({
                modifiedPackLotLines: {},
                newPackLotLines: serials.map((name) => ({ lot_name: name })),
                setQuantity: false,
            });
        }
    },
});
