{
    "name": "POS Serial Tracking",
    "version": "18.0.1.0.0",
    "category": "Inventory/Inventory",
    "summary": "Track every serialized unit from registration to sale, return, "
    "repair, loss or recall; capture serials at the POS and never sell one twice",
    "author": "pos_serial_tracking contributors",
    "website": "https://github.com/pos-serial-tracking/pos_serial_tracking",
    "license": "LGPL-3",
    "depends": ["point_of_sale", "repair", "barcodes_gs1_nomenclature"],
    "external_dependencies": {"python": ["openpyxl"]},
    "data": [
        "security/pos_serial_tracking_security.xml",
        "security/ir.model.access.csv",
        "views/stock_lot_views.xml",
        "views/serial_audit_line_views.xml",
        "views/product_template_views.xml",
        "views/serial_conflict_views.xml",
        "views/stock_lot_import_batch_views.xml",
        "views/serial_count_views.xml",
        "wizards/serial_state_change_views.xml",
        "wizards/serial_conflict_resolve_views.xml",
        "wizards/stock_lot_import_views.xml",
        "wizards/serial_count_import_views.xml",
        "views/menus.xml",
        "data/ir_sequence_data.xml",
    ],
    "demo": [
        "demo/serial_product_demo.xml",
    ],
    "post_init_hook": "_post_init_hook",
    "uninstall_hook": "_uninstall_hook",
    "assets": {
        "point_of_sale._assets_pos": [
            "pos_serial_tracking/static/src/**/*",
        ],
        "web.assets_tests": [
            "pos_serial_tracking/static/tests/tours/**/*",
        ],
    },
}
