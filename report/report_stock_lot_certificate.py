from typing import NamedTuple

from odoo import _, api, models
from odoo.tools import format_date, format_datetime

from ..tools.serial_epcis import gtin14


class CertificateEvent(NamedTuple):
    """One line of a unit's history as the certificate prints it."""

    index: int
    when: str
    where: str
    what: str
    who: str
    document: str
    customer: str
    note: str
    previous_hash: str
    hash: str


class Certificate(NamedTuple):
    """What the unit history certificate says about one unit."""

    lot: models.Model
    gtin: str
    origin: str
    origin_sha256: str
    state: str
    warranty: str
    events: list
    intact: bool
    verdict: str
    recall: str  # the active recall the unit is part of, or ""


class ReportStockLotCertificate(models.AbstractModel):
    """The unit history certificate (report/stock_lot_templates.xml): the unit, where it
    comes from, every event of its history in order with the chain's hashes, and the
    chain's verdict at the time of printing, in the user's language and time zone."""

    _name = "report.pos_serial_tracking.report_stock_lot_certificate"
    _inherit = "serial.compliance.report"
    _description = "Unit History Certificate"

    @api.model
    def _get_report_values(self, docids, data=None):
        self._check_report_printer(
            _(
                "Only Serial Managers and Serial Auditors can print unit history "
                "certificates."
            ),
        )
        lots = self.env["stock.lot"].browse(docids)
        lots.check_access("read")  # another company's units are refused
        printed = self._report_printing_values()
        tz = printed["timezone"]
        return {
            "doc_ids": docids,
            "doc_model": "stock.lot",
            "docs": lots,
            "certificates": [self._certificate(lot, tz) for lot in lots],
            **printed,
        }

    def _certificate(self, lot, tz):
        lines = lot.audit_line_ids.sorted("chain_index")
        verdict = self.env["serial.audit.line"]._history_verdict(lot)
        return Certificate(
            lot=lot,
            gtin=gtin14(lot.product_id.barcode) or lot.product_id.barcode or "",
            origin=self._origin(lot, lines),
            origin_sha256=lot.import_batch_id.file_sha256 or "",
            state=lot._state_label(lot.serial_state),
            warranty=self._warranty(lot),
            events=[self._event(lot, line, tz) for line in lines],
            intact=verdict.intact,
            verdict=verdict.message or "",
            recall=lot.recall_note or "",
        )

    def _origin(self, lot, lines):
        batch = lot.import_batch_id
        if batch:
            return _(
                "Import %(batch)s of %(file)s on %(date)s",
                batch=batch.name,
                file=batch.file_name or "",
                date=format_date(self.env, batch.date),
            )
        received = lines.filtered(lambda line: line.event == "received")[:1]
        if received:
            return _(
                "Received with %(document)s from %(supplier)s",
                document=received.reference or "",
                supplier=received.partner_id.display_name or _("no supplier named"),
            )
        return _("Registered, not received")

    def _warranty(self, lot):
        if lot.warranty_end_date:
            return _(
                "From %(start)s to %(end)s",
                start=format_date(self.env, lot.warranty_start_date),
                end=format_date(self.env, lot.warranty_end_date),
            )
        if lot.vendor_warranty_end_date:
            return _(
                "Vendor warranty until %(end)s",
                end=format_date(self.env, lot.vendor_warranty_end_date),
            )
        return _("None")

    def _event(self, lot, line, tz):
        places = [
            location.display_name
            for location in (line.location_id, line.location_dest_id)
            if location
        ]
        # the till's name only: a Serial Auditor or Manager may not read POS settings
        where = " → ".join(places) or line.pos_config_id.sudo().name or ""
        what = lot._event_label(line.event)
        if line.old_state != line.new_state:
            what += f" ({lot._state_label(line.old_state)} → "
            what += f"{lot._state_label(line.new_state)})"
        return CertificateEvent(
            index=line.chain_index,
            when=format_datetime(self.env, line.date, tz=tz),
            where=where,
            what=what,
            who=line.user_id.name or "",
            document=line.reference or "",
            customer=line.partner_id.display_name or "",
            note=line.note or "",
            previous_hash=line.previous_hash or "",
            hash=line.hash,
        )
