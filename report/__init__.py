from . import report_stock_lot_certificate
