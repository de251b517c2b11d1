from . import serial_state_change
from . import serial_conflict_resolve
from . import stock_lot_import_sheet
from . import stock_lot_import_column
from . import stock_lot_import_error
from . import stock_lot_import
from . import serial_count_import
from . import serial_warranty_outreach
