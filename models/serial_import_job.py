"""Large serial imports in the background, through Odoo's own cron machinery. Not a
model: the Import Serials wizard queues a file here (queue), the cron job
`ir_cron_serial_import_queue` runs process_queue, the batch shows the outcome.

Why: an Odoo worker's request is killed past `limit_time_real` (and
`limit_time_cpu`); a file above `pos_serial_tracking.import_background_rows` rows is
not imported in the request but stored with its mapping and options on a queued
stock.lot.import.batch, and the cron worker is woken (`ir.cron._trigger`).

What runs where. The cron worker calls process_queue up to ten times in a row per
wake-up (ir.cron._run_job), all under one watchdog (`limit_time_real_cron`, by
default `limit_time_real`) and one `limit_time_cpu`. Each call does one slice of
work on the oldest pending batch, as the batch's user in the batch's company:
1. reading: the file's rows, as mapped, into stock.lot.import.chunk records
   (CHUNK rows each), each chunk committed with the batch's `staged_rows`, for at
   most a share of the time limits (time_budget) counted from the first call of the
   wake-up; then the job hands back to the worker (a new trigger wakes it again at
   once, with a fresh watchdog). Killed, the job resumes after the last committed
   chunk.
2. registering: the staged rows are checked and registered by the batch's service
   (_import_rows), in ONE transaction, so that it stays all or nothing: a check that
   refuses the file, or any error, registers nothing and fails the batch with the
   reason. This slice runs only at the start of a wake-up (it gets the whole watchdog);
   its length grows with the file (set-based writes, PostgreSQL's speed): the
   README gives the figures, and `limit_time_real_cron` must exceed it.
Every slice first counts an attempt on the batch, committed, and clears it when it
ends: a slice killed KILLED_SLICES times in a row (the worker's time limit, a
restart) fails its batch with that reason, before Odoo's own count of timeouts
(CONSECUTIVE_TIMEOUT_FOR_FAILURE) stops calling the job. The user is told of the
outcome on their screen (bus) and in their inbox (a message on the batch).

Two queued batches run one after the other; the second one's check sees the serials
the first registered (counted as already registered, as in a request)."""

import logging
import time
from dataclasses import asdict
from datetime import date, datetime
from itertools import islice

from psycopg2.extensions import TransactionRollbackError

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import config

from odoo.addons.base.models.ir_cron import CONSECUTIVE_TIMEOUT_FOR_FAILURE

from ..tools.serial_import_records import ImportOptions, ImportRow
from . import serial_import_columns as columns
from . import serial_import_messages as messages
from . import serial_import_reader as reader

_logger = logging.getLogger(__name__)

CRON = "pos_serial_tracking.ir_cron_serial_import_queue"
QUEUE_ROWS_PARAM = "pos_serial_tracking.import_background_rows"
QUEUE_ROWS = 20000
CHUNK_PARAM = "pos_serial_tracking.import_background_chunk_rows"
CHUNK = 5000
BUDGET_SHARE = 0.4  # of the lower time limit, for the reading of one wake-up
NO_LIMIT_BUDGET = 300  # seconds, when the server sets no time limit
KILLED_SLICES = CONSECUTIVE_TIMEOUT_FOR_FAILURE - 1
READ_SHARE = 25  # % of the progress bar for reading the file
RUN_STARTED = "pos_serial_tracking.import_job_started"  # in the job cursor's cache


# --- queueing (in the user's request) ---------------------------------------------
def estimated_rows(source, sheet_name):
    """The rows of a file, cheaply: a CSV's lines, a sheet's declared size (or, when
    a generator wrote none, its compressed size at ~10 bytes a row)."""
    if source.format == "csv":
        return source.data.count(b"\n")
    workbook = source.workbook()
    if sheet_name and sheet_name in workbook.sheetnames:
        sheet = workbook[sheet_name]
    else:
        sheet = workbook.worksheets[0]
    if sheet.max_row is None and hasattr(sheet, "_get_size"):
        sheet._get_size()  # the declared size, reset once the rows were read
    declared = sheet.max_row or 0
    return declared if declared > 1 else len(source.data) // 10


