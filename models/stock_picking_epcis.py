from odoo import Command, _, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from ..tools.serial_epcis_identifiers import scanned_epc

# the units inside containers (pallet > case > unit), from the EPCIS packing
CONTENT_QUERY = """
WITH RECURSIVE content(epc, lot_id, depth) AS (
    SELECT child_epc, lot_id, 1 FROM serial_epcis_aggregation
     WHERE company_id = %(company)s AND parent_epc = ANY(%(epcs)s)
    UNION
    SELECT packing.child_epc, packing.lot_id, content.depth + 1
      FROM serial_epcis_aggregation packing
      JOIN content ON packing.parent_epc = content.epc
     WHERE packing.company_id = %(company)s AND content.depth < 5
)
SELECT DISTINCT lot_id FROM content WHERE lot_id IS NOT NULL
"""


class StockPicking(models.Model):
    """A receipt expecting the units of a supplier's EPCIS shipping event (its
    purchase order in the event's bizTransactionList): scanning a pallet's SSCC or
    a case's SGTIN receives every unit packed inside; units missing or extra are
    told."""

    _inherit = "stock.picking"

    epcis_expected_count = fields.Integer(
        string="Expected Serials (EPCIS)",
        compute="_compute_epcis_expected_count",
        help="The units a supplier's EPCIS shipping event announced for this receipt.",
    )

    def _compute_epcis_expected_count(self):
        for picking in self:
            picking.epcis_expected_count = len(picking._epcis_expected_lot_ids())

    def action_open_epcis_scan(self):
        self.ensure_one()
        self.check_access("write")
        scan = self.env["stock.picking.epcis.scan"].create({"picking_id": self.id})
        return scan._get_records_action(name=_("Scan Pallets and Cases"), target="new")

    def receive_epcis_container(self, code):
        """Receive on this receipt every unit packed in the pallet (SSCC) or case
        (SGTIN) scanned as `code`, from the supplier's EPCIS packing. Returns
        {received, extra: [serials], missing: [serials], message}."""
        self.ensure_one()
        self.check_access("write")
        if self.picking_type_code != "incoming" or self.state in ("done", "cancel"):
            raise UserError(_("Scan a pallet or a case on a receipt still to do."))
        epc = scanned_epc(code)
        Lot = self.env["stock.lot"].sudo()  # the packing's serials: the user's receipt
        lots = Lot.browse(self._epcis_content_lot_ids([epc]))
        if not lots:
            raise UserError(
                _("No EPCIS document tells what is packed in %(code)s.", code=code)
            )
        expected = set(self._epcis_expected_lot_ids())
        moves = {
            move.product_id.id: move
            for move in self.move_ids
            if move.state not in ("done", "cancel")
        }
        on_receipt = set(self.move_ids.move_line_ids.lot_id.ids)
        extra = lots.filtered(
            lambda lot: (
                lot.product_id.id not in moves or (expected and lot.id not in expected)
            )
        )
        new = (lots - extra).filtered(lambda lot: lot.id not in on_receipt)
        for move in {moves[lot.product_id.id] for lot in new}:
            units = new.filtered(
                lambda lot, move=move: lot.product_id == move.product_id
            )
            placeholders = move.move_line_ids.filtered(
                lambda line: not line.lot_id and not line.lot_name
            )
            move.write(
                {
                    "move_line_ids": [Command.unlink(line.id) for line in placeholders]
                    + [
                        Command.create(
                            {
                                "product_id": move.product_id.id,
                                "lot_id": lot.id,
                                "quantity": 1,
                                "location_id": move.location_id.id,
                                "location_dest_id": move.location_dest_id.id,
                            }
                        )
                        for lot in units
                    ],
                    "picked": True,
                }
            )
        received = set(self.move_ids.move_line_ids.lot_id.ids)
        missing = Lot.browse(sorted(expected - received))
        message = _(
            "%(received)s units of %(code)s received; %(missing)s expected units not "
            "yet scanned; %(extra)s units not expected on this receipt: %(serials)s.",
            received=len(new),
            code=code,
            missing=len(missing),
            extra=len(extra),
            serials=", ".join(extra[:20].mapped("name")) or "-",
        )
        return {
            "received": len(new),
            "extra": extra.mapped("name"),
            "missing": missing.mapped("name"),
            "message": message,
        }

    def _epcis_expected_lot_ids(self):
        """The serials a supplier's shipping event announced for this receipt."""
        events = (
            self.env["serial.epcis.event"].sudo().search([("picking_id", "=", self.id)])
        )
        epcs = [epc for event in events for epc in (event.shipped_epcs or "").split()]
        return self._epcis_content_lot_ids(epcs) if epcs else []

    def _epcis_content_lot_ids(self, epcs):
        """The serials packed in `epcs` (pallets, cases), at any depth."""
        self.env["serial.epcis.aggregation"].flush_model()
        self.env.cr.execute(
            SQL(CONTENT_QUERY, company=self.company_id.id, epcs=list(epcs))
        )
        return [row[0] for row in self.env.cr.fetchall()]
