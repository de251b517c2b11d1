from odoo import _, models


class RepairOrder(models.Model):
    _inherit = "repair.order"

    def action_view_serial(self):
        self.ensure_one()
        self.check_access("read")
        return self.lot_id._action_open_serials(_("Serial of %s", self.name))

    def action_repair_start(self):
        result = super().action_repair_start()
        self._record_serial_repair("repair_in", lambda state: state != "in_repair")
        return result

    def action_repair_done(self):
        result = super().action_repair_done()
        self._record_serial_repair("repair_out", lambda state: state == "in_repair")
        return result

    def action_repair_cancel(self):
        result = super().action_repair_cancel()
        self._record_serial_repair("repair_out", lambda state: state == "in_repair")
        return result

    def _record_serial_repair(self, event, applies):
        self.env["stock.lot"]._apply_serial_events(
            [
                {
                    "lot": repair.lot_id,
                    "event": event,
                    "partner_id": repair.partner_id.id or None,
                    "res_model": "repair.order",
                    "res_id": repair.id,
                    "reference": repair.name,
                }
                for repair in self
                if repair.lot_id
                and repair.product_id.tracking == "serial"
                and applies(repair.lot_id.serial_state)
            ]
        )
