"""Recall outreach: the notices of a recall queued for 5,000 customers holding two
units each (10,000 lines), against stock Odoo's nearest operation: the same mail
template sent to each customer with `send_mail(force_send=False)`, one call per
customer as a loop over records does it (a sample, scaled to all customers). The
addon's side does more: it groups the lines by customer, creates the notices and their
tokens, notifies the lines and notes it on the recall."""

import time

CUSTOMERS = 5000
UNITS_EACH = 2
NATIVE_SAMPLE = 50  # send_mail calls timed, scaled to CUSTOMERS
TARGET_SECONDS = 30


def _recall_with_lines(env, customers):
    """An active recall whose CUSTOMERS * UNITS_EACH lines wait for notices, on lots
    of the filled database, set-based (the volume is what is measured)."""
    partners = env["res.partner"].create(
        [
            {"name": f"Bench customer {i}", "email": f"bench.customer.{i}@example.com"}
            for i in range(customers)
        ]
    )
    recall = env["serial.recall"].create(
        {
            "reason": "Bench: the battery may overheat while charging.",
            "firm_reference": "BENCH-FIRM-1",
            "customer_instructions": "Stop using it and bring it back.",
            "deadline": "2027-01-31",
        }
    )
    recall.write({"state": "active"})
    env.cr.execute(
        "SELECT id, product_id FROM stock_lot ORDER BY id LIMIT %s",
        [customers * UNITS_EACH],
    )
    lots = env.cr.fetchall()
    partner_ids = partners.ids
    env.flush_all()
    env.cr.execute(
        """INSERT INTO serial_recall_line (recall_id, company_id, lot_id, product_id,
                                           bucket, partner_id, outreach_state,
                                           create_uid, create_date, write_uid,
                                           write_date)
           SELECT %s, %s, lot_id, product_id, 'sold', partner_id, 'to_notify',
                  1, now(), 1, now()
             FROM unnest(%s::int[], %s::int[], %s::int[])
                  AS v(lot_id, product_id, partner_id)""",
        [
            recall.id,
            recall.company_id.id,
            [lot_id for lot_id, _product in lots],
            [product_id for _lot, product_id in lots],
            [partner_ids[i // UNITS_EACH] for i in range(len(lots))],
        ],
    )
    env.invalidate_all()
    return recall, partners


def _manager(env):
    """A Serial Manager with an address: the notices are queued as one would (the
    superuser would skip the access checks a real user pays)."""
    return env["res.users"].create(
        {
            "name": "Bench recall manager",
            "login": "bench_recall_manager",
            "email": "bench.manager@example.com",
            "groups_id": [
                (6, 0, [env.ref("pos_serial_tracking.group_serial_manager").id])
            ],
        }
    )


def _queued(cr, notices):
    cr.execute(
        """SELECT count(*) FROM mail_mail mail
             JOIN mail_message message ON message.id = mail.mail_message_id
            WHERE message.model = 'serial.recall.notice'
              AND message.res_id = ANY(%s) AND mail.state = 'outgoing'""",
        [notices.ids],
    )
    return cr.fetchone()[0]


def bench_recall_notices(env, report, customers=CUSTOMERS):
    cr = env.cr
    with cr.savepoint(flush=False) as savepoint:
        manager = _manager(env)
        recall, _partners = _recall_with_lines(env, customers)
        start = time.perf_counter()
        notices = recall.with_user(manager).action_send_notices()
        env.flush_all()
        addon = time.perf_counter() - start
        assert len(notices) == customers and _queued(cr, notices) == customers
        # stock Odoo: the same template, one send_mail per customer (a sample)
        template = env.ref(
            "pos_serial_tracking.serial_recall_notice_mail_template"
        ).with_user(manager)
        sample = notices[:NATIVE_SAMPLE].ids
        env.invalidate_all()
        start = time.perf_counter()
        for notice_id in sample:
            template.send_mail(notice_id, force_send=False)
        env.flush_all()
        native = (time.perf_counter() - start) * customers / len(sample)
        savepoint.rollback()
    env.invalidate_all()
    print(
        f"bench: recall notices for {customers:,} customers ({customers * UNITS_EACH:,}"
        f" units) queued in {addon:.1f}s (target {TARGET_SECONDS}s); stock Odoo's "
        f"send_mail loop on the same template, {NATIVE_SAMPLE} timed and scaled: "
        f"{native:.1f}s",
        flush=True,
    )
    report.add(
        f"queue recall notices for {customers:,} customers, seconds",
        native,
        addon,
        unit="s",
    )
