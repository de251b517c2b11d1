from datetime import timedelta

from odoo.tests import tagged

from ..tools import serial_import_queue as job
from . import test_stock_lot_import_background as background

# the background import's own tests run in their class, not again in this one
BACKGROUND_TESTS = [
    name for name in dir(background.TestStockLotImportBackground) if name[:5] == "test_"
]


@tagged("post_install", "-at_install")
class TestSerialImportFailover(background.TestStockLotImportBackground):
    """A background import hit by the infrastructure (a database restart, a killed
    worker or a terminated connection) resumes from its last committed step and ends
    as if nothing happened, each interruption shown on the batch; only the job's own
    time-outs fail it. A dead slice leaves in the database what it committed: its
    mark (_import_slice_mark) and the chunks read before it died; the tests leave
    the database in that state, then let the cron wake up (the real kills, on a
    multi-worker server: scripts/run_background_import.py)."""

    locals().update(dict.fromkeys(BACKGROUND_TESTS))  # not callable: not collected

    def _die_in_slice(self, batch, **mark):
        """`batch`'s job died in a slice: its mark committed, the rest of the slice
        lost; `mark` changes what the database shows then (the server's start, the
        deadline)."""
        batch = batch.sudo()
        batch.write({"state": "running", **batch._import_slice_mark(), **mark})

    def _notes(self, batch):
        return self.env["mail.message"].search(
            [
                ("model", "=", batch._name),
                ("res_id", "=", batch.id),
                ("body", "like", "Interruption"),
            ],
            order="id",
        )

    def _assert_imported_once(self, batch, prefix, count):
        self.assertEqual(batch.state, "done")
        lots = self._lots(prefix)
        self.assertEqual(len(lots), count)
        self.assertEqual(len(set(lots.mapped("name"))), count)
        self.assertEqual(sum(lots.mapped("product_qty")), count)
        lines = self.env["serial.audit.line"].search([("lot_id", "in", lots.ids)])
        self.assertEqual(len(lines), count, "one history line per serial")
        self.assertEqual(batch.created_count, count)
        self.assertFalse(batch.sudo().slice_started_at)
        self.assertIn(f"{count} serials registered", self._inbox(batch).body)

    def test_worker_killed_while_registering(self):
        self.env["ir.config_parameter"].set_param(job.CHUNK_PARAM, "3")
        batch = self._queue(
            self._file(8, prefix="FK"), location_id=self.stock_location.id
        )
        self._run_cron()  # the file read, committed chunk by chunk
        self.assertTrue(batch.file_read)
        # the worker killed mid-registration, before its time limit: nothing of the
        # registration committed, its mark left behind
        self._die_in_slice(batch)
        self._run_cron()
        self._assert_imported_once(batch, "FK", 8)
        self.assertEqual(batch.interruption_count, 1)
        self.assertEqual(batch.attempt_count, 0)
        [note] = self._notes(batch)
        self.assertIn("Interruption 1", note.body)
        self.assertIn("stopped before the time limit", note.body)
        self.assertIn("registering the serials from the start", note.body)

    def test_database_restarts_while_reading_then_registering(self):
        self.env["ir.config_parameter"].set_param(job.CHUNK_PARAM, "3")
        batch = self._queue(
            self._file(8, prefix="FR"), location_id=self.stock_location.id
        )
        # a slice that read one chunk and committed it
        batch.sudo()._run_import_slice(deadline=0)
        self.assertEqual((batch.staged_rows, batch.file_read), (3, False))
        # PostgreSQL restarted during the next chunk: the server's start the slice
        # recorded is older than the server's start now
        server_started, _now = batch.sudo()._import_database_clock()
        self._die_in_slice(
            batch, slice_server_started_at=server_started - timedelta(hours=1)
        )
        self._run_cron()
        self.assertEqual((batch.staged_rows, batch.file_read), (8, True))
        self.assertEqual(
            len(batch.sudo().chunk_ids), 3, "resumed after the committed chunk"
        )
        # and again while registering, even past the slice's time limit
        self._die_in_slice(
            batch,
            slice_server_started_at=server_started - timedelta(hours=1),
            slice_deadline=server_started - timedelta(minutes=1),
        )
        self._run_until_finished(batch)
        self._assert_imported_once(batch, "FR", 8)
        self.assertEqual(batch.interruption_count, 2)
        notes = self._notes(batch)
        self.assertEqual(len(notes), 2)
        self.assertIn("the database server restarted", notes[0].body)
        self.assertIn("reading the file after its last saved part", notes[0].body)
        self.assertIn("registering the serials from the start", notes[1].body)

    def test_interruptions_do_not_count_time_outs_do(self):
        batch = self._queue(
            self._file(8, prefix="FT"), location_id=self.stock_location.id
        )
        self._run_cron()
        # one time-out already counted, then an interruption: the job goes on
        batch.sudo().attempt_count = job.KILLED_SLICES - 1
        self._die_in_slice(batch)
        self._run_cron()
        self._assert_imported_once(batch, "FT", 8)
        self.assertEqual(batch.interruption_count, 1)

        # a slice that always outlives its time limit fails its batch
        batch = self._queue(self._file(8, prefix="FO"))
        self._run_cron()
        for timeouts in range(1, job.KILLED_SLICES + 1):
            _started, now = batch.sudo()._import_database_clock()
            self._die_in_slice(batch, slice_deadline=now - timedelta(seconds=1))
            if timeouts < job.KILLED_SLICES:
                # what the cron sees of a slice that died: its mark; a time-out is
                # counted, then the slice dies again
                batch.sudo()._account_for_stopped_slice()
                self.assertEqual(batch.attempt_count, timeouts)
        self._run_cron()
        self.assertEqual(batch.state, "failed")
        self.assertIn(
            f"stopped {job.KILLED_SLICES} times by the server's time limit",
            batch.failure_reason,
        )
        self.assertFalse(self._lots("FO"), "nothing partial")
        self.assertEqual(batch.interruption_count, 0)
        self.assertFalse(self._notes(batch))
        self.assertIn("was not imported", self._inbox(batch).body)

    def test_interruption_taken_off_odoos_timeout_count(self):
        batch = self._queue(self._file(8, prefix="FC"))
        self._run_cron()
        self._die_in_slice(batch)
        # this call's progress: the dead call counted as a time-out, plus itself
        progress = self.env["ir.cron.progress"].create(
            {"cron_id": self.cron.id, "timed_out_counter": 2}
        )
        batch.sudo().with_context(
            ir_cron_progress_id=progress.id
        )._account_for_stopped_slice()
        self.assertEqual(progress.timed_out_counter, 1)
        self.assertEqual(batch.interruption_count, 1)
