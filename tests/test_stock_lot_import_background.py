import base64
from datetime import date
from unittest.mock import patch

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from ..tools import serial_import_queue as job
from .common import SerialTrackingCommon
from .test_stock_lot_import import csv_bytes, xlsx_bytes


@tagged("post_install", "-at_install")
class TestStockLotImportBackground(SerialTrackingCommon):
    """A file above the background threshold is queued by the wizard and imported by
    the cron job, as its user, all or nothing (the multi-worker server run is
    scripts/run_background_import.py)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(job.QUEUE_ROWS_PARAM, "5")
        cls.other_user = cls._create_user(
            "other_serial_user", "pos_serial_tracking.group_serial_user"
        )
        cls.cron = cls.env.ref(job.CRON)
        # the test owns the transaction (rolled back after it): the job's commits
        # and rollbacks are left out, as a runner owning the transaction overrides them
        Batch = cls.registry["stock.lot.import.batch"]
        for method in ("_commit_import_job", "_rollback_import_job"):
            cls.startClassPatcher(patch.object(Batch, method, lambda self: None))

    def _file(self, count, prefix="BG", product="P1"):
        return csv_bytes(
            [["Serial", "Product"]]
            + [[f"{prefix}-{i:04d}", product] for i in range(count)]
        )

    def _queue(self, data, filename="big.csv", user=None, **values):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(user or self.serial_user)
            .create({"file": base64.b64encode(data), "filename": filename, **values})
        )
        action = wizard.action_import()
        batch = wizard.batch_id
        self.assertEqual(action["res_model"], "stock.lot.import.batch")
        self.assertEqual(action["res_id"], batch.id)
        return batch

    def _run_cron(self):
        """One wake-up of the cron worker: a new job cursor, the server action run
        once with its progress record, as ir.cron._run_job does."""
        self.env.cr.cache.pop(job.RUN_STARTED, None)
        self.cron.method_direct_trigger()
        self.env.invalidate_all()
        return self.env["ir.cron.progress"].search(
            [("cron_id", "=", self.cron.id)], order="id desc", limit=1
        )

    def _run_until_finished(self, batch, wake_ups=10):
        batch = batch.sudo()
        for _ in range(wake_ups):
            self._run_cron()
            if batch.state in ("done", "failed"):
                return
        self.fail(f"{batch.name} still {batch.state} after {wake_ups} wake-ups")

    def _lots(self, prefix):
        return self.env["stock.lot"].search([("name", "=like", f"{prefix}-%")])

    def _inbox(self, batch):
        return self.env["mail.message"].search(
            [
                ("model", "=", batch._name),
                ("res_id", "=", batch.id),
                ("partner_ids", "in", batch.user_id.partner_id.ids),
            ]
        )

    def _screen_notification(self, batch):
        self.env.cr.precommit.run()  # the bus writes its notifications at commit
        return (
            self.env["bus.bus"]
            .sudo()
            .search(
                [
                    (
                        "channel",
                        "like",
                        f'"res.partner",{batch.user_id.partner_id.id}]',
                    ),
                    ("message", "like", batch.name),
                ]
            )
            .message
        )

    # --- queued by the wizard --------------------------------------------------------
    def test_wizard_queues_a_large_file(self):
        triggers_before = self.env["ir.cron.trigger"].search_count(
            [("cron_id", "=", self.cron.id)]
        )
        batch = self._queue(self._file(8), location_id=self.stock_location.id)
        self.assertEqual(batch.state, "queued")
        self.assertEqual(batch.user_id, self.serial_user)
        self.assertEqual(batch.expected_rows, 9)  # its lines: an estimate
        self.assertEqual(batch.column_positions, {"serial": 0, "product": 1})
        self.assertEqual(batch.location_id, self.stock_location)
        self.assertEqual(batch.attachment_id.raw, self._file(8))
        self.assertFalse(self._lots("BG"))
        self.assertEqual(
            self.env["ir.cron.trigger"].search_count([("cron_id", "=", self.cron.id)]),
            triggers_before + 1,
        )

    def test_whole_file_faults_are_told_in_the_request(self):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(
                        self._file(8) + "BG-é,P1\n".encode() + b"BG-\xe9,P1\n"
                    ),
                    "filename": "big.csv",
                }
            )
        )
        with self.assertRaisesRegex(UserError, "The file mixes text encodings"):
            wizard.action_import()
        queued = [("state", "=", "queued")]
        self.assertFalse(self.env["stock.lot.import.batch"].search(queued))

    def test_small_file_is_imported_in_the_request(self):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create({"file": base64.b64encode(self._file(4)), "filename": "small.csv"})
        )
        wizard.action_import()
        self.assertEqual(wizard.batch_id.state, "done")
        self.assertEqual(len(self._lots("BG")), 4)

    def test_xlsx_size_is_read_from_the_sheet(self):
        data = xlsx_bytes(
            [["Serial", "Product"]] + [[f"X-{i}", "P1"] for i in range(9)]
        )
        batch = self._queue(data, filename="big.xlsx")
        self.assertEqual((batch.state, batch.expected_rows), ("queued", 10))

    # --- the job ---------------------------------------------------------------------
    def test_job_registers_and_receives_everything(self):
        self.env["ir.config_parameter"].set_param(job.CHUNK_PARAM, "3")
        batch = self._queue(self._file(8), location_id=self.stock_location.id)
        progress = self._run_cron()  # reads the file: 3 chunks, committed one by one
        self.assertEqual(batch.state, "running")
        self.assertTrue(batch.file_read)
        self.assertEqual(batch.staged_rows, 8)
        self.assertEqual(len(batch.sudo().chunk_ids), 3)
        self.assertEqual(batch.progress, job.READ_SHARE)
        self.assertEqual((progress.done, progress.remaining), (8, 1))
        self.assertFalse(self._lots("BG"))

        progress = self._run_cron()  # registers, in one transaction
        self.assertEqual((progress.done, progress.remaining), (8, 0))
        self.assertEqual(batch.state, "done")
        self.assertEqual(batch.progress, 100)
        self.assertEqual(
            (
                batch.row_count,
                batch.created_count,
                batch.received_count,
                batch.existing_count,
            ),
            (8, 8, 8, 0),
        )
        lots = self._lots("BG")
        self.assertEqual(len(lots), 8)
        self.assertEqual(set(lots.mapped("serial_state")), {"in_stock"})
        self.assertEqual(lots.import_batch_id, batch)
        self.assertEqual(
            sum(lots.mapped("product_qty")), 8, "every unit is in stock, once"
        )
        lines = self.env["serial.audit.line"].search([("lot_id", "in", lots.ids)])
        self.assertEqual(len(lines), 8)
        self.assertEqual(set(lines.mapped("event")), {"imported"})
        self.assertEqual(lines.user_id, self.serial_user, "as the importing user")
        self.assertFalse(batch.sudo().chunk_ids, "the rows read are dropped")
        self.assertFalse(batch.attachment_id, "and the file")
        self.assertIn("8 serials registered", self._inbox(batch).body)
        self.assertIn("simple_notification", self._screen_notification(batch))

    def test_dates_in_the_users_language(self):
        """The job reads the dates as its user writes them, whatever the language of
        the cron that runs it."""
        self.env["res.lang"]._activate_lang("en_GB")
        self.serial_user.lang = "en_GB"
        data = csv_bytes(
            [["Serial", "Product", "Warranty End"]]
            + [[f"BG-{i:04d}", "P1", "31/12/2028"] for i in range(6)]
        )
        batch = self._queue(data)
        self._run_until_finished(batch)
        self.assertEqual(batch.sudo().state, "done", batch.sudo().failure_reason)
        self.assertEqual(
            self._lots("BG").mapped("vendor_warranty_end_date"),
            [date(2028, 12, 31)] * 6,
        )

    def test_refused_file_fails_and_registers_nothing(self):
        data = csv_bytes(
            [["Serial", "Product"]]
            + [[f"BG-{i:04d}", "P1"] for i in range(7)]
            + [["BG-9999", "NO-SUCH-PRODUCT"]]
        )
        batch = self._queue(data)
        self._run_until_finished(batch)
        self.assertEqual(batch.state, "failed")
        self.assertIn("Nothing was imported", batch.failure_reason)
        self.assertIn("NO-SUCH-PRODUCT", batch.failure_reason)
        self.assertFalse(self._lots("BG"))
        self.assertFalse(batch.attachment_id)
        self.assertIn("was not imported", self._inbox(batch).body)
        self.assertIn("failed", self._screen_notification(batch))

    def test_valid_rows_only_skips_the_bad_rows(self):
        self._receive_serials(self.phone, ["BG-0000"])
        data = csv_bytes(
            [["Serial", "Product"]]
            + [[f"BG-{i:04d}", "P1"] for i in range(7)]
            + [["BG-9999", "NO-SUCH-PRODUCT"]]
        )
        batch = self._queue(data, valid_rows_only=True)
        self._run_until_finished(batch)
        self.assertEqual(batch.state, "done")
        self.assertEqual(
            (batch.created_count, batch.existing_count, batch.invalid_count), (6, 1, 1)
        )

    def test_two_queued_batches_of_the_same_serials_register_once(self):
        """The second one's check sees the serials of the first: refused, as in a
        request, or (valid rows only) its new serials alone."""
        first = self._queue(self._file(6))
        second = self._queue(self._file(8))
        third = self._queue(self._file(9), valid_rows_only=True)
        self._run_until_finished(third, wake_ups=20)
        self.assertEqual((first.state, first.created_count), ("done", 6))
        self.assertEqual(second.state, "failed")
        self.assertIn("BG-0000 is already registered", second.failure_reason)
        self.assertEqual(
            (third.state, third.created_count, third.existing_count), ("done", 3, 6)
        )
        self.assertEqual(len(self._lots("BG")), 9)

    def test_killed_job_resumes_then_fails_with_its_reason(self):
        batch = self._queue(self._file(8))
        # a worker killed mid-slice leaves its attempt counted (committed first)
        batch.sudo().attempt_count = 1
        self._run_until_finished(batch)
        self.assertEqual(batch.state, "done", "one kill: the job goes on")

        batch = self._queue(self._file(8, prefix="KO"))
        batch.sudo().attempt_count = job.KILLED_SLICES
        self._run_cron()
        self.assertEqual(batch.state, "failed")
        self.assertIn("stopped 2 times", batch.failure_reason)
        self.assertFalse(self._lots("KO"))
        self.assertIn("was not imported", self._inbox(batch).body)

    def test_job_runs_with_the_users_rights(self):
        """As the importing user in the batch's company: a company the user does not
        work in is refused, nothing registered."""
        batch = self._queue(self._file(8))
        other_company = self.env["res.company"].create({"name": "Elsewhere"})
        batch.sudo().company_id = other_company
        self._run_until_finished(batch)
        self.assertEqual(batch.sudo().state, "failed")
        self.assertIn("companies", batch.sudo().failure_reason)
        self.assertFalse(self._lots("BG"))

    # --- who sees and starts what ----------------------------------------------------
    def test_queued_file_is_its_users_and_the_managers(self):
        batch = self._queue(self._file(8))
        attachment = batch.attachment_id
        self.assertEqual(batch.read()[0]["state"], "queued", "every field, over RPC")
        with self.assertRaises(AccessError):
            batch.with_user(self.other_user).read(["file_name"])
        with self.assertRaises(AccessError):
            attachment.with_user(self.other_user).read(["raw"])
        self.assertFalse(
            self.env["stock.lot.import.batch"]
            .with_user(self.other_user)
            .search([("id", "=", batch.id)])
        )
        self.assertTrue(attachment.with_user(self.serial_user).read(["raw"]))
        self.assertTrue(attachment.with_user(self.serial_manager).read(["raw"]))
        self._run_until_finished(batch)
        self.assertEqual(batch.with_user(self.other_user).state, "done")

    def test_no_crafted_batch_in_the_queue(self):
        Batch = self.env["stock.lot.import.batch"].with_user(self.serial_user)
        crafted = [
            {"created_count": 100000},  # not even the record of a finished import
            {"state": "queued"},
            {"user_id": self.other_user.id},
            {"column_positions": {"serial": 0}},
            {"file_read": True},
        ]
        for values in crafted:
            with self.subTest(values=values), self.assertRaises(AccessError):
                Batch.create({"name": "CRAFTED", **values})
