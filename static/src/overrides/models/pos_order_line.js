import { patch } from "@web/core/utils/patch";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { deserializeDateTime, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";

const { DateTime } = luxon;

patch(PosOrderline.prototype, {
    /** The receipt prints each serial with its warranty end. */
    getDisplayData() {
        const data = super.getDisplayData(...arguments);
        const months = this.product_id.warranty_months;
        if (this.product_id.tracking === "serial" && months && this.qty > 0) {
            const ordered = this.order_id.date_order;
            const start =
                typeof ordered === "string" ? deserializeDateTime(ordered) : ordered || DateTime.now();
            const end = formatDate(start.plus({ months }).minus({ days: 1 }));
            data.packLotLines = this.pack_lot_ids.map((lot) =>
                _t("SN %(serial)s · warranty until %(date)s", {
                    serial: lot.lot_name,
                    date: end,
                })
            );
        }
        return data;
    },
});
