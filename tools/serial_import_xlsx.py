"""Reading an XLSX workbook's cells fast, for serial_import_reader. Not a model.

openpyxl (read-only mode) opens the workbook: its parts, sheets, styles and date
system, as before. Only the two parts that grow with the rows are parsed here: the
shared strings, and a sheet's rows, by ElementTree's C parser a chunk at a time, each
row read from its element by a few calls, without openpyxl's objects and dicts per
cell. The values are those of openpyxl's read-only worksheet
(iter_rows(values_only=True)): shared, inline and formula strings as text, numbers as
int or float, numbers in a date style as datetime, booleans, error codes as text, a
row's missing cells as None and missing rows as empty rows; a formula's cached value
(openpyxl's data_only)."""

import io
from xml.etree import ElementTree

from openpyxl.reader.excel import SHARED_STRINGS, ExcelReader
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.utils.datetime import from_excel, from_ISO8601
from openpyxl.xml.constants import SHEET_MAIN_NS

SI = f"{{{SHEET_MAIN_NS}}}si"
RUN = f"{{{SHEET_MAIN_NS}}}r"
TEXT = f"{{{SHEET_MAIN_NS}}}t"
ROW = f"{{{SHEET_MAIN_NS}}}row"
CELL = f"{{{SHEET_MAIN_NS}}}c"
VALUE = f"{{{SHEET_MAIN_NS}}}v"
INLINE = f"{{{SHEET_MAIN_NS}}}is"
READ_SIZE = 1 << 16
DIGITS = "0123456789"


class _Reader(ExcelReader):
    """openpyxl's reader, the shared strings parsed by shared_strings()."""

    def read_strings(self):
        part = self.package.find(SHARED_STRINGS)
        if part is not None:
            with self.archive.open(part.PartName[1:]) as source:
                self.shared_strings = shared_strings(source)


def load_workbook(data):
    """The workbook of `data` (bytes), as openpyxl.load_workbook(read_only=True,
    data_only=True, keep_links=False) opens it."""
    reader = _Reader(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    reader.read()
    return reader.wb


def _elements(source, tag):
    """Yield each `tag` element of the XML `source` once parsed, emptied after (as
    openpyxl does: the tree keeps an empty element per row, not its cells)."""
    parser = ElementTree.XMLPullParser(events=("end",))
    while True:
        chunk = source.read(READ_SIZE)
        if chunk:
            parser.feed(chunk)
        else:
            parser.close()
        for _event, element in parser.read_events():
            if element.tag == tag:
                yield element
                element.clear()
        if not chunk:
            return


def _text(element):
    """The text of a string item (<si> or <is>): its <t>, then its runs' <t>, not
    the phonetic hints (openpyxl's Text.content)."""
    plain = element.findtext(TEXT)
    if element.find(RUN) is None:  # plain text: nearly every string
        return plain or ""
    runs = [run.findtext(TEXT) for run in element.iterfind(RUN)]
    return "".join(text for text in (plain, *runs) if text is not None)


def shared_strings(source):
    """The shared strings table (openpyxl's read_string_table)."""
    return [_text(item).replace("x005F_", "") for item in _elements(source, SI)]


def _cast_number(text):
    if "." in text or "E" in text or "e" in text:
        return float(text)
    return int(text)


def _row_number(text, previous):
    if not text:
        return previous + 1
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"{text} is not a valid row number") from None
        return int(value)


class _Cells:
    """Reads the cells of one workbook's rows."""

    def __init__(self, workbook, strings):
        self.strings = strings
        self.epoch = workbook.epoch
        self.date_styles = workbook._date_formats
        self.columns = {}  # column letters: number

    def row_values(self, row):
        """The values of a <row> element, in their columns (the first at 0)."""
        strings = self.strings
        values = []
        column = 0
        for cell in row:
            reference = cell.get("r")
            column = self.column(reference) if reference else column + 1
            kind = cell.get("t", "n")
            if kind == "s":  # a shared string: nearly every cell of a list
                value = cell.findtext(VALUE)
                value = strings[int(value)] if value else None
            else:
                value = self.value(cell, kind)
            if column == len(values) + 1:
                values.append(value)
            elif column > len(values):
                values.extend([None] * (column - 1 - len(values)))
                values.append(value)
            elif column >= 1:  # a cell out of order: as openpyxl, the last wins
                values[column - 1] = value
        if column < len(values):  # the last cell sets the width (openpyxl)
            del values[max(column, 0) :]
        return tuple(values)

    def column(self, reference):
        letters = reference.rstrip(DIGITS)
        column = self.columns.get(letters)
        if column is None:
            column = self.columns[letters] = coordinate_to_tuple(reference)[1]
        return column

    def value(self, cell, kind):
        if kind == "inlineStr":
            inline = cell.find(INLINE)
            return None if inline is None else _text(inline)
        value = cell.findtext(VALUE) or None
        if value is None:
            return None
        if kind == "s":
            return self.strings[int(value)]
        if kind == "n":
            value = _cast_number(value)
            style = cell.get("s")
            if style and int(style) in self.date_styles:
                try:
                    return from_excel(value, self.epoch)
                except (OverflowError, ValueError):
                    return "#VALUE!"
            return value
        if kind == "b":
            return bool(int(value))
        if kind == "d":
            return from_ISO8601(value)
        return value  # "str" (a formula's text), "e" (an error code)


def sheet_values(worksheet):
    """Yield the values of each row of an openpyxl read-only `worksheet` (a tuple
    per row, the first row first, missing rows as empty tuples), as its
    iter_rows(values_only=True) after reset_dimensions()."""
    cells = _Cells(worksheet.parent, worksheet._shared_strings)
    expected = 1  # the number of the next row to yield
    number = 0
    with worksheet._get_source() as source:
        for row in _elements(source, ROW):
            number = _row_number(row.get("r"), number)
            values = cells.row_values(row)
            while expected < number:  # rows the file leaves out
                expected += 1
                yield ()
            if expected > number:  # a row repeated or out of order: skipped
                continue
            expected += 1
            yield values
