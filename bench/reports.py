"""The unit history certificate and the EPCIS export against stock Odoo's nearest
operations: the certificate of one unit with 50 events (a PDF by wkhtmltopdf, its chain
verified) against stock's lot label PDF of the same lot; the EPCIS document of 1,000
units against stock's export of the same lots (their name, product, company and
location, as the list's Export does)."""

# benchmarks imports this module: its names are read when the bench runs
import benchmarks
import history

UNITS = 1000  # units in one EPCIS document
LOT_EXPORT_FIELDS = ["name", "product_id/name", "company_id/name", "location_id/name"]


def bench_reports(env, report):
    stock = env.ref("stock.warehouse0").lot_stock_id
    Lot = env["stock.lot"]
    Report = env["ir.actions.report"]
    with env.cr.savepoint(flush=False) as savepoint:
        shelf = env["stock.location"].create(
            {"name": "Bench report shelf", "usage": "internal", "location_id": stock.id}
        )
        lot = Lot.search(
            [("name", "in", benchmarks.random_serials(env.cr, 1))], limit=1
        ) or Lot.search([("serial_state", "=", "in_stock")], limit=1)
        history._give_history(env, lot, shelf)

        def pdf(report_ref):
            def run():
                content, kind = Report._render_qweb_pdf(report_ref, lot.ids)
                assert kind == "pdf" and content.startswith(b"%PDF"), kind
                env.invalidate_all()

            return run

        report.add(
            "unit history certificate, 50 events (PDF), ms",
            benchmarks.timed(pdf("stock.action_report_lot_label")) * 1000,
            benchmarks.timed(pdf("pos_serial_tracking.stock_lot_report_certificate"))
            * 1000,
            min_ratio=1,  # against stock's lot label PDF of the same lot
        )
        lots = Lot.search([("serial_state", "=", "in_stock")], limit=UNITS)

        def native_export():
            lots.export_data(LOT_EXPORT_FIELDS)
            env.invalidate_all()

        def epcis():
            document = lots.epcis_document()
            assert len(document["epcisBody"]["eventList"]) >= len(lots)
            env.invalidate_all()

        native, addon = (
            benchmarks.timed(native_export) * 1000,
            benchmarks.timed(epcis) * 1000,
        )
        report.add(
            f"EPCIS document of {len(lots):,} units, ms",
            native,
            addon,
            goal="≥ 1× the export",
            goal_met=addon <= native,
        )
        savepoint.rollback()
    env.invalidate_all()
