from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError, ValidationError

from .common import SerialTrackingCommon


class TestSerialLifecycle(SerialTrackingCommon):
    """The state follows the real stock operations, and every change is in the
    history."""

    def test_receipt_puts_serials_in_stock(self):
        lots = self._receive_by_receipt(
            self.phone, ["P1-R1", "P1-R2"], vendor=self.vendor
        )
        self.assertEqual(lots.mapped("serial_state"), ["in_stock", "in_stock"])
        self.assertEqual(
            self._history(lots[0]),
            [("registered", False, False), ("received", False, "in_stock")],
        )
        received = lots[0].audit_line_ids.filtered(
            lambda line: line.event == "received"
        )
        self.assertEqual(received.partner_id, self.vendor)
        self.assertEqual(received.user_id, self.env.user)

    @freeze_time("2026-03-15 10:00:00")
    def test_delivery_sells_with_customer_date_document_warranty(self):
        lot = self._receive_by_receipt(self.phone, ["P1-S1"])
        self._deliver(lot, self.customer, origin="S00042")
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(lot.serial_partner_id, self.customer)
        self.assertEqual(
            lot.serial_sale_date, fields.Datetime.to_datetime("2026-03-15 10:00:00")
        )
        self.assertEqual(lot.serial_source_ref, "S00042")
        self.assertEqual(lot.warranty_start_date, fields.Date.to_date("2026-03-15"))
        self.assertEqual(lot.warranty_end_date, fields.Date.to_date("2028-03-14"))
        sale = lot.audit_line_ids.filtered(lambda line: line.event == "sold")
        self.assertEqual((sale.old_state, sale.new_state), ("in_stock", "sold"))
        self.assertEqual(sale.reference, "S00042")
        self.assertEqual(sale.partner_id, self.customer)

    def test_delivering_a_sold_serial_is_refused(self):
        lot = self._receive_by_receipt(self.phone, ["P1-D1"])
        self._deliver(lot, self.customer)
        second = self._picking(self.warehouse.out_type_id, lot, partner=self.customer)
        with self.assertRefused("Serial P1-D1 is already sold"):
            second.button_validate()
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual([line.event for line in lot.audit_line_ids].count("sold"), 1)

    def test_return_then_sell_again(self):
        lot = self._receive_by_receipt(self.phone, ["P1-RT1"])
        delivery = self._deliver(lot, self.customer)
        self._return(delivery)
        self.assertEqual(lot.serial_state, "returned")
        self.assertEqual(lot.location_id, self.stock_location)
        other = self.env["res.partner"].create({"name": "Second customer"})
        self._deliver(lot, other)
        self.assertEqual(lot.serial_state, "sold")
        self.assertEqual(lot.serial_partner_id, other)
        self.assertEqual(
            [event for event, _old, _new in self._history(lot)],
            ["registered", "received", "sold", "returned", "sold"],
        )

    def test_internal_transfer_keeps_state(self):
        lot = self._receive_by_receipt(self.phone, ["P1-M1"])
        shelf = self.env["stock.location"].create(
            {
                "name": "Shelf 9",
                "usage": "internal",
                "location_id": self.stock_location.id,
            }
        )
        picking = self._picking(self.warehouse.int_type_id, lot)
        picking.move_ids.move_line_ids.location_dest_id = shelf
        self._validate(picking)
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertEqual(self._history(lot)[-1], ("moved", "in_stock", "in_stock"))

    def test_scrap(self):
        lot = self._receive_by_receipt(self.phone, ["P1-X1"])
        self._scrap(lot)
        self.assertEqual(lot.serial_state, "scrapped")
        self.assertEqual(self._history(lot)[-1], ("scrapped", "in_stock", "scrapped"))
        with self.assertRefused("Serial P1-X1 is in state Scrapped and cannot be sold"):
            self._deliver(lot, self.customer)

    def test_inventory_adjustment_loses_and_finds(self):
        lot = self._receive_serials(self.phone, ["P1-I1"])
        self.assertEqual(lot.serial_state, "in_stock")
        self._set_on_hand(lot, 0)
        self.assertEqual(lot.serial_state, "lost")
        self.assertEqual(self._history(lot)[-1], ("adjusted_out", "in_stock", "lost"))
        self._set_on_hand(lot, 1)
        self.assertEqual(lot.serial_state, "in_stock")
        self.assertEqual(self._history(lot)[-1], ("received", "lost", "in_stock"))

    def test_selling_a_lost_serial_is_refused(self):
        lot = self._receive_serials(self.phone, ["P1-L1"])
        lot.with_user(self.serial_manager)._mark_serial_state(
            "marked_lost", "Not on shelf"
        )
        with self.assertRefused("Serial P1-L1 is in state Lost and cannot be sold"):
            self._deliver(lot, self.customer)
        self.assertEqual(lot.serial_state, "lost")

    def test_repair_in_and_out(self):
        lot = self._receive_serials(self.phone, ["P1-REP1"])
        repair = self.env["repair.order"].create(
            {
                "product_id": self.phone.id,
                "lot_id": lot.id,
                "partner_id": self.customer.id,
                "location_id": self.stock_location.id,
            }
        )
        repair.action_validate()
        repair.action_repair_start()
        self.assertEqual(lot.serial_state, "in_repair")
        with self.assertRefused("Serial P1-REP1 is in state In Repair"):
            self._deliver(lot, self.customer)
        repair.action_repair_end()
        self.assertEqual(repair.state, "done")
        self.assertEqual(lot.serial_state, "in_stock")
        history = self._history(lot)
        self.assertIn(("repair_in", "in_stock", "in_repair"), history)
        self.assertEqual(history[-1], ("repair_out", "in_repair", "in_stock"))
        repair_line = lot.audit_line_ids.filtered(
            lambda line: line.event == "repair_in"
        )
        self.assertEqual(repair_line.reference, repair.name)

    def test_repair_of_a_sold_unit_goes_back_to_sold(self):
        lot = self._receive_serials(self.phone, ["P1-REP2"])
        lot._apply_serial_events([{"lot": lot, "event": "sold"}])
        repair = self.env["repair.order"].create(
            {
                "product_id": self.phone.id,
                "lot_id": lot.id,
                "partner_id": self.customer.id,
            }
        )
        repair.action_validate()
        repair.action_repair_start()
        self.assertEqual(lot.serial_state, "in_repair")
        repair.action_repair_cancel()
        self.assertEqual(lot.serial_state, "sold")

    def test_manager_marks_and_restores(self):
        lot = self._receive_serials(self.phone, ["P1-MK1"])
        as_manager = lot.with_user(self.serial_manager)
        as_manager._mark_serial_state(
            "marked_stolen", "Shop window broken, police report 77"
        )
        self.assertEqual(lot.serial_state, "stolen")
        as_manager._mark_serial_state("found", "Recovered by the police")
        self.assertEqual(lot.serial_state, "in_stock")
        as_manager._mark_serial_state("recalled", "Battery recall 2026-01")
        self.assertEqual(lot.serial_state, "recalled")
        with self.assertRefused("in state Recalled and cannot be sold"):
            self._deliver(lot, self.customer)
        as_manager._mark_serial_state("recall_closed", "Battery replaced")
        self.assertEqual(lot.serial_state, "in_stock")
        notes = lot.audit_line_ids.sorted("chain_index").mapped("note")
        self.assertIn("Shop window broken, police report 77", notes)
        self.assertEqual(
            lot.audit_line_ids.filtered(lambda line: line.event == "found").user_id,
            self.serial_manager,
        )

    def test_found_needs_the_unit_in_stock(self):
        lot = self._receive_serials(self.phone, ["P1-F1"])
        lot._mark_serial_state("marked_lost", "Missing at count")
        self._set_on_hand(lot, 0)
        with self.assertRefused("no longer in stock: receive it"):
            lot._mark_serial_state("found", "Found in the back room")
        self._set_on_hand(lot, 1)
        self.assertEqual(lot.serial_state, "in_stock")

    def test_reason_is_required(self):
        lot = self._receive_serials(self.phone, ["P1-RR1"])
        with self.assertRefused("Give a reason"):
            lot._mark_serial_state("marked_lost", "  ")
        self.assertEqual(lot.serial_state, "in_stock")

    def test_state_wizard(self):
        lot = self._receive_serials(self.phone, ["P1-W1"])
        action = lot.with_user(self.serial_manager).action_mark_lost()
        wizard = (
            self.env[action["res_model"]]
            .with_user(self.serial_manager)
            .with_context(**action["context"])
            .create({"reason": "Gone after the fair"})
        )
        wizard.action_confirm()
        self.assertEqual(lot.serial_state, "lost")

    def test_state_cannot_be_written(self):
        lot = self._receive_serials(self.phone, ["P1-WR1"])
        for env in (self.env, self.env(su=True)):
            with self.assertRefused("changes only through its operations"):
                lot.with_env(env).write({"serial_state": "sold"})
        with self.assertRaises(UserError):
            lot.write({"warranty_start_date": "2020-01-01"})
        with self.assertRaises(UserError):
            self.env["stock.lot"].create(
                {
                    "name": "P1-WR2",
                    "product_id": self.phone.id,
                    "serial_state": "in_stock",
                }
            )
        self.assertEqual(lot.serial_state, "in_stock")

    def test_serial_format(self):
        self.phone.serial_format = r"P1-[0-9]{4}"
        self.env["stock.lot"].create({"name": "P1-0001", "product_id": self.phone.id})
        with self.assertRefused(
            exception=ValidationError, message_regex="does not match the serial format"
        ):
            self.env["stock.lot"].create({"name": "P1-12", "product_id": self.phone.id})
        with self.assertRefused(
            exception=ValidationError, message_regex="not a valid regular expression"
        ):
            self.phone.serial_format = "P1-[0-9"

    def test_lot_tracked_products_have_no_serial_state(self):
        flour = self.env["product.product"].create(
            {"name": "Flour", "is_storable": True, "tracking": "lot"}
        )
        lot = self.env["stock.lot"].create({"name": "BATCH-1", "product_id": flour.id})
        self._set_on_hand(lot, 10)
        self.assertFalse(lot.serial_state)
        self.assertFalse(lot.audit_line_ids)
