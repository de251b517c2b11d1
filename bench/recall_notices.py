"""Recall outreach: the notices of a recall queued for 5,000 customers holding two
units each (10,000 lines), against stock Odoo's nearest operation: the same mail
template sent to each customer with `send_mail(force_send=False)`, one call per
customer as a loop over records does it (a sample, scaled to all customers). The
addon's side does more: it groups the lines by customer, creates the notices and their
tokens, notifies the lines and notes it on the recall.

Then the mails alone: the addon's fast path (mail.template._queue_mail_batch, one
QWeb compile per language and batch, on private mail methods) against the public
`send_mail_batch(res_ids, force_send=False)` (a sample, scaled), the same mails. The
fast path is kept only while it is at least 5 times faster (issue #20)."""

import time

CUSTOMERS = 5000
UNITS_EACH = 2
NATIVE_SAMPLE = 50  # send_mail calls timed, scaled to CUSTOMERS
BATCH_SAMPLE = 500  # records of the send_mail_batch call timed, scaled to CUSTOMERS
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
        # the mails alone: the fast path on every notice, send_mail_batch on a sample
        env.invalidate_all()
        start = time.perf_counter()
        template._queue_mail_batch(notices.ids)
        env.flush_all()
        fast = time.perf_counter() - start
        sample = notices[:BATCH_SAMPLE].ids
        env.invalidate_all()
        start = time.perf_counter()
        template.send_mail_batch(sample, force_send=False)
        env.flush_all()
        public = (time.perf_counter() - start) * customers / len(sample)
        savepoint.rollback()
    env.invalidate_all()
    print(
        f"bench: recall notices for {customers:,} customers ({customers * UNITS_EACH:,}"
        f" units) queued in {addon:.1f}s (target {TARGET_SECONDS}s); stock Odoo's "
        f"send_mail loop on the same template, {NATIVE_SAMPLE} timed and scaled: "
        f"{native:.1f}s",
        flush=True,
    )
    print(
        f"bench: the {customers:,} notice mails alone: {fast:.1f}s with the addon's "
        f"batch rendering, {public:.1f}s with send_mail_batch ({BATCH_SAMPLE} timed "
        f"and scaled): {public / fast:.1f} times faster (kept at 5 or more)",
        flush=True,
    )
    report.add(
        f"queue recall notices for {customers:,} customers, seconds",
        native,
        addon,
        unit="s",
        min_ratio=1,
    )
    report.add(
        f"render and queue {customers:,} notice mails vs send_mail_batch, seconds",
        public,
        fast,
        unit="s",
        min_ratio=5,  # the private path is kept only while ≥ 5× send_mail_batch
    )
