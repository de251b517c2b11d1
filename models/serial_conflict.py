from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError

CONFLICT_REASONS = [
    ("unknown", "Unknown serial"),
    ("wrong_product", "Serial of another product"),
    ("already_sold", "Already sold"),
    ("blocked", "Lost, stolen or recalled"),
    ("not_sellable", "Not sellable"),
    ("elsewhere", "Not in this shop's stock"),
    ("duplicate", "Same serial twice"),
    ("missing", "Serial missing"),
    ("not_refundable", "Not a serial of the refunded order"),
]


class SerialConflict(models.Model):
    """A serial the server could not accept on a paid POS order. The order is kept as
    paid (the customer has paid and left); the line's delivery waits in its own transfer
    until a Serial Manager resolves the conflict."""

    _name = "serial.conflict"
    _description = "Serial Sale Conflict"
    _inherit = ("mail.thread", "mail.activity.mixin")
    _order = "create_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name", store=True)
    pos_order_id = fields.Many2one(
        "pos.order",
        string="POS Order",
        required=True,
        readonly=True,
        index=True,
        ondelete="restrict",
    )
    pos_order_line_id = fields.Many2one(
        "pos.order.line", string="Order Line", readonly=True, ondelete="restrict"
    )
    pos_config_id = fields.Many2one(
        related="pos_order_id.config_id", string="Point of Sale", store=True
    )
    product_id = fields.Many2one("product.product", required=True, readonly=True)
    serial = fields.Char(
        string="Serial Typed",
        readonly=True,
        help="The serial as the cashier typed or scanned it.",
    )
    lot_id = fields.Many2one(
        "stock.lot", string="Serial Number", readonly=True, check_company=True
    )
    reason = fields.Selection(CONFLICT_REASONS, required=True, readonly=True)
    message = fields.Text(readonly=True)
    checked_offline = fields.Boolean(
        readonly=True,
        help="The till validated this serial offline, against its snapshot.",
    )
    picking_id = fields.Many2one(
        "stock.picking", string="Waiting Transfer", readonly=True, check_company=True
    )
    state = fields.Selection(
        [
            ("open", "Open"),
            ("resolved", "Serial Corrected"),
            ("accepted", "Accepted"),
            ("refunded", "Refunded"),
        ],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    resolution_note = fields.Text(readonly=True)
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )

    @api.depends("pos_order_id.name", "serial")
    def _compute_name(self):
        for conflict in self:
            conflict.name = f"{conflict.pos_order_id.name} / {conflict.serial or '?'}"

    @api.model_create_multi
    def create(self, vals_list):
        conflicts = super().create(vals_list)
        manager = self.env.ref("pos_serial_tracking.group_serial_manager")
        for conflict in conflicts:
            user = (manager.users & conflict.company_id.user_ids).filtered(
                lambda u: not u.share
            )[:1] or self.env.ref("base.user_admin")
            conflict.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=_("Serial conflict on %s", conflict.pos_order_id.name),
                note=conflict.message,
                user_id=user.id,
            )
        return conflicts

    # --- actions ---------------------------------------------------------------------
    def action_pick_serial(self):
        self._check_manager()
        return {
            "type": "ir.actions.act_window",
            "name": _("Pick the right serial"),
            "res_model": "serial.conflict.resolve",
            "view_mode": "form",
            "target": "new",
            "context": {"default_conflict_id": self.id},
        }

    def action_accept(self):
        """Accept the sale (or refund) as it is: the order stays paid, no unit leaves
        (or comes back into) the stock through this line, the serial's history
        records the decision."""
        self._check_manager()
        for conflict in self.sudo().filtered(lambda c: c.state == "open"):
            if conflict.lot_id:
                self.env["stock.lot"]._apply_serial_events(
                    [
                        {
                            "lot": conflict.lot_id,
                            "event": "conflict",
                            "res_model": "pos.order",
                            "res_id": conflict.pos_order_id.id,
                            "reference": conflict.pos_order_id.name,
                            "pos_config_id": conflict.pos_config_id.id,
                            "note": _(
                                "Conflict accepted by %(user)s: %(message)s",
                                user=self.env.user.name,
                                message=conflict.message,
                            ),
                        }
                    ]
                )
            if conflict.picking_id.state not in ("done", "cancel"):
                conflict.picking_id.action_cancel()
            conflict._close(
                "accepted",
                _("Accepted as sold by %s.", self.env.user.name)
                if conflict.pos_order_line_id.qty > 0
                else _("Accepted as refunded by %s.", self.env.user.name),
            )

    def action_refund(self):
        """Refund the line: a refund order for it in the till's open session."""
        self._check_manager()
        self.ensure_one()
        if self.state != "open":
            raise UserError(_("This conflict is already closed."))
        conflict = self.sudo()
        if conflict.pos_order_line_id.qty < 0:
            raise UserError(
                _(
                    "This line is itself a refund: pick the serial the customer "
                    "brought back, or accept the refund as it is."
                )
            )
        if conflict.picking_id.state not in ("done", "cancel"):
            conflict.picking_id.action_cancel()
        conflict._close("refunded", _("Refund decided by %s.", self.env.user.name))
        return conflict.pos_order_id.refund()

    # --- business methods ------------------------------------------------------------
    def _resolve_with_lot(self, lot):
        """Deliver the waiting line with the serial the manager picked."""
        self.ensure_one()
        self._check_manager()
        # the manager's right is checked; the POS order and its transfer are not theirs
        self.sudo()._deliver_with_lot(lot.sudo())

    def _deliver_with_lot(self, lot):
        if self.state != "open":
            raise UserError(_("This conflict is already closed."))
        if lot.product_id != self.product_id:
            raise UserError(
                _(
                    "Serial %(serial)s is not a %(product)s.",
                    serial=lot.name,
                    product=self.product_id.display_name,
                )
            )
        picking = self.picking_id
        move = picking.move_ids.filtered(lambda m: m.product_id == self.product_id)[:1]
        if not move:
            raise UserError(
                _(
                    "The waiting delivery of this line is gone: check %s.",
                    picking.display_name,
                )
            )
        line = self.pos_order_line_id
        self.env["stock.lot"]._apply_serial_events(
            [
                {
                    "lot": lot,
                    # the unit leaves with a sale, comes back with a refund
                    "event": "sold" if line.qty > 0 else "returned",
                    "partner_id": self.pos_order_id.partner_id.id or None,
                    "res_model": "pos.order",
                    "res_id": self.pos_order_id.id,
                    "reference": self.pos_order_id.name,
                    "pos_config_id": self.pos_config_id.id,
                    "note": _(
                        "Serial corrected by %(user)s (typed: %(typed)s).",
                        user=self.env.user.name,
                        typed=self.serial or "-",
                    ),
                    "pos_claim_line_id": line.id,
                }
            ]
        )
        move.move_line_ids.filtered(
            lambda ml: ml.lot_id.pos_claim_line_id != line
        ).unlink()
        self.env["stock.move.line"].create(
            {
                "move_id": move.id,
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "quantity": 1,
                "location_id": move.location_id.id,
                "location_dest_id": move.location_dest_id.id,
                "picking_id": picking.id,
            }
        )
        move.picked = True
        pack_lot = line.pack_lot_ids.filtered(lambda p: p.lot_name == self.serial)[:1]
        if pack_lot:
            pack_lot.lot_name = lot.name
        else:
            line.pack_lot_ids = [(0, 0, {"lot_name": lot.name})]
        self.lot_id = lot
        if not (self.pos_order_line_id.serial_conflict_ids - self).filtered(
            lambda c: c.state == "open"
        ):
            picking.with_context(serial_pos_line_ids=line.ids)._action_done()
        self._close(
            "resolved",
            _(
                "Serial corrected to %(serial)s by %(user)s.",
                serial=lot.name,
                user=self.env.user.name,
            ),
        )

    def _close(self, state, note):
        self.write({"state": state, "resolution_note": note})
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=note)

    def _check_manager(self):
        if not self.env.user.has_group("pos_serial_tracking.group_serial_manager"):
            raise AccessError(_("Only Serial Managers can resolve serial conflicts."))
