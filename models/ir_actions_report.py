from odoo import api, models

from ..tools.serial_datamatrix import SYMBOLOGY, gs1_datamatrix_png


class IrActionsReport(models.Model):
    _inherit = "ir.actions.report"

    @api.model
    def barcode(self, barcode_type, value, **kwargs):
        """Odoo's barcode rendering, and the symbology "GS1DataMatrix": a GS1
        DataMatrix of an element string whose FNC1 separators are GS (ASCII 29),
        which reportlab's ECC200DataMatrix cannot write
        (tools/serial_datamatrix.py). Same options and limits as the others:
        `width`, `height` (the symbol is square: the smaller one), `quiet`."""
        if barcode_type != SYMBOLOGY:
            return super().barcode(barcode_type, value, **kwargs)
        width = int(kwargs.get("width", 600))
        height = int(kwargs.get("height", 100))
        if width * height > 1200000 or max(width, height) > 10000:
            raise ValueError("Barcode too large")
        quiet = bool(int(kwargs.get("quiet", True)))
        return gs1_datamatrix_png(value, width, height, quiet=quiet)
