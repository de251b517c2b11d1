import logging

from odoo import _, fields, models
from odoo.exceptions import UserError

from ..tools.serial_event import SerialEvent
from ..tools.serial_text import clean_serial
from .stock_lot import SERIAL_READERS

_logger = logging.getLogger(__name__)


class PosOrder(models.Model):
    _inherit = "pos.order"

    serial_count = fields.Integer(
        string="Serials",
        compute="_compute_serial_count",
        groups=SERIAL_READERS,
        help="The serials whose history names this order: sold, refunded, or in "
        "conflict on it.",
    )

    def _compute_serial_count(self):
        lots = self.env["serial.audit.line"]._serials_by_document(self)
        for order in self:
            order.serial_count = len(lots.get(order.id, ()))

    def action_view_serials(self):
        self.ensure_one()
        self.check_access("read")
        lots = self.env["serial.audit.line"]._serials_by_document(self).get(self.id)
        return (lots or self.env["stock.lot"])._action_open_serials(
            _("Serials of %s", self.name)
        )

    def _process_order(self, order, existing_order):
        # Odoo creates the lines' serials (pos.pack.operation.lot) from the browser's
        # text: a NUL character would make PostgreSQL refuse the whole batch, and the
        # paid order would block the till. Cleaned here, such a serial is unknown and
        # becomes a conflict, with what was typed still readable. A scanned expiry
        # that is no date is dropped for the same reason.
        for line in order.get("lines") or []:
            line_values = self._command_values(line)
            for pack_lot in line_values.get("pack_lot_ids") or []:
                lot_values = self._command_values(pack_lot)
                if "lot_name" in lot_values:
                    lot_values["lot_name"] = clean_serial(lot_values["lot_name"])
                if lot_values.get("serial_scanned_expiry"):
                    try:
                        fields.Date.to_date(lot_values["serial_scanned_expiry"])
                    except (TypeError, ValueError):
                        lot_values["serial_scanned_expiry"] = False
        return super()._process_order(order, existing_order)

    @staticmethod
    def _command_values(command):
        """The values of an x2many create/update command as the POS sends it."""
        if (
            isinstance(command, list | tuple)
            and len(command) > 2
            and isinstance(command[2], dict)
        ):
            return command[2]
        return {}

    def _create_order_picking(self):
        # sync_from_ui saved this paid order as the cashier, within their rights. Its
        # stock part (the serials' claim, the transfer, the lots Odoo looks up) needs
        # rights a Point of Sale User does not have (stock.lot, stock.move...): it runs
        # as the superuser once the cashier's right to the order is checked, as Odoo
        # does for an order shipped later. sudo() keeps the user: the serials' history
        # names the cashier.
        self.check_access("write")
        order = self.sudo()
        # the paid order has its name now; its serials are claimed before any transfer
        order._claim_pos_serials()
        # Odoo links the picking to its order only after validating it: tell the
        # serials' history which order (and till) sells them
        return super(
            PosOrder, order.with_context(serial_pos_order_id=self.id)
        )._create_order_picking()

    def _claim_pos_serials(self):
        """Check every serial of this paid order again and claim it (sold, or returned
        for a refund) with the compare-and-set of the ledger. Never raises for a serial:
        a serial that cannot be claimed becomes a `serial.conflict` for the managers,
        and its line waits in its own transfer, so the order and the rest of the batch
        go through. Database errors (a concurrent till claiming the same serial) do
        raise, and Odoo replays the whole sync, which then sees the other sale."""
        conflicts, claims = [], []
        lines = self.lines.filtered(
            lambda l: l.product_id.tracking == "serial" and l.qty
        )
        # the refund of a conflicting unit: that unit never left, nothing to claim
        lines -= self.env["serial.conflict"]._settled_refund_lines(lines)
        sale_checks = self._sale_checks(lines.filtered(lambda l: l.qty > 0))
        for line in lines:
            serials = [name for name in line.pack_lot_ids.mapped("lot_name") if name]
            # every serial is checked, also on a line with a missing or repeated serial
            checks = (
                [sale_checks[line.product_id.id, serial] for serial in serials]
                if line.qty > 0
                else self._refund_checks(line, serials)
            )
            problems = self._serial_line_problems(line, serials) + [
                (serial, reason, message, lot)
                for serial, lot, reason, message in checks
                if reason
            ]
            bad = {serial for serial, *_rest in problems}
            lots = (
                self.env["stock.lot"]
                .sudo()
                .concat(
                    *(
                        lot
                        for serial, lot, reason, _message in checks
                        if not reason and serial not in bad
                    )
                )
            )
            if lots:
                claims.append((line, lots))
            conflicts += [
                self._conflict_values(line, serial, reason, message, lot)
                for serial, reason, message, lot in problems
            ]
        if claims:
            conflicts += self._claim_lots(claims)
        if conflicts:
            self._record_serial_conflicts(conflicts)
        # the order is paid: the leases its till took for it, and any other till's
        # on the serials it sold, are over (pos.serial.lease)
        if lines:
            claimed = {lot.id for _line, lots in claims for lot in lots}
            claimed -= {values["lot_id"] for values in conflicts}
            self.env["pos.serial.lease"].sudo()._release_claimed(
                list(claimed), self.mapped("uuid")
            )

    def _claim_lots(self, claims):
        """Claim the checked serials of all lines at once (one lock, one append). Should
        the ledger still refuse one, claim line by line: the refused lines' serials
        become conflicts, returned."""
        try:
            with self.env.cr.savepoint():
                self._apply_claims(claims)
            return []
        except UserError as error:
            if len(claims) == 1:
                line, lots = claims[0]
                return [
                    self._conflict_values(
                        line, lot.name, "not_sellable", str(error), lot
                    )
                    for lot in lots
                ]
        return [conflict for claim in claims for conflict in self._claim_lots([claim])]

    def _apply_claims(self, claims):
        self.env["stock.lot"].sudo()._apply_serial_events(
            [
                SerialEvent(
                    lot,
                    "sold" if line.qty > 0 else "returned",
                    partner_id=self.partner_id.id or None,
                    res_model="pos.order",
                    res_id=self.id,
                    reference=self.name,
                    pos_config_id=self.config_id.id,
                    note=_("Checked offline at the till.")
                    if line.serial_checked_offline
                    else None,
                    pos_claim_line_id=line.id,
                )
                for line, lots in claims
                for lot in lots
            ]
        )

    def _serial_line_problems(self, line, serials):
        """A line of N units needs N distinct serials."""
        problems = []
        if len(set(serials)) != len(serials):
            duplicate = next(s for s in serials if serials.count(s) > 1)
            problems.append(
                (
                    duplicate,
                    "duplicate",
                    _(
                        "Serial %(serial)s appears twice on one line of %(order)s.",
                        serial=duplicate,
                        order=self.name,
                    ),
                    None,
                )
            )
        other_lines = self.lines - line
        for serial in serials:
            if serial in other_lines.pack_lot_ids.mapped("lot_name"):
                problems.append(
                    (
                        serial,
                        "duplicate",
                        _(
                            "Serial %(serial)s appears on two lines of %(order)s.",
                            serial=serial,
                            order=self.name,
                        ),
                        None,
                    )
                )
        missing = int(abs(line.qty)) - len(set(serials))
        if missing > 0:
            problems.append(
                (
                    False,
                    "missing",
                    _(
                        "%(count)s serial(s) of %(product)s missing on %(order)s.",
                        count=missing,
                        product=line.product_id.display_name,
                        order=self.name,
                    ),
                    None,
                )
            )
        return problems

    def _sale_checks(self, lines):
        """{(product id, serial): (serial, lot, reason or None, message)}: the till's
        own checks again, for all the sold serials of a product at once. Expiries are
        read on the day the order was paid (it may reach the server days later, from
        an offline till), against the expiries scanned with the serials."""
        checks = {}
        on_date = self.env["stock.lot"]._serial_local_date(self.date_order)
        for product in lines.product_id:
            pack_lots = lines.filtered(
                lambda l, p=product: l.product_id == p
            ).pack_lot_ids.filtered("lot_name")
            serials = list(dict.fromkeys(pack_lots.mapped("lot_name")))
            scanned = {
                pack_lot.lot_name: pack_lot.serial_scanned_expiry
                for pack_lot in pack_lots
                if pack_lot.serial_scanned_expiry
            }
            for v in self.config_id.sudo()._serial_verdicts(
                product,
                serials,
                check_open_orders=False,
                scanned_expiries=scanned,
                on_date=on_date,
            ):
                checks[product.id, v.serial] = (v.serial, v.lot, v.reason, v.message)
        return checks

    def _refund_checks(self, line, serials):
        """A refund takes back only serials sold by the refunded line, not yet
        returned."""
        original = line.refunded_orderline_id
        lots = self.config_id.sudo()._find_lots(serials)
        checks = []
        for serial in serials:
            lot = lots.filtered(
                lambda l, s=serial: l.name == s and l.product_id == line.product_id
            )[:1]
            if (
                not lot
                or not original
                or lot.pos_claim_line_id != original
                or lot.serial_state != "sold"
            ):
                checks.append(
                    (
                        serial,
                        lot,
                        "not_refundable",
                        _(
                            "Serial %(serial)s was not sold by the refunded order "
                            "%(order)s, or was already refunded.",
                            serial=serial,
                            order=original.order_id.name or _("(none)"),
                        ),
                    )
                )
            else:
                checks.append((serial, lot, None, ""))
        return checks

    def _conflict_values(self, line, serial, reason, message, lot):
        return {
            "pos_order_id": self.id,
            "pos_order_line_id": line.id,
            "product_id": line.product_id.id,
            "serial": serial or False,
            "lot_id": lot.id if lot else False,
            "reason": reason,
            "message": message,
            "checked_offline": line.serial_checked_offline,
            "company_id": self.company_id.id,
        }

    def _record_serial_conflicts(self, values_list):
        Conflict = self.env["serial.conflict"].sudo()
        Conflict.create(values_list)
        lots = self.env["stock.lot"].browse(
            [v["lot_id"] for v in values_list if v["lot_id"]]
        )
        self.env["stock.lot"].sudo()._apply_serial_events(
            [
                SerialEvent(
                    lot,
                    "conflict",
                    res_model="pos.order",
                    res_id=self.id,
                    reference=self.name,
                    pos_config_id=self.config_id.id,
                    note=next(
                        v["message"] for v in values_list if v["lot_id"] == lot.id
                    ),
                )
                for lot in lots
            ]
        )
        self.message_post(
            body=_(
                "Some serials of this order could not be accepted: %s. The order is "
                "kept; the lines wait for a Serial Manager.",
                "; ".join(v["message"] for v in values_list),
            )
        )
        _logger.info("POS order %s: %s serial conflict(s)", self.name, len(values_list))
