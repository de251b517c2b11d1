from odoo import _, api, fields, models

from ..tools.serial_event import SerialEvent


class RepairOrder(models.Model):
    _inherit = "repair.order"

    # repair's plain Boolean, now following the serial: set when the unit's warranty
    # runs until today or later, as the lot is chosen (create, form); the user may
    # still tick or untick it. Existing repairs keep their value (the column exists).
    under_warranty = fields.Boolean(
        compute="_compute_under_warranty",
        store=True,
        readonly=False,
    )

    @api.depends("lot_id")
    def _compute_under_warranty(self):
        for repair in self:
            end = repair.lot_id.warranty_end_date
            repair.under_warranty = bool(
                end and end >= fields.Date.context_today(repair)
            )

    def write(self, vals):
        if "lot_id" not in vals or "under_warranty" in vals:
            return super().write(vals)
        before = {repair: repair.under_warranty for repair in self}
        result = super().write(vals)
        # a new serial may change the warranty: the parts' prices follow, as repair
        # does when under_warranty is written
        self.filtered(
            lambda repair: repair.under_warranty != before[repair]
        )._update_sale_order_line_price()
        return result

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
                SerialEvent(
                    repair.lot_id,
                    event,
                    partner_id=repair.partner_id.id or None,
                    res_model="repair.order",
                    res_id=repair.id,
                    reference=repair.name,
                )
                for repair in self
                if repair.lot_id
                and repair.product_id.tracking == "serial"
                and applies(repair.lot_id.serial_state)
            ]
        )
