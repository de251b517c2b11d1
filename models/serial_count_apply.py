"""A compared serial count applied to the stock, through Odoo's inventory adjustment:
serial.count's applying steps (the lock, the plan, what happens to one line's unit,
the adjustment), each a method another module may override with super().
serial.count.action_apply locks the count (_lock_compared), compares it again, then
applies it (_apply_differences); the serials' events go through stock.lot's
_apply_serial_events, with the count as their document."""

from odoo import _, models
from odoo.exceptions import UserError

from ..tools import serial_lifecycle as lifecycle
from ..tools.serial_event import SerialEvent
from .serial_count_line import APPLY_RESULTS
from .stock_move import EVENT_DOCUMENT
from .stock_move_line import INTERNAL

# the states an inventory adjustment may take a unit out of, or bring it in from
ADJUST_OUT_FROM = frozenset(lifecycle.TRANSITIONS["adjusted_out"])
RECEIVE_FROM = frozenset(lifecycle.TRANSITIONS["received"])


class SerialCount(models.Model):
    _inherit = "serial.count"

    def _lock_compared(self):
        """Lock this count's row and read its state as committed: two managers
        applying one count at once, the second waits, fails to serialize, is replayed
        by Odoo and is refused as already applied. UserError unless the count is
        compared. May be overridden."""
        self.ensure_one()
        self.flush_recordset()
        self.env.cr.execute(
            "SELECT state FROM serial_count WHERE id = %s FOR NO KEY UPDATE",
            [self.id],
        )
        self.invalidate_recordset(["state"])
        self._check_open()
        if self.state != "compared":
            raise UserError(
                _(
                    "Compare count %(count)s first and check its lists: applying it "
                    "adjusts the stock.",
                    count=self.name,
                )
            )

    def _apply_differences(self):
        """Make the stock agree with this compared count, through Odoo's inventory
        adjustment (stock.quant in inventory mode, inventory_quantity,
        action_apply_inventory), as its plan says (_apply_plan): first every unit
        out (the missing ones, and the unexpected ones from where the stock has
        them), then the unexpected ones in at the location, so that each serial's
        events run in order (adjusted out, then received). A lost or stolen unit
        already in stock here is received with no stock change. A unit whose state
        no adjustment may change (sold, in repair, scrapped, recalled...) is left as
        it is, for its own operation (a return, the end of the repair). Each line
        gets its apply_result. May be overridden."""
        self.ensure_one()
        env = self.env
        plan = self._apply_plan()
        out_here, bring = plan["adjusted_out"], plan["brought_here"]
        document = {"res_model": self._name, "res_id": self.id, "reference": self.name}
        context = {
            "inventory_mode": True,
            "inventory_name": self.name,
            EVENT_DOCUMENT: document,
        }
        Quant = env["stock.quant"].with_context(**context)
        here = self.location_id.parent_path
        outs = Quant.search(
            [
                ("lot_id", "in", out_here.lot_id.ids),
                ("location_id", "child_of", self.location_id.id),
                ("quantity", ">", 0),
            ]
        ) | Quant.search(
            [
                ("lot_id", "in", bring.lot_id.ids),
                ("location_id.usage", "in", INTERNAL),
                ("quantity", ">", 0),
            ]
        ).filtered(lambda quant: not quant.location_id.parent_path.startswith(here))
        if outs:
            outs.write({"inventory_quantity": 0})
            self._apply_inventory(outs)
        if bring:
            self._apply_inventory(
                Quant.create(
                    [
                        {
                            "product_id": line.product_id.id,
                            "location_id": self.location_id.id,
                            "lot_id": line.lot_id.id,
                            "inventory_quantity": 1,
                        }
                        for line in bring
                    ]
                ),
            )
        env["stock.lot"]._apply_serial_events(
            [
                SerialEvent(line.lot_id, "received", **document)
                for line in plan["received"]
            ]
        )
        env.flush_all()
        for result, result_lines in plan.items():
            if result_lines:
                env.cr.execute(
                    "UPDATE serial_count_line SET apply_result = %s WHERE id = ANY(%s)",
                    [result, result_lines.ids],
                )
        env["serial.count.line"].invalidate_model(["apply_result"])

    def _apply_plan(self):
        """What applying this compared count does to each missing or unexpected
        line's unit: {APPLY_RESULTS key: its serial.count.line}, each line's key from
        _line_apply_result. May be overridden."""
        self.ensure_one()
        Line = self.env["serial.count.line"]
        lines = Line.search(
            [("count_id", "=", self.id), ("status", "in", ("missing", "unexpected"))]
        )
        plan = {result: Line for result, _label in APPLY_RESULTS}
        for line in lines:
            plan[self._line_apply_result(line)] |= line
        return plan

    def _line_apply_result(self, line):
        """What applying this count does to the unit of a missing or unexpected
        `line` (serial.count.line): an APPLY_RESULTS key, from its state and where
        the stock has it. May be overridden (e.g. to leave a unit as it is)."""
        state = line.found_state or False
        if line.status == "missing":
            return "adjusted_out" if state in ADJUST_OUT_FROM else "left"
        if state not in RECEIVE_FROM:
            return "left"  # sold, in repair, scrapped, recalled: their own operation
        if line.at_location:
            return "received"  # lost or stolen, and in stock here already
        where = line.sudo().found_location_id
        if where.usage in INTERNAL and (
            state not in ADJUST_OUT_FROM
            or (where.company_id and where.company_id != self.company_id)
        ):
            return "left"  # in the stock of another company, or not movable
        return "brought_here"

    def _apply_inventory(self, quants):
        """Apply the inventory adjustment of `quants` (stock.quant in inventory
        mode); a UserError when Odoo asks for a confirmation (the stock changed)."""
        action = quants.action_apply_inventory()
        if isinstance(action, dict):  # Odoo asks for a confirmation first
            raise UserError(
                _(
                    "The stock of some serials of count %(count)s changed while it "
                    "was applied (%(what)s). Compare it again, then apply it.",
                    count=self.name,
                    what=action.get("name"),
                )
            )
