import { patch } from "@web/core/utils/patch";
import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";

patch(OrderSummary.prototype, {
    /** Serials edited on a line: marked when checked offline, with their warranty end. */
    async editPackLotLines(line) {
        await super.editPackLotLines(...arguments);
        this.pos.markSerialLines(line.order_id);
    },

    /** A line removed with the numpad: the serials its order held are released. */
    _setValue(val) {
        const result = super._setValue(...arguments);
        if (val === "remove") {
            this.pos.scheduleSerialLeaseSync();
        }
        return result;
    },
});
