import { patch } from "@web/core/utils/patch";
import { TicketScreen } from "@point_of_sale/app/screens/ticket_screen/ticket_screen";
import { EditListPopup } from "@point_of_sale/app/store/select_lot_popup/select_lot_popup";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { _t } from "@web/core/l10n/translation";

patch(TicketScreen.prototype, {
    /**
     * A refund takes back only serials the original line sold and no refund took back
     * yet; when there is a choice, the cashier picks the units handed back.
     */
    async postRefund(destinationOrder) {
        await super.postRefund(...arguments);
        for (const line of destinationOrder.lines) {
            const original = line.refunded_orderline_id;
            if (!original || !this.pos.isSerialProduct(line.product_id)) {
                continue;
            }
            const refunded = new Set(
                original.refund_orderline_ids
                    .filter((refund) => refund !== line)
                    .flatMap((refund) => refund.pack_lot_ids.map((lot) => lot.lot_name))
            );
            const refundable = original.pack_lot_ids
                .map((lot) => lot.lot_name)
                .filter((name) => !refunded.has(name));
            const needed = Math.abs(line.qty);
            let chosen = refundable.slice(0, needed);
            if (refundable.length > needed) {
                const payload = await makeAwaitable(this.dialog, EditListPopup, {
                    title: _t("Which serials are handed back?"),
                    name: line.product_id.display_name,
                    isSingleItem: needed === 1,
                    array: [],
                    options: refundable,
                    customInput: false,
                    uniqueValues: true,
                    isLotNameUsed: () => false,
                });
                if (payload) {
                    chosen = payload.map((item) => item.text).slice(0, needed);
                }
            }
            line.setPackLotLines({
                modifiedPackLotLines: {},
                newPackLotLines: chosen.map((name) => ({ lot_name: name })),
                setQuantity: false,
            });
        }
    },
});
