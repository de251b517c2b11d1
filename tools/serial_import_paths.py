"""The two paths of a serial import (stock.lot.import.batch._register_checked).

The fast path (the batch's _sql and _receipt concerns) writes stock_lot,
stock_move_line and stock_quant with SQL and sets the receipt moves done itself: it
stands in for the methods of SQL_STANDS_IN_FOR. It is equivalent to them only as the
modules of EQUIVALENT_MODULES define them; so it runs only when no other installed
module overrides one of them, which overridden_methods() finds on the registry's
classes (a walk of their MRO, once per import). Otherwise the import goes through the
ORM, in chunks (the batch's _orm concern): stock.lot.create of vals lists, the
receipt's move lines created, the moves done by stock.move._action_done (so the other
module's code runs), and the same `imported` history lines appended through
stock.lot._apply_serial_events. Both in the import's one transaction: all or nothing.
Pure helpers and tables: the decision is the batch's _serial_import_overrides."""

# the methods the fast path does not call, and writes the result of instead
SQL_STANDS_IN_FOR = {
    # _serial_audit_values: the `imported` history lines are written in SQL too
    "stock.lot": ("create", "_compute_single_location", "_serial_audit_values"),
    # _get_in_svl_vals, _get_in_move_lines: a receipt's layers from the quantity
    # PostgreSQL sums (stock.lot.import.batch._import_layer_values)
    "stock.move": ("_action_done", "_get_in_svl_vals", "_get_in_move_lines"),
    "stock.move.line": ("create", "_action_done"),
    "stock.quant": ("create", "_update_available_quantity"),
}
# the modules whose versions of those methods the fast path reproduces (odoo: the
# ORM's own BaseModel)
EQUIVALENT_MODULES = frozenset(
    {
        "odoo",
        "base",
        "mail",
        "product",
        "stock",
        "stock_account",
        "product_expiry",
        "point_of_sale",
        "repair",
        "pos_serial_tracking",
    }
)
# in the context of the ORM path: the batch registering the serials (its id); the
# addon's hooks then leave the serials' events to the import (one `imported` line
# each, as on the fast path)
IMPORT_BATCH = "serial_import_batch_id"
ORM_CHUNK = 1000  # rows created per call


def defining_module(cls):
    """The module that defines the model class `cls`: the addon of its Python module,
    or the full Python module of a class that is not an addon's own code (a test's
    fake module)."""
    path = cls.__module__ or ""
    parts = path.split(".")
    if parts[:2] == ["odoo", "addons"] and len(parts) > 2:
        return path if "tests" in parts[3:] else parts[2]
    if parts[0] == "odoo":
        return "odoo"
    return path


def overridden_methods(registry):
    """[(model, method, module)] of the methods of SQL_STANDS_IN_FOR that a module
    outside EQUIVALENT_MODULES defines, as the `registry`'s classes have them now."""
    found = []
    for model, methods in SQL_STANDS_IN_FOR.items():
        classes = registry[model].mro()
        for method in methods:
            for cls in classes:
                if method in vars(cls):
                    module = defining_module(cls)
                    if module not in EQUIVALENT_MODULES:
                        found.append((model, method, module))
    return found


def chunks(items, size=ORM_CHUNK):
    """`items` (a list) in slices of `size`."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
