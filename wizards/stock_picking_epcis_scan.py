from odoo import _, fields, models
from odoo.exceptions import UserError


class StockPickingEpcisScan(models.TransientModel):
    """Scan pallets and cases on a receipt: every unit packed inside, as the
    supplier's EPCIS document tells, is received (stock.picking's
    receive_epcis_container); what is missing or extra is told after each scan."""

    _name = "stock.picking.epcis.scan"
    _description = "Receive a Pallet or Case (EPCIS)"

    picking_id = fields.Many2one("stock.picking", required=True, readonly=True)
    code = fields.Char(
        string="Scanned Pallet or Case",
        help="The SSCC of a pallet (18 digits, with or without (00)) or the GS1 "
        "Digital Link of a case.",
    )
    result = fields.Text(readonly=True)

    def action_receive(self):
        self.ensure_one()
        if not self.code:
            raise UserError(_("Scan the label of a pallet or a case first."))
        outcome = self.picking_id.receive_epcis_container(self.code)
        self.write({"result": outcome["message"], "code": False})
        return self._get_records_action(name=_("Scan Pallets and Cases"), target="new")
