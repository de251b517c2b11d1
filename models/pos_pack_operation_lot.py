from odoo import api, fields, models


class PosPackOperationLot(models.Model):
    _inherit = "pos.pack.operation.lot"

    serial_warranty_end = fields.Date(
        compute="_compute_serial_warranty_end",
        help="The warranty end of the unit with this serial, as the server has it "
        "(printed on the receipt).",
    )
    serial_scanned_expiry = fields.Date(
        string="Scanned Expiry",
        readonly=True,
        help="The expiry date of the GS1 code scanned for this serial (AI 17): the "
        "sync refuses the unit when it has passed or differs from the registered one.",
    )

    @api.depends("lot_name", "product_id", "order_id.company_id")
    def _compute_serial_warranty_end(self):
        # a cashier may not read serials: the date alone is shown to them
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search(
                [
                    ("name", "in", [name for name in self.mapped("lot_name") if name]),
                    ("product_id", "in", self.product_id.ids),
                ]
            )
        )
        ends = {
            (lot.name, lot.product_id.id, lot.company_id.id): lot.warranty_end_date
            for lot in lots
        }
        for pack_lot in self:
            key = (pack_lot.lot_name, pack_lot.product_id.id)
            pack_lot.serial_warranty_end = ends.get(
                (*key, pack_lot.order_id.company_id.id)
            ) or ends.get((*key, False))

    @api.model
    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + [
            "serial_warranty_end",
            "serial_scanned_expiry",
        ]
