"""The named records a serial import passes between its layers: the options it runs
with (ImportOptions), a row as the file or the caller gives it (ImportRow), and what
the check makes of the rows (ImportCheck: CheckedRow to register, RowProblem to
report), what a check looked up once for all rows (ImportLookup), and a receipt move
(ReceiptMove). Values only; stock.lot.import.batch's check (_check_import_rows) fills
them."""

import re
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
        """The options a queued batch keeps (the batch's _job concern)."""
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
    code: str  # a key of stock.lot.import.batch._import_row_problem_messages()
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


@dataclass(slots=True)
class ProductInfo:
    """What the checks need of a product, read once (not per row)."""

    id: int
    name: str
    tracking: str
    format: re.Pattern | None
    company_id: int
    is_storable: bool


@dataclass
class ImportLookup:
    """What a check resolves once for all its rows, given to the check of each row
    (stock.lot.import.batch._check_import_row): the options' company, default
    product (a ProductInfo or None) and location, the products and locations the
    rows name ({text: (record or None, problem code, params)}), the ProductInfo of
    each product id, the company of each location id, and the date formats a cell
    may use with the hint a bad date is told."""

    company: object  # res.company
    location: object  # stock.location, the default one (may be empty)
    default_product: ProductInfo | None
    products: dict
    locations: dict
    info: dict
    location_company: dict
    date_formats: list
    date_hint: dict
    first_row: dict = field(default_factory=dict)  # {(serial, product id): row}


@dataclass(slots=True)
class ReceiptMove:
    """A receipt move of the import, as the set-based writes need it."""

    id: int
    reference: str
    quantity: float
    company_id: int
    uom_id: int
    source: object  # stock.location
    destination: object  # stock.location
    source_id: int
