"""The two paths of a serial import (stock.lot.import.batch._register_checked).

The fast path (serial_import_writer, serial_import_receipt) writes stock_lot,
stock_move_line and stock_quant with SQL and sets the receipt moves done itself: it
stands in for the methods of SQL_STANDS_IN_FOR. It is equivalent to them only as the
modules of EQUIVALENT_MODULES define them; so it runs only when no other installed
module overrides one of them, which overrides() finds on the registry's classes (a
walk of their MRO, once per import). Otherwise the import goes through the ORM, in
chunks: stock.lot.create of vals lists, the receipt's move lines created, the moves
done by stock.move._action_done (so the other module's code runs), and the same
`imported` history lines appended through stock.lot._apply_serial_events. Both in
the import's one transaction: all or nothing."""

from collections import defaultdict
from datetime import datetime, time

from odoo.tools import plaintext2html

# the methods the fast path does not call, and writes the result of instead
SQL_STANDS_IN_FOR = {
    "stock.lot": ("create", "_compute_single_location"),
    "stock.move": ("_action_done",),
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


def overrides(env):
    """[(model, method, module)] of the methods of SQL_STANDS_IN_FOR that a module
    outside EQUIVALENT_MODULES defines, as the registry's classes have them now."""
    found = []
    for model, methods in SQL_STANDS_IN_FOR.items():
        classes = env.registry[model].mro()
        for method in methods:
            for cls in classes:
                if method in vars(cls):
                    module = defining_module(cls)
                    if module not in EQUIVALENT_MODULES:
                        found.append((model, method, module))
    return found


def chunks(items, size=ORM_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def lot_values(env, rows, batch):
    """The values create() is given for the rows' lots: what the fast path writes,
    the rest computed by the ORM."""
    expiration = "expiration_date" in env["stock.lot"]._fields
    values = []
    for row in rows:
        vals = {
            "name": row.serial,
            "product_id": row.product_id,
            "company_id": row.company_id,
            "ref": row.lot_ref or False,
            "note": plaintext2html(row.note) if row.note else False,
            "vendor_warranty_end_date": row.warranty_end or False,
            "serial_expiry_date": row.expiry_date or False,
            "serial_batch": row.batch or False,
            "import_batch_id": batch.id,
        }
        if expiration and row.expiry_date:
            vals["expiration_date"] = datetime.combine(row.expiry_date, time.min)
        values.append(vals)
    return values


def register(env, rows, batch, moves, filename):
    """Create the rows' lots through stock.lot.create, receive those with a location
    through the receipt `moves` (confirmed, {(product id, location id):
    ReceiptMove}) and stock.move._action_done, then append their `imported` lines
    through stock.lot._apply_serial_events. Returns the lots, in the rows' order."""
    context = {IMPORT_BATCH: batch.id}
    Lot = env["stock.lot"].with_context(**context)
    lots = Lot.browse()
    for part in chunks(rows):
        lots |= Lot.create(lot_values(env, part, batch))
    received = defaultdict(list)
    for row, lot in zip(rows, lots, strict=True):
        if row.location_id:
            received[row.product_id, row.location_id].append(lot)
    MoveLine = env["stock.move.line"].with_context(**context)
    line_values = [
        {
            "move_id": move.id,
            "company_id": move.company_id,
            "product_id": product_id,
            "product_uom_id": move.uom_id,
            "lot_id": lot.id,
            "location_id": move.source_id,
            "location_dest_id": location_id,
            "quantity": 1,
            "picked": True,
        }
        for (product_id, location_id), move in moves.items()
        for lot in received[product_id, location_id]
    ]
    for part in chunks(line_values):
        MoveLine.create(part)
    if moves:
        env["stock.move"].with_context(**context).browse(
            [move.id for move in moves.values()]
        )._action_done()
    note = env._("Row %(row)s of %(file)s", row="\0", file=filename or "").split("\0")
    events = []
    for row, lot in zip(rows, lots, strict=True):
        move = moves.get((row.product_id, row.location_id))
        events.append(
            {
                "lot": lot,
                "event": "imported",
                "new_state": "in_stock" if row.location_id else False,
                "res_model": batch._name,
                "res_id": batch.id,
                "reference": batch.name,
                "note": str(row.number).join(note)
                + (f" · {move.reference}" if move else ""),
                "location_id": move.source_id if move else None,
                "location_dest_id": row.location_id or None,
            }
        )
    for part in chunks(events):
        env["stock.lot"]._apply_serial_events(part)
    return lots
