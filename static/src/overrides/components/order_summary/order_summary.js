import { patch } from "@web/core/utils/patch";
import { OrderSummary } from "@point_of_sale/app/screens/product_screen/order_summary/order_summary";

patch(OrderSummary.prototype, {
    /** Serials edited on a line: marked when checked offline, with their warranty end. */
    async editPackLotLines(line) {
        await super.editPackLotLines(...arguments);
        this.pos.markSerialLines(line.order_id);
    },
});
