from odoo import fields, models


class StockLot(models.Model):
    """Where a unit was packed by its supplier (an imported EPCIS document's
    aggregation): its case and that case's pallet."""

    _inherit = "stock.lot"

    epcis_case = fields.Char(
        string="Packed in Case",
        compute="_compute_epcis_packing",
        help="The case (its GS1 identifier) the supplier's EPCIS document packed this "
        "unit in.",
    )
    epcis_pallet = fields.Char(
        string="Packed on Pallet",
        compute="_compute_epcis_packing",
        help="The pallet (its SSCC) the supplier's EPCIS document packed this unit "
        "(or its case) on.",
    )

    def _compute_epcis_packing(self):
        # the packing of serials the user reads (this compute runs on them)
        Packing = self.env["serial.epcis.aggregation"].sudo()
        links = Packing.search([("lot_id", "in", self.ids)])
        case_of = {link.lot_id.id: link.parent_epc for link in links}
        pallets = Packing.search(
            [
                ("child_epc", "in", list(set(case_of.values()))),
                ("parent_kind", "=", "sscc"),
            ]
        )
        pallet_of = {link.child_epc: link.parent_epc for link in pallets}
        for lot in self:
            parent = case_of.get(lot.id)
            kind = links.filtered(lambda link, lot=lot: link.lot_id == lot)[
                :1
            ].parent_kind
            if kind == "sscc":
                lot.epcis_case, lot.epcis_pallet = False, parent
            else:
                lot.epcis_case = parent or False
                lot.epcis_pallet = pallet_of.get(parent) or False
