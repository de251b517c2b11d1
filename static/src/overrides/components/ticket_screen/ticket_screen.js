import { patch } from "@web/core/utils/patch";
import { TicketScreen } from "@point_of_sale/app/screens/ticket_screen/ticket_screen";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { SerialRefundPopup } from "@pos_serial_tracking/app/serial_refund_popup/serial_refund_popup";
import { _t } from "@web/core/l10n/translation";

patch(TicketScreen.prototype, {
    /**
     * A refund takes back only serials the original line sold and no refund took back
     * yet; when there is a choice, the cashier picks the units handed back here, on
     * the ticket screen, before any refund line exists. Cancel leaves the ticket
     * screen as it was: no refund.
     */
    async onDoRefund() {
        const order = this.getSelectedOrder();
        if (
            order &&
            this._doesOrderHaveSoleItem(order) &&
            !this._prepareAutoRefundOnOrder(order)
        ) {
            return;
        }
        if (!order || !this.getHasItemsToRefund()) {
            return super.onDoRefund(...arguments);
        }
        const chosen = new Map();
        for (const detail of this._getRefundableDetails(order.get_partner(), order)) {
            const original = detail.line;
            if (!this.pos.isSerialProduct(original.product_id)) {
                continue;
            }
            const refunded = new Set(
                original.refund_orderline_ids.flatMap((refund) =>
                    refund.pack_lot_ids.map((lot) => lot.lot_name)
                )
            );
            const refundable = original.pack_lot_ids
                .map((lot) => lot.lot_name)
                .filter((name) => !refunded.has(name));
            const needed = Math.abs(detail.qty);
            let serials = refundable.slice(0, needed);
            if (refundable.length > needed) {
                serials = await makeAwaitable(this.dialog, SerialRefundPopup, {
                    title: _t("Which serials are handed back?"),
                    productName: original.product_id.display_name,
                    serials: refundable,
                    needed,
                });
                if (!serials) {
                    return;
                }
            }
            chosen.set(original.uuid, serials);
        }
        this.serialRefundChoices = chosen;
        try {
            return await super.onDoRefund(...arguments);
        } finally {
            this.serialRefundChoices = null;
        }
    },

    /** Odoo's awaited hook, once the refund lines exist: they get the chosen serials. */
    async addAdditionalRefundInfo(order, destinationOrder) {
        await super.addAdditionalRefundInfo(...arguments);
        for (const [uuid, serials] of this.serialRefundChoices || []) {
            const line = destinationOrder.lines
                .filter((l) => l.refunded_orderline_id?.uuid === uuid)
                .at(-1);
            line?.setPackLotLines({
                modifiedPackLotLines: {},
                newPackLotLines: serials.map((name) => ({ lot_name: name })),
                setQuantity: false,
            });
        }
    },
});
