import { patch } from "@web/core/utils/patch";
import { PosOrderline } from "@point_of_sale/app/models/pos_order_line";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { _t } from "@web/core/l10n/translation";

patch(PosOrderline.prototype, {
    /** A serial changed by hand no longer has the expiry scanned with the old one. */
    setPackLotLines({ modifiedPackLotLines }) {
        for (const lot of this.pack_lot_ids) {
            const name = modifiedPackLotLines?.[lot.id];
            if (name && name !== lot.lot_name) {
                lot.serial_scanned_expiry = false;
            }
        }
        return super.setPackLotLines(...arguments);
    },

    /**
     * The receipt prints each serial with its warranty end as the server has it: the
     * unit's warranty end once the order is synced, before that the one the server
     * gave when it checked the serial. A serial checked offline and not synced yet has
     * none: the receipt prints the serial alone.
     */
    getDisplayData() {
        const data = super.getDisplayData(...arguments);
        if (this.product_id.tracking === "serial" && this.qty > 0) {
            data.packLotLines = this.pack_lot_ids.map((lot) =>
                lot.serial_warranty_end
                    ? _t("SN %(serial)s · warranty until %(date)s", {
                          serial: lot.lot_name,
                          date: formatDate(deserializeDate(lot.serial_warranty_end)),
                      })
                    : _t("SN %(serial)s", { serial: lot.lot_name })
            );
        }
        return data;
    },
});
