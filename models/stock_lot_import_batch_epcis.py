import hashlib
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools import serial_epcis_in as epcis_in
from ..tools.serial_epcis import gtin14
from ..tools.serial_epcis_identifiers import is_sscc, sgtin
from ..tools.serial_import_reader import FileProblem, check_size


class StockLotImportBatch(models.Model):
    """An EPCIS 2.0 document (JSON-LD or XML) imported like a CSV: its commissioned
    units (ObjectEvent ADD) become the import's rows (product by GTIN, serial from
    the SGTIN, ilmd lot and expiry as Batch and Expiry Date) and go through the same
    check and registration (_import_rows: dry run, all or nothing, the file's
    SHA-256). Each event is kept by its CBV 2.0 hash (serial.epcis.event): an event
    sent again is refused. Aggregations (AggregationEvent ADD) are kept as which unit
    is in which case and pallet (serial.epcis.aggregation). The pure reading is
    tools/serial_epcis_in."""

    _inherit = "stock.lot.import.batch"

    epcis_event_ids = fields.One2many(
        "serial.epcis.event", "batch_id", string="EPCIS Events", readonly=True
    )
    epcis_aggregation_ids = fields.One2many(
        "serial.epcis.aggregation", "batch_id", string="EPCIS Packing", readonly=True
    )

    @api.model
    def _import_epcis_file(self, data, options, dry_run=False):
        """Check (and unless `dry_run` register) the units of an EPCIS document
        (bytes): (ImportCheck, batch) as _import_rows. UserError, nothing written,
        for a document that is not valid EPCIS 2.0, an event already imported, or a
        unit that cannot be registered."""
        self.check_access("create")
        try:
            check_size(data, self._import_limits().max_megabytes)
        except FileProblem as problem:
            raise self._import_file_error(problem) from problem
        events = self._read_epcis_events(data, options.file_name)
        self._check_epcis_events_new(events, options.company)
        rows = self._epcis_import_rows(events, options.company)
        if not rows:
            raise UserError(
                _(
                    "The EPCIS document commissions no serial: it holds no ObjectEvent "
                    "ADD of SGTIN identifiers."
                )
            )
        max_rows = self._import_limits().max_rows
        if len(rows) > max_rows:
            raise self._import_file_error(FileProblem("too_many_rows", limit=max_rows))
        options.file_sha256 = hashlib.sha256(data).hexdigest()
        notes = self._epcis_row_notes(events, options.file_name)
        check, batch = self.with_context(import_row_notes=notes)._import_rows(
            rows, options, dry_run
        )
        if batch:
            batch._record_epcis_events(events, options.company)
        return check, batch

    @api.model
    def _read_epcis_events(self, data, filename):
        """The hashed events of the document (EpcisEvent), or UserError saying what
        is wrong and where."""
        try:
            return epcis_in.read_events(data, filename or "")
        except epcis_in.EpcisProblem as problem:
            raise UserError(self._epcis_problem_message(problem)) from problem

    @api.model
    def _epcis_problem_message(self, problem):
        params = problem.params
        if problem.code == "bad_json":
            return _("The file is not valid JSON: %(error)s", error=params["error"])
        if problem.code == "bad_xml":
            return _(
                "The file is not well-formed XML (line %(line)s): %(error)s",
                line=params["line"],
                error=params["error"],
            )
        if problem.code == "not_epcis":
            return _("The file is not an EPCIS 2.0 document (EPCISDocument).")
        if problem.code == "no_events":
            return _("The EPCIS document holds no event.")
        return _(
            "The EPCIS document does not follow the EPCIS 2.0 schema at %(path)s: "
            "%(error)s",
            path=params.get("path"),
            error=params.get("error"),
        )

    @api.model
    def _check_epcis_events_new(self, events, company):
        """UserError when an event of the document was already imported (by its event
        hash, not its eventID) or is twice in it."""
        seen = {}
        for event in events:
            if event.hash in seen:
                raise UserError(
                    _(
                        "Event %(event)s of the EPCIS document is the same as event "
                        "%(first)s (event hash %(hash)s): nothing was imported.",
                        event=event.position,
                        first=seen[event.hash],
                        hash=event.hash,
                    )
                )
            seen[event.hash] = event.position
        known = (
            self.env["serial.epcis.event"]
            .sudo()
            .search(
                [("company_id", "=", company.id), ("event_hash", "in", list(seen))],
                limit=1,
            )
        )
        if known:
            raise UserError(
                _(
                    "Event %(event)s of the EPCIS document was already imported by "
                    "%(batch)s (event hash %(hash)s): nothing was imported.",
                    event=seen[known.event_hash],
                    batch=known.batch_id.name,
                    hash=known.event_hash,
                )
            )

    @api.model
    def _epcis_products(self, gtins, company):
        """{GTIN-14: {"id", "barcode"}} of the products of `company` (or shared)
        whose barcode is one of `gtins` (as GTIN-14, or its shorter forms)."""
        candidates = set()
        for gtin in gtins:
            candidates.update({gtin, gtin[1:], gtin[2:], gtin[6:]})
        products = (
            self.env["product.product"]
            .with_context(active_test=False)
            .search_read(
                [
                    ("barcode", "in", sorted(candidates)),
                    ("company_id", "in", [company.id, False]),
                ],
                ["barcode"],
            )
        )
        return {gtin14(product["barcode"]): product for product in products}

    @api.model
    def _epcis_import_rows(self, events, company):
        """The import's rows (ImportRow) of the units the document commissions."""
        units = epcis_in.commissioned_units(events)
        products = self._epcis_products({gtin for _e, gtin, _s in units}, company)
        return epcis_in.import_rows(
            units, {gtin: product["barcode"] for gtin, product in products.items()}
        )

    @api.model
    def _epcis_row_notes(self, events, filename):
        """The history note of each event's units (by event position)."""
        return [
            self.env._(  # the env's language: a comprehension's frame has no self
                "EPCIS event %(event)s of %(file)s, event hash %(hash)s",
                event=event.position,
                file=filename or "",
                hash=event.hash,
            )
            for event in events
        ]

    def _import_audit_row_notes(self, rows, filename):
        return self.env.context.get(
            "import_row_notes"
        ) or super()._import_audit_row_notes(rows, filename)

    def _record_epcis_events(self, events, company):
        """Keep the document's events (by hash) and packing on this batch."""
        self.ensure_one()
        Event = self.env["serial.epcis.event"].sudo()
        Event.create(
            [
                {
                    **self._epcis_receipt_values(event, company),
                    "batch_id": self.id,
                    "company_id": company.id,
                    "position": event.position,
                    "event_hash": event.hash,
                    "event_type": event.type,
                    "action": event.action,
                    "biz_step": event.biz_step.rpartition("BizStep-")[2],
                    "event_time": event.event_time,
                    "epc_count": len(event.epcs) + len(event.children),
                }
                for event in events
            ]
        )
        packing = epcis_in.aggregations(events)
        if packing:
            self._insert_epcis_packing(packing, company)

    @api.model
    def _epcis_receipt_values(self, event, company):
        """A shipping event (ObjectEvent OBSERVE) naming one of our purchase orders:
        the receipt (an incoming transfer of `company` whose source document is that
        order, not done) its units are expected on, and what it ships."""
        orders = epcis_in.purchase_orders(event)
        if not orders or event.type != "ObjectEvent" or event.action != "OBSERVE":
            return {}
        # found for the import's own record, after the import's checks
        picking = (
            self.env["stock.picking"]
            .sudo()
            .search(
                [
                    ("origin", "in", orders),
                    ("picking_type_code", "=", "incoming"),
                    ("company_id", "=", company.id),
                    ("state", "not in", ("done", "cancel")),
                ],
                limit=1,
            )
        )
        if not picking:
            return {}
        return {"picking_id": picking.id, "shipped_epcs": "\n".join(event.epcs)}

    def _insert_epcis_packing(self, packing, company):
        """The packing rows, set-based: [(event, parent, child)]; a unit child is
        linked to its serial in `company` (joined in PostgreSQL)."""
        units = {child: sgtin(child) for _e, _p, child in packing}
        gtins = {unit[0] for unit in units.values() if unit}
        products = self._epcis_products(gtins, company)
        records = []
        for event, parent, child in packing:
            unit = units[child]
            product = unit and products.get(unit[0])
            records.append(
                {
                    "parent_epc": parent,
                    "parent_kind": "sscc"
                    if is_sscc(parent)
                    else ("sgtin" if sgtin(parent) else "other"),
                    "child_epc": child,
                    "product_id": product["id"] if product else None,
                    "serial": unit[1] if product else None,
                    "event_hash": event.hash,
                }
            )
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """INSERT INTO serial_epcis_aggregation
                       (batch_id, company_id, parent_epc, parent_kind, child_epc,
                        lot_id, event_hash, create_uid, write_uid, create_date,
                        write_date)
                   SELECT %(batch)s, %(company)s, r.parent_epc, r.parent_kind,
                          r.child_epc, lot.id, r.event_hash, %(uid)s, %(uid)s,
                          now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC'
                     FROM json_to_recordset(%(records)s::json) AS r(
                          parent_epc varchar, parent_kind varchar,
                          child_epc varchar, product_id int, serial varchar,
                          event_hash varchar)
                     LEFT JOIN stock_lot lot
                            ON lot.name = r.serial AND lot.product_id = r.product_id
                           AND lot.company_id = %(company)s""",
                batch=self.id,
                company=company.id,
                uid=self.env.uid,
                records=json.dumps(records),
            )
        )
        self.env["serial.epcis.aggregation"].invalidate_model()
