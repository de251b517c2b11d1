"""The named records a serial import passes between its layers: the options it runs
with (ImportOptions), a row as the file or the caller gives it (ImportRow), and what
the check makes of the rows (ImportCheck: CheckedRow to register, RowProblem to
report). Values only; serial_import_check fills them."""

from dataclasses import dataclass, field
from datetime import date


@dataclass
class ImportOptions:
    """How to register the rows: for which company, with which default product, into
    which location (none: registered only), and what the batch records."""

    company: object  # res.company
    product: object  # product.product, the default of rows naming none
    location: object  # stock.location, where rows naming none are received
    valid_rows_only: bool = False
    file_name: str | None = None
    file_sha256: str | None = None
    sheet_name: str | None = None

    @classmethod
    def of_batch(cls, batch):
        """The options a queued batch keeps (serial_import_job)."""
        return cls(
            company=batch.company_id,
            product=batch.product_id,
            location=batch.location_id,
            valid_rows_only=batch.valid_rows_only,
            file_name=batch.file_name,
            file_sha256=batch.file_sha256,
            sheet_name=batch.sheet_name,
        )


@dataclass(slots=True)
class ImportRow:
    """One row to register, as written: texts, or dates for the date columns."""

    number: int  # the row's number in the file (or the caller's list), for messages
    serial: str
    product: str = ""  # internal reference, barcode or name; empty: the default one
    lot_ref: str | None = None
    location: str = ""  # an internal location's full name, barcode or name
    warranty_end: date | str | None = None
    expiry_date: date | str | None = None  # GS1 AI 17
    batch: str | None = None  # GS1 AI 10
    note: str | None = None


@dataclass(slots=True)
class CheckedRow:
    """A row that can be registered, resolved to ids."""

    number: int
    serial: str
    product_id: int
    company_id: int
    lot_ref: str | None
    note: str | None
    warranty_end: date | None
    expiry_date: date | None
    batch: str | None
    location_id: int | None  # where the unit is received; None: only registered


@dataclass(slots=True)
class RowProblem:
    """A row that cannot be registered, and why."""

    number: int
    serial: str
    product: str  # the product as found, or as written
    code: str  # a key of serial_import_messages.row_problem_messages
    params: dict

    def message(self, messages):
        return messages[self.code] % self.params


@dataclass
class ImportCheck:
    """What a check finds: the rows to register, and the rows that cannot be, why."""

    row_count: int = 0
    new_rows: list[CheckedRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def existing_count(self):
        return sum(1 for problem in self.problems if problem.code == "existing")

    @property
    def invalid_count(self):
        return len(self.problems) - self.existing_count

    def counts(self):
        """The counts a user is shown, by the import wizard's field names."""
        return {
            "row_count": self.row_count,
            "new_count": len(self.new_rows),
            "existing_count": self.existing_count,
            "invalid_count": self.invalid_count,
        }

    @property
    def received_count(self):
        return sum(1 for row in self.new_rows if row.location_id)
