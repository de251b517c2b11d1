from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools.misc import format_date

from ..tools.serial_event import SerialEvent
from ..tools.serial_lifecycle import SELLABLE_STATES

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
    ("expired", "Expired"),
    ("expiry_mismatch", "Scanned expiry differs from the registered one"),
    ("leased", "In an open order at another till"),
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
    refund_line_id = fields.Many2one(
        "pos.order.line",
        readonly=True,
        # a till may delete a draft order's line at sync: that must never raise
        ondelete="set null",
        index="btree_not_null",
        help="The refund of the conflicting unit: paid at the till like any refund, "
        "it moves no stock (the unit never left).",
    )
    refund_order_id = fields.Many2one(
        related="refund_line_id.order_id", string="Refund Order"
    )
    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True
    )
    refund_allowed = fields.Boolean(
        compute="_compute_refund_allowed",
        help="The user may refund the unit: a Serial Manager who may also create "
        "Point of Sale orders.",
    )

    @api.depends("pos_order_id.name", "serial")
    def _compute_name(self):
        for conflict in self:
            conflict.name = f"{conflict.pos_order_id.name} / {conflict.serial or '?'}"

    @api.depends_context("uid")
    def _compute_refund_allowed(self):
        allowed = self.env.user.has_group(
            "pos_serial_tracking.group_serial_manager"
        ) and self.env["pos.order"].has_access("create")
        self.refund_allowed = allowed

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
        self.ensure_one()
        self._check_manager()
        self.check_access("write")
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
        self.check_access("write")
        for conflict in self.filtered(lambda c: c.state == "open"):
            conflict._record_decision(
                _("Conflict accepted: %(message)s", message=conflict.message)
            )
            conflict._close(
                "accepted",
                _("Accepted as sold by %s.", self.env.user.name)
                if not conflict._is_refund()
                else _("Accepted as refunded by %s.", self.env.user.name),
            )
            conflict._settle_transfer()

    def action_refund(self):
        """Refund the conflicting unit, and only it: a draft refund order of one unit of
        the line, with its serial, in the till's open session, paid at the till like
        any refund. Made with the user's own Point of Sale rights. The unit never
        left the stock: its delivery is dropped and the refund moves no stock."""
        self.ensure_one()
        self._check_manager()
        self.check_access("write")
        if self.state != "open":
            raise UserError(_("This conflict is already closed."))
        if self._is_refund():
            raise UserError(
                _(
                    "This line is itself a refund: pick the serial the customer "
                    "brought back, or accept the refund as it is."
                )
            )
        if not self.env["pos.order"].has_access("create"):
            raise AccessError(
                _(
                    "Refunding %(order)s creates a Point of Sale order: you need "
                    "Point of Sale rights, or ask a Point of Sale manager to refund "
                    "it.",
                    order=self.pos_order_id.name,
                )
            )
        self.refund_line_id = self.pos_order_line_id._refund_one_unit(self.serial)
        refund = self.refund_line_id.order_id
        self._record_decision(_("Conflict refunded in %(refund)s.", refund=refund.name))
        self._close(
            "refunded",
            _(
                "Refund %(refund)s created by %(user)s: pay it at the till.",
                refund=refund.name,
                user=self.env.user.name,
            ),
        )
        self._settle_transfer()
        return refund.get_formview_action()

    # --- business methods ------------------------------------------------------------
    def _pick_lot_domain(self):
        """The serials a manager may pick for this conflict's line: of its product and
        company; for a sale, sellable and in the shop's stock; for a refund, a sold
        unit (the one the customer brought back)."""
        self.ensure_one()
        self.check_access("read")
        domain = [
            ("product_id", "=", self.product_id.id),
            ("company_id", "in", [self.company_id.id, False]),
        ]
        if self._is_refund():
            return [*domain, ("serial_state", "=", "sold")]
        return [
            *domain,
            ("serial_state", "in", list(SELLABLE_STATES)),
            (
                "quant_ids",
                "any",
                [
                    ("quantity", ">", 0),
                    ("location_id", "child_of", self._shop_location().id),
                ],
            ),
        ]

    def _resolve_with_lot(self, lot):
        """Deliver (or take back) the waiting line's unit with the serial the manager
        picked, through Odoo's transfer validation. Returns the action a step of that
        validation still needs from the user, if any."""
        self.ensure_one()
        self._check_manager()
        self.check_access("write")
        lot.check_access("read")
        if self.state != "open":
            raise UserError(_("This conflict is already closed."))
        quant = self._check_pick_lot(lot)
        return self._deliver_with_lot(lot, quant)

    def _check_pick_lot(self, lot):
        """Refuse a serial `_pick_lot_domain` does not offer, saying why; return the
        quant the unit is taken from (for its location and owner)."""
        names = {"serial": lot.name, "product": self.product_id.display_name}
        if lot.product_id != self.product_id:
            raise UserError(
                _(
                    "Serial %(serial)s is a %(other)s, not a %(product)s: pick a "
                    "serial of %(product)s.",
                    other=lot.product_id.display_name,
                    **names,
                )
            )
        if lot.company_id not in (self.company_id, self.env["res.company"]):
            raise UserError(
                _(
                    "Serial %(serial)s belongs to %(company)s, not to %(own)s, the "
                    "company of %(order)s: pick a serial of %(own)s.",
                    company=lot.company_id.name,
                    own=self.company_id.name,
                    order=self.pos_order_id.name,
                    **names,
                )
            )
        state = lot._state_label(lot.serial_state)
        Quant = self.env["stock.quant"]
        if self._is_refund():
            if lot.serial_state != "sold":
                raise UserError(
                    _(
                        "Serial %(serial)s is %(state)s, not sold: the unit a "
                        "customer brings back is a sold one. Pick the serial on the "
                        "unit returned.",
                        state=state,
                        **names,
                    )
                )
            return Quant.search(
                [("lot_id", "=", lot.id), ("quantity", ">", 0)], limit=1
            )
        if lot.serial_state not in SELLABLE_STATES:
            raise UserError(
                _(
                    "Serial %(serial)s is %(state)s: it cannot be sold. Pick a unit "
                    "in stock.",
                    state=state,
                    **names,
                )
            )
        expiry = lot._serial_expiry_dates().get(lot.id)
        paid_on = lot._serial_local_date(self.sudo().pos_order_id.date_order)
        if expiry and expiry < paid_on:
            raise UserError(
                _(
                    "Serial %(serial)s had expired on %(date)s, before the sale of "
                    "%(order)s: it cannot be sold. Pick a unit that had not expired.",
                    date=format_date(self.env, expiry),
                    order=self.pos_order_id.name,
                    **names,
                )
            )
        shop = self._shop_location()
        quant = Quant.search(
            [
                ("lot_id", "=", lot.id),
                ("quantity", ">", 0),
                ("location_id", "child_of", shop.id),
            ],
            limit=1,
        )
        if not quant:
            raise UserError(
                _(
                    "Serial %(serial)s is not in %(location)s, the stock of "
                    "%(till)s: pick a unit of this shop, or move it here first.",
                    location=shop.display_name,
                    till=self.pos_config_id.sudo().name,
                    **names,
                )
            )
        return quant

    def _deliver_with_lot(self, lot, quant):
        # the order line is a POS document, which a Serial Manager may have no right
        # to read or write (their rights on the conflict are checked): its serial is
        # corrected as the POS sync would have written it
        line = self.sudo().pos_order_line_id
        picking = self.picking_id
        moves = picking.move_ids.filtered(
            lambda m: (
                m.product_id == self.product_id and m.state not in ("done", "cancel")
            )
        )
        move = moves.filtered(lambda m: m.name == line.name)[:1] or moves[:1]
        if not move:
            raise UserError(
                _(
                    "The waiting transfer of this line is gone: check %s.",
                    picking.display_name,
                )
            )
        self.env["stock.lot"]._apply_serial_events(
            [
                SerialEvent(
                    lot,
                    # the unit leaves with a sale, comes back with a refund
                    "sold" if line.qty > 0 else "returned",
                    partner_id=self.pos_order_id.partner_id.id or None,
                    res_model="pos.order",
                    res_id=self.pos_order_id.id,
                    reference=self.pos_order_id.name,
                    pos_config_id=self.pos_config_id.id,
                    note=_(
                        "Serial corrected (typed: %(typed)s).", typed=self.serial or "-"
                    ),
                    pos_claim_line_id=line.id,
                )
            ]
        )
        move.move_line_ids.filtered(
            lambda ml: ml.lot_id.pos_claim_line_id != line
        ).unlink()
        self.env["stock.move.line"].create(
            {
                "move_id": move.id,
                "picking_id": picking.id,
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "quantity": 1,
                # a sold unit is taken from where it is in the shop
                "location_id": (
                    quant.location_id if line.qty > 0 else move.location_id
                ).id,
                "location_dest_id": move.location_dest_id.id,
                "owner_id": quant.owner_id.id,  # consigned stock keeps its owner
            }
        )
        move.picked = True
        pack_lot = line.pack_lot_ids.filtered(lambda p: p.lot_name == self.serial)[:1]
        if pack_lot:
            pack_lot.lot_name = lot.name
        else:
            line.pack_lot_ids = [(0, 0, {"lot_name": lot.name})]
        self.lot_id = lot
        self._close(
            "resolved",
            _(
                "Serial corrected to %(serial)s by %(user)s.",
                serial=lot.name,
                user=self.env.user.name,
            ),
        )
        return self._settle_transfer()

    @api.model
    def _settled_refund_lines(self, lines):
        """The lines among `lines` that refund a conflicting unit: no serial to claim,
        no stock to move (the unit never left)."""
        return self.sudo().search([("refund_line_id", "in", lines.ids)]).refund_line_id

    def _settle_transfer(self):
        """Once none of its conflicts is open, the waiting transfer is validated
        through Odoo's validation: the units it holds (serials the sync claimed or a
        manager picked) leave, or come back; the units decided otherwise (accepted,
        refunded) get no backorder. A transfer holding no unit is cancelled. Returns
        the action a step of the validation still needs from the user, if any."""
        picking = self.picking_id
        if not picking or picking.state in ("done", "cancel"):
            return None
        conflicts = self.search([("picking_id", "=", picking.id)])
        if "open" in conflicts.mapped("state"):
            return None
        if not picking.move_line_ids.filtered("quantity"):
            picking.action_cancel()
            return None
        # the sync or the manager recorded these units' sale or refund already
        picking = picking.with_context(
            serial_pos_line_ids=conflicts.pos_order_line_id.ids
        )
        result = picking.button_validate()
        if (
            isinstance(result, dict)
            and result.get("res_model") == "stock.backorder.confirmation"
        ):
            # what is missing was decided otherwise: Odoo's "No Backorder"
            wizard = self.env[result["res_model"]].with_context(**result["context"])
            result = wizard.create({}).process_cancel_backorder()
        return result if isinstance(result, dict) else None

    def _record_decision(self, note):
        """The manager's decision in the serial's history (the user is the line's
        user: the note names nobody)."""
        if not self.lot_id:
            return
        self.env["stock.lot"]._apply_serial_events(
            [
                SerialEvent(
                    self.lot_id,
                    "conflict",
                    res_model="pos.order",
                    res_id=self.pos_order_id.id,
                    reference=self.pos_order_id.name,
                    pos_config_id=self.pos_config_id.id,
                    note=note,
                )
            ]
        )

    def _is_refund(self):
        # the order line is a POS document, which a Serial Manager may have no right
        # to read: only its direction is read
        return self.sudo().pos_order_line_id.qty < 0

    def _shop_location(self):
        # the till is a POS document, which a Serial Manager may have no right to read:
        # only its stock location is read
        return self.sudo().pos_config_id.picking_type_id.default_location_src_id

    def _close(self, state, note):
        self.write({"state": state, "resolution_note": note})
        self.activity_feedback(["mail.mail_activity_data_todo"], feedback=note)

    def _check_manager(self):
        if not self.env.user.has_group("pos_serial_tracking.group_serial_manager"):
            raise AccessError(_("Only Serial Managers can resolve serial conflicts."))
