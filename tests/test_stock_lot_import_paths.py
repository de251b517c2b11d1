from datetime import date

from odoo.tests import tagged

from .common import SerialTrackingCommon

FAKE_MODULE = "odoo.addons.pos_serial_tracking.tests.fake_stock_lot_create"


class ImportPathsCommon(SerialTrackingCommon):
    """The import's set-based path runs only when no installed module overrides a
    method it stands in for; otherwise the import goes through the ORM, which runs
    the override and gives the same serials, stock, history and counts."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.medicine = cls._create_serial_product(
            "Insulin Pen", "PEN", use_expiration_date=True, expiration_time=365
        )
        cls.back_room = cls.env["stock.location"].create(
            {"name": "Back Room", "location_id": cls.stock_location.id}
        )
        cls._receive_serials(cls.phone, ["P1-0009"])
        cls.rows = [
            {"serial": "P1-0001", "product": "P1", "location": "WH/Stock"},
            {"serial": "P1-0002", "product": "P1", "location": "WH/Stock/Back Room"},
            {"serial": "P1-0003", "product": "P1", "batch": "B-7", "note": "boxed"},
            {"serial": "P1-0009", "product": "P1", "location": "WH/Stock"},
            {
                "serial": "PEN-01",
                "product": "PEN",
                "location": "WH/Stock",
                "expiry_date": date(2031, 5, 1),
                "lot_ref": "R-1",
            },
            {"serial": "PEN-02", "product": "PEN", "warranty_end": date(2030, 1, 1)},
            {"serial": "X-1", "product": "NOPE"},
        ]

    @classmethod
    def _import(cls):
        Batch = cls.env["stock.lot.import.batch"].with_user(cls.serial_user)
        result = Batch.register_serials(
            cls.rows, {"valid_rows_only": True, "file_name": "serials.csv"}
        )
        batch = Batch.browse(result.pop("batch_id"))
        return result, batch

    @classmethod
    def _what_import_left(cls, result, batch):
        """What the import left, as the serial manager reads it, the batch's name
        (a new one on each import) replaced by BATCH."""

        def text(value):
            return value.replace(batch.name, "BATCH") if value else value

        lots = (
            cls.env["stock.lot"]
            .with_user(cls.serial_manager)
            .search([("import_batch_id", "=", batch.id)], order="name")
        )
        lines = cls.env["stock.move.line"].search(
            [("lot_id", "in", lots.ids)], order="lot_id"
        )
        quants = cls.env["stock.quant"].search(
            [("lot_id", "in", lots.ids)], order="lot_id, location_id"
        )
        return {
            "result": result,
            "batch": (
                batch.row_count,
                batch.created_count,
                batch.received_count,
                batch.existing_count,
                batch.invalid_count,
                sorted(
                    (move.product_id.default_code, move.location_dest_id.name)
                    for move in batch.sudo().move_ids
                ),
                set(batch.sudo().move_ids.mapped("state")),
            ),
            "lots": [
                (
                    lot.name,
                    lot.product_id.default_code,
                    lot.serial_state,
                    lot.location_id.name,
                    lot.serial_batch,
                    lot.note,
                    lot.serial_expiry_date,
                    # now plus the product's expiration time, to the second
                    # on the set-based path: the same day
                    lot.expiration_date and lot.expiration_date.date(),
                    lot.vendor_warranty_end_date,
                    lot.product_qty,
                )
                for lot in lots
            ],
            "quants": [
                (quant.lot_id.name, quant.location_id.usage, quant.quantity)
                for quant in quants
            ],
            "move_lines": [
                (
                    line.lot_id.name,
                    line.location_id.usage,
                    line.location_dest_id.name,
                    line.quantity,
                    line.state,
                    text(line.reference),
                )
                for line in lines
            ],
            "history": [
                (
                    line.lot_id.name,
                    line.event,
                    line.old_state,
                    line.new_state,
                    text(line.reference),
                    text(line.note),
                    line.location_id.usage,
                    line.location_dest_id.name,
                    line.user_id,
                )
                for lot in lots
                for line in lot.audit_line_ids.sorted("id")
            ],
            "valuation": sorted(
                (layer.product_id.default_code, layer.quantity, layer.value)
                for layer in cls.env["stock.valuation.layer"].search(
                    [("stock_move_id", "in", batch.sudo().move_ids.ids)]
                )
            ),
        }


@tagged("post_install", "-at_install")
class TestSerialImportFastPath(ImportPathsCommon):
    def test_without_override_the_fast_path_runs(self):
        result, batch = self._import()
        self.assertEqual(
            batch.import_log,
            "Set-based (SQL): no installed module overrides the methods it stands in "
            "for (stock.lot.create, stock.lot._compute_single_location, "
            "stock.lot._serial_audit_values, stock.move._action_done, "
            "stock.move._get_in_svl_vals, stock.move._get_in_move_lines, "
            "stock.move.line.create, stock.move.line._action_done, stock.quant.create, "
            "stock.quant._update_available_quantity).",
        )
        lots = self.env["stock.lot"].search([("import_batch_id", "=", batch.id)])
        self.assertEqual(
            {lot.name: lot.ref for lot in lots if lot.ref}, {"PEN-01": "R-1"}
        )
        self.assertEqual((result["new_count"], result["received_count"]), (5, 3))


@tagged("post_install", "-at_install")
class TestSerialImportOrmPath(ImportPathsCommon):
    """With a module overriding stock.lot.create (tests/fake_stock_lot_create.py)
    loaded, the import goes through the ORM: the override runs, and the outcome is
    the set-based path's on the same rows (read before the module was loaded)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the set-based path's outcome on the same rows, rolled back (the data above
        # written first: the rollback must not take it)
        cls.env.flush_all()
        with cls.env.cr.savepoint(flush=False) as savepoint:
            result, batch = cls._import()
            cls.fast_log = batch.import_log
            cls.fast = cls._what_import_left(result, batch)
            savepoint.rollback()
        cls.env.invalidate_all()
        from .fake_stock_lot_create import StockLot

        cls._load_fake_models(StockLot)

    def test_override_of_lot_create_runs_the_orm_path_with_the_same_outcome(self):
        fast = self.fast
        self.assertTrue(self.fast_log.startswith("Set-based (SQL)"), self.fast_log)
        result, batch = self._import()
        self.assertEqual(
            batch.import_log,
            "Through the ORM: overridden by another module: "
            f"stock.lot.create ({FAKE_MODULE}).",
        )
        lots = self.env["stock.lot"].search([("import_batch_id", "=", batch.id)])
        self.assertEqual(lots.mapped("ref"), ["SEEN"] * 5)
        self.assertEqual(
            lots.mapped("serial_state").count("in_stock"), 3, "received serials"
        )
        orm = self._what_import_left(result, batch)
        self.assertEqual(
            (fast["result"]["new_count"], fast["result"]["received_count"]), (5, 3)
        )
        self.assertEqual(len(fast["history"]), 5)
        for key, value in fast.items():
            self.assertEqual(orm[key], value, key)
