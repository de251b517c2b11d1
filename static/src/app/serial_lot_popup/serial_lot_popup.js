import { onMounted } from "@odoo/owl";
import { EditListPopup } from "@point_of_sale/app/store/select_lot_popup/select_lot_popup";

/**
 * The popup where the cashier types a serial product's serials. Odoo's lot popup,
 * except that:
 * - it offers no list of serials (the server checks each one), so a serial being
 *   typed is not answered "No existing serial/lot number matching...";
 * - every entry is returned, a repeated one too: the till refuses it with a message
 *   instead of dropping it silently;
 * - reopened after a refusal, it selects the refused serial (`selectedText`) for the
 *   cashier to type the right one over it.
 */
export class SerialLotPopup extends EditListPopup {
    static props = {
        ...EditListPopup.props,
        selectedText: { type: String, optional: true },
    };

    setup() {
        super.setup();
        // after Odoo's focus on the last input (useAutoFocusToLast)
        onMounted(() => this.selectText(this.props.selectedText));
    }

    shouldShowOptionsForItem() {
        return false;
    }

    selectText(text) {
        if (!text) {
            return;
        }
        const input = [...this.editListRef.el.querySelectorAll("input")].findLast(
            (el) => el.value === text
        );
        if (input) {
            input.focus();
            input.select();
        }
    }

    confirm() {
        this.props.getPayload(
            this.state.array
                .map((item) => ({ ...item, text: item.text.trim() }))
                .filter((item) => item.text)
        );
        this.props.close();
    }
}
