"""The spreadsheets the serial import (stock.lot.import) gives the user: the error
report of a checked file (every row that cannot be imported, with its problem) and
the template to fill in. Plain functions: the wizard passes the environment, the
check (serial_import_records.ImportCheck), the file's rows (an iterator of (row number,
cells), the header first) and the sentences of the problems.
"""

import base64
import io

import openpyxl
from openpyxl.cell import WriteOnlyCell

from ..tools.serial_import_cells import date_hint
from ..tools.serial_import_reader import TEMPLATE_COLUMNS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """A cell value for a spreadsheet a user will open: text that a spreadsheet would
    run as a formula (=, +, -, @) is prefixed with a quote."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def error_report_values(env, check, source, sheet_name, filename):
    """The wizard's error report fields: the workbook of the rows `check` could not
    import (none when every row is fine), read again from the file's sheet, and its
    file name, after the file's."""
    if not check.problems:
        return {"error_report": False, "error_report_name": False}
    Batch = env["stock.lot.import.batch"]
    rows = Batch._read_import_file_rows(source, sheet_name)
    messages = Batch._import_row_problem_messages()
    return {
        "error_report": base64.b64encode(error_workbook(env, check, rows, messages)),
        "error_report_name": "{}_errors.xlsx".format(
            (filename or "serials").rsplit(".", 1)[0]
        ),
    }


def error_workbook(env, check, rows, messages):
    """Every row that cannot be imported, as in the file, with its row number and
    its problem: fix the cells and import the report again (Row and Problem are
    ignored). Text a spreadsheet would run as a formula is written quoted."""
    reasons = {problem.number: problem.message(messages) for problem in check.problems}
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(env._("Rows not imported"))

    def line(values):
        cells = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=safe_cell(value))
            if isinstance(cell.value, str):
                cell.data_type = "s"
            cells.append(cell)
        return cells

    header = next(rows, (0, ()))[1]
    width = len(header)
    sheet.append(line(list(header) + [env._("Row"), env._("Problem")]))
    for number, values in rows:
        if number in reasons:
            values = list(values[:width]) + [None] * (width - len(values))
            sheet.append(line(values + [number, reasons[number]]))
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def template_workbook(env):
    """The file to fill in: the columns the import reads, and a sheet saying what to
    write in each."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = env._("Serials")
    sheet.append(TEMPLATE_COLUMNS)
    for index, width in enumerate((24, 24, 18, 18, 14, 30, 14, 18), start=1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = width
    help_sheet = workbook.create_sheet(env._("Help"))
    help_sheet.append([env._("Column"), env._("What to write")])
    dates = date_hint(env)["formats"]
    for column, text in (
        ("Serial", env._("The serial number, one unit per row (required).")),
        (
            "Product",
            env._(
                "The product's internal reference, barcode or name (required "
                "unless you choose a default product)."
            ),
        ),
        ("Lot Reference", env._("Optional: your own reference for the unit.")),
        (
            "Location",
            env._(
                "Optional: the internal location to receive the unit into, by "
                "its full name (WH/Stock)."
            ),
        ),
        (
            "Warranty End",
            env._(
                "Optional: the end of the warranty the unit came with, as a "
                "date (%(formats)s).",
                formats=dates,
            ),
        ),
        ("Note", env._("Optional: a note kept on the serial.")),
        (
            "Expiry Date",
            env._(
                "Optional: the date after which the unit may not be sold (GS1 AI "
                "17), as a date (%(formats)s); the till refuses it afterwards.",
                formats=dates,
            ),
        ),
        (
            "Batch",
            env._("Optional: the manufacturer's batch of the unit (GS1 AI 10)."),
        ),
    ):
        help_sheet.append([column, text])
    help_sheet.column_dimensions["B"].width = 90
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
