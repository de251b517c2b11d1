from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import serial_import_messages as messages
from ..tools.serial_import_records import ReceiptMove
from ..tools.serial_import_sql import VALUED_LINE_FIELDS


class StockLotImportBatch(models.Model):
    """Receiving the units of a serial import in stock: the done receipt moves (one
    per product and destination, as an inventory adjustment makes), their move lines
    and quants written set-based (what Odoo's validation of those moves leaves,
    without its per-line Python), then valued by stock_account's own methods, as its
    _action_done values an incoming move."""

    _inherit = "stock.lot.import.batch"

    @api.model
    def _create_import_receipt_moves(self, rows, name, now, done=True):
        """One done stock move per product and destination, from the product's inventory
        adjustment location, as an inventory adjustment makes: {(product id, location
        id): ReceiptMove}. Not `done`: confirmed, for the ORM path
        (_register_through_orm) to add their lines and do them. Override it, with
        super(), to change the moves' values after they are made (their origin, a
        picking type...)."""
        env = self.env
        quantities = defaultdict(int)
        for row in rows:
            if row.location_id:
                quantities[row.product_id, row.location_id, row.company_id] += 1
        if not quantities:
            return {}
        Product = env["product.product"]
        Location = env["stock.location"]
        values = []
        for (product_id, location_id, company_id), quantity in quantities.items():
            product = Product.browse(product_id).with_company(company_id)
            source = product.property_stock_inventory
            if not source:
                raise UserError(messages.no_inventory_location_message(env, product))
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
                    "state": "done" if done else "confirmed",
                    "picked": True,
                    "is_inventory": True,
                    "date": now,
                }
            )
        moves = env["stock.move"].create(values)
        return {
            (move.product_id.id, move.location_dest_id.id): ReceiptMove(
                id=move.id,
                reference=move.reference,
                quantity=move.product_uom_qty,
                company_id=move.company_id.id,
                uom_id=move.product_uom.id,
                source=move.location_id,
                destination=move.location_dest_id,
                source_id=move.location_id.id,
            )
            for move in moves
        }

    def _insert_import_stock(self, moves, now):
        """The done move lines of the received serials and their quants: one unit in the
        destination, minus one in the inventory adjustment location, as Odoo's own
        validation of the receipt `moves` ({(product id, location id): ReceiptMove})
        leaves them. Written by PostgreSQL from this batch's new lots (INSERT ...
        SELECT): nothing goes through Python per serial."""
        self.ensure_one()
        env = self.env
        places = {}
        for move in moves.values():
            for location in (move.source, move.destination):
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
                    "(%s::int, %s::int, %s::int, %s::int, %s::int, %s::int, "
                    "%s::varchar)",
                    move.id,
                    product_id,
                    location_id,
                    move.source_id,
                    move.company_id,
                    move.uom_id,
                    move.reference,
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
                batch=self.id,
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
                batch=self.id,
                places=SQL(", ").join(places.values()),
            )
        )
        env.cr.execute(
            SQL(
                "UPDATE stock_move move SET quantity = v.quantity FROM (VALUES %s) "
                "AS v(id, quantity) WHERE move.id = v.id",
                SQL(", ").join(
                    SQL("(%s, %s::numeric)", move.id, move.quantity)
                    for move in moves.values()
                ),
            )
        )

    @api.model
    def _value_import_receipts(self, moves):
        """Value the done receipt `moves` (stock.move) as stock_account's _action_done
        does: the average cost first, then the valuation layers, their journal entries
        (products in automated valuation) and analytic lines, and the FIFO vacuum.

        stock_account reads each move line's fields one line at a time: the layers of
        products valued as a whole are made from their incoming quantity counted by
        PostgreSQL (_import_layer_values), and the lines are read only for what still
        reads them (an average or FIFO cost, automated valuation, lots valued one by
        one). On a record of 100,000 lines the ORM then fetches them 1,000 at a time,
        each batch scanning the whole prefetch set for the lines not yet read (time
        quadratic in the lines): the fields they read are fetched first, in one query
        per field set, where the same methods then find them."""
        costed = moves.filtered(
            lambda move: (
                move.with_company(move.company_id).product_id.cost_method != "standard"
            )
        )
        if costed or any(
            move.product_id.lot_valuated
            or move.with_company(move.company_id).product_id.valuation == "real_time"
            for move in moves
        ):
            moves.move_line_ids.fetch(VALUED_LINE_FIELDS)
        # the average cost moves only for products not at standard price (the method
        # skips the others after reading all their lines)
        costed.product_price_update_before_done()
        layers = (
            self.env["stock.valuation.layer"]
            .sudo()
            .create(self._import_layer_values(moves))
        )
        layers._validate_accounting_entries()
        layers._validate_analytic_accounting_entries()
        layers._check_company()
        for company, company_moves in moves.grouped("company_id").items():
            company_moves.product_id._run_fifo_vacuum(company)

    @api.model
    def _import_layer_values(self, moves):
        """The values of the valuation layers of the receipt `moves` (stock.move), as
        stock_account's _create_in_svl gives them (_get_in_svl_vals): for a product
        valued as a whole, its incoming quantity (the picked lines of no other owner,
        from a location not valued into a valued one, as _get_in_move_lines has them)
        is summed by PostgreSQL rather than read line by line; a product valued lot by
        lot goes through _get_in_svl_vals."""
        self.env["stock.move.line"].flush_model()
        self.env.cr.execute(
            """SELECT line.move_id, line.location_id, line.location_dest_id,
                      sum(line.quantity_product_uom)
                 FROM stock_move_line line
                 LEFT JOIN res_company company ON company.id = line.company_id
                WHERE line.move_id = ANY(%s) AND line.picked
                  AND (line.owner_id IS NULL OR line.owner_id = company.partner_id)
                GROUP BY line.move_id, line.location_id, line.location_dest_id""",
            [moves.ids],
        )
        Location = self.env["stock.location"]
        incoming = defaultdict(float)
        for move_id, source_id, destination_id, quantity in self.env.cr.fetchall():
            if not Location.browse(source_id)._should_be_valued() and (
                Location.browse(destination_id)._should_be_valued()
            ):
                incoming[move_id] += float(quantity)
        no_lot = self.env["stock.lot"]
        values = []
        for move in moves:
            move = move.with_company(move.company_id)
            product = move.product_id
            if product.lot_valuated:
                values += move._get_in_svl_vals(None)
                continue
            unit_cost = {no_lot: product.standard_price}
            if product.cost_method != "standard":
                unit_cost = move._get_price_unit()
            layer = product._prepare_in_svl_vals(
                incoming[move.id], abs(unit_cost[no_lot])
            )
            layer.update(move._prepare_common_svl_vals())
            values.append(layer)
        return values
