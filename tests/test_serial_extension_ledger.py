from odoo import Command
from odoo.tools import SQL

from ..models.serial_audit_line import COPY_THRESHOLD
from .common import SerialPosSyncCommon


class TestSerialAuditFieldExtension(SerialPosSyncCommon):
    """A module adding a stored field to serial.audit.line and filling it in an
    override of stock.lot._serial_audit_values with super(): every event writes it
    on its line (a manager's action, a till's sale, a bulk registration), outside
    the hash, so the ledger still verifies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_serial_audit_field import SerialAuditLine, StockLot

        cls._load_fake_models(SerialAuditLine, StockLot)
        # a cashier with Point of Sale: User rights only
        cls.cashier = cls._create_till_user(
            "register_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        cls.manager = cls._create_till_user(
            "register_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        cls.serial_user = cls._create_till_user(
            "register_user", "base.group_user", "pos_serial_tracking.group_serial_user"
        )
        cls.auditor = cls._create_till_user(
            "register_auditor",
            "base.group_user",
            "pos_serial_tracking.group_serial_auditor",
        )

    def _as(self, user, records):
        return records.with_user(user).with_context(
            allowed_company_ids=self.company.ids
        )

    def _lines(self, lots):
        """The lots' history as the auditor reads it, in chain order."""
        return self._as(self.auditor, self.env["serial.audit.line"]).search(
            [("lot_id", "in", lots.ids)], order="lot_id, chain_index"
        )

    def test_manager_and_cashier_events_carry_the_register(self):
        lost, sold = self._receive_serials(self.phone, ["REG-1", "REG-2"])
        self._as(self.manager, self.env["serial.state.change"]).create(
            {
                "lot_ids": [Command.set(lost.ids)],
                "event": "marked_lost",
                "reason": "Not on the shelf",
            }
        ).action_confirm()
        self._open_till(self.cashier)
        data = {**self._order([(self.phone, ["REG-2"])]), "user_id": self.cashier.id}
        result = self._as(self.cashier, self.env["pos.order"]).sync_from_ui([data])
        order = self.env["pos.order"].browse(result["pos.order"][0]["id"])
        self.assertEqual(order.state, "paid")
        self.assertEqual((lost.serial_state, sold.serial_state), ("lost", "sold"))

        lines = self._lines(lost | sold)
        marked = lines.filtered(lambda line: line.event == "marked_lost")
        self.assertEqual(
            (marked.lot_id, marked.user_id, marked.note, marked.x_register_ref),
            (lost, self.manager, "Not on the shelf", "desk-register_manager"),
        )
        sale = lines.filtered(lambda line: line.event == "sold")
        self.assertEqual(
            (sale.lot_id, sale.user_id, sale.pos_config_id, sale.reference),
            (sold, self.cashier, self.config, order.name),
        )
        self.assertEqual(sale.x_register_ref, f"till-{self.config.id}")
        # every event wrote it: the registrations and receipts too
        self.assertEqual(
            lines.mapped("event"),
            ["registered", "received", "marked_lost", "registered", "received", "sold"],
        )
        self.assertTrue(all(lines.mapped("x_register_ref")))
        # outside the hash: the chains verify, each serial's history too
        self.assertFalse(
            self._as(self.auditor, self.env["serial.audit.line"]).verify_chain()
        )
        self.assertEqual(
            self._as(self.auditor, lost | sold).mapped("history_intact"), [True, True]
        )

    def test_bulk_registration_writes_it_on_every_line(self):
        """More serials than the append sends as one INSERT: the lines are sent by
        COPY, the added column with them."""
        count = COPY_THRESHOLD + 5
        lots = self._as(self.serial_user, self.env["stock.lot"]).create(
            [
                {"name": f"REG-B{number:03d}", "product_id": self.phone.id}
                for number in range(count)
            ]
        )
        lines = self._lines(lots)
        self.assertEqual(len(lines), count)
        self.assertEqual(set(lines.mapped("event")), {"registered"})
        self.assertEqual(set(lines.mapped("x_register_ref")), {"desk-register_user"})
        self.assertFalse(
            self._as(self.auditor, self.env["serial.audit.line"]).verify_chain()
        )

    def test_import_goes_through_the_orm_and_writes_it(self):
        """The import's set-based path writes its `imported` lines in SQL: with the
        audit values overridden it registers through the ORM, so the module's field
        is on those lines too, and the batch's log says why."""
        Batch = self.env["stock.lot.import.batch"].with_user(self.serial_user)
        result = Batch.register_serials(
            [
                {"serial": f"REG-I{number}", "product": self.phone.default_code}
                for number in (1, 2)
            ],
            {"location_id": self.stock_location.id, "file_name": "phones.csv"},
        )
        self.assertEqual((result["new_count"], result["received_count"]), (2, 2))
        batch = Batch.browse(result["batch_id"])
        self.assertIn("stock.lot._serial_audit_values", batch.import_log)
        self.assertFalse(batch.import_log.startswith("Set-based (SQL)"))
        lots = self._as(self.serial_user, self.env["stock.lot"]).search(
            [("name", "in", ["REG-I1", "REG-I2"])]
        )
        imported = self._lines(lots).filtered(lambda line: line.event == "imported")
        self.assertEqual(len(imported), 2)
        self.assertEqual(set(imported.mapped("x_register_ref")), {"desk-register_user"})
        self.assertFalse(
            self._as(self.auditor, self.env["serial.audit.line"]).verify_chain()
        )

    def test_set_based_append_takes_the_added_column(self):
        """The set-based append of new chains (bulk import's SQL path) writes the
        columns a module adds when the query gives them, outside the hash; a column
        that is no stored field of the line is refused."""
        tracked_by_lot = self.env["product.product"].create(
            {"name": "Cable", "is_storable": True, "tracking": "lot"}
        )
        lot = self.env["stock.lot"].create(
            {
                "name": "REG-LOT",
                "product_id": tracked_by_lot.id,
                "company_id": self.company.id,
            }
        )
        self.assertFalse(self._lines(lot), "a lot not tracked by serial has no history")
        Line = self.env["serial.audit.line"]
        query = SQL(
            """SELECT lot.id AS lot_id, lot.name AS lot_name, lot.product_id,
                      %s AS company_id, 'imported' AS event, NULL AS old_state,
                      NULL AS new_state, %s AS user_id, %s AS date,
                      NULL AS res_model, NULL AS res_id, 'IMP-1' AS reference,
                      NULL AS partner_ref_id, NULL AS pos_config_id, NULL AS note,
                      NULL AS location_id, NULL AS location_dest_id,
                      'desk-import' AS x_register_ref
                 FROM stock_lot lot WHERE lot.id = %s""",
            self.company.id,
            self.serial_user.id,
            "2026-12-06 10:00:00",
            lot.id,
        )
        with self.assertRaisesRegex(ValueError, "Unknown audit line column.*'x_till'"):
            Line._insert_new_chains(query, extra_columns=["x_till"])
        Line._insert_new_chains(query, extra_columns=["x_register_ref"])
        line = self._lines(lot)
        self.assertEqual(
            (line.event, line.reference, line.x_register_ref),
            ("imported", "IMP-1", "desk-import"),
        )
        self.assertFalse(self._as(self.auditor, Line).verify_chain())
