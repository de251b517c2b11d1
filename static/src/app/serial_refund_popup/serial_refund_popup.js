import { Component, useState } from "@odoo/owl";
import { Dialog } from "@web/core/dialog/dialog";

/**
 * The cashier ticks the serials of the units handed back, exactly as many as refunded.
 * Resolves with the chosen serials; Cancel (or closing) chooses none.
 */
export class SerialRefundPopup extends Component {
    static components = { Dialog };
    static template = "pos_serial_tracking.SerialRefundPopup";
    static props = {
        title: String,
        productName: String,
        serials: { type: Array, element: String },
        needed: Number,
        getPayload: Function,
        close: Function,
    };

    setup() {
        this.state = useState({ chosen: [] });
    }

    isChosen(serial) {
        return this.state.chosen.includes(serial);
    }

    toggle(serial) {
        if (this.isChosen(serial)) {
            this.state.chosen = this.state.chosen.filter((name) => name !== serial);
        } else if (this.props.needed === 1) {
            this.state.chosen = [serial];
        } else if (this.state.chosen.length < this.props.needed) {
            this.state.chosen.push(serial);
        }
    }

    get canConfirm() {
        return this.state.chosen.length === this.props.needed;
    }

    confirm() {
        this.props.getPayload(this.props.serials.filter((name) => this.isChosen(name)));
        this.props.close();
    }
}
