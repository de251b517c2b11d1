import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { pivotView } from "@web/views/pivot/pivot_view";
import { PivotRenderer } from "@web/views/pivot/pivot_renderer";
import { SerialDashboardKpis } from "./serial_dashboard_kpis";

/**
 * Odoo's pivot of the serial counts, with the dashboard's indicators above it; a
 * count opens the serials behind it (stock.lot) instead of the pivot's own rows.
 */
export class SerialDashboardPivotRenderer extends PivotRenderer {
    static template = "pos_serial_tracking.SerialDashboardPivotRenderer";
    static components = { ...PivotRenderer.components, SerialDashboardKpis };

    setup() {
        super.setup();
        this.orm = useService("orm");
    }

    async onOpenView(cell) {
        if (cell.value === undefined || cell.originIndexes.length > 1) {
            return;
        }
        const domain = this.model.getGroupDomain({
            rowValues: cell.groupId[0],
            colValues: cell.groupId[1],
            originIndex: cell.originIndexes[0],
        });
        const action = await this.orm.call("serial.prefix.summary", "action_open_lots", [
            domain,
            cell.measure,
        ]);
        this.actionService.doAction(action);
    }
}

export const serialDashboardPivotView = {
    ...pivotView,
    Renderer: SerialDashboardPivotRenderer,
};

registry.category("views").add("serial_dashboard_pivot", serialDashboardPivotView);
