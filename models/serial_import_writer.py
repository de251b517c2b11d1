"""The set-based writes of a serial import (stock.lot.import.batch._register_checked):
the new serials (COPY into stock_lot), and their hash-chained `imported` history lines
(through the ledger's bulk append). Receiving them in stock is
serial_import_receipt's.

A new lot holds the same stored values as one the ORM creates: the columns of the
addon and of core are written here; other installed modules add theirs through
stock.lot._serial_import_values (an extension point, product_expiry's dates included);
any other stored field gets its default, or is computed by the ORM (see
complete_stored_fields).
"""

import json
from datetime import datetime, time, timedelta

from odoo.tools import SQL, plaintext2html

from ..tools.serial_copy import copy_rows

# the columns of a new lot written by insert_lots
LOT_COLUMNS = [
    "id",
    "name",
    "serial_prefix",
    "serial_trailing_number",
    "product_id",
    "company_id",
    "product_uom_id",
    "ref",
    "note",
    "vendor_warranty_end_date",
    "serial_expiry_date",
    "serial_batch",
    "import_batch_id",
    "location_id",
    "serial_state",
    "standard_price",
    "create_uid",
    "write_uid",
    "create_date",
    "write_date",
]
# stored on a lot, empty at registration: written by the events that fill them
EMPTY_AT_REGISTRATION = [
    "serial_partner_id",
    "serial_sale_date",
    "serial_source_ref",
    "warranty_start_date",
    "warranty_end_date",
    "pos_claim_line_id",
]


def lock_products(env, product_ids):
    """Two imports of the same products run one after the other: the second one's
    write on these rows fails as a serialization conflict once the first commits,
    and Odoo replays it, when it sees the serials the first registered."""
    env.cr.execute(
        """UPDATE product_product SET write_date = write_date
            WHERE id IN (SELECT id FROM product_product WHERE id = ANY(%s)
                          ORDER BY id FOR NO KEY UPDATE)""",
        [product_ids],
    )


def append_audit_lines(env, rows, lot_ids, batch, moves, now, filename):
    """The first audit line of each new serial, through the ledger's set-based append
    of new chains (hashed by PostgreSQL): `imported` with the batch, straight into
    `in_stock` when the unit is received (the line names the receipt's move). Written
    from the new lots, joined to their row numbers and to the receipt moves: nothing
    but the row numbers goes through Python per serial."""
    # the note's text around the row number, as the translation orders them; the
    # marker cannot be in the file name (PostgreSQL text holds no NUL, and the batch
    # already stores the name)
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
                      array_to_string(%(note)s::text[], numbered.number::text)
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
            model=batch._name,
            batch=batch.id,
            reference=batch.name,
            note=note.split(marker),
            receipts=receipts,
            lots=int_array(lot_ids),
            numbers=int_array(row.number for row in rows),
        )
    )


def int_array(values):
    """PostgreSQL's text of an int[]: parsed at once, where a list of parameters
    makes an expression per value."""
    return "{" + ",".join(map(str, values)) + "}"


def insert_lots(env, rows, lot_ids, batch, now, company):
    """COPY the new lots, then give them what other modules store on a lot."""
    products = env["product.product"].browse({row.product_id for row in rows})
    uom = {product.id: product.uom_id.id for product in products}
    lot_price = {
        product.id: product.with_company(company).standard_price
        for product in products
        if product.lot_valuated
    }
    extra = env["stock.lot"]._serial_import_values(rows, now)
    for name, column in property_values(env, rows).items():
        extra.setdefault(name, column)
    for name in EMPTY_AT_REGISTRATION:
        extra.setdefault(name, [None] * len(rows))
    extra_columns = list(extra)
    extra_values = [extra[name] for name in extra_columns]
    defaults = default_values(env, set(LOT_COLUMNS) | set(extra_columns))
    default_columns = list(defaults)
    constants = tuple(defaults.values())
    uid = env.uid
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
                batch.id,
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

    insert(env, "stock_lot", LOT_COLUMNS + extra_columns + default_columns, values())
    complete_stored_fields(
        env,
        lot_ids,
        set(LOT_COLUMNS) | set(extra_columns) | set(default_columns),
    )


def expiration_columns(env, rows, now):
    """product_expiry's dates (stock.lot._serial_import_values gives them when it is
    installed), as its computes give them to a lot created with
    the row's expiry date as expiration date (or none: now plus the product's
    expiration time), set-based instead of per lot."""
    products = env["product.product"].browse({row.product_id for row in rows})
    times = {
        product.id: (
            product.use_expiration_date,
            product.expiration_time,
            product.use_time,
            product.removal_time,
            product.alert_time,
        )
        for product in products
    }
    columns = {
        "expiration_date": [],
        "use_date": [],
        "removal_date": [],
        "alert_date": [],
    }
    for row in rows:
        use, expiration, use_days, removal_days, alert_days = times[row.product_id]
        expires = None
        if row.expiry_date:
            expires = datetime.combine(row.expiry_date, time.min)
        elif use:
            expires = now + timedelta(days=expiration)
        columns["expiration_date"].append(expires)
        for column, days in (
            ("use_date", use_days),
            ("removal_date", removal_days),
            ("alert_date", alert_days),
        ):
            columns[column].append(
                expires - timedelta(days=days) if use and expires else None
            )
    return columns


def property_values(env, rows):
    """{column: [one value per row]} of the properties fields of stock.lot defined on
    the lot's product (core's lot_properties): the defaults of the product's
    definition, as the field's compute gives them to a new lot, worked out once per
    product rather than through the ORM for each lot."""
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


def default_values(env, written):
    """{column: value} of the stored fields of stock.lot that `written` leaves out and
    that have a default (Odoo's or a user's): what the ORM would give every new lot."""
    Lot = env["stock.lot"]
    names = [
        name
        for name, field in Lot._fields.items()
        if field.store
        and field.column_type
        and not field.compute
        and name not in written
        and name not in models_magic_columns()
    ]
    defaults = Lot.default_get(names)
    return {
        name: column_value(Lot._fields[name], value, Lot)
        for name, value in defaults.items()
        if value not in (None, False) or Lot._fields[name].type == "boolean"
    }


def complete_stored_fields(env, lot_ids, written):
    """Compute, through the ORM, the stored computed fields of stock.lot that nothing
    above wrote (those of a module that adds no import values): slower, never
    wrong."""
    Lot = env["stock.lot"]
    fields_to_compute = [
        field
        for name, field in Lot._fields.items()
        if field.store and field.compute and name not in written
    ]
    if not fields_to_compute:
        return
    lots = Lot.browse(lot_ids)
    for field in fields_to_compute:
        env.add_to_compute(field, lots)
    lots.flush_recordset([field.name for field in fields_to_compute])


def models_magic_columns():
    return ("id", "create_uid", "create_date", "write_uid", "write_date")


def column_value(field, value, record):
    """A field's value as COPY writes it."""
    value = field.convert_to_column(value, record)
    if hasattr(value, "adapted"):  # psycopg2's Json
        value = value.adapted
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def insert(env, table, columns, rows):
    """Write `rows` (an iterable of tuples in `columns` order) into `table` with the
    ledger's COPY helper, which streams them (bounded memory; PostgreSQL writes while
    Python makes the next rows). The values are the import's own (ids it resolved,
    text from the file), escaped by COPY's text format: nothing is interpolated into
    SQL."""
    copy_rows(env.cr, table, columns, rows)
