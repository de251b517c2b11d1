from collections import defaultdict
from datetime import datetime, time

from odoo import _, api, models
from odoo.tools import plaintext2html

from ..tools.serial_import_paths import (
    IMPORT_BATCH,
    SQL_STANDS_IN_FOR,
    chunks,
    overridden_methods,
)


class StockLotImportBatch(models.Model):
    """The ORM path of a serial import (tools/serial_import_paths tells the two
    paths): taken when an installed module overrides a method the set-based writes
    stand in for, so that its code runs; same serials, stock, history and counts."""

    _inherit = "stock.lot.import.batch"

    @api.model
    def _serial_import_overrides(self):
        """[(model, method, module)]: the methods the set-based path stands in for
        (serial_import_paths.SQL_STANDS_IN_FOR) that a module outside the known
        equivalent ones overrides; any of them sends the import through the ORM.
        Override it, with super(), to vouch for an override of yours that the
        set-based writes reproduce (drop it from the list)."""
        return overridden_methods(self.env.registry)

    @api.model
    def _import_path_log(self, found):
        """The batch's log line: which path wrote its serials, and why (`found`: the
        overrides of _serial_import_overrides)."""
        if not found:
            return _(
                "Set-based (SQL): no installed module overrides the methods it "
                "stands in for (%(methods)s).",
                methods=", ".join(
                    f"{model}.{method}"
                    for model, methods in SQL_STANDS_IN_FOR.items()
                    for method in methods
                ),
            )
        return _(
            "Through the ORM: overridden by another module: %(overrides)s.",
            overrides=", ".join(
                f"{model}.{method} ({module})" for model, method, module in found
            ),
        )

    def _import_orm_lot_values(self, rows):
        """The values stock.lot.create is given for the lots of `rows` (CheckedRow)
        of this batch: what the set-based path writes, the rest computed by the
        ORM."""
        self.ensure_one()
        expiration = "expiration_date" in self.env["stock.lot"]._fields
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
                "import_batch_id": self.id,
            }
            if expiration and row.expiry_date:
                vals["expiration_date"] = datetime.combine(row.expiry_date, time.min)
            values.append(vals)
        return values

    def _register_through_orm(self, rows, moves, filename):
        """Create the lots of `rows` (CheckedRow) through stock.lot.create, receive
        those with a location through the receipt `moves` (confirmed, {(product id,
        location id): ReceiptMove}) and stock.move._action_done, then append their
        `imported` lines through stock.lot._apply_serial_events, in chunks. Returns
        the lots, in the rows' order."""
        self.ensure_one()
        env = self.env
        context = {IMPORT_BATCH: self.id}
        Lot = env["stock.lot"].with_context(**context)
        lots = Lot.browse()
        for part in chunks(rows):
            lots |= Lot.create(self._import_orm_lot_values(part))
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
        note = env._("Row %(row)s of %(file)s", row="\0", file=filename or "")
        note = note.split("\0")
        row_notes = self._import_audit_row_notes(rows, filename)
        events = []
        for row, lot in zip(rows, lots, strict=True):
            move = moves.get((row.product_id, row.location_id))
            events.append(
                {
                    "lot": lot,
                    "event": "imported",
                    "new_state": "in_stock" if row.location_id else False,
                    "res_model": self._name,
                    "res_id": self.id,
                    "reference": self.name,
                    "note": (
                        row_notes[row.number - 1]
                        if row_notes and 0 < row.number <= len(row_notes)
                        else str(row.number).join(note)
                    )
                    + (f" · {move.reference}" if move else ""),
                    "location_id": move.source_id if move else None,
                    "location_dest_id": row.location_id or None,
                }
            )
        for part in chunks(events):
            env["stock.lot"]._apply_serial_events(part)
        return lots
