"""Checking the rows of a serial import: ImportRow in (a row as the file or the caller
gives it), ImportCheck out (the rows to register as CheckedRow, the others as
RowProblem, each with a problem code that serial_import_messages turns into a
sentence). Nothing is written. Products and locations are resolved once per distinct
text, and the serials already registered are found by one set-based query per chunk,
so a check costs a few queries whatever the number of rows."""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from odoo.tools.misc import get_lang

from ..tools.serial_import_records import CheckedRow, ImportCheck, RowProblem

ISO_DATE = "%Y-%m-%d"
ISO_DATETIME = "%Y-%m-%d %H:%M:%S"
DATE_EXAMPLE = date(2027, 12, 31)
# strftime directives of a res.lang date format, as a person writes them
DATE_DIRECTIVES = {"%d": "DD", "%m": "MM", "%Y": "YYYY", "%y": "YY", "%b": "MMM"}
SEARCH_CHUNK = 10000  # values per ORM search of products
LOOKUP_CHUNK = 100000  # serials per look-up of the registered ones
DISPLAY_NAME_CODE = re.compile(r"^\[([^\]]+)\]")


@dataclass(slots=True)
class ProductInfo:
    """What the checks need of a product, read once (not per row)."""

    id: int
    name: str
    tracking: str
    format: re.Pattern | None
    company_id: int
    is_storable: bool


def cell_text(value):
    """A cell as the text a user typed: whole numbers without '.0', dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat()
            if value.time() == datetime.min.time()
            else value.isoformat(" ")
        )
    return str(value).strip()


def user_date_format(env):
    """The date format of the user's language (res.lang), as strptime reads it: the
    user's own even where the request's context says another language (a queued
    import runs in the background); the context's, or the company's, when the user's
    language is not active."""
    return (
        env["res.lang"]._get_data(code=env.user.lang).date_format
        or get_lang(env).date_format
    )


def date_hint(env):
    """The dates a row may hold, for the user's messages: {"formats": "DD/MM/YYYY or
    YYYY-MM-DD", "example": "31/12/2027"} (the user's language first)."""
    date_format = user_date_format(env)
    language = readable_date_format(date_format)
    return {
        "formats": language
        if language == "YYYY-MM-DD"
        else env._("%(language)s or %(iso)s", language=language, iso="YYYY-MM-DD"),
        "example": DATE_EXAMPLE.strftime(date_format),
    }


def readable_date_format(date_format):
    """A strftime date format as a person writes it: "%d/%m/%Y" -> "DD/MM/YYYY"."""
    return re.sub(
        r"%.", lambda match: DATE_DIRECTIVES.get(match[0], match[0]), date_format
    )


def pg_array(values):
    """A list as the text of a PostgreSQL array ('{"a","b"}'), a query parameter that
    array_in parses at once: much faster than the ARRAY[...] expression of one element
    per value that psycopg2 makes of a list."""
    return (
        "{"
        + ",".join(
            "NULL"
            if value is None
            else '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
            for value in values
        )
        + "}"
    )


