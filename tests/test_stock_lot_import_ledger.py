import base64

from ..tools import serial_audit_hash as chain
from .common import SerialTrackingCommon
from .test_stock_lot_import import HEADER, csv_bytes

# a file name the canonical JSON must escape (quote, backslash) or keep as is
# (non-ASCII, U+2028, an emoji)
FILE_NAME = 'Zürich "Q1" \\ list\u2028🚀.csv'


class TestStockLotImportLedger(SerialTrackingCommon):
    """The imported lines are written and hashed by PostgreSQL: each one hashes, in
    Python, to the hash it stores, and the ledger's check finds them intact."""

    def _import(self, rows, **values):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(csv_bytes([HEADER, *rows])),
                    "filename": FILE_NAME,
                    **values,
                }
            )
        )
        wizard.action_import()
        return wizard.batch_id

    def _row(self, line):
        """The line's STORED_FIELDS as hash_row takes them."""
        row = {}
        for name in chain.STORED_FIELDS:
            field, value = line._fields[name], line[name]
            if field.type == "many2one":
                value = value.id
            elif field.type == "datetime":
                value = field.to_string(value)
            row[name] = value or None
        return row

    def test_imported_lines_hash_as_python_hashes_them(self):
        self.env["stock.lot"].create({"name": "P1-0002", "product_id": self.phone.id})
        batch = self._import(
            [
                ["P1-0001", "P1", "", "", "", 'a "quoted" note'],
                ["P1-0002", "P1", "", "", "", ""],  # already registered: skipped
                ["P1-0003", "P1", "", self.stock_location.complete_name, "", ""],
                ["P1-0004", "P1", "", "", "", ""],
            ],
            valid_rows_only=True,
        )
        self.assertEqual((batch.created_count, batch.received_count), (3, 1))
        lots = batch.lot_ids.sorted("name")
        self.assertEqual(lots.mapped("name"), ["P1-0001", "P1-0003", "P1-0004"])
        move = batch.move_ids
        self.assertEqual(len(move), 1)
        lines = lots.audit_line_ids
        self.assertEqual(len(lines), 3)
        by_name = {line.lot_name: line for line in lines}
        self.assertEqual(
            [by_name[name].note for name in ("P1-0001", "P1-0003", "P1-0004")],
            [
                f"Row 2 of {FILE_NAME}",
                f"Row 4 of {FILE_NAME} · {move.reference}",
                f"Row 5 of {FILE_NAME}",
            ],
        )
        received = by_name["P1-0003"]
        self.assertEqual(
            (received.new_state, received.location_id, received.location_dest_id),
            ("in_stock", move.location_id, self.stock_location),
        )
        self.assertEqual(
            (by_name["P1-0001"].new_state, by_name["P1-0001"].location_id.id),
            (False, False),
        )
        heads = self.env["serial.audit.head"].search([("lot_id", "in", lots.ids)])
        for line in lines:
            self.assertEqual(
                (line.event, line.chain_index, line.previous_hash, line.user_id),
                ("imported", 1, False, self.serial_user),
            )
            self.assertEqual(line.hash, chain.hash_row(None, self._row(line)))
            head = heads.filtered(lambda head, line=line: head.lot_id == line.lot_id)
            self.assertEqual((head.length, head.hash), (1, line.hash))
        self.assertEqual(
            self.env["serial.audit.line"]._find_chain_problems(limit=10), []
        )
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
