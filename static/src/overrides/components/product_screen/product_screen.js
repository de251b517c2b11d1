import { patch } from "@web/core/utils/patch";
import { ProductScreen } from "@point_of_sale/app/screens/product_screen/product_screen";
import { useBarcodeReader } from "@point_of_sale/app/barcode/barcode_reader_hook";

const { DateTime } = luxon;

patch(ProductScreen.prototype, {
    setup() {
        super.setup(...arguments);
        // codes the stock nomenclature reads as lots ("10..."): serials too
        useBarcodeReader({ lot: this._barcodeSerialAction });
    },

    /** A scanned code that is no product barcode may be a unit's serial. */
    async _barcodeProductAction(code) {
        const isProduct = this.pos.models["product.product"].getBy("barcode", code.base_code);
        if (!isProduct && (await this._barcodeSerialAction(code))) {
            return;
        }
        return super._barcodeProductAction(...arguments);
    },

    /**
     * A GS1 code with a serial (AI 21) and an expiry (AI 17): the expiry travels with
     * the serial to its check (PosStore.addLineToOrder), as "YYYY-MM-DD".
     */
    async _barcodeGS1Action(parsedResults) {
        const lot = parsedResults.find((element) => element.type === "lot");
        const expiry = parsedResults.find((element) => element.type === "expiration_date");
        if (lot && expiry?.value instanceof Date) {
            lot.serial_expiry = DateTime.fromJSDate(expiry.value).toISODate();
        }
        return super._barcodeGS1Action(...arguments);
    },

    async _barcodeSerialAction(code) {
        const serial = code.code;
        let productId = this.pos.serialOfflineProductOf(serial)?.id;
        if (!productId && !this.pos.data.network.offline) {
            const found = await this.pos.data.call("pos.config", "find_pos_serial", [
                this.pos.config.id,
                serial,
            ]);
            productId = found && found.product_id;
        }
        const product = productId && this.pos.models["product.product"].get(productId);
        if (!product) {
            if (code.type === "lot") {
                this.barcodeReader.showNotFoundNotification(code);
            }
            return false;
        }
        await this.pos.addLineToCurrentOrder(
            { product_id: product },
            { code: { type: "lot", code: serial } }
        );
        this.numberBuffer.reset();
        return true;
    },
});
