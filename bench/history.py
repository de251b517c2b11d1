"""A unit's whole life on one screen: locate one serial among all the lots and read its
history of 50 events as the serial's History page reads it (its chain's verdict too),
against stock Odoo's nearest operation: the lot looked up by name and its 50 stock move
lines read as stock's Moves History list shows them."""

# benchmarks imports this module: its names are read when the bench runs
import benchmarks

EVENTS = 50
ROUNDS = 20  # lookups per timing: one takes about a millisecond
# the columns of the History page, and of a move line's history in stock Odoo
HISTORY_FIELDS = [
    "chain_index",
    "date",
    "event",
    "new_state",
    "location_id",
    "location_dest_id",
    "reference",
    "document_ref",
    "partner_id",
    "pos_config_id",
    "user_id",
    "note",
]
# stock's Moves History list (stock.view_move_line_tree), the lot's history there
MOVE_LINE_FIELDS = [
    "location_usage",
    "location_dest_usage",
    "date",
    "reference",
    "product_id",
    "lot_id",
    "location_id",
    "location_dest_id",
    "quantity",
    "product_uom_id",
    "state",
]


def _give_history(env, lot, shelf):
    """EVENTS events in the unit's history (the install gave it one), moves between
    its stock and a shelf through _apply_serial_events, and as many stock move lines
    for stock Odoo's side."""
    stock = env.ref("stock.warehouse0").lot_stock_id
    env.cr.execute("SELECT count(*) FROM serial_audit_line WHERE lot_id = %s", [lot.id])
    places = [stock, shelf]
    moves = [
        (places[i % 2], places[(i + 1) % 2])
        for i in range(EVENTS - env.cr.fetchone()[0])
    ]
    env["stock.lot"]._apply_serial_events(
        [
            {
                "lot": lot,
                "event": "moved",
                "location_id": source.id,
                "location_dest_id": destination.id,
                "reference": f"BENCH/INT/{i:03d}",
            }
            for i, (source, destination) in enumerate(moves)
        ]
    )
    env["stock.move.line"].create(
        [
            {
                "product_id": lot.product_id.id,
                "product_uom_id": lot.product_id.uom_id.id,
                "lot_id": lot.id,
                "quantity": 1,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "company_id": lot.company_id.id or env.company.id,
            }
            for source, destination in [(stock, shelf)] * EVENTS
        ]
    )
    env.flush_all()


def bench_history(env, report):
    stock = env.ref("stock.warehouse0").lot_stock_id
    serial = benchmarks.random_serials(env.cr, 1)[0]
    Lot = env["stock.lot"]
    Line = env["serial.audit.line"]
    MoveLine = env["stock.move.line"]
    with env.cr.savepoint(flush=False) as savepoint:
        shelf = env["stock.location"].create(
            {"name": "Bench shelf", "usage": "internal", "location_id": stock.id}
        )
        _give_history(env, Lot.search([("name", "=", serial)]), shelf)

        def native():
            for _ in range(ROUNDS):
                lot = Lot.search([("name", "=", serial)])
                lines = MoveLine.search_read(
                    [("lot_id", "=", lot.id)], MOVE_LINE_FIELDS
                )
                assert len(lines) == EVENTS, len(lines)
                env.invalidate_all()

        # what the serial's History page asks the server (links with their names)
        lines_spec = {
            name: {"fields": {"display_name": {}}}
            if Line._fields[name].type in ("many2one", "reference")
            else {}
            for name in HISTORY_FIELDS
        }

        def history(verdict):
            spec = {"audit_line_ids": {"order": "chain_index", "fields": lines_spec}}
            if verdict:
                spec.update(history_intact={}, history_verdict={})

            def run():
                for _ in range(ROUNDS):
                    lot = Lot.search([("name", "=", serial)])
                    page = lot.web_read(spec)[0]
                    assert len(page["audit_line_ids"]) == EVENTS, page
                    assert page.get("history_intact", True), page["history_verdict"]
                    env.invalidate_all()

            return run

        native_ms = benchmarks.as_native(env, native) * 1000 / ROUNDS
        report.add(
            f"locate a unit among {benchmarks.SERIALS:,} lots, its {EVENTS} events",
            native_ms,
            benchmarks.timed(history(verdict=False)) * 1000 / ROUNDS,
            min_ratio=1,
        )
        report.add(
            "  ... and verify its chain (the serial's form)",
            native_ms,
            benchmarks.timed(history(verdict=True)) * 1000 / ROUNDS,
            min_ratio=1,
        )
        savepoint.rollback()
    env.invalidate_all()