class RowValidator:
    """Checks rows for one company, with an optional default product (for rows naming
    none) and receive location (for rows naming none), as the calling user: products
    and locations the user cannot read are not found."""

    def __init__(self, env, company, default_product=None, location=None):
        self.env = env
        self.company = company
        self.default_product = default_product or env["product.product"]
        self.location = location or env["stock.location"]
        self.date_formats = [ISO_DATE, ISO_DATETIME, user_date_format(env)]
        # what a row with a date that is none of these is told to write
        self.date_hint = date_hint(env)

    def check(self, rows):
        """An ImportCheck of `rows` (ImportRow, any iterable)."""
        rows = list(rows)
        products = self._resolve_products({row.product for row in rows if row.product})
        locations = self._resolve_locations(
            {row.location for row in rows if row.location}
        )
        check = ImportCheck(row_count=len(rows))
        info = self._product_info(
            {product.id for product, _code, _params in products.values() if product}
            | set(self.default_product.ids)
        )
        location_company = {
            location.id: location.company_id.id
            for location in self.location.concat(
                *(
                    location
                    for location, _code, _params in locations.values()
                    if location
                )
            )
        }
        default_product = info.get(self.default_product.id)
        first_row = {}
        candidates = []
        for row in rows:
            code, params, product = self._check_product(
                row, products, info, default_product
            )
            if not code:
                key = (row.serial, product.id)
                if key in first_row:
                    code = "duplicate"
                    params = {"serial": row.serial, "row": first_row[key]}
                else:
                    first_row[key] = row.number
                    code, params = self._check_serial_format(row.serial, product)
            warranty_end = expiry_date = None
            if not code:
                warranty_end = self._parse_date(row.warranty_end)
                if warranty_end is False:
                    code = "bad_date"
                    params = {"value": cell_text(row.warranty_end), **self.date_hint}
            if not code:
                expiry_date = self._parse_date(row.expiry_date)
                if expiry_date is False:
                    code = "bad_expiry_date"
                    params = {"value": cell_text(row.expiry_date), **self.date_hint}
            location_id = self.location.id or None
            if not code and row.location:
                location, code, params = locations[row.location]
                location_id = location and location.id
            if not code and location_id:
                code, params = self._check_receivable(
                    row, product, location_company[location_id]
                )
            if code:
                shown = product.name if product else row.product
                check.problems.append(
                    RowProblem(row.number, row.serial, shown, code, params)
                )
                continue
            candidates.append(
                CheckedRow(
                    number=row.number,
                    serial=row.serial,
                    product_id=product.id,
                    company_id=product.company_id,
                    lot_ref=row.lot_ref or None,
                    note=row.note or None,
                    warranty_end=warranty_end,
                    expiry_date=expiry_date,
                    batch=row.batch or None,
                    location_id=location_id,
                )
            )
        existing = self._registered_rows(candidates)
        for row in candidates:
            if row.number in existing:
                name = info[row.product_id].name
                check.problems.append(
                    RowProblem(
                        row.number,
                        row.serial,
                        name,
                        "existing",
                        {"serial": row.serial, "product": name},
                    )
                )
            else:
                check.new_rows.append(row)
        check.problems.sort(key=lambda problem: problem.number)
        return check

    # --- one row ----------------------------------------------------------------------
    def _check_product(self, row, products, info, default_product):
        """(problem code, params, ProductInfo) of a row's serial and product."""
        if not row.serial:
            return "empty_serial", {}, None
        product = None
        if row.product:
            record, code, params = products[row.product]
            if code:
                return code, params, None
            product = info[record.id]
        elif default_product:
            product = default_product
        if not product:
            return "no_product", {}, None
        if product.tracking != "serial":
            return "not_serial", {"product": product.name}, product
        return None, {}, product

    def _check_serial_format(self, serial, product):
        if product.format and not product.format.fullmatch(serial):
            return "format", {
                "serial": serial,
                "product": product.name,
                "format": product.format.pattern,
            }
        return None, {}

    def _check_receivable(self, row, product, location_company_id):
        if location_company_id not in (None, False, product.company_id):
            name = row.location or self.location.complete_name
            return "other_company_location", {"location": name}
        if not product.is_storable:
            return "not_storable", {"product": product.name}
        return None, {}

    def _parse_date(self, value):
        """A date, None for an empty cell, False for a value that is not a date."""
        if value in (None, ""):
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        text = cell_text(value)
        if not text:
            return None
        for date_format in self.date_formats:
            try:
                return datetime.strptime(text, date_format).date()
            except ValueError:
                continue
        return False

    # --- set-based look-ups -----------------------------------------------------------
    def _product_info(self, product_ids):
        return {
            product.id: ProductInfo(
                id=product.id,
                name=product.display_name,
                tracking=product.tracking,
                format=re.compile(product.serial_format)
                if product.serial_format
                else None,
                company_id=product.company_id.id or self.company.id,
                is_storable=product.is_storable,
            )
            for product in self.env["product.product"].browse(product_ids)
        }

    def _resolve_products(self, texts):
        """{text: (product, problem code, params)}: by internal reference, then barcode,
        then name (an exact match, of an active product usable in this company)."""
        Product = self.env["product.product"]
        codes = {}
        for text in texts:
            match = DISPLAY_NAME_CODE.match(text)
            codes[text] = match.group(1).strip() if match else text
        found = Product.browse()
        sudo_found = Product.sudo().browse()
        values = list(set(codes.values()) | set(texts))
        for start in range(0, len(values), SEARCH_CHUNK):
            chunk = values[start : start + SEARCH_CHUNK]
            domain = [
                "|",
                "|",
                ("default_code", "in", chunk),
                ("barcode", "in", chunk),
                ("name", "in", chunk),
            ]
            found |= Product.search(domain)
            # who else holds the text, to tell "another company's" from "unknown"
            sudo_found |= Product.sudo().search(domain)
        allowed_companies = self.company.parent_ids
        by_value = defaultdict(lambda: ([], [], []))
        for product in sudo_found:
            for tier, value in enumerate(
                (product.default_code, product.barcode, product.name)
            ):
                if value:
                    by_value[value][tier].append(product)
        result = {}
        visible = set(found.ids)
        for text in texts:
            tiers = by_value.get(codes[text]) if codes[text] != text else None
            tiers = tiers or by_value.get(text) or ([], [], [])
            matches = next((tier for tier in tiers if tier), [])
            usable = [
                product
                for product in matches
                if product.id in visible
                and (not product.company_id or product.company_id in allowed_companies)
            ]
            if len(usable) == 1:
                result[text] = (Product.browse(usable[0].id), None, {})
            elif len(usable) > 1:
                names = Product.browse([product.id for product in usable[:5]])
                result[text] = (
                    None,
                    "ambiguous_product",
                    {
                        "product": text,
                        "products": ", ".join(names.mapped("display_name")),
                    },
                )
            elif matches:
                result[text] = (None, "other_company_product", {"product": text})
            else:
                result[text] = (None, "unknown_product", {"product": text})
        return result

    def _resolve_locations(self, texts):
        """{text: (location, problem code, params)}: an internal location by full name
        (WH/Stock), barcode or name."""
        Location = self.env["stock.location"]
        result = {}
        if not texts:
            return result
        texts = list(texts)
        domain = [
            ("usage", "=", "internal"),
            "|",
            "|",
            ("complete_name", "in", texts),
            ("barcode", "in", texts),
            ("name", "in", texts),
        ]
        visible = set(Location.search(domain).ids)
        by_value = defaultdict(lambda: ([], [], []))
        for location in Location.sudo().search(domain):
            for tier, value in enumerate(
                (location.complete_name, location.barcode, location.name)
            ):
                if value:
                    by_value[value][tier].append(location)
        for text in texts:
            matches = next((tier for tier in by_value.get(text, ()) if tier), [])
            usable = [
                location
                for location in matches
                if location.id in visible
                and (not location.company_id or location.company_id == self.company)
            ]
            if len(usable) == 1:
                result[text] = (Location.browse(usable[0].id), None, {})
            elif len(usable) > 1:
                result[text] = (None, "ambiguous_location", {"location": text})
            elif matches:
                result[text] = (None, "other_company_location", {"location": text})
            else:
                result[text] = (None, "unknown_location", {"location": text})
        return result

    def _registered_rows(self, candidates):
        """Row numbers of the candidates whose serial is already registered for the
        product in the company (or without company), as Odoo's uniqueness rule has
        it."""
        existing = set()
        self.env["stock.lot"].flush_model(["name", "product_id", "company_id"])
        for start in range(0, len(candidates), LOOKUP_CHUNK):
            chunk = candidates[start : start + LOOKUP_CHUNK]
            self.env.cr.execute(
                """SELECT v.row_number
                     FROM unnest(%s::int[], %s::varchar[], %s::int[], %s::int[])
                          AS v(row_number, name, product_id, company_id)
                    WHERE EXISTS (
                        SELECT 1 FROM stock_lot lot
                         WHERE lot.name = v.name AND lot.product_id = v.product_id
                           AND (lot.company_id IS NULL
                                OR lot.company_id = v.company_id))""",
                [
                    pg_array([row.number for row in chunk]),
                    pg_array([row.serial for row in chunk]),
                    pg_array([row.product_id for row in chunk]),
                    pg_array([row.company_id for row in chunk]),
                ],
            )
            existing.update(number for (number,) in self.env.cr.fetchall())
        return existing
