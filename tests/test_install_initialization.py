from odoo.addons.pos_serial_tracking.hooks import initialize_serial_states
from odoo.addons.pos_serial_tracking.models.stock_quant import EVENTS_BY_CALLER

from .common import SerialTrackingCommon


class TestInstallInitialization(SerialTrackingCommon):
    """Installing on a database that already has serials gives each its state from its
    quants and a first audit line."""

    def _existing_lot(self, name, location=None):
        """A serial as it exists before the addon: no state, no history, maybe stock."""
        self.env.cr.execute(
            """INSERT INTO stock_lot (name, product_id, company_id, create_uid,
                                      write_uid, create_date, write_date)
               VALUES (%s, %s, %s, 1, 1, now(), now()) RETURNING id""",
            [name, self.phone.id, self.env.company.id],
        )
        lot = self.env["stock.lot"].browse(self.env.cr.fetchone()[0])
        if location:
            # stock as it was before the addon: no event recorded for it
            self.env["stock.quant"].with_context(
                **{EVENTS_BY_CALLER: True}
            )._update_available_quantity(self.phone, location, 1, lot_id=lot)
        return lot

    def test_states_from_quants_and_first_audit_line(self):
        customer_location = self.env.ref("stock.stock_location_customers")
        scrap_location = self.env["stock.location"].search(
            [("scrap_location", "=", True), ("company_id", "=", self.env.company.id)],
            limit=1,
        )
        in_stock = self._existing_lot("OLD-1", self.stock_location)
        at_customer = self._existing_lot("OLD-2", customer_location)
        scrapped = self._existing_lot("OLD-3", scrap_location)
        never_received = self._existing_lot("OLD-4")
        already_tracked = self._receive_serials(self.phone, ["NEW-1"])
        history_before = already_tracked.audit_line_ids

        count = initialize_serial_states(self.env)

        self.assertEqual(count, 4)
        self.assertEqual(in_stock.serial_state, "in_stock")
        self.assertEqual(at_customer.serial_state, "sold")
        self.assertEqual(scrapped.serial_state, "scrapped")
        self.assertFalse(never_received.serial_state)
        for lot in (in_stock, at_customer, scrapped, never_received):
            self.assertEqual(
                self._history(lot), [("registered", False, lot.serial_state)]
            )
        self.assertEqual(already_tracked.audit_line_ids, history_before)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())
        # the initialized serials then follow the stock like any other
        self._deliver(in_stock, self.customer)
        self.assertEqual(in_stock.serial_state, "sold")
        self.assertEqual(initialize_serial_states(self.env), 0)
