import { Component, onWillStart, onWillUpdateProps } from "@odoo/owl";
import { useService } from "@web/core/utils/hooks";
import { deserializeDateTime, formatDateTime } from "@web/core/l10n/dates";
import { formatFloat } from "@web/views/fields/formatters";
import { View } from "@web/views/view";

/**
 * The dashboard's indicators for the serials the dashboard's filters select: lost
 * and stolen units, open sale conflicts, inventory accuracy, the time the server
 * took to locate a unit and read its history (measured at each load), and Odoo's
 * graph of the units registered per day; links to the compliance reports for those
 * who may print them.
 */
export class SerialDashboardKpis extends Component {
    static template = "pos_serial_tracking.SerialDashboardKpis";
    static components = { View };
    static props = { domain: { type: Array, optional: true } };

    setup() {
        this.orm = useService("orm");
        this.action = useService("action");
        onWillStart(() => this.load(this.props.domain));
        onWillUpdateProps((next) => {
            if (JSON.stringify(next.domain) !== JSON.stringify(this.props.domain)) {
                return this.load(next.domain);
            }
        });
    }

    async load(domain) {
        const data = await this.orm.call("serial.prefix.summary", "retrieve_dashboard", [
            domain || [],
        ]);
        this.data = data;
        this.graphProps = {
            resModel: "stock.lot",
            type: "graph",
            domain: data.registered_domain,
            views: [
                [data.registered_view_id, "graph"],
                [false, "search"],
            ],
            display: { controlPanel: false },
            useSampleModel: false,
        };
    }

    get milliseconds() {
        return formatFloat(this.data.locate.milliseconds, { digits: [false, 1] });
    }

    /** When the figures were read, and on a replica up to which primary change. */
    get readAt() {
        return formatDateTime(deserializeDateTime(this.data.freshness.read_at), {
            format: "HH:mm:ss",
        });
    }

    get replayedAt() {
        const replayedAt = this.data.freshness.replayed_at;
        return replayedAt && formatDateTime(deserializeDateTime(replayedAt));
    }

    get accuracy() {
        return formatFloat(this.data.accuracy.rate, { digits: [false, 1] });
    }

    async openLots(measure) {
        const action = await this.orm.call("serial.prefix.summary", "action_open_lots", [
            this.props.domain || [],
            measure,
        ]);
        this.action.doAction(action);
    }

    openConflicts() {
        this.action.doAction("pos_serial_tracking.serial_conflict_action");
    }

    openCounts() {
        this.action.doAction("pos_serial_tracking.serial_count_action");
    }

    openLossReport() {
        this.action.doAction("pos_serial_tracking.serial_loss_report_action");
    }

    openIntegrityReport() {
        this.action.doAction("pos_serial_tracking.serial_fingerprint_check_action");
    }
}
