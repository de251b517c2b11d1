from odoo import models

INTERNAL = ("internal", "transit")


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    def _serial_event(self):
        """The lifecycle event of this done line's unit, from where it went."""
        self.ensure_one()
        source, dest = self.location_id, self.location_dest_id
        if dest.scrap_location:
            return "scrapped"
        if dest.usage == "customer":
            return "returned" if source.usage == "customer" else "sold"
        if dest.usage in INTERNAL:
            if source.usage in INTERNAL:
                return "moved"
            return "returned" if source.usage == "customer" else "received"
        if dest.usage == "inventory":
            return "adjusted_out"
        if dest.usage == "supplier":
            return "returned_to_vendor"
        if dest.usage == "production":
            return "consumed"
        return "moved"