def should_queue(env, source, sheet_name):
    threshold = int(
        env["ir.config_parameter"].sudo().get_param(QUEUE_ROWS_PARAM, QUEUE_ROWS)
    )
    return 0 < threshold < estimated_rows(source, sheet_name)


def queue(env, source, positions, options):
    """A queued batch holding the file, its mapping and options, for the user of
    `env`, and the cron job woken. Checked as in a request first."""
    Batch = env["stock.lot.import.batch"]
    env["stock.lot"].check_access("create")
    Batch.check_access("create")
    Batch._check_import_target(options.company, options.location)
    if options.product:
        options.product.check_access("read")
    check_whole_file(env, source)
    rows = estimated_rows(source, options.sheet_name)
    batch = Batch.sudo().create(  # checked above (see the batch's create)
        {
            "name": env["ir.sequence"].next_by_code("stock.lot.import.batch"),
            "state": "queued",
            "user_id": env.uid,
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
        env["ir.attachment"]
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
    env.ref(CRON).sudo()._trigger()
    return batch.sudo(False)


def check_whole_file(env, source):
    """What the reader would find anywhere in a CSV and can be found at C speed is
    told in the request, as for a small file: a NUL byte, mixed encodings."""
    if source.format != "csv":
        return
    try:
        if b"\x00" in source.data:
            raise reader.FileProblem("not_text")
        reader.csv_encoding(source.data)
    except reader.FileProblem as problem:
        raise UserError(messages.file_problem_message(env, problem)) from problem


# --- the job (the cron worker) -------------------------------------------------------
def process_queue(env):
    """One slice of work on the oldest pending batch, progress told to the cron."""
    started = env.cr.cache.setdefault(RUN_STARTED, time.monotonic())
    Cron = env["ir.cron"]
    pending = (
        env["stock.lot.import.batch"]
        .sudo()
        .search([("state", "in", ("queued", "running"))], order="id")
    )
    if not pending:
        Cron._notify_progress(done=0, remaining=0)
        return
    batch = pending[0]
    elapsed = time.monotonic() - started
    budget = time_budget()
    if elapsed >= budget or (batch.file_read and elapsed >= 1):
        hand_back(env, elapsed)
        Cron._notify_progress(done=0, remaining=remaining_rows(pending))
        return
    done = run_slice(batch, started + budget)
    Cron._notify_progress(done=max(done, 1), remaining=remaining_rows(pending))


def hand_back(env, elapsed):
    """End this wake-up (done=0 tells the cron so) and wake the worker again at once,
    with a fresh watchdog. The cron then drops the triggers older than the wake-up:
    ours, to the second, is made at least a second after it began."""
    if elapsed < 1:
        time.sleep(1 - elapsed)
    env.ref(CRON)._trigger()


def remaining_rows(pending):
    """The rows still to read, plus one per batch still to register."""
    return sum(
        max(batch.expected_rows - batch.staged_rows, 0) + 1
        for batch in pending
        if batch.state in ("queued", "running")
    )


def time_budget():
    """Seconds of reading per wake-up: a share of the lower of the cron worker's
    limits (limit_time_real_cron, else limit_time_real, and limit_time_cpu)."""
    real = config["limit_time_real_cron"]
    if real is None or real < 0:
        real = config["limit_time_real"]
    limits = [
        limit for limit in (real, config["limit_time_cpu"]) if limit and limit > 0
    ]
    if not limits:
        return NO_LIMIT_BUDGET
    return max(1.0, BUDGET_SHARE * min(limits))


def run_slice(batch, deadline):
    """Read more of the batch's file, or register it: the rows done."""
    env = batch.env
    if batch.attempt_count >= KILLED_SLICES:
        fail(batch, messages.job_killed_message(env, batch.attempt_count))
        return 0
    batch.write({"state": "running", "attempt_count": batch.attempt_count + 1})
    commit(env)
    as_user = batch.with_user(batch.user_id).with_context(
        allowed_company_ids=[batch.company_id.id]
    )
    try:
        if not batch.file_read:
            return read_slice(batch, as_user, deadline)
        return register(batch, as_user)
    except TransactionRollbackError:
        # another import of the same products committed first: again, in a new
        # transaction that sees its serials
        rollback(env)
        batch.attempt_count = 0
        env.ref(CRON)._trigger()
    except (UserError, AccessError, ValidationError) as error:
        rollback(env)
        fail(batch, str(error.args[0] if error.args else error))
    except Exception:
        _logger.exception("Serial import %s failed", batch.name)
        rollback(env)
        fail(batch, messages.job_error_message(env))
    return 0


def read_slice(batch, as_user, deadline):
    """Stage the file's next rows, a committed chunk at a time, until the deadline
    or the end of the file."""
    env = batch.env
    size = int(env["ir.config_parameter"].get_param(CHUNK_PARAM, CHUNK)) or CHUNK
    data = batch.attachment_id.raw
    user_env = as_user.env
    read = 0
    with columns.open_file(user_env, data, batch.file_name) as source:
        rows = columns.import_rows(
            user_env, source, batch.sheet_name, batch.column_positions
        )
        rows = islice(rows, batch.staged_rows, None)  # resumed after a kill
        sequence = len(batch.chunk_ids)
        while True:
            chunk = list(islice(rows, size))
            read += len(chunk)
            values = {"attempt_count": 0}
            if chunk:
                sequence += 1
                env["stock.lot.import.chunk"].create(
                    {
                        "batch_id": batch.id,
                        "sequence": sequence,
                        "rows": [staged_row(row) for row in chunk],
                    }
                )
                values["staged_rows"] = batch.staged_rows + len(chunk)
            if len(chunk) < size:
                values["file_read"] = True
                values["expected_rows"] = values.get("staged_rows", batch.staged_rows)
            batch.write(values)
            batch.progress = (
                READ_SHARE
                * batch.staged_rows
                / max(batch.expected_rows, batch.staged_rows, 1)
            )
            commit(env)
            if batch.file_read or time.monotonic() >= deadline:
                return read


def register(batch, as_user):
    """Check and register the staged rows in this transaction: the batch is done,
    or failed with nothing registered."""
    rows = [
        ImportRow(**{"serial": "", **values})
        for chunk in batch.chunk_ids.sorted("sequence")
        for values in chunk.rows
    ]
    if not rows:
        raise UserError(
            messages.file_problem_message(as_user.env, reader.FileProblem("no_rows"))
        )
    options = ImportOptions.of_batch(as_user)
    as_user.env["stock.lot.import.batch"]._import_rows(rows, options, batch=as_user)
    finish(batch, "done")
    return len(rows)


def fail(batch, reason):
    finish(batch, "failed", reason=reason)


def finish(batch, state, reason=None):
    """The batch done or failed: its file and staged rows dropped, its user told."""
    batch.chunk_ids.unlink()
    attachment = batch.attachment_id
    batch.write(
        {
            "state": state,
            "progress": 100 if state == "done" else batch.progress,
            "failure_reason": reason,
            "attempt_count": 0,
            "attachment_id": False,
        }
    )
    attachment.unlink()
    notify(batch)


def notify(batch):
    """Tell the batch's user: a notification on their screen, and a message in their
    inbox (from OdooBot, so that it reaches them)."""
    env = batch.env(context=dict(batch.env.context, lang=batch.user_id.lang))
    batch = batch.with_env(env)
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


def staged_row(row):
    """An ImportRow as JSON: its filled fields, dates as YYYY-MM-DD (as a cell's
    date is read)."""
    values = {}
    for name, value in asdict(row).items():
        if value is None or value == "":
            continue
        if isinstance(value, datetime):
            value = value.date().isoformat()
        elif isinstance(value, date):
            value = value.isoformat()
        elif not isinstance(value, str | int | float):
            value = str(value)
        values[name] = value
    return values


def rollback(env):
    """Undo the slice's work since its last commit
    (stock.lot.import.batch._rollback_import_job)."""
    env["stock.lot.import.batch"]._rollback_import_job()


def commit(env):
    """Commit the work done so far, so that a killed worker keeps it
    (stock.lot.import.batch._commit_import_job)."""
    env["stock.lot.import.batch"]._commit_import_job()
