from odoo.addons.pos_serial_tracking.tools import serial_lifecycle as lifecycle

from ..tools.serial_offline_set import OfflineSet
from .common import SerialPosSyncCommon, SerialTrackingCommon

NEVER_RECEIVED = "registered but was never received into stock: it cannot be sold"


class TestSerialStockPaths(SerialTrackingCommon):
    """The state follows the stock also when the stock changes without a stock move
    (stock.quant._update_available_quantity: Odoo's own tests, integrations), and a unit
    is sold only from a sellable state, whatever the path."""

    def _lot(self, name):
        return self.env["stock.lot"].create({"name": name, "product_id": self.phone.id})

    def _put(self, lot, quantity, location=None, **values):
        self.env["stock.quant"]._update_available_quantity(
            lot.product_id,
            location or self.stock_location,
            quantity,
            lot_id=lot,
            **values,
        )

    def test_stock_without_a_move_receives_the_unit(self):
        lot = self._lot("QP-1")
        self._put(lot, 1)
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertEqual(
            self._history(lot),
            [("registered", False, False), ("received", False, "in_stock")],
        )
        received = lot.audit_line_ids.filtered(lambda line: line.event == "received")
        self.assertEqual(received.reference, self.stock_location.complete_name)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

    def test_moves_record_their_event_once(self):
        """A move's own done processing changes the quants too: the move records the
        event, the quants do not record it again."""
        counted = self._receive_serials(self.phone, ["QP-I1"])  # inventory adjustment
        received = self._receive_by_receipt(self.phone, ["QP-R1"])  # receipt
        for lot in counted | received:
            self.assertEqual(
                self._history(lot),
                [("registered", False, False), ("received", False, "in_stock")],
            )
        self._deliver(received, self.customer)
        self.assertEqual(self._history(received)[-1:], [("sold", "in_stock", "sold")])
        self.assertEqual(len(received.audit_line_ids), 3)

    def test_removal_without_a_move_is_an_adjustment(self):
        """The last unit leaving the internal stock without a move is removed as an
        inventory adjustment removes it (lost: missing); found again, it is
        received."""
        lot = self._lot("QP-2")
        self._put(lot, 1)
        self._put(lot, -1)
        self.assertEqual(lot.serial_state, "lost")
        self.assertEqual(self._history(lot)[-1], ("adjusted_out", "in_stock", "lost"))
        self._put(lot, 1)
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertEqual(self._history(lot)[-1], ("received", "lost", "in_stock"))

    def test_stock_outside_internal_locations_changes_nothing(self):
        lot = self._lot("QP-3")
        self._put(lot, 1, location=self.env.ref("stock.stock_location_customers"))
        self.assertFalse(lot.serial_state)
        self.assertEqual(self._history(lot), [("registered", False, False)])

    def test_sold_unit_is_not_received_without_a_return(self):
        lot = self._receive_by_receipt(self.phone, ["QP-4"])
        self._deliver(lot, self.customer)
        with self.assertRefused(
            "Serial QP-4 is in state Sold, which does not allow the event Received"
        ):
            self._put(lot, 1)
        self.assertEqual(lot.serial_state, "sold")

    def test_never_received_unit_is_sold_on_no_path(self):
        """One rule: sold only from in stock or returned."""
        self.assertIsNone(lifecycle.next_state("sold", False))
        self.assertEqual(
            {
                state
                for state in [False, *dict(lifecycle.SERIAL_STATES)]
                if lifecycle.next_state("sold", state)
            },
            set(lifecycle.SELLABLE_STATES),
        )
        lot = self._lot("QP-5")
        # a delivery (sales, or a conflict's waiting transfer)
        delivery = self._picking(self.warehouse.out_type_id, lot, partner=self.customer)
        with self.assertRefused(f"Serial QP-5 is {NEVER_RECEIVED}"):
            delivery.button_validate()
        # a claim (the POS sync, a manager picking the serial of a conflict)
        with self.assertRefused(f"Serial QP-5 is {NEVER_RECEIVED}"):
            self.env["stock.lot"]._apply_serial_events(
                [{"lot": lot, "event": "sold", "partner_id": self.customer.id}]
            )
        self.assertFalse(lot.serial_state)
        self.assertEqual(self._history(lot), [("registered", False, False)])


class TestSerialStockPathsPos(SerialPosSyncCommon):
    """At the till: a unit put in stock without a move is sellable, a consigned unit
    keeps its owner on every transfer the addon makes, a never-received one is
    refused."""

    def setUp(self):
        super().setUp()
        self.open_new_session()
        self.cashier = self._create_user(
            "paths_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        self.cashier.write(
            {
                "company_id": self.config.company_id.id,
                "company_ids": [(6, 0, self.config.company_id.ids)],
            }
        )
        self.pos_session.user_id = self.cashier
        self.owner = self.env["res.partner"].create({"name": "Consignor"})

    def _stock(self, name, **values):
        lot = self.env["stock.lot"].create({"name": name, "product_id": self.phone.id})
        self.env["stock.quant"]._update_available_quantity(
            self.phone, self.stock_location, 1, lot_id=lot, **values
        )
        return lot

    def _check(self, serials):
        return self.config.with_user(self.cashier).check_pos_serials(
            self.phone.id, serials
        )

    def test_stock_without_a_move_is_sellable_at_the_till(self):
        lot = self._stock("QPP-1")
        verdict = self._check(["QPP-1"])[0]
        self.assertTrue(verdict["ok"], verdict["message"])
        snapshot = self.config.with_user(self.cashier).get_pos_serial_snapshot()
        self.assertIn((self.phone.id, "QPP-1"), OfflineSet(snapshot))
        order = self._sync(self._order([(self.phone, ["QPP-1"])]))
        self.assertFalse(
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(lot.serial_state, "sold")

    def test_consigned_unit_sold_keeps_its_owner(self):
        lot = self._stock("QPP-2", owner_id=self.owner)
        order = self._sync(self._order([(self.phone, ["QPP-2"])]))
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.picking_ids.move_line_ids.owner_id, self.owner)
        self.assertEqual(lot.serial_state, "sold")

    def test_consigned_unit_in_conflict_keeps_its_owner(self):
        """A line of two units, one consigned and sellable, one unknown: the line
        waits in its own transfer, the claimed consigned unit on it with its owner."""
        lot = self._stock("QPP-3", owner_id=self.owner)
        data = self._order([(self.phone, ["QPP-3", "QPP-NOPE"])])
        order = self._sync(data)
        conflict = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(conflict.reason, "unknown")
        waiting = conflict.picking_id
        self.assertNotIn(waiting.state, ("done", "cancel"))
        self.assertEqual(waiting.move_line_ids.lot_id, lot)
        self.assertEqual(waiting.move_line_ids.owner_id, self.owner)
        self.assertEqual(lot.serial_state, "sold")

    def test_never_received_unit_is_refused_at_the_till_and_at_sync(self):
        lot = self.env["stock.lot"].create(
            {"name": "QPP-4", "product_id": self.phone.id}
        )
        verdict = self._check(["QPP-4"])[0]
        self.assertEqual(verdict["reason"], "not_sellable")
        self.assertIn("never received", verdict["message"])
        order = self._sync(self._order([(self.phone, ["QPP-4"])]))
        self.assertEqual(order.state, "paid")
        conflict = (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )
        self.assertEqual(conflict.reason, "not_sellable")
        self.assertNotEqual(conflict.picking_id.state, "done")
        self.assertFalse(lot.serial_state)
