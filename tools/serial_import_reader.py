"""Reading a list of serials from a CSV or XLSX file, row by row, for the serial import
(stock.lot.import) and the import of a count's serials (serial.count.import). Pure: no
model, no environment. A bad file raises FileProblem with a code and its details
(serial_import_messages.file_problem_message turns it into a sentence for the user);
how big a file may be is the batch's (stock.lot.import.batch._import_limits, a
Limits).

Both formats are streamed: an XLSX workbook is opened by openpyxl in read-only mode and
its sheet's rows parsed as they are read (serial_import_xlsx, one row in memory at a
time), a CSV is decoded as it is parsed, so memory follows the row limit,
not the size of the file."""

import codecs
import csv
import hashlib
import io
import re
import zipfile
from typing import NamedTuple
from xml.parsers.expat import ExpatError

from .serial_import_xlsx import load_workbook, sheet_values

MAX_ROWS = 200000
MAX_MEGABYTES = 50
TEMPLATE_COLUMNS = [
    "Serial",
    "Product",
    "Lot Reference",
    "Location",
    "Warranty End",
    "Note",
    "Expiry Date",
    "Batch",
]
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = (
    b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97-2003) and other OLE files
)
CSV_EXTENSIONS = ("csv", "txt", "tsv")
XLSX_EXTENSIONS = ("xlsx", "xlsm")
DELIMITERS = (",", ";", "\t", "|")
# a valid UTF-8 multi-byte sequence: seen beside invalid bytes, the file mixes encodings
UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)
DECODE_CHUNK = 1 << 20


