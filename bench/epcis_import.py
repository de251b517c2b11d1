"""EPCIS import benchmark: a supplier's GS1 EPCIS 2.0 document (JSON-LD) of
BENCH_IMPORT_SERIALS units (commissioned 1,000 per event, packed 100 per case and
10 cases per pallet, validated against GS1's JSON schema, every event hashed) through
the Import Serials wizard, registered and audited, against Odoo's stock.lot.load() of
the same number of serials, in the same run. Every run is rolled back."""

import base64
import json
import time

# benchmarks imports this module: its names are read when the bench runs
import benchmarks
import registration

PREFIX = "0614141"
ITEM = "054321"
CASE_ITEM = "154321"
PER_EVENT = 1000
PER_CASE = 100
CASES_PER_PALLET = 10


def check_digit(digits):
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1)
        for index, digit in enumerate(reversed(digits))
    )
    return str((10 - total % 10) % 10)


def epcis_document(count):
    """The JSON-LD bytes of a supplier's document of `count` units."""
    time_ = "2026-11-02T10:00:00.000+01:00"

    def unit(n):
        return f"urn:epc:id:sgtin:{PREFIX}.{ITEM}.E{n:08d}"

    def case(n):
        return f"urn:epc:id:sgtin:{PREFIX}.{CASE_ITEM}.C{n:06d}"

    events = []
    for start in range(0, count, PER_EVENT):
        events.append(
            {
                "type": "ObjectEvent",
                "eventTime": time_,
                "eventTimeZoneOffset": "+01:00",
                "epcList": [
                    unit(n) for n in range(start, min(count, start + PER_EVENT))
                ],
                "action": "ADD",
                "bizStep": "commissioning",
                "disposition": "active",
                "ilmd": {
                    "cbvmda:lotNumber": f"L{start // PER_EVENT:04d}",
                    "cbvmda:itemExpirationDate": "2028-06-30",
                },
            }
        )
    cases = range((count + PER_CASE - 1) // PER_CASE)
    for number in cases:
        events.append(
            {
                "type": "AggregationEvent",
                "eventTime": time_,
                "eventTimeZoneOffset": "+01:00",
                "parentID": case(number),
                "childEPCs": [
                    unit(n)
                    for n in range(
                        number * PER_CASE, min(count, (number + 1) * PER_CASE)
                    )
                ],
                "action": "ADD",
                "bizStep": "packing",
            }
        )
    for pallet in range(0, len(cases), CASES_PER_PALLET):
        events.append(
            {
                "type": "AggregationEvent",
                "eventTime": time_,
                "eventTimeZoneOffset": "+01:00",
                "parentID": f"urn:epc:id:sscc:{PREFIX}.{1000000000 + pallet}",
                "childEPCs": [
                    case(n) for n in range(pallet, min(len(cases), pallet + 10))
                ],
                "action": "ADD",
                "bizStep": "packing",
            }
        )
    return json.dumps(
        {
            "@context": [
                "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
            ],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": time_,
            "epcisBody": {"eventList": events},
        }
    ).encode()


def bench_epcis_import(env, report, count=registration.IMPORT_SERIALS):
    """`count` units of an EPCIS document registered through the Import Serials
    wizard, against stock.lot.load() of as many serials."""
    body = ITEM[:1] + PREFIX + ITEM[1:]
    product = env["product.product"].search([("default_code", "=", "BENCHEPCIS")])
    product = product or env["product.product"].create(
        {
            "name": "Bench EPCIS product",
            "default_code": "BENCHEPCIS",
            "barcode": body + check_digit(body),
            "is_storable": True,
            "tracking": "serial",
            "categ_id": env.ref("product.product_category_all").id,
        }
    )
    data = epcis_document(count)
    user_env = env(user=env.ref("base.user_admin"))
    print(
        f"bench: EPCIS document of {count:,} units, {len(data) / 1024 / 1024:.1f} MB",
        flush=True,
    )
    phases = {}

    def run_import():
        with env.cr.savepoint(flush=False) as savepoint:
            wizard = user_env["stock.lot.import"].create(
                {"file": base64.b64encode(data), "filename": "shipment.jsonld"}
            )
            wizard.action_import()
            batch = wizard.batch_id
            assert batch.created_count == count, batch
            env.cr.execute(
                "SELECT count(*) FROM serial_epcis_aggregation WHERE batch_id = %s",
                [batch.id],
            )
            phases["packing"] = env.cr.fetchone()[0]
            savepoint.rollback()
        env.invalidate_all()

    sample = min(count, registration.NATIVE_IMPORT_SAMPLE)

    def run_native():
        registration.native_load(env, product, [f"EPN-{i:08d}" for i in range(sample)])

    env.cr.execute("ANALYZE stock_lot")
    native_seconds = benchmarks.timed(run_native, repeat=1)
    start = time.perf_counter()
    from odoo.addons.pos_serial_tracking.tools import serial_epcis_in

    serial_epcis_in.read_events(data, "shipment.jsonld")
    read_seconds = time.perf_counter() - start
    seconds = benchmarks.timed(run_import, repeat=registration.IMPORT_REPEAT)
    native_rate = sample / native_seconds
    report.add(
        f"register {count:,} serials from an EPCIS document (JSON-LD)",
        native_rate,
        count / seconds,
        unit="serials/s",
        better="higher",
        goal="≥ 10× stock.lot.load()",
        goal_met=count / seconds >= 10 * native_rate,
    )
    print(
        f"  EPCIS import: {seconds:.1f} s (reading, schema validation and event "
        f"hashes: {read_seconds:.1f} s; {phases.get('packing', 0):,} packing rows); "
        f"stock.lot.load() of the same rows at its rate: {count / native_rate:.0f} s; "
        f"{count / native_rate / seconds:.1f}× faster (target: ≥ 10×)",
        flush=True,
    )
