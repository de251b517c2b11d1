from odoo import _, api, fields, models

from .stock_lot import SERIAL_READERS


class StockPicking(models.Model):
    _inherit = "stock.picking"

    serial_count = fields.Integer(
        string="Serials",
        compute="_compute_serial_count",
        groups=SERIAL_READERS,
        help="The serial-tracked units on this transfer's lines.",
    )

    @api.depends("move_ids.move_line_ids.lot_id", "move_line_ids.lot_id")
    def _compute_serial_count(self):
        for picking in self:
            picking.serial_count = len(picking._serial_lots())

    def action_view_serials(self):
        self.ensure_one()
        self.check_access("read")
        return self._serial_lots()._action_open_serials(_("Serials of %s", self.name))

    @api.model
    def _create_picking_from_pos_order_lines(
        self, location_dest_id, lines, picking_type, partner=False
    ):
        """Lines whose serial is in conflict wait in a transfer of their own (a
        delivery for a sale, a return for a refund), so that every other line is
        validated as usual (Odoo validates one transfer for all the lines of a
        direction, and leaves all of it undone when one serial fails)."""
        waiting = lines.filtered(
            lambda line: line.sudo().serial_conflict_ids.filtered(
                lambda conflict: conflict.state == "open"
            )
        )
        # the refund of a conflicting unit moves no stock: the unit never left
        lines -= self.env["serial.conflict"]._settled_refund_lines(lines)
        # the POS sync claimed these lines' serials: the transfer must not claim them
        # again (super() is given this recordset: without arguments it would bind self)
        picking_model = self.with_context(serial_pos_line_ids=lines.ids)
        pickings = super(
            StockPicking, picking_model
        )._create_picking_from_pos_order_lines(
            location_dest_id, lines - waiting, picking_type, partner=partner
        )
        for sold, direction_lines in waiting.grouped(lambda l: l.qty > 0).items():
            pickings |= picking_model._create_serial_conflict_picking(
                *self._pos_direction(sold, location_dest_id, picking_type),
                direction_lines,
                partner,
            )
        return pickings

    @api.model
    def _pos_direction(self, sold, location_dest_id, picking_type):
        """(picking type, source, destination) of a POS transfer: the delivery of the
        sold lines, or the return of the refunded ones, as Odoo's
        _create_picking_from_pos_order_lines makes them."""
        if sold:
            source = picking_type.default_location_src_id.id
            return picking_type, source, location_dest_id
        return_type = picking_type.return_picking_type_id
        if return_type:
            return (
                return_type,
                location_dest_id,
                return_type.default_location_dest_id.id,
            )
        return picking_type, location_dest_id, picking_type.default_location_src_id.id

    @api.model
    def _create_serial_conflict_picking(
        self, picking_type, location_id, location_dest_id, lines, partner
    ):
        picking = self.create(
            self._prepare_picking_vals(
                partner, picking_type, location_id, location_dest_id
            )
        )
        moves = self.env["stock.move"].create(
            [picking._prepare_stock_move_vals(line, line) for line in lines]
        )
        # one move per line: merged moves would lose the line each serial belongs to
        moves._action_confirm(merge=False)
        moves._do_unreserve()  # no unit is picked for the manager: they decide
        # the serials the sync could claim travel; the conflicting ones wait for a
        # manager
        for move, line in zip(moves, lines, strict=True):
            claimed = (
                self.env["stock.lot"]
                .sudo()
                .search([("pos_claim_line_id", "=", line.id)])
            )
            quants = self._serial_quants(claimed, move.location_id)
            self.env["stock.move.line"].create(
                [
                    {
                        "move_id": move.id,
                        "picking_id": picking.id,
                        "product_id": lot.product_id.id,
                        "lot_id": lot.id,
                        "quantity": 1,
                        "location_id": move.location_id.id,
                        "location_dest_id": move.location_dest_id.id,
                        # the unit's own quant, as Odoo's POS takes it: its owner
                        # (consignment), package and sublocation travel with it
                        **({"quant_id": quants[lot.id].id} if lot.id in quants else {}),
                    }
                    for lot in claimed
                ]
            )
        lines.sudo().serial_conflict_ids.filtered(
            lambda c: c.state == "open"
        ).picking_id = picking
        picking.message_post(
            body=_(
                "Waiting for a Serial Manager: a serial of this POS sale is in "
                "conflict."
            )
            if lines[0].qty > 0
            else _(
                "Waiting for a Serial Manager: a serial of this POS refund is in "
                "conflict."
            )
        )
        return picking

    @api.model
    def _serial_quants(self, lots, location):
        """{lot id: the quant holding the unit in `location` or below}, the latest when
        there are several (what Odoo's POS picks in _add_mls_related_to_order)."""
        quants = {}
        for quant in (
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("quantity", ">", 0),
                    ("location_id", "child_of", location.id),
                ],
                order="id desc",
            )
        ):
            quants.setdefault(quant.lot_id.id, quant)
        return quants

    def _serial_lots(self):
        lines = self.move_ids.move_line_ids | self.move_line_ids
        return lines.lot_id.filtered(lambda lot: lot.product_id.tracking == "serial")

    def _serial_event_values(self):
        """What a serial's history says about this transfer: the business document the
        customer knows (the POS order, the sale order) and, for the POS, the till."""
        self.ensure_one()
        order = self.pos_order_id or self.env["pos.order"].browse(
            self.env.context.get("serial_pos_order_id")
        )
        if order:
            return {
                "res_model": "pos.order",
                "res_id": order.id,
                "reference": order.name,
                "pos_config_id": order.config_id.id,
                "note": self.name,
            }
        return {
            "res_model": "stock.picking",
            "res_id": self.id,
            "reference": self.origin or self.name,
            "note": self.name if self.origin else None,
        }
