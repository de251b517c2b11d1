"""Serial labels of units (stock.lot): the list's selection, an import batch's units.
Printed by the Serial roles, on the units they may read."""

from odoo import _, api, models
from odoo.exceptions import AccessError

# who prints labels of units they may read (a Serial Manager is a Serial User)
LABEL_PRINTERS = (
    "pos_serial_tracking.group_serial_user",
    "pos_serial_tracking.group_serial_auditor",
)


class ReportSerialLabel(models.AbstractModel):
    """One label per unit (report/serial_label_templates.xml): the product, the
    serial, the GS1 Digital Link as a QR code and the GS1 DataMatrix, on the label
    sheet of Odoo's product labels (2 x 7 on A4)."""

    _name = "report.pos_serial_tracking.report_serial_label"
    _description = "Serial Labels"

    @api.model
    def _get_report_values(self, docids, data=None):
        self._check_label_printer()
        lots = self.env["stock.lot"].browse(docids)
        lots.check_access("read")  # another company's units are refused
        return {
            "doc_ids": docids,
            "doc_model": "stock.lot",
            "docs": lots,
            "labels": lots._serial_labels(),
        }

    @api.model
    def _check_label_printer(self):
        """Refuse unless the user is a Serial User, Manager or Auditor: the report
        itself refuses, not only its hidden action (it is reachable over RPC). May
        be overridden."""
        if not any(self.env.user.has_group(group) for group in LABEL_PRINTERS):
            raise AccessError(
                _(
                    "Only Serial Users, Managers and Auditors can print serial "
                    "labels; an inventory user prints them from the receipt."
                )
            )
