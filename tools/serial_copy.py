"""Bulk inserts with PostgreSQL's COPY, streamed: the ledger's bulk appends (install,
registration) and the import's lots."""

import re

COPY_READ_SIZE = 1 << 18  # characters sent to PostgreSQL at a time by a COPY
SPECIAL_CHARACTERS = re.compile(r"[\\\t\n\r]")
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_rows(cr, table, columns, rows):
    """Bulk-insert `rows` (tuples in `columns` order) with PostgreSQL's COPY."""

    def text(value):
        if value is None:
            return "\\N"
        if isinstance(value, str):
            return (
                value.translate(COPY_ESCAPES)
                if SPECIAL_CHARACTERS.search(value)
                else value
            )
        return str(value)

    tabs = len(columns) - 1

    def line(row):
        # nearly every row holds nothing to escape: joined as is, then checked once
        # (a backslash beyond those of the NULLs, a tab beyond the separators, a
        # line break); the others value by value
        joined = "\t".join(["\\N" if value is None else str(value) for value in row])
        if (
            joined.count("\t") != tabs
            or joined.count("\\") != row.count(None)
            or "\n" in joined
            or "\r" in joined
        ):
            joined = "\t".join(map(text, row))
        return joined + "\n"

    cr.copy_expert(
        f"COPY {table} ({', '.join(columns)}) FROM STDIN",
        _CopyStream(map(line, rows)),
        size=COPY_READ_SIZE,
    )


class _CopyStream:
    """The lines of a COPY as a file that makes them as they are read: PostgreSQL
    writes the rows already sent while Python makes the next ones (its backend is
    another process), and memory holds one read's lines, not the whole table's."""

    def __init__(self, lines):
        self.lines = lines

    # a file's read (what psycopg2's copy_expert calls), not a model's
    def read(self, size=-1):  # pylint: disable=method-required-super
        chunk = []
        length = 0
        for line in self.lines:
            chunk.append(line)
            length += len(line)
            if length >= size > 0:
                break
        return "".join(chunk)
