from odoo import fields, models


class PosOrderLine(models.Model):
    _inherit = "pos.order.line"

    serial_checked_offline = fields.Boolean(
        help=(
            "The till checked this line's serials offline, against its snapshot of "
            "the shop's sellable serials; the server checked them again at sync."
        ),
    )
    serial_conflict_ids = fields.One2many("serial.conflict", "pos_order_line_id")

    def _load_pos_data_fields(self, config_id):
        return super()._load_pos_data_fields(config_id) + ["serial_checked_offline"]
