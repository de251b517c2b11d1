"""The settings and pure helpers of a serial import run in the background (the batch's
_job concern, stock_lot_import_batch_job.py, tells how it runs): the cron job, the
system parameters and their defaults, the share of the time limits a wake-up reads,
a file's estimated rows and a row as the staging model keeps it."""

from dataclasses import asdict
from datetime import date, datetime

from odoo.tools import config

from odoo.addons.base.models.ir_cron import CONSECUTIVE_TIMEOUT_FOR_FAILURE

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


def estimated_rows(source, sheet_name):
    """The rows of a file (serial_import_reader.SerialFile), cheaply: a CSV's lines, a
    sheet's declared size (or, when a generator wrote none, its compressed size at ~10
    bytes a row)."""
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


def watchdog_limit():
    """Seconds a cron worker's job may run before the server kills it
    (limit_time_real_cron, else limit_time_real), None when there is no limit."""
    real = config["limit_time_real_cron"]
    if real is None or real < 0:
        real = config["limit_time_real"]
    return real if real and real > 0 else None


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
