"""The integrity of the ledger at volume: verifying every serial's hash chain, and
taking and checking the ledger's fingerprint, against reading the same audit lines
(every column, in chain order, into Python), the floor any check in Python must pay
and the nearest native operation: stock Odoo has no ledger to verify. The integrity
report (a PDF by wkhtmltopdf) runs the same check and takes a fingerprint as it
prints."""

# benchmarks imports this module: its names are read when the bench runs
import benchmarks


def bench_integrity(env, report):
    audit = env["serial.audit.line"]
    env.cr.execute("SELECT count(*) FROM serial_audit_line")
    rows = env.cr.fetchone()[0]

    def read():
        env.cr.execute("SELECT * FROM serial_audit_line ORDER BY lot_id, chain_index")
        env.cr.fetchall()

    def verify():
        assert not audit.verify_chain()

    kept = []

    def take():
        kept.append(audit.ledger_fingerprint())

    def check():
        result = audit.verify_fingerprint(kept[-1])
        assert result["ok"], result["message"]

    read_s = benchmarks.timed(read)
    report.add(
        f"verify the history ({rows:,} audit lines), seconds",
        read_s,
        benchmarks.timed(verify),
        unit="s",
        min_ratio=0.67,  # every hash recomputed: at most 1.5 times reading the lines
    )
    report.add(
        "  take the ledger's fingerprint, seconds",
        read_s,
        benchmarks.timed(take),
        unit="s",
        min_ratio=1,
    )
    report.add(
        "  check a kept fingerprint, seconds",
        read_s,
        benchmarks.timed(check),
        unit="s",
        min_ratio=1,
    )

    def integrity_report():
        admin = env(user=env.ref("base.user_admin").id)
        with env.cr.savepoint(flush=False) as savepoint:
            screen = admin["serial.fingerprint.check"].create({})
            content, kind = admin["ir.actions.report"]._render_qweb_pdf(
                "pos_serial_tracking.serial_integrity_report", screen.ids
            )
            assert kind == "pdf" and content.startswith(b"%PDF"), kind
            savepoint.rollback()
        env.invalidate_all()

    report.add(
        "  the integrity report (PDF: the check and a fingerprint), seconds",
        read_s,
        benchmarks.timed(integrity_report, repeat=1),
        unit="s",
        min_ratio=0.33,  # the whole check, a fingerprint and the PDF: ≤ 3× reading
    )
