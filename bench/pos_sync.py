"""The POS benchmarks: the till's serial check among 1,000,000 serials, and the sync of
a paid order of 10 serial lines, timed in a database with the addon and in one with
stock Odoo only (the same order, the same data), in the same run."""

import statistics
import time
import uuid

from odoo import SUPERUSER_ID, api, fields

LINES = 10
ROUNDS = 5  # rounds of the till's check, each side in turn


def setup_shop(env, tag):
    """A company with a chart of accounts, a till with an open session, one serial
    product and enough units in the till's stock location."""
    company = env["res.company"].create({"name": f"Bench shop {tag}"})
    env["account.chart.template"].try_loading(
        "generic_coa", company, install_demo=False
    )
    admin = env.ref("base.user_admin")
    admin.company_ids |= company
    # a till is opened by a POS user: the administrator, with every right
    env = env(user=admin.id, su=True, context={"allowed_company_ids": [company.id]})
    if not env["stock.warehouse"].search([("company_id", "=", company.id)]):
        env["stock.warehouse"].create(
            {"name": f"Bench {tag}", "code": tag[:5].upper(), "company_id": company.id}
        )
    journal = env["account.journal"].create(
        {"name": "Cash", "type": "cash", "code": "BCSH", "company_id": company.id}
    )
    cash = env["pos.payment.method"].create(
        {"name": "Cash", "journal_id": journal.id, "company_id": company.id}
    )
    config = env["pos.config"].create(
        {
            "name": f"Bench till {tag}",
            "company_id": company.id,
            "payment_method_ids": [(6, 0, cash.ids)],
        }
    )
    product = env["product.product"].create(
        {
            "name": "Bench phone",
            "is_storable": True,
            "tracking": "serial",
            "available_in_pos": True,
            "list_price": 100,
            "taxes_id": [(5, 0, 0)],
            "company_id": company.id,
        }
    )
    config.open_ui()
    return env, config, cash, product


def receive(env, config, product, names):
    lots = env["stock.lot"].create(
        [
            {"name": name, "product_id": product.id, "company_id": config.company_id.id}
            for name in names
        ]
    )
    env["stock.quant"].with_context(inventory_mode=True).create(
        [
            {
                "product_id": product.id,
                "lot_id": lot.id,
                "inventory_quantity": 1,
                "location_id": config.picking_type_id.default_location_src_id.id,
            }
            for lot in lots
        ]
    ).action_apply_inventory()


def order_data(config, cash, product, serials):
    order_uuid = str(uuid.uuid4())
    total = 100 * len(serials)
    return {
        "amount_paid": total,
        "amount_return": 0,
        "amount_tax": 0,
        "amount_total": total,
        "date_order": fields.Datetime.to_string(fields.Datetime.now()),
        "fiscal_position_id": False,
        "pricelist_id": config.pricelist_id.id,
        "name": f"Order {order_uuid}",
        "last_order_preparation_change": "{}",
        "lines": [
            (
                0,
                0,
                {
                    "product_id": product.id,
                    "qty": 1,
                    "price_unit": 100,
                    "price_subtotal": 100,
                    "price_subtotal_incl": 100,
                    "tax_ids": [],
                    "discount": 0,
                    "pack_lot_ids": [[0, 0, {"lot_name": serial}]],
                },
            )
            for serial in serials
        ],
        "partner_id": False,
        "session_id": config.current_session_id.id,
        "sequence_number": 1,
        "uuid": order_uuid,
        "user_id": SUPERUSER_ID,
        "payment_ids": [
            (
                0,
                0,
                {
                    "amount": total,
                    "name": fields.Datetime.now(),
                    "payment_method_id": cash.id,
                },
            )
        ],
        "to_invoice": False,
    }


def sync_runs(registry, tag, repeat):
    """Yields the ms to sync each of `repeat` paid orders of LINES serial lines, in
    one transaction rolled back after the last."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env, config, cash, product = setup_shop(env, tag)
        names = [f"SYNC{tag}-{i:04d}" for i in range(LINES * repeat)]
        receive(env, config, product, names)
        env.flush_all()
        for run in range(repeat):
            data = order_data(
                config, cash, product, names[run * LINES : (run + 1) * LINES]
            )
            start = time.perf_counter()
            env["pos.order"].sync_from_ui([data])
            env.flush_all()
            elapsed = (time.perf_counter() - start) * 1000
            order = env["pos.order"].search([("uuid", "=", data["uuid"])])
            assert order.state == "paid" and order.picking_ids.state == "done", (
                order.state,
                order.picking_ids.mapped("state"),
            )
            yield elapsed
        cr.rollback()


def time_sync(registries, repeat):
    """{tag: median ms to sync one paid order of LINES serial lines} for each of
    `registries` ({tag: registry}), their orders synced in turn (one of each side,
    then the next): a load on the shared machine weighs on both sides alike."""
    runs = {
        tag: sync_runs(registry, tag, repeat) for tag, registry in registries.items()
    }
    samples = {tag: [] for tag in registries}
    for _run in range(repeat):
        for tag, run in runs.items():
            samples[tag].append(next(run))
    for run in runs.values():
        next(run, None)  # rolled back
    return {tag: statistics.median(times) for tag, times in samples.items()}


def time_check(env, report, lookups=50):
    """The till's check of one serial (registered, sellable, in this shop, not sold, not
    in another open order) among the 1,000,000 serials, against stock Odoo's lookup of
    the existing lots the POS popup asks for (get_existing_lots)."""
    with env.cr.savepoint(flush=False) as savepoint:
        shop_env, config, _cash, product = setup_shop(env, "check")
        names = [f"CHECK-{i:04d}" for i in range(lookups)]
        receive(shop_env, config, product, names)
        shop_env.flush_all()
        config = config.with_user(shop_env.ref("base.user_admin"))

        def ours():
            for name in names:
                assert config.check_pos_serials(product.id, [name])[0]["ok"]

        def native():
            for _name in names:
                shop_env["pos.order.line"].with_context(
                    config_id=config.id
                ).get_existing_lots(config.company_id.id, product.id)

        # the check as the till makes it: for its open order, which then holds each
        # serial accepted (pos.serial.lease, taken in the check's query)
        order_uuid = str(uuid.uuid4())

        def leased():
            for name in names:
                assert config.check_pos_serials(
                    product.id, [name], order_uuid=order_uuid
                )[0]["ok"]

        def free_leases():
            # untimed: every round takes its leases anew (an insert, not a renewal)
            if "pos.serial.lease" in shop_env:
                shop_env.cr.execute(
                    "DELETE FROM pos_serial_lease WHERE config_id = %s", [config.id]
                )

        # one round each first (the plans, the caches), then in turn, the median of
        # ROUNDS rounds of each side: a load on the shared machine weighs on both
        timed = {native: [], ours: [], leased: []}
        for fn in timed:
            fn()
        for _round in range(ROUNDS):
            for fn, times in timed.items():
                free_leases()
                start = time.perf_counter()
                fn()
                times.append((time.perf_counter() - start) * 1000 / lookups)
        timed = [statistics.median(timed[fn]) for fn in (native, ours, leased)]
        savepoint.rollback()
    env.invalidate_all()  # the shop's company is gone with the savepoint
    env.registry.clear_cache()
    native, addon, with_lease = timed
    report.add(
        "till's serial check (per serial) vs get_existing_lots",
        native,
        addon,
        goal="≥ 1×",
        goal_met=addon <= native,
    )
    report.add(
        "till's serial check holding the serial (lease) vs get_existing_lots",
        native,
        with_lease,
        goal="≥ 1×",
        goal_met=with_lease <= native,
    )