class FileProblem(Exception):
    """The file cannot be read; `code` says why, `params` hold the details."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


class Limits(NamedTuple):
    """The most rows (below the header) and megabytes one file may hold."""

    max_rows: int  # below the header
    max_megabytes: int


def check_size(data, max_megabytes):
    """FileProblem("too_big") for a file of more than `max_megabytes`."""
    if len(data) > max_megabytes * 1024 * 1024:
        raise FileProblem(
            "too_big", size=round(len(data) / 1024 / 1024, 1), limit=max_megabytes
        )


def file_format(data, filename):
    """ "csv" or "xlsx", from the name and the content, or FileProblem."""
    if not data or not data.strip():
        raise FileProblem("empty")
    extension = (
        filename.rsplit(".", 1)[-1].lower() if filename and "." in filename else ""
    )
    if data.startswith(OLE_MAGIC) or extension == "xls":
        raise FileProblem("xls")
    if extension in XLSX_EXTENSIONS:
        if not data.startswith(XLSX_MAGIC):
            raise FileProblem("corrupt_xlsx")
        return "xlsx"
    if extension and extension not in CSV_EXTENSIONS:
        raise FileProblem("extension", extension=extension)
    if data.startswith(XLSX_MAGIC):
        if extension:
            raise FileProblem("xlsx_named_csv", extension=extension)
        return "xlsx"
    if b"\x00" in data[:DECODE_CHUNK]:
        raise FileProblem("not_text")
    return "csv"


class SerialFile:
    """An uploaded file, opened once: a workbook's shared strings are parsed once
    however many times its rows are read (header, dry run, error report)."""

    def __init__(self, data, filename):
        self.data = data
        self.format = file_format(data, filename)
        self.sha256 = hashlib.sha256(data).hexdigest()
        self._workbook = None

    def workbook(self):
        if self._workbook is None:
            self._workbook = _open_workbook(self.data)
        return self._workbook

    def sheet_names(self):
        return list(self.workbook().sheetnames) if self.format == "xlsx" else []

    def rows(self, sheet=None, max_rows=None):
        """Yield (row number, tuple of cell values) for every row holding a value, the
        header first; row numbers are those the user sees (the spreadsheet's, or the CSV
        line's). Raises FileProblem("too_many_rows") once more than `max_rows` rows
        follow the header."""
        if self.format == "xlsx":
            rows = _xlsx_rows(self.workbook(), sheet)
        else:
            rows = _csv_rows(self.data)
        count = -1  # the header is not counted
        for number, values in rows:
            if not any(value is not None and str(value).strip() for value in values):
                continue
            count += 1
            if max_rows is not None and count > max_rows:
                raise FileProblem("too_many_rows", limit=max_rows)
            yield number, tuple(values)

    def close(self):
        if self._workbook is not None:
            self._workbook.close()
            self._workbook = None


# --- XLSX -----------------------------------------------------------------------------
def _open_workbook(data):
    if not data.startswith(XLSX_MAGIC):
        raise FileProblem("corrupt_xlsx")
    try:
        return load_workbook(data)
    except Exception as error:  # openpyxl raises about anything on a damaged file
        raise FileProblem("corrupt_xlsx", error=str(error)) from error


def _xlsx_rows(workbook, sheet):
    if sheet and sheet not in workbook.sheetnames:
        raise FileProblem("unknown_sheet", sheet=sheet, sheets=workbook.sheetnames)
    worksheet = workbook[sheet] if sheet else workbook.worksheets[0]
    if not hasattr(worksheet, "iter_rows"):  # a chart sheet
        raise FileProblem("unknown_sheet", sheet=sheet, sheets=workbook.sheetnames)
    # every cell, whatever size the file declares (some generators write A1:A1)
    rows = sheet_values(worksheet)
    number = 0
    while True:
        try:
            values = next(rows)
        except StopIteration:
            break
        except (
            zipfile.BadZipFile,
            KeyError,
            ValueError,
            TypeError,
            SyntaxError,
            EOFError,
            OSError,
            ExpatError,
        ) as error:
            raise FileProblem("corrupt_xlsx", error=str(error)) from error
        number += 1
        yield number, values


# --- CSV ------------------------------------------------------------------------------
def csv_encoding(data):
    """The encoding of a CSV: UTF-8 (with or without BOM), else Latin-1 (as Windows
    writes it); FileProblem("mixed_encodings") for UTF-8 text with some non-UTF-8
    bytes."""
    has_bom = data.startswith(codecs.BOM_UTF8)
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(data), DECODE_CHUNK):
            decoder.decode(data[start : start + DECODE_CHUNK])
        decoder.decode(b"", final=True)
        return "utf-8-sig" if has_bom else "utf-8"
    except UnicodeDecodeError as error:
        position = start + error.start
    if has_bom or UTF8_SEQUENCE.search(data):
        raise FileProblem("mixed_encodings", line=data.count(b"\n", 0, position) + 1)
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return "latin-1"
    return "cp1252"


def csv_delimiter(data, encoding):
    """The delimiter the header line uses most (outside quotes); a comma for a file of
    one column."""
    head = data[:DECODE_CHUNK].decode(encoding, errors="replace")
    for line in head.splitlines():
        if not line.strip():
            continue
        unquoted = re.sub(r'"[^"]*"', "", line)
        counts = {delimiter: unquoted.count(delimiter) for delimiter in DELIMITERS}
        best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
        return best if counts[best] else ","
    return ","


class _TextBytes(io.BytesIO):
    """The bytes of a CSV as its decoder reads them, a chunk at a time, refusing a
    NUL byte wherever it lies (file_format only looks at the first MiB; PostgreSQL
    stores no NUL in text). Checked in the chunks the decoder reads anyway: the file is
    not read a second time."""

    def read(self, size=-1):
        return self._checked(super().read(size))

    def read1(self, size=-1):
        return self._checked(super().read1(size))

    def _checked(self, chunk):
        if b"\x00" in chunk:
            raise FileProblem("not_text")
        return chunk


def _csv_rows(data):
    encoding = csv_encoding(data)
    delimiter = csv_delimiter(data, encoding)
    text = io.TextIOWrapper(_TextBytes(data), encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    number = 0
    while True:
        start = reader.line_num + 1
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            if "unexpected end of data" in str(error):
                raise FileProblem("unclosed_quote", line=start) from error
            raise FileProblem("bad_csv", line=start, error=str(error)) from error
        number += 1
        yield number, values
