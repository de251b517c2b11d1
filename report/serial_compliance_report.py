"""What every compliance report shares: who may print it, and the time zone and the
"printed on, by" lines it shows. The reports' models inherit it; a module overrides
_check_report_printer or _report_printing_values here to change them for all."""

from odoo import api, fields, models
from odoo.exceptions import AccessError
from odoo.tools import format_datetime

# who prints compliance reports (the report's action shows to them only)
REPORT_PRINTERS = (
    "pos_serial_tracking.group_serial_manager",
    "pos_serial_tracking.group_serial_auditor",
)


class SerialComplianceReport(models.AbstractModel):
    _name = "serial.compliance.report"
    _description = "Serial Compliance Report"

    @api.model
    def _check_report_printer(self, message):
        """Refuse with `message` unless the user is a Serial Manager or Auditor: the
        report itself refuses, not only its hidden action (it is reachable over RPC).
        May be overridden."""
        if not any(self.env.user.has_group(group) for group in REPORT_PRINTERS):
            raise AccessError(message)

    @api.model
    def _report_printing_values(self):
        """The time zone the report is printed in (the context's, else the user's),
        and when and by whom it is printed, in that time zone. May be overridden."""
        env = self.env
        tz = env.context.get("tz") or env.user.tz or "UTC"
        return {
            "printed_at": format_datetime(env, fields.Datetime.now(), tz=tz),
            "printed_by": env.user.name,
            "timezone": tz,
        }
