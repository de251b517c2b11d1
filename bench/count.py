"""The serial count benchmark: comparing a count of 5,000 scanned serials at a location
holding 5,000 units, among the 1,000,000 lots, against Odoo's own Physical Inventory
for the same serials (their quants at the location found by serial and counted)."""

SCANNED = 5000
OFF = 100  # of the scanned serials: 50 in stock elsewhere, 50 registered nowhere


def bench_count(env, report, scanned=SCANNED):
    from benchmarks import as_native, timed

    cr = env.cr
    with cr.savepoint(flush=False) as savepoint:
        shelf = env["stock.location"].create(
            {
                "name": "Bench count shelf",
                "location_id": env.ref("stock.warehouse0").lot_stock_id.id,
            }
        )
        cr.execute(
            """SELECT id, name FROM stock_lot WHERE serial_state = 'in_stock'
                ORDER BY id DESC LIMIT %s""",
            [scanned + OFF // 2],
        )
        lots = cr.fetchall()
        on_shelf, elsewhere = lots[:scanned], lots[scanned:]
        # the units on the shelf, set-based (the volume is what is measured)
        cr.execute(
            """INSERT INTO stock_quant (product_id, location_id, lot_id, company_id,
                                        quantity, reserved_quantity, in_date,
                                        create_uid, create_date, write_uid, write_date)
               SELECT lot.product_id, %s, lot.id, %s, 1, 0, now(), 1, now(), 1, now()
                 FROM stock_lot lot WHERE lot.id = ANY(%s)""",
            [shelf.id, env.company.id, [lot_id for lot_id, _name in on_shelf]],
        )
        cr.execute("ANALYZE stock_quant")
        serials = (
            [name for _id, name in on_shelf[: scanned - OFF]]
            + [name for _id, name in elsewhere]
            + [f"BENCH-UNKNOWN-{i}" for i in range(OFF // 2)]
        )
        text = "\n".join(serials)

        def addon():
            count = env["serial.count"].create(
                {"location_id": shelf.id, "scanned_serials": text}
            )
            count.action_compare()
            assert (
                count.expected_count,
                count.matched_count,
                count.missing_count,
                count.unexpected_count,
                count.unknown_count,
            ) == (scanned, scanned - OFF, OFF, OFF // 2, OFF // 2)

        def native():
            quants = (
                env["stock.quant"]
                .with_context(inventory_mode=True)
                .search(
                    [
                        ("lot_id.name", "in", serials),
                        ("location_id", "child_of", shelf.id),
                    ]
                )
            )
            assert len(quants) == scanned - OFF
            quants.write({"inventory_quantity": 1})
            env.flush_all()
            env.invalidate_all()

        print(
            "bench: a count compared, against Odoo's Physical Inventory of the same "
            "serials (their quants found by serial, inventory_quantity set)",
            flush=True,
        )
        report.add(
            f"compare a count of {scanned:,} scanned serials",
            as_native(env, native) * 1000,
            timed(addon) * 1000,
            min_ratio=1,
        )
        savepoint.rollback()
    env.invalidate_all()
