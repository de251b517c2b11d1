from odoo import _, api, models
from odoo.tools.sql import create_index

from ..tools.serial_event import SerialEvent
from .stock_move_line import INTERNAL

# in the context: the caller records the serial events of the stock it changes (a stock
# move's done processing, stock_move.py), the quants must not record them again
EVENTS_BY_CALLER = "serial_events_by_caller"


class StockQuant(models.Model):
    _inherit = "stock.quant"

    def init(self):
        # the till's deltas of sellable serials read the quants changed since a
        # moment (pos_config_offline_set.py); created only when missing (CREATE
        # INDEX locks the table even when the index exists)
        create_index(
            self.env.cr,
            "stock_quant_serial_write_date_index",
            "stock_quant",
            ["write_date"],
        )

    @api.model
    def _update_available_quantity(
        self,
        product_id,
        location_id,
        quantity=False,
        reserved_quantity=False,
        lot_id=None,
        package_id=None,
        owner_id=None,
        in_date=None,
    ):
        result = super()._update_available_quantity(
            product_id,
            location_id,
            quantity=quantity,
            reserved_quantity=reserved_quantity,
            lot_id=lot_id,
            package_id=package_id,
            owner_id=owner_id,
            in_date=in_date,
        )
        # cheap first: most calls have no serial, or come from a move being done
        if (
            quantity
            and lot_id
            and not self.env.context.get(EVENTS_BY_CALLER)
            and location_id.usage in INTERNAL
            and product_id.tracking == "serial"
        ):
            self._record_serial_stock_change(lot_id, location_id, quantity)
        return result

    def _record_serial_stock_change(self, lot, location, quantity):
        """A serial's stock changed in an internal location without a stock move
        (Odoo's tests and some integrations do it): its state follows, as after a move.
        A unit arriving in stock is received; a unit leaving the last internal location
        that held it is removed as an inventory adjustment removes it (adjusted_out: a
        unit in stock becomes lost, as missing). Refused with the lifecycle's message,
        like any other path, when the lifecycle does not allow it (receiving a sold
        unit: that is a return)."""
        in_stock = (
            self.sudo()._read_group(
                [("lot_id", "=", lot.id), ("location_id.usage", "in", INTERNAL)],
                aggregates=["quantity:sum"],
            )[0][0]
            or 0
        )
        if quantity > 0 and in_stock > 0:
            event = "received"
        elif quantity < 0 and in_stock <= 0:
            event = "adjusted_out"
        else:
            return
        self.env["stock.lot"].sudo()._apply_serial_events(
            [
                SerialEvent(
                    lot,
                    event,
                    # the unit arrived there, or left it
                    **{
                        "location_dest_id" if quantity > 0 else "location_id": (
                            location.id
                        )
                    },
                    res_model="stock.location",
                    res_id=location.id,
                    reference=location.complete_name,
                    note=_("Stock changed without a transfer."),
                )
            ]
        )
