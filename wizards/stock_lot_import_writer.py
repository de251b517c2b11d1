"""The SQL writing layer of the serial import (stock.lot.import).

Plain functions, called by the wizard's `_register_serials` once the file is
checked, inside its savepoint. Each takes the environment and the values it needs
(the checked rows, the new lot ids, the batch, the receipt moves, the file name, the
company): set-based writes of the new serials (COPY), their hash-chained `imported`
audit lines (through the ledger's bulk append), the receipt moves, move lines and
quants of the rows with a location, and the stock valuation of those receipts.

A row of `rows` is the wizard's checked row: (row number, serial, product id,
company id, lot reference, note, warranty end, location id or None).
"""

from collections import defaultdict
from itertools import islice

from odoo import fields
from odoo.exceptions import UserError
from odoo.tools import SQL, plaintext2html

from ..models.serial_audit_line import copy_rows
from ..models.serial_split import split_serial

COPY_CHUNK = 50000
AUDIT_CHUNK = 20000  # serials per append to the ledger


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


def create_receipt_moves(env, rows, name, now):
    """One done stock move per product and destination, from the product's inventory
    adjustment location, as an inventory adjustment makes: {(product id, location
    id): move}."""
    quantities = defaultdict(int)
    for row in rows:
        if row[7]:
            quantities[row[2], row[7], row[3]] += 1
    if not quantities:
        return {}
    Product = env["product.product"]
    Location = env["stock.location"]
    values = []
    for (product_id, location_id, company_id), quantity in quantities.items():
        product = Product.browse(product_id).with_company(company_id)
        source = product.property_stock_inventory
        if not source:
            raise UserError(
                env._(
                    "%(product)s has no inventory adjustment location to receive "
                    "from: set one on the product (Inventory tab) or its category.",
                    product=product.display_name,
                )
            )
        values.append(
            {
                "name": env._("Serial import %(batch)s", batch=name),
                "origin": name,
                "product_id": product_id,
                "product_uom": product.uom_id.id,
                "product_uom_qty": quantity,
                "location_id": source.id,
                "location_dest_id": Location.browse(location_id).id,
                "company_id": company_id,
                "state": "done",
                "picked": True,
                "is_inventory": True,
                "date": now,
            }
        )
    moves = env["stock.move"].create(values)
    return {
        (move.product_id.id, move.location_dest_id.id): {
            "id": move.id,
            "reference": move.reference,
            "quantity": move.product_uom_qty,
            "company_id": move.company_id.id,
            "uom_id": move.product_uom.id,
            "source": move.location_id,
            "destination": move.location_dest_id,
            "source_id": move.location_id.id,
        }
        for move in moves
    }


def audit_lines(env, rows, lot_ids, batch, moves, now, filename):
    """Yield the first audit line of each new serial (dicts for serial.audit.line's
    _insert_chained): `imported` with the batch, straight into `in_stock` when the
    unit is received (the line names the receipt's move)."""
    date_text = fields.Datetime.to_string(now)
    note = env._("Row %(row)s of %(file)s")
    for row, lot_id in zip(rows, lot_ids, strict=True):
        number, serial, product_id, company_id, *_rest, location_id = row
        row_note = note % {"row": number, "file": filename or ""}
        source_id = None
        if location_id:
            row_note += " · " + moves[product_id, location_id]["reference"]
            source_id = moves[product_id, location_id]["source_id"]
        yield {
            "lot_id": lot_id,
            "lot_name": serial,
            "product_id": product_id,
            "company_id": company_id,
            "event": "imported",
            "old_state": None,
            "new_state": "in_stock" if location_id else None,
            "user_id": env.uid,
            "date": date_text,
            "res_model": batch._name,
            "res_id": batch.id,
            "reference": batch.name,
            "location_id": source_id,
            "location_dest_id": location_id,
            "note": row_note,
        }


