from odoo import api, models
from odoo.tools import SQL, plaintext2html

from ..tools.serial_copy import copy_rows
from ..tools.serial_import_sql import (
    EMPTY_AT_REGISTRATION,
    LOT_COLUMNS,
    MAGIC_COLUMNS,
    column_value,
    int_array,
)


class StockLotImportBatch(models.Model):
    """The set-based writes of a serial import (_register_checked, when no module
    overrides what they stand in for): the new serials (COPY into stock_lot), and
    their hash-chained `imported` history lines (through the ledger's bulk append).
    Receiving them in stock is the _receipt concern's.

    A new lot holds the same stored values as one the ORM creates: the columns of the
    addon and of core are written here; other installed modules add theirs through
    stock.lot._serial_import_values (an extension point, product_expiry's dates
    included); any other stored field gets its default, or is computed by the ORM
    (see _complete_import_fields)."""

    _inherit = "stock.lot.import.batch"

    @api.model
    def _lock_import_products(self, product_ids):
        """Two imports of the same products run one after the other: the second one's
        write on these rows fails as a serialization conflict once the first commits,
        and Odoo replays it, when it sees the serials the first registered."""
        self.env.cr.execute(
            """UPDATE product_product SET write_date = write_date
                WHERE id IN (SELECT id FROM product_product WHERE id = ANY(%s)
                              ORDER BY id FOR NO KEY UPDATE)""",
            [product_ids],
        )

    @api.model
    def _new_import_lot_ids(self, count):
        """`count` ids of stock_lot's sequence, for the lots the import COPYs."""
        self.env.cr.execute(
            "SELECT nextval('stock_lot_id_seq') FROM generate_series(1, %s)", [count]
        )
        return [lot_id for (lot_id,) in self.env.cr.fetchall()]

    def _insert_import_lots(self, rows, lot_ids, now, company):
        """COPY the lots of `rows` (CheckedRow) with ids `lot_ids`, linked to this
        batch, then give them what other modules store on a lot (their
        stock.lot._serial_import_values, properties, defaults, stored computes)."""
        self.ensure_one()
        env = self.env
        products = env["product.product"].browse({row.product_id for row in rows})
        uom = {product.id: product.uom_id.id for product in products}
        lot_price = {
            product.id: product.with_company(company).standard_price
            for product in products
            if product.lot_valuated
        }
        extra = env["stock.lot"]._serial_import_values(rows, now)
        for name, column in self._import_property_values(rows).items():
            extra.setdefault(name, column)
        for name in EMPTY_AT_REGISTRATION:
            extra.setdefault(name, [None] * len(rows))
        extra_columns = list(extra)
        extra_values = [extra[name] for name in extra_columns]
        defaults = self._import_default_values(set(LOT_COLUMNS) | set(extra_columns))
        default_columns = list(defaults)
        constants = tuple(defaults.values())
        uid = env.uid
        batch_id = self.id
        # the lot's split as its compute gives it (a module may override it)
        split_serial = env["stock.lot"]._split_serial

        def values():
            for index, (row, lot_id) in enumerate(zip(rows, lot_ids, strict=True)):
                price = lot_price.get(row.product_id)
                prefix, number = split_serial(row.serial)
                location = row.location_id
                yield (
                    lot_id,
                    row.serial,
                    prefix or None,
                    number or None,
                    row.product_id,
                    row.company_id,
                    uom[row.product_id],
                    row.lot_ref,
                    plaintext2html(row.note) if row.note else None,
                    row.warranty_end,
                    row.expiry_date,
                    row.batch,
                    batch_id,
                    location,
                    "in_stock" if location else None,
                    f'{{"{row.company_id}": {price}}}' if price is not None else None,
                    uid,
                    uid,
                    now,
                    now,
                    *(column[index] for column in extra_values),
                    *constants,
                )

        # the values are the import's own (ids it resolved, text from the file),
        # escaped by COPY's text format, streamed: nothing is interpolated into SQL
        copy_rows(
            env.cr,
            "stock_lot",
            LOT_COLUMNS + extra_columns + default_columns,
            values(),
        )
        self._complete_import_fields(
            lot_ids, set(LOT_COLUMNS) | set(extra_columns) | set(default_columns)
        )

    @api.model
    def _import_property_values(self, rows):
        """{column: [one value per row]} of the properties fields of stock.lot defined
        on the lot's product (core's lot_properties): the defaults of the product's
        definition, as the field's compute gives them to a new lot, worked out once
        per product rather than through the ORM for each lot."""
        env = self.env
        Lot = env["stock.lot"]
        product_ids = {row.product_id for row in rows}
        values = {}
        for name, field in Lot._fields.items():
            if not (
                field.type == "properties"
                and field.store
                and field.definition_record == "product_id"
            ):
                continue
            by_product = {
                product_id: column_value(
                    field,
                    field._add_default_values(
                        env(su=True),
                        {name: False, "product_id": product_id},
                    ),
                    Lot,
                )
                for product_id in product_ids
            }
            values[name] = [by_product[row.product_id] for row in rows]
        return values

    @api.model
    def _import_default_values(self, written):
        """{column: value} of the stored fields of stock.lot that `written` leaves out
        and that have a default (Odoo's or a user's): what the ORM would give every
        new lot."""
        Lot = self.env["stock.lot"]
        names = [
            name
            for name, field in Lot._fields.items()
            if field.store
            and field.column_type
            and not field.compute
            and name not in written
            and name not in MAGIC_COLUMNS
        ]
        defaults = Lot.default_get(names)
        return {
            name: column_value(Lot._fields[name], value, Lot)
            for name, value in defaults.items()
            if value not in (None, False) or Lot._fields[name].type == "boolean"
        }

    @api.model
    def _complete_import_fields(self, lot_ids, written):
        """Compute, through the ORM, the stored computed fields of stock.lot that
        nothing above wrote (those of a module that adds no import values): slower,
        never wrong."""
        Lot = self.env["stock.lot"]
        fields_to_compute = [
            field
            for name, field in Lot._fields.items()
            if field.store and field.compute and name not in written
        ]
        if not fields_to_compute:
            return
        lots = Lot.browse(lot_ids)
        for field in fields_to_compute:
            self.env.add_to_compute(field, lots)
        lots.flush_recordset([field.name for field in fields_to_compute])

    def _append_import_audit_lines(self, rows, lot_ids, moves, now, filename):
        """The first audit line of each new serial of this batch, through the ledger's
        set-based append of new chains (hashed by PostgreSQL): `imported` with the
        batch, straight into `in_stock` when the unit is received (the line names the
        receipt's move). Written from the new lots, joined to their row numbers and to
        the receipt `moves` ({(product id, location id): ReceiptMove}): nothing but
        the row numbers goes through Python per serial."""
        self.ensure_one()
        env = self.env
        # the note's text around the row number, as the translation orders them; the
        # marker cannot be in the file name (PostgreSQL text holds no NUL, and the
        # batch already stores the name)
        marker = "\0"
        note = env._("Row %(row)s of %(file)s", row=marker, file=filename or "")
        if moves:
            receipts = SQL(
                "(VALUES %s)",
                SQL(", ").join(
                    SQL(
                        "(%s::int, %s::int, %s::int, %s::varchar)",
                        product_id,
                        location_id,
                        move.source_id,
                        move.reference,
                    )
                    for (product_id, location_id), move in moves.items()
                ),
            )
        else:
            receipts = SQL(
                "(SELECT NULL::int, NULL::int, NULL::int, NULL::varchar LIMIT 0)"
            )
        env["serial.audit.line"]._insert_new_chains(
            SQL(
                """SELECT lot.id AS lot_id, lot.name AS lot_name,
                          lot.product_id, lot.company_id, 'imported' AS event,
                          NULL AS old_state,
                          CASE WHEN lot.location_id IS NOT NULL THEN 'in_stock' END
                              AS new_state,
                          %(uid)s AS user_id, %(now)s AS date, %(model)s AS res_model,
                          %(batch)s AS res_id, %(reference)s AS reference,
                          NULL AS partner_ref_id, NULL AS pos_config_id,
                          COALESCE((%(row_notes)s::text[])[numbered.number],
                              array_to_string(
                              %(note)s::text[], numbered.number::text))
                              || COALESCE(' · ' || move.reference, '') AS note,
                          move.source_id AS location_id,
                          lot.location_id AS location_dest_id
                     FROM unnest(%(lots)s::int[], %(numbers)s::int[])
                              AS numbered(lot_id, number)
                     JOIN stock_lot lot ON lot.id = numbered.lot_id
                     LEFT JOIN %(receipts)s
                               AS move(product_id, location_id, source_id, reference)
                            ON move.product_id = lot.product_id
                           AND move.location_id = lot.location_id""",
                uid=env.uid,
                now=now,
                model=self._name,
                batch=self.id,
                reference=self.name,
                note=note.split(marker),
                receipts=receipts,
                lots=int_array(lot_ids),
                numbers=int_array(row.number for row in rows),
                row_notes=self._import_audit_row_notes(rows, filename) or [],
            )
        )

    def _import_audit_row_notes(self, rows, filename):
        """The history note of the rows by their number (a list, the note of row
        number N at N - 1), where the rows' source says more than "Row N of file"
        (an EPCIS document: its event and the event's hash); None: that default."""
        return
