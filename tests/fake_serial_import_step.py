"""A module adding its own rule to the serial import's check as an integrator would,
loaded by the import extension test only (odoo-test-helper's FakeModelLoader): a unit
whose lot reference says RMA is a returned unit waiting for its inspection, and is
not registered again by an import; the file's error report tells why."""

from odoo import api, models

from ..tools.serial_import_records import CheckedRow, RowProblem


class StockLotImportBatch(models.Model):
    _inherit = "stock.lot.import.batch"

    @api.model
    def _check_import_row(self, row, lookup):
        checked = super()._check_import_row(row, lookup)
        if isinstance(checked, CheckedRow) and "RMA" in (checked.lot_ref or "").upper():
            return RowProblem(
                checked.number,
                checked.serial,
                lookup.info[checked.product_id].name,
                "rma_hold",
                {"serial": checked.serial, "ref": checked.lot_ref},
            )
        return checked

    @api.model
    def _import_row_problem_messages(self):
        messages = super()._import_row_problem_messages()
        messages["rma_hold"] = self.env._(
            "Serial %(serial)s is a returned unit waiting for inspection (%(ref)s): "
            "register it once the inspection is done."
        )
        return messages