def append_audit_lines(env, rows, lot_ids, batch, moves, now, filename):
    """The history of the new serials, through the ledger's own bulk append
    (hash-chained lines and their chain heads), a chunk of serials at a time: every
    chain starts empty."""
    audit = env["serial.audit.line"]
    for start in range(0, len(rows), AUDIT_CHUNK):
        chunk_rows = rows[start : start + AUDIT_CHUNK]
        chunk_lots = lot_ids[start : start + AUDIT_CHUNK]
        audit._insert_chained(
            dict.fromkeys(chunk_lots, (0, None)),
            list(audit_lines(env, chunk_rows, chunk_lots, batch, moves, now, filename)),
            new_chains=True,
        )


def insert_lots(env, rows, lot_ids, batch, now, company):
    products = env["product.product"].browse({row[2] for row in rows})
    uom = {product.id: product.uom_id.id for product in products}
    lot_price = {
        product.id: product.with_company(company).standard_price
        for product in products
        if product.lot_valuated
    }
    uid = env.uid

    def values():
        for row, lot_id in zip(rows, lot_ids, strict=True):
            (
                _number,
                serial,
                product_id,
                company_id,
                ref,
                note,
                warranty_end,
                location,
            ) = row
            price = lot_price.get(product_id)
            prefix, number = split_serial(serial)
            yield (
                lot_id,
                serial,
                prefix or None,
                number or None,
                product_id,
                company_id,
                uom[product_id],
                ref,
                plaintext2html(note) if note else None,
                warranty_end,
                batch.id,
                location,
                "in_stock" if location else None,
                f'{{"{company_id}": {price}}}' if price is not None else None,
                uid,
                uid,
                now,
                now,
            )

    insert(
        env,
        "stock_lot",
        [
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
            "import_batch_id",
            "location_id",
            "serial_state",
            "standard_price",
            "create_uid",
            "write_uid",
            "create_date",
            "write_date",
        ],
        values(),
    )


def insert_stock(env, batch, moves, now):
    """The done move lines of the received serials and their quants: one unit in the
    destination, minus one in the inventory adjustment location, as Odoo's own
    validation of the moves leaves them. Written by PostgreSQL from the batch's new
    lots (INSERT ... SELECT): nothing goes through Python per serial."""
    places = {}
    for move in moves.values():
        for location in (move["source"], move["destination"]):
            places[location.id] = SQL(
                "(%s::int, %s::int, %s::date, %s::int)",
                location.id,
                location.company_id.id or None,
                location._get_next_inventory_date() or None,
                location.storage_category_id.id or None,
            )
    receipts = SQL(
        "(VALUES %s) AS move(id, product_id, location_id, source_id, company_id, "
        "uom_id, reference)",
        SQL(", ").join(
            SQL(
                "(%s::int, %s::int, %s::int, %s::int, %s::int, %s::int, %s::varchar)",
                move["id"],
                product_id,
                location_id,
                move["source_id"],
                move["company_id"],
                move["uom_id"],
                move["reference"],
            )
            for (product_id, location_id), move in moves.items()
        ),
    )
    received = SQL(
        """FROM stock_lot lot
           JOIN %s ON move.product_id = lot.product_id
                  AND move.location_id = lot.location_id""",
        receipts,
    )
    uid = env.uid
    env.cr.execute(
        SQL(
            """INSERT INTO stock_move_line (
                   move_id, company_id, product_id, product_uom_id, lot_id,
                   location_id, location_dest_id, state, reference, quantity,
                   quantity_product_uom, picked, date,
                   create_uid, write_uid, create_date, write_date)
               SELECT move.id, move.company_id, lot.product_id, move.uom_id, lot.id,
                      move.source_id, lot.location_id, 'done', move.reference, 1,
                      1, TRUE, %(now)s, %(uid)s, %(uid)s, %(now)s, %(now)s
               %(received)s
               WHERE lot.import_batch_id = %(batch)s
               ORDER BY lot.id""",
            now=now,
            uid=uid,
            received=received,
            batch=batch.id,
        )
    )
    env.cr.execute(
        SQL(
            """INSERT INTO stock_quant (
                   product_id, company_id, location_id, lot_id, quantity,
                   reserved_quantity, inventory_diff_quantity,
                   inventory_quantity_set, in_date, inventory_date,
                   storage_category_id, create_uid, write_uid, create_date,
                   write_date)
               SELECT lot.product_id, place.company_id, place.id, lot.id,
                      side.quantity, 0, -side.quantity, FALSE, %(now)s,
                      place.inventory_date, place.storage_category_id,
                      %(uid)s, %(uid)s, %(now)s, %(now)s
               %(received)s
               CROSS JOIN LATERAL (VALUES (lot.location_id, 1),
                                          (move.source_id, -1))
                          AS side(location_id, quantity)
               JOIN (VALUES %(places)s)
                    AS place(id, company_id, inventory_date, storage_category_id)
                 ON place.id = side.location_id
               WHERE lot.import_batch_id = %(batch)s
               ORDER BY lot.id, side.quantity DESC""",
            now=now,
            uid=uid,
            received=received,
            batch=batch.id,
            places=SQL(", ").join(places.values()),
        )
    )
    env.cr.execute(
        SQL(
            "UPDATE stock_move move SET quantity = v.quantity FROM (VALUES %s) "
            "AS v(id, quantity) WHERE move.id = v.id",
            SQL(", ").join(
                SQL("(%s, %s::numeric)", move["id"], move["quantity"])
                for move in moves.values()
            ),
        )
    )


