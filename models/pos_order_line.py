from uuid import uuid4

from odoo import _, fields, models
from odoo.exceptions import UserError


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

    def _refund_one_unit(self, serial):
        """A draft refund order of one unit of this line, carrying `serial`, in the
        till's open session, where it is paid like any refund: Odoo's
        pos.order._refund, for that unit only. Runs with the caller's rights."""
        self.ensure_one()
        order = self.order_id
        if self.qty - self.refunded_qty < 1:
            raise UserError(
                _(
                    "Every unit of this line of %(order)s is refunded already.",
                    order=order.name,
                )
            )
        config = order.session_id.config_id
        if not config.current_session_id:
            raise UserError(
                _(
                    "Open a session of %(till)s first: the refund goes into the "
                    "till's open session, where it is paid like any refund.",
                    till=config.display_name,
                )
            )
        # a uuid, unlike Odoo's backend refund: the till loads the session's draft
        # orders, and pays this one as the same order
        refund = order.copy(
            {
                **order._prepare_refund_values(config.current_session_id),
                "uuid": str(uuid4()),
            }
        )
        pack_lots = self.pack_lot_ids.filtered(lambda p: p.lot_name == serial)[:1]
        refund_line = self.copy(
            {
                **self._prepare_refund_data(refund, pack_lots.copy()),
                "qty": -1,
                "uuid": str(uuid4()),
            }
        )
        refund_line._onchange_amount_line_all()  # the amounts of one unit
        refund._compute_prices()
        return refund_line
