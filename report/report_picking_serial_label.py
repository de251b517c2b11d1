"""Serial labels of a transfer's units (a receipt's), printed by whoever may read the
transfer: the inventory user who receives the units sticks the labels on them."""

from odoo import _, api, models
from odoo.exceptions import UserError


class ReportPickingSerialLabel(models.AbstractModel):
    """The labels of the serial-tracked units on the transfers' lines, transfer by
    transfer (report/serial_label_templates.xml, the same label as
    report_serial_label)."""

    _name = "report.pos_serial_tracking.report_picking_serial_label"
    _description = "Serial Labels of a Transfer"

    @api.model
    def _get_report_values(self, docids, data=None):
        pickings = self.env["stock.picking"].browse(docids)
        pickings.check_access("read")  # another company's transfers are refused
        lots = self.env["stock.lot"]
        for picking in pickings:
            lots |= picking._serial_lots()
        if not lots:
            raise UserError(
                _(
                    "%(transfers)s has no serial-tracked unit to label.",
                    transfers=", ".join(pickings.mapped("name")),
                )
            )
        lots.check_access("read")
        return {
            "doc_ids": docids,
            "doc_model": "stock.picking",
            "docs": pickings,
            "labels": lots._serial_labels(),
        }
