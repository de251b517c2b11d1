from . import serial_compliance_report
from . import report_stock_lot_certificate
from . import report_serial_recall_status
from . import report_serial_integrity
from . import report_serial_loss
from . import report_serial_label
from . import report_picking_serial_label
