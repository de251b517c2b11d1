import { patch } from "@web/core/utils/patch";
import { Chrome } from "@point_of_sale/app/pos_app";
import { onMounted, onWillDestroy } from "@odoo/owl";

patch(Chrome.prototype, {
    setup() {
        super.setup(...arguments);
        // the offline snapshot of sellable serials is refreshed while the POS runs
        onMounted(() => this.pos.startSerialSnapshotRefresh());
        onWillDestroy(() => this.pos.stopSerialSnapshotRefresh());
    },
});