def value_receipts(env, moves, rows, lot_ids):
    """The stock valuation of the receipts, as stock_account values an incoming move
    (_create_in_svl, _validate_accounting_entries), computed from the moves and not
    from their lines, one per unit: a layer per move (per serial for a product
    valued by lot) at the product's cost, and the journal entry of the products in
    automated valuation. The average cost does not change: the units come in at the
    current cost."""
    lots_by_move = defaultdict(list)
    for row, lot_id in zip(rows, lot_ids, strict=True):
        if row[7]:
            lots_by_move[row[2], row[7]].append(lot_id)
    values = []
    for move in moves:
        move = move.with_company(move.company_id)
        product = move.product_id
        common = move._prepare_common_svl_vals()
        if product.lot_valuated:
            lots = env["stock.lot"].browse(
                lots_by_move[product.id, move.location_dest_id.id]
            )
            values += [
                {
                    **product._prepare_in_svl_vals(1, product.standard_price, lot=lot),
                    **common,
                }
                for lot in lots
            ]
        else:
            values.append(
                {
                    **product._prepare_in_svl_vals(
                        move.product_uom_qty, product.standard_price
                    ),
                    **common,
                }
            )
    layers = env["stock.valuation.layer"].sudo().create(values)
    entries = []
    for layer in layers:
        company = layer.company_id
        if layer.with_company(
            company
        ).product_id.valuation != "real_time" or layer.currency_id.is_zero(layer.value):
            continue
        move = layer.stock_move_id.with_company(company).with_context(
            move_directions={layer.stock_move_id.id: {"in"}}
        )
        entries += move._account_entry_move(
            layer.quantity, layer.description, layer.id, layer.value
        )
    if entries:
        env["account.move"].sudo().create(entries)._post()
    layers._validate_analytic_accounting_entries()
    for company, company_moves in moves.grouped("company_id").items():
        company_moves.product_id._run_fifo_vacuum(company)


def insert(env, table, columns, rows):
    """Write `rows` (an iterable of tuples in `columns` order) into `table` with the
    ledger's COPY helper, a chunk at a time (bounded memory). The values are the
    wizard's own (ids it resolved, text from the file), escaped by COPY's text
    format: nothing is interpolated into SQL."""
    rows = iter(rows)
    while chunk := list(islice(rows, COPY_CHUNK)):
        copy_rows(env.cr, table, columns, chunk)
