"""What every compliance report shares: who may print it, and the time zone and the
"printed on, by" lines it shows. Not a model: called by the reports' models."""

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tools import format_datetime

# who prints compliance reports (the report's action shows to them only)
REPORT_PRINTERS = (
    "pos_serial_tracking.group_serial_manager",
    "pos_serial_tracking.group_serial_auditor",
)


def check_printer(env, message):
    """Refuse with `message` unless the user is a Serial Manager or Auditor: the
    report itself refuses, not only its hidden action (it is reachable over RPC)."""
    if not any(env.user.has_group(group) for group in REPORT_PRINTERS):
        raise AccessError(message)


def printing_values(env):
    """The time zone the report is printed in (the context's, else the user's), and
    when and by whom it is printed, in that time zone."""
    tz = env.context.get("tz") or env.user.tz or "UTC"
    return {
        "printed_at": format_datetime(env, fields.Datetime.now(), tz=tz),
        "printed_by": env.user.name,
        "timezone": tz,
    }
