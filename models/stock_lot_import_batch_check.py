import re
from collections import defaultdict

from odoo import api, models

from ..tools.serial_import_cells import cell_text, date_formats, date_hint, parse_date
from ..tools.serial_import_records import (
    CheckedRow,
    ImportCheck,
    ImportLookup,
    ProductInfo,
    RowProblem,
)
from ..tools.serial_import_sql import pg_array

SEARCH_CHUNK = 10000  # values per ORM search of products
LOOKUP_CHUNK = 100000  # serials per look-up of the registered ones
DISPLAY_NAME_CODE = re.compile(r"^\[([^\]]+)\]")


class StockLotImportBatch(models.Model):
    """Checking the rows of a serial import: ImportRow in (a row as the file or the
    caller gives it), ImportCheck out (the rows to register as CheckedRow, the others
    as RowProblem, each with a problem code that _import_row_problem_messages turns
    into a sentence). Nothing is written. Products and locations are resolved once
    per distinct text (_import_lookup), the serials already registered found by one
    set-based query per chunk, so a check costs a few queries whatever the number of
    rows; each row is then checked in Python by _check_import_row, the step a module
    overrides to refuse rows by a rule of its own."""

    _inherit = "stock.lot.import.batch"

    @api.model
    def _check_import_rows(self, rows, options):
        """An ImportCheck of `rows` (ImportRow, any iterable) for the company of
        `options` (ImportOptions), with its default product (for rows naming none) and
        location (rows naming none are received there), as the calling user: products
        and locations the user cannot read are not found."""
        rows = list(rows)
        lookup = self._import_lookup(rows, options)
        check = ImportCheck(row_count=len(rows))
        candidates = []
        for row in rows:
            checked = self._check_import_row(row, lookup)
            if isinstance(checked, RowProblem):
                check.problems.append(checked)
            else:
                candidates.append(checked)
        existing = self._registered_import_rows(candidates)
        for row in candidates:
            if row.number in existing:
                name = lookup.info[row.product_id].name
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

    @api.model
    def _import_lookup(self, rows, options):
        """The ImportLookup of `rows`: the products, locations and date formats they
        may name, resolved once (a few queries whatever the number of rows)."""
        location = options.location or self.env["stock.location"]
        default_product = options.product or self.env["product.product"]
        products = self._resolve_import_products(
            {row.product for row in rows if row.product}, options.company
        )
        locations = self._resolve_import_locations(
            {row.location for row in rows if row.location}, options.company
        )
        info = self._import_product_info(
            {product.id for product, _code, _params in products.values() if product}
            | set(default_product.ids),
            options.company,
        )
        location_company = {
            record.id: record.company_id.id
            for record in location.concat(
                *(record for record, _code, _params in locations.values() if record)
            )
        }
        return ImportLookup(
            company=options.company,
            location=location,
            default_product=info.get(default_product.id),
            products=products,
            locations=locations,
            info=info,
            location_company=location_company,
            date_formats=date_formats(self.env),
            date_hint=date_hint(self.env),
        )

    @api.model
    def _check_import_row(self, row, lookup):
        """One row (ImportRow) checked against `lookup` (ImportLookup): a CheckedRow
        to register (unless its serial is already registered, found after for all
        rows at once), or a RowProblem saying why not. Called once per row in Python,
        no query. Override it, with super(), to refuse rows by a rule of your own:
        return a RowProblem with a code of yours (and add its sentence in
        _import_row_problem_messages)."""
        code, params, product = self._check_import_product(row, lookup)
        if not code:
            key = (row.serial, product.id)
            if key in lookup.first_row:
                code = "duplicate"
                params = {"serial": row.serial, "row": lookup.first_row[key]}
            else:
                lookup.first_row[key] = row.number
                code, params = self._check_import_serial_format(row.serial, product)
        warranty_end = expiry_date = None
        if not code:
            warranty_end = parse_date(row.warranty_end, lookup.date_formats)
            if warranty_end is False:
                code = "bad_date"
                params = {"value": cell_text(row.warranty_end), **lookup.date_hint}
        if not code:
            expiry_date = parse_date(row.expiry_date, lookup.date_formats)
            if expiry_date is False:
                code = "bad_expiry_date"
                params = {"value": cell_text(row.expiry_date), **lookup.date_hint}
        location_id = lookup.location.id or None
        if not code and row.location:
            location, code, params = lookup.locations[row.location]
            location_id = location and location.id
        if not code and location_id:
            code, params = self._check_import_receivable(
                row, product, lookup.location_company[location_id], lookup
            )
        if code:
            shown = product.name if product else row.product
            return RowProblem(row.number, row.serial, shown, code, params)
        return CheckedRow(
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

    @api.model
    def _check_import_product(self, row, lookup):
        """(problem code, params, ProductInfo) of a row's serial and product."""
        if not row.serial:
            return "empty_serial", {}, None
        product = None
        if row.product:
            record, code, params = lookup.products[row.product]
            if code:
                return code, params, None
            product = lookup.info[record.id]
        elif lookup.default_product:
            product = lookup.default_product
        if not product:
            return "no_product", {}, None
        if product.tracking != "serial":
            return "not_serial", {"product": product.name}, product
        return None, {}, product

    @api.model
    def _check_import_serial_format(self, serial, product):
        """(problem code, params): whether `serial` matches the serial format of
        `product` (ProductInfo)."""
        if product.format and not product.format.fullmatch(serial):
            return "format", {
                "serial": serial,
                "product": product.name,
                "format": product.format.pattern,
            }
        return None, {}

    @api.model
    def _check_import_receivable(self, row, product, location_company_id, lookup):
        """(problem code, params): whether the row's unit can be received in a
        location of company `location_company_id`."""
        if location_company_id not in (None, False, product.company_id):
            name = row.location or lookup.location.complete_name
            return "other_company_location", {"location": name}
        if not product.is_storable:
            return "not_storable", {"product": product.name}
        return None, {}

    # --- set-based look-ups -----------------------------------------------------------
    @api.model
    def _import_product_info(self, product_ids, company):
        """{product id: ProductInfo} of the products a check uses."""
        return {
            product.id: ProductInfo(
                id=product.id,
                name=product.display_name,
                tracking=product.tracking,
                format=re.compile(product.serial_format)
                if product.serial_format
                else None,
                company_id=product.company_id.id or company.id,
                is_storable=product.is_storable,
            )
            for product in self.env["product.product"].browse(product_ids)
        }

    @api.model
    def _resolve_import_products(self, texts, company):
        """{text: (product, problem code, params)}: by internal reference, then barcode,
        then name (an exact match, of an active product usable in `company`)."""
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
        allowed_companies = company.parent_ids
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

    @api.model
    def _resolve_import_locations(self, texts, company):
        """{text: (location, problem code, params)}: an internal location of
        `company` by full name (WH/Stock), barcode or name."""
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
                and (not location.company_id or location.company_id == company)
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

    @api.model
    def _registered_import_rows(self, candidates):
        """Row numbers of the `candidates` (CheckedRow) whose serial is already
        registered for the product in the company (or without company), as Odoo's
        uniqueness rule has it."""
        existing = set()
        cr = self.env.cr
        self.env["stock.lot"].flush_model(["name", "product_id", "company_id"])
        for start in range(0, len(candidates), LOOKUP_CHUNK):
            chunk = candidates[start : start + LOOKUP_CHUNK]
            cr.execute(
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
            existing.update(number for (number,) in cr.fetchall())
        return existing
