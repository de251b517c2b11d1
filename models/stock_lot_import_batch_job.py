import logging
import time
from datetime import timedelta
from itertools import islice

from psycopg2 import InterfaceError, OperationalError
from psycopg2.extensions import TransactionRollbackError

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import serial_import_messages as messages
from ..tools import serial_import_queue as queue
from ..tools.serial_import_reader import FileProblem, csv_encoding
from ..tools.serial_import_records import ImportOptions, ImportRow

_logger = logging.getLogger(__name__)


class StockLotImportBatch(models.Model):
    """Large serial imports in the background, through Odoo's own cron machinery: the
    Import Serials wizard queues a file (_queue_import), the cron job
    `ir_cron_serial_import_queue` runs _cron_process_import_queue, the batch shows
    the outcome.

    Why: an Odoo worker's request is killed past `limit_time_real` (and
    `limit_time_cpu`); a file above `pos_serial_tracking.import_background_rows` rows
    is not imported in the request but stored with its mapping and options on a
    queued batch, and the cron worker is woken (`ir.cron._trigger`).

    What runs where. The cron worker calls the job up to ten times in a row per
    wake-up (ir.cron._run_job), all under one watchdog (`limit_time_real_cron`, by
    default `limit_time_real`) and one `limit_time_cpu`. Each call does one slice of
    work on the oldest pending batch, as the batch's user in the batch's company:
    1. reading: the file's rows, as mapped, into stock.lot.import.chunk records
       (CHUNK rows each), each chunk committed with the batch's `staged_rows`, for at
       most a share of the time limits (serial_import_queue.time_budget) counted from
       the first call of the wake-up; then the job hands back to the worker (a new
       trigger wakes it again at once, with a fresh watchdog). Killed, the job
       resumes after the last committed chunk.
    2. registering: the staged rows are checked and registered by the batch's
       service (_import_rows), in ONE transaction, so that it stays all or nothing: a
       check that refuses the file, or any error, registers nothing and fails the
       batch with the reason. This slice runs only at the start of a wake-up (it gets
       the whole watchdog); its length grows with the file (set-based writes,
       PostgreSQL's speed): the README gives the figures, and
       `limit_time_real_cron` must exceed it.
    Every slice first marks its start on the batch, committed (when it began, when
    the worker's watchdog would kill it, when the database server started), and
    clears the mark when it ends. A wake-up that finds a mark left behind knows the
    slice before it died, and why (_account_for_stopped_slice):
    - the database server restarted since (pg_postmaster_start_time), or the slice
      died before its time limit (a killed worker, a terminated connection): an
      interruption. It is counted on the batch (interruption_count), logged there
      and in the server log, and does not count as a failure, neither towards the
      batch's nor towards Odoo's own count of timeouts: the job resumes from its
      last committed step (the next chunk to read, or the registration again);
    - otherwise the slice outlived its time limit: a time-out of the job itself. A
      slice that times out KILLED_SLICES times in a row fails its batch with that
      reason, before Odoo's own count of timeouts (CONSECUTIVE_TIMEOUT_FOR_FAILURE)
      stops calling the job.
    The user is told of the outcome on their screen (bus) and in their inbox (a
    message on the batch).

    Two queued batches run one after the other; the second one's check sees the
    serials the first registered (counted as already registered, as in a
    request)."""

    _inherit = "stock.lot.import.batch"

    interruption_count = fields.Integer(
        string="Interruptions",
        readonly=True,
        copy=False,
        help="Times the import was interrupted by the infrastructure (a database "
        "restart, a stopped worker or connection) and resumed from its last saved "
        "step; they do not count as failures.",
    )
    # the running slice's mark (see the class's docstring), kept by the job only
    slice_started_at = fields.Datetime(
        readonly=True, copy=False, groups="base.group_system"
    )
    slice_deadline = fields.Datetime(
        readonly=True, copy=False, groups="base.group_system"
    )
    slice_server_started_at = fields.Datetime(
        readonly=True, copy=False, groups="base.group_system"
    )

    # --- queueing (in the user's request) -------------------------------------------
    @api.model
    def _queue_import(self, source, positions, options):
        """A queued batch holding the file (a SerialFile), its mapping (`positions`)
        and `options` (ImportOptions), for the current user, and the cron job woken.
        Checked as in a request first."""
        self.env["stock.lot"].check_access("create")
        self.check_access("create")
        self._check_import_target(options.company, options.location)
        if options.product:
            options.product.check_access("read")
        self._check_import_whole_file(source)
        rows = queue.estimated_rows(source, options.sheet_name)
        batch = self.sudo().create(  # checked above (see the batch's create)
            {
                "name": self.env["ir.sequence"].next_by_code("stock.lot.import.batch"),
                "state": "queued",
                "user_id": self.env.uid,
                "company_id": options.company.id,
                "product_id": options.product.id,
                "location_id": options.location.id,
                "valid_rows_only": options.valid_rows_only,
                "file_name": options.file_name,
                "file_sha256": options.file_sha256,
                "sheet_name": options.sheet_name,
                "column_positions": positions,
                "expected_rows": rows,
            }
        )
        batch.attachment_id = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": options.file_name or batch.name,
                    "raw": source.data,
                    "res_model": batch._name,
                    "res_id": batch.id,
                }
            )
        )
        self.env.ref(queue.CRON).sudo()._trigger()
        return batch.sudo(False)

    @api.model
    def _check_import_whole_file(self, source):
        """What the reader would find anywhere in a CSV and can be found at C speed is
        told in the request, as for a small file: a NUL byte, mixed encodings."""
        if source.format != "csv":
            return
        try:
            if b"\x00" in source.data:
                raise FileProblem("not_text")
            csv_encoding(source.data)
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem

    # --- the job (the cron worker) ---------------------------------------------------
    @api.model
    def _cron_process_import_queue(self):
        """The server action of the cron job "Serial imports: run the queued
        imports": one slice of work on the oldest pending batch, progress told to the
        cron."""
        started = self.env.cr.cache.setdefault(queue.RUN_STARTED, time.monotonic())
        Cron = self.env["ir.cron"]
        pending = self.sudo().search(
            [("state", "in", ("queued", "running"))], order="id"
        )
        if not pending:
            Cron._notify_progress(done=0, remaining=0)
            return
        batch = pending[0]
        elapsed = time.monotonic() - started
        budget = queue.time_budget()
        if elapsed >= budget or (batch.file_read and elapsed >= 1):
            self._import_hand_back(elapsed)
            Cron._notify_progress(done=0, remaining=pending._import_remaining_rows())
            return
        done = batch._run_import_slice(started + budget)
        Cron._notify_progress(
            done=max(done, 1), remaining=pending._import_remaining_rows()
        )

    @api.model
    def _import_hand_back(self, elapsed):
        """End this wake-up (done=0 tells the cron so) and wake the worker again at
        once, with a fresh watchdog. The cron then drops the triggers older than the
        wake-up: ours, to the second, is made at least a second after it began."""
        if elapsed < 1:
            time.sleep(1 - elapsed)
        self.env.ref(queue.CRON)._trigger()

    def _import_remaining_rows(self):
        """The rows of these batches still to read, plus one per batch still to
        register."""
        return sum(
            max(batch.expected_rows - batch.staged_rows, 0) + 1
            for batch in self
            if batch.state in ("queued", "running")
        )

    def _run_import_slice(self, deadline):
        """Read more of this batch's file, or register it: the rows done."""
        self.ensure_one()
        env = self.env
        if self.slice_started_at:
            self._account_for_stopped_slice()
        if self.attempt_count >= queue.KILLED_SLICES:
            self._fail_import(messages.job_killed_message(env, self.attempt_count))
            return 0
        self.write({"state": "running", **self._import_slice_mark()})
        self._commit_import_job()
        as_user = self.with_user(self.user_id).with_context(
            allowed_company_ids=[self.company_id.id]
        )
        try:
            if not self.file_read:
                read = self._read_import_slice(as_user, deadline)
                self.slice_started_at = False
                self._commit_import_job()
                return read
            return self._register_queued_import(as_user)
        except TransactionRollbackError:
            # another import of the same products committed first: again, in a new
            # transaction that sees its serials
            self._rollback_import_job()
            self.write({"attempt_count": 0, "slice_started_at": False})
            env.ref(queue.CRON)._trigger()
        except (UserError, AccessError, ValidationError) as error:
            self._rollback_import_job()
            self._fail_import(str(error.args[0] if error.args else error))
        except Exception as error:
            if self._import_connection_lost(error):
                # the database went away (a restart, a terminated connection):
                # nothing can be written now; the next wake-up finds the slice's
                # mark and resumes (_account_for_stopped_slice); its id only: the
                # cache was dropped with the transaction
                _logger.warning(
                    "Serial import batch %s interrupted: %s", self.id, error
                )
                raise
            _logger.exception("Serial import %s failed", self.name)
            self._rollback_import_job()
            self._fail_import(messages.job_error_message(env))
        return 0

    # --- interruptions and time-outs (see the class's docstring) ---------------------
    def _import_slice_mark(self):
        """The values marking the start of a slice of this batch: now, when the
        cron worker's watchdog kills this wake-up (False without a time limit) and
        when the database server started; times from the database's clock."""
        self.ensure_one()
        server_started, now = self._import_database_clock()
        deadline = False
        limit = queue.watchdog_limit()
        if limit:
            started = self.env.cr.cache.get(queue.RUN_STARTED, time.monotonic())
            ran = time.monotonic() - started
            deadline = now + timedelta(seconds=limit - ran)
        return {
            "slice_started_at": now,
            "slice_deadline": deadline,
            "slice_server_started_at": server_started,
        }

    def _import_database_clock(self):
        """(when the database server started, now), UTC, to the second."""
        self.env.cr.execute(
            """SELECT pg_postmaster_start_time() AT TIME ZONE 'UTC',
                      clock_timestamp() AT TIME ZONE 'UTC'"""
        )
        server_started, now = self.env.cr.fetchone()
        return server_started.replace(microsecond=0), now.replace(microsecond=0)

    def _import_stop_cause(self):
        """Why this batch's last slice, marked and never ended, stopped: "restart"
        (the database server restarted since it began), "stopped" (it died before
        its time limit: a killed worker, a terminated connection) or "timeout" (the
        worker's watchdog: it outlived its time limit)."""
        self.ensure_one()
        server_started, now = self._import_database_clock()
        if (
            self.slice_server_started_at
            and server_started > self.slice_server_started_at
        ):
            return "restart"
        if not self.slice_deadline or now < self.slice_deadline:
            return "stopped"
        return "timeout"

    def _account_for_stopped_slice(self):
        """This batch's last slice began and never ended: a time-out counts
        towards failing the batch (attempt_count), an interruption is counted,
        logged on the batch and forgiven (_forgive_cron_timeout)."""
        self.ensure_one()
        cause = self._import_stop_cause()
        if cause == "timeout":
            _logger.warning(
                "Serial import %s: its job outlived its time limit (%s in a row)",
                self.name,
                self.attempt_count + 1,
            )
            self.write({"attempt_count": self.attempt_count + 1})
        else:
            self.interruption_count += 1
            self._log_import_interruption(cause)
            self._forgive_cron_timeout()
        self.slice_started_at = False

    def _log_import_interruption(self, cause):
        """Tell, on the batch and in the server log, that its job was interrupted
        (`cause`, see _import_stop_cause) and resumes. Override it, with super(), to
        tell someone else too."""
        self.ensure_one()
        env = self.env(context=dict(self.env.context, lang=self.user_id.lang))
        step = "registering" if self.file_read else "reading"
        body = messages.job_interrupted_message(
            env, cause, self.interruption_count, step
        )
        _logger.warning("Serial import %s: %s", self.name, body)
        self.with_env(env).message_post(
            body=body,
            author_id=env.ref("base.partner_root").id,
            message_type="notification",
            subtype_xmlid="mail.mt_note",
        )

    def _forgive_cron_timeout(self):
        """Odoo's cron counts every call that did not end as a time-out and stops
        calling a job after CONSECUTIVE_TIMEOUT_FOR_FAILURE of them in a row (until
        its next interval: an hour here): the call that died of an interruption is
        taken off that count (this call's progress holds it, plus one for itself)."""
        progress_id = self.env.context.get("ir_cron_progress_id")
        if not progress_id:
            return
        progress = self.env["ir.cron.progress"].sudo().browse(progress_id)
        progress.timed_out_counter = max(progress.timed_out_counter - 1, 0)

    def _import_connection_lost(self, error):
        """Whether `error` is the loss of this job's database connection."""
        return isinstance(error, OperationalError | InterfaceError) and bool(
            self.env.cr.closed
        )

    def _read_import_slice(self, as_user, deadline):
        """Stage this batch's next rows, a committed chunk at a time, until the
        deadline or the end of the file; `as_user`: the batch as its user. The rows
        read."""
        self.ensure_one()
        env = self.env
        size = (
            int(env["ir.config_parameter"].get_param(queue.CHUNK_PARAM, queue.CHUNK))
            or queue.CHUNK
        )
        data = self.attachment_id.raw
        read = 0
        Batch = as_user.browse()
        with Batch._open_import_file(data, self.file_name) as source:
            rows = Batch._import_file_rows(
                source, self.sheet_name, self.column_positions
            )
            rows = islice(rows, self.staged_rows, None)  # resumed after a kill
            sequence = len(self.chunk_ids)
            while True:
                chunk = list(islice(rows, size))
                read += len(chunk)
                values = {"attempt_count": 0}
                if chunk:
                    sequence += 1
                    env["stock.lot.import.chunk"].create(
                        {
                            "batch_id": self.id,
                            "sequence": sequence,
                            "rows": [queue.staged_row(row) for row in chunk],
                        }
                    )
                    values["staged_rows"] = self.staged_rows + len(chunk)
                if len(chunk) < size:
                    values["file_read"] = True
                    values["expected_rows"] = values.get(
                        "staged_rows", self.staged_rows
                    )
                self.write(values)
                self.progress = (
                    queue.READ_SHARE
                    * self.staged_rows
                    / max(self.expected_rows, self.staged_rows, 1)
                )
                self._commit_import_job()
                if self.file_read or time.monotonic() >= deadline:
                    return read

    def _register_queued_import(self, as_user):
        """Check and register the staged rows of this batch in this transaction, as
        its user (`as_user`): the batch is done, or failed with nothing registered.
        The rows done."""
        self.ensure_one()
        rows = [
            ImportRow(**{"serial": "", **values})
            for chunk in self.chunk_ids.sorted("sequence")
            for values in chunk.rows
        ]
        Batch = as_user.browse()
        if not rows:
            raise Batch._import_file_error(FileProblem("no_rows"))
        options = ImportOptions.of_batch(as_user)
        Batch._import_rows(rows, options, batch=as_user)
        self._finish_import("done")
        return len(rows)

    def _fail_import(self, reason):
        """This queued batch failed, for `reason` (a sentence for its user)."""
        self._finish_import("failed", reason=reason)

    def _finish_import(self, state, reason=None):
        """This queued batch done or failed (`state`): its file and staged rows
        dropped, its user told (_notify_import)."""
        self.ensure_one()
        self.chunk_ids.unlink()
        attachment = self.attachment_id
        self.write(
            {
                "state": state,
                "progress": 100 if state == "done" else self.progress,
                "failure_reason": reason,
                "attempt_count": 0,
                "slice_started_at": False,
                "attachment_id": False,
            }
        )
        attachment.unlink()
        self._notify_import()

    def _notify_import(self):
        """Tell this batch's user how its queued import ended: a notification on their
        screen, and a message in their inbox (from OdooBot, so that it reaches them).
        Override it, with super(), to tell someone else too."""
        self.ensure_one()
        env = self.env(context=dict(self.env.context, lang=self.user_id.lang))
        batch = self.with_env(env)
        if batch.state == "done":
            title, body = messages.job_done_message(env, batch)
        else:
            title, body = messages.job_failed_message(env, batch)
        batch.user_id._bus_send(
            "simple_notification",
            {
                "type": "success" if batch.state == "done" else "danger",
                "title": title,
                "message": body,
                "sticky": batch.state != "done",
            },
        )
        batch.message_post(
            body=body,
            subject=title,
            author_id=env.ref("base.partner_root").id,
            partner_ids=batch.user_id.partner_id.ids,
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
