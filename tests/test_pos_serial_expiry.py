from datetime import date, datetime

from freezegun import freeze_time

from odoo.tests import tagged

from ..tools.serial_offline_set import OfflineSet
from .common import SerialPosHttpCommon, SerialPosSyncCommon

# the day the tills check on, and a moment of it (noon UTC: the same day in New York)
TODAY = "2026-06-15 12:00:00"


class TestPosSerialExpiry(SerialPosSyncCommon):
    """At the till and at sync, a unit whose registered expiry has passed, or a scanned
    GS1 code whose expiry (AI 17) has passed or differs from the registered one, is
    refused with its own reason; paid orders are kept, with a conflict."""

    def setUp(self):
        super().setUp()
        self.open_new_session()

    def _unit(self, serial, expiry=None):
        lot = self._receive_serials(self.phone, [serial])
        lot.serial_expiry_date = expiry
        return lot

    def _check(self, serials, scanned=None):
        with freeze_time(TODAY):
            return self.config.check_pos_serials(
                self.phone.id, serials, False, scanned or {}
            )

    def _conflicts(self, order):
        return (
            self.env["serial.conflict"].sudo().search([("pos_order_id", "=", order.id)])
        )

    def test_expired_unit_typed_is_refused(self):
        self._unit("EXP-T1", date(2026, 6, 14))
        self._unit("EXP-T2", date(2026, 6, 15))  # its last day: still sold
        expired, last_day = self._check(["EXP-T1", "EXP-T2"])
        self.assertEqual(
            (expired["ok"], expired["reason"], expired["title"]),
            (False, "expired", "Unit expired"),
        )
        self.assertEqual(
            expired["message"],
            "Serial EXP-T1 expired on 06/14/2026 and cannot be sold. Put the unit "
            "aside for destruction or return.",
        )
        self.assertEqual(expired["expiry"], "2026-06-14")
        self.assertEqual((last_day["ok"], last_day["expiry"]), (True, "2026-06-15"))

    def test_expired_code_scanned_is_refused(self):
        """A scanned expiry in the past refuses the unit, also one registered without
        an expiry; a future one on such a unit is accepted."""
        self._unit("EXP-S1")
        self._unit("EXP-S2")
        self._unit("EXP-S3", date(2026, 1, 31))
        past, future, both_past = self._check(
            ["EXP-S1", "EXP-S2", "EXP-S3"],
            {"EXP-S1": "2026-06-01", "EXP-S2": "2027-01-31", "EXP-S3": "2026-01-31"},
        )
        self.assertEqual(past["reason"], "expired")
        self.assertIn("EXP-S1 expired on 06/01/2026", past["message"])
        self.assertEqual((future["ok"], future["expiry"]), (True, False))
        self.assertEqual(both_past["reason"], "expired")
        self.assertIn("expired on 01/31/2026", both_past["message"])

    def test_scanned_expiry_other_than_registered_is_refused(self):
        self._unit("EXP-M1", date(2027, 1, 31))
        self._unit("EXP-M2", date(2027, 1, 31))
        mismatch, match = self._check(
            ["EXP-M1", "EXP-M2"], {"EXP-M1": "2027-01-30", "EXP-M2": "2027-01-31"}
        )
        self.assertEqual(
            (mismatch["reason"], mismatch["alert"], mismatch["title"]),
            ("expiry_mismatch", True, "Do not sell: expiry does not match"),
        )
        self.assertEqual(
            mismatch["message"],
            "The code scanned for serial EXP-M1 gives the expiry 01/30/2027, but the "
            "unit is registered with 01/31/2027: do not sell it; check the package (it "
            "may be falsified) and call a manager.",
        )
        self.assertEqual((match["ok"], match["expiry"]), (True, "2027-01-31"))
        with self.assertRefused("is not a date"):
            self._check(["EXP-M2"], {"EXP-M2": "31/01/2027"})

    def test_product_expiry_date_in_the_users_time_zone(self):
        """Without an Expiry Date on the serial, product_expiry's Expiration Date (a
        moment) is the unit's expiry, as a date where the cashier is."""
        # product_expiry is installed in the test databases (scripts/odoo_env.py)
        self.assertIn("expiration_date", self.env["stock.lot"]._fields)
        self.env.user.sudo().tz = "America/New_York"
        lot = self._unit("EXP-P1")
        # 02:00 UTC on 15 June is still 14 June in New York
        lot.expiration_date = datetime(2026, 6, 15, 2, 0)
        self.assertEqual(lot._serial_expiry_dates(), {lot.id: date(2026, 6, 14)})
        verdict = self._check(["EXP-P1"])[0]
        self.assertEqual(verdict["reason"], "expired")
        self.assertIn("expired on 06/14/2026", verdict["message"])
        # the serial's own Expiry Date comes first
        lot.serial_expiry_date = date(2026, 7, 1)
        self.assertTrue(self._check(["EXP-P1"])[0]["ok"])
        self.env.user.sudo().tz = "UTC"
        lot.serial_expiry_date = False
        self.assertTrue(self._check(["EXP-P1"])[0]["ok"])

    def test_snapshot_carries_the_registered_expiries(self):
        self._unit("EXP-N1", date(2030, 6, 30))
        self._unit("EXP-N2")
        units = OfflineSet(self.config.get_pos_serial_snapshot())
        self.assertEqual(len(units), 2)
        self.assertEqual(units.expiry(self.phone.id, "EXP-N1"), date(2030, 6, 30))
        self.assertIn((self.phone.id, "EXP-N2"), units)
        self.assertIsNone(units.expiry(self.phone.id, "EXP-N2"))

    def _paid_on(self, paid_on, serials, scanned=None):
        data = self._order([(self.phone, serials)])
        data["date_order"] = paid_on
        for pack_lot in data["lines"][0][2]["pack_lot_ids"]:
            expiry = (scanned or {}).get(pack_lot[2]["lot_name"])
            if expiry:
                pack_lot[2]["serial_scanned_expiry"] = expiry
        return data

    def test_offline_sale_of_expired_unit_keeps_the_paid_order(self):
        """Sold offline, synced later: a unit expired on the day of the sale becomes a
        conflict and the paid order is kept; one that expired only after the sale is
        sold; a scanned expiry other than the registered one is a conflict too."""
        expired = self._unit("EXP-O1", date(2026, 6, 10))
        later = self._unit("EXP-O2", date(2026, 6, 13))
        faked = self._unit("EXP-O3", date(2030, 6, 30))
        first, second, third = self._sync(
            self._paid_on("2026-06-12 10:00:00", ["EXP-O1"]),
            self._paid_on("2026-06-12 10:00:00", ["EXP-O2"]),
            self._paid_on("2026-06-12 10:00:00", ["EXP-O3"], {"EXP-O3": "2030-05-31"}),
        )
        self.assertEqual([o.state for o in (first, second, third)], ["paid"] * 3)
        conflict = self._conflicts(first)
        self.assertEqual(
            (conflict.reason, conflict.serial, conflict.lot_id),
            ("expired", "EXP-O1", expired),
        )
        self.assertIn("expired on 06/10/2026", conflict.message)
        self.assertNotEqual(first.picking_ids.state, "done")
        self.assertEqual(expired.serial_state, "in_stock")
        self.assertFalse(self._conflicts(second))
        self.assertEqual(later.serial_state, "sold")
        mismatch = self._conflicts(third)
        self.assertEqual((mismatch.reason, mismatch.lot_id), ("expiry_mismatch", faked))
        self.assertEqual(
            third.lines.pack_lot_ids.serial_scanned_expiry, date(2030, 5, 31)
        )
        self.assertEqual(faked.serial_state, "in_stock")

    def test_manager_cannot_pick_a_unit_expired_at_the_sale(self):
        """Resolving a conflict, a Serial Manager picks the unit really sold: not one
        that had expired on the day of the sale."""
        manager = self._create_user(
            "expiry_serial_manager",
            "base.group_user",
            "pos_serial_tracking.group_serial_manager",
        )
        stale = self._unit("EXP-R1", date(2026, 6, 10))
        fresh = self._unit("EXP-R2", date(2026, 6, 12))
        order = self._sync(self._paid_on("2026-06-12 10:00:00", ["EXP-R1"]))
        conflict = self._conflicts(order)
        self.assertEqual(conflict.reason, "expired")
        resolve = self.env["serial.conflict.resolve"].with_user(manager)
        with self.assertRefused("EXP-R1 had expired on 06/10/2026, before the sale"):
            resolve.create(
                {"conflict_id": conflict.id, "lot_id": stale.id}
            ).action_confirm()
        resolve.create(
            {"conflict_id": conflict.id, "lot_id": fresh.id}
        ).action_confirm()
        self.assertEqual((conflict.state, fresh.serial_state), ("resolved", "sold"))
        self.assertEqual(stale.serial_state, "in_stock")

    def test_scanned_expiry_that_is_no_date_does_not_block_the_sync(self):
        lot = self._unit("EXP-B1")
        data = self._paid_on("2026-06-12 10:00:00", ["EXP-B1"], {"EXP-B1": "soon"})
        order = self._sync(data)
        self.assertEqual(order.state, "paid")
        self.assertFalse(order.lines.pack_lot_ids.serial_scanned_expiry)
        self.assertEqual(lot.serial_state, "sold")


@tagged("post_install", "-at_install")
class TestPosSerialExpiryTour(SerialPosHttpCommon):
    """The cashier scans GS1 codes with expiries in a real POS (Chromium)."""

    def test_scan_expired_and_mismatched_codes(self):
        self.main_pos_config.company_id.nomenclature_id = self.env.ref(
            "barcodes_gs1_nomenclature.default_gs1_nomenclature"
        )
        self.phone.barcode = "08431673020125"
        lots = self._receive_serials(
            self.phone, ["EXP-OLD", "EXP-FAKE", "EXP-GOOD", "EXP-NEW"]
        )
        lots[0].serial_expiry_date = date(2020, 1, 1)
        (lots[1] | lots[2]).serial_expiry_date = date(2030, 6, 30)
        self.main_pos_config.with_user(self.pos_user).open_ui()

        self.start_pos_tour("pos_serial_expiry_tour")

        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(order.state, "paid")
        pack_lots = order.lines.pack_lot_ids.sorted("lot_name")
        self.assertEqual(
            [(p.lot_name, p.serial_scanned_expiry) for p in pack_lots],
            [("EXP-GOOD", date(2030, 6, 30)), ("EXP-NEW", date(2030, 12, 31))],
        )
        self.assertEqual(
            lots.mapped("serial_state"), ["in_stock", "in_stock", "sold", "sold"]
        )
        self.assertFalse(self.env["serial.conflict"].sudo().search([]))
