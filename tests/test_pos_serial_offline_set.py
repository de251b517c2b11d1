import json
import logging
import time
from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import BaseCase, Form, tagged
from odoo.tools import SQL

from ..tools.serial_offline_set import OfflineSet, encode, serial_hash
from ..tools.serial_split import split_serial_sql
from .common import SerialPosHttpCommon, SerialPosSyncCommon

_logger = logging.getLogger(__name__)

SCALE = 500000
# (product id, serial): the hash, as static/tests/tours/pos_serial_offline_set_tour.js
# expects the till to compute it
AGREED_HASHES = {
    (7, "SN-1"): "87fb12f92fddeb23",
    (12, "SÉ✓-é"): "b03b29fc9c7aed41",
    (123456, "0123456789ABCDEFGHIJ/x"): "abb9d03324fbe846",
    (1, "X" * 70): "c13cdc1e79bfa5a0",  # two blocks of MD5
}


def fill_sellable_units(cr, products, location, prefix, count, state="in_stock"):
    """`count` units (serials prefix + a 7-digit number), in blocks of 10,000 per
    product of `products`, in `location` (one quant each), set-based: two INSERT ...
    SELECT, no ORM per row, the volume a big shop's till loads. `state` "sold": the
    units left the shop (no quant). Where the database role may, the foreign key
    checks and the dashboard's counting trigger are left out of the fill only (the
    data is valid; the test's transaction is rolled back)."""
    cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
    quick = cr.fetchone()[0]
    if quick:
        cr.execute("SET LOCAL session_replication_role = replica")
    stem, trailing = split_serial_sql(SQL.identifier("name"))
    cr.execute(
        SQL(
            """WITH lot AS (
                   INSERT INTO stock_lot (name, product_id, company_id, serial_state,
                       serial_prefix, serial_trailing_number, product_tracking,
                       create_uid, write_uid, create_date, write_date)
                   SELECT name, (%s::int[])[1 + (i - 1) / 10000], %s, %s, %s, %s,
                          'serial', 1, 1, now(), now()
                     FROM generate_series(1, %s) i,
                          LATERAL (SELECT %s || lpad(i::text, 7, '0') AS name) serial
                   RETURNING id, product_id)
               INSERT INTO stock_quant (product_id, location_id, lot_id, company_id,
                   quantity, reserved_quantity, in_date, create_uid, write_uid,
                   create_date, write_date)
               SELECT product_id, %s, id, %s, 1, 0, now(), 1, 1, now(), now()
                 FROM lot WHERE %s""",
            products.ids,
            location.company_id.id,
            state,
            stem,
            trailing,
            count,
            prefix,
            location.id,
            location.company_id.id,
            state != "sold",
        )
    )
    if quick:
        cr.execute("SET LOCAL session_replication_role = origin")
    cr.execute("ANALYZE stock_lot")
    cr.execute("ANALYZE stock_quant")


@tagged("post_install", "-at_install")
class TestSerialOfflineSetEncoding(BaseCase):
    """The encoding alone (tools/serial_offline_set.py), at the scale of a big shop."""

    def test_hash_is_the_one_the_till_computes(self):
        # the same values are asserted in the till by the tour
        for (product_id, serial), expected in AGREED_HASHES.items():
            self.assertEqual(f"{serial_hash(product_id, serial):016x}", expected)

    def test_no_false_negative_and_the_false_positive_rate(self):
        expiry = date(2031, 1, 31)
        units = [
            (1 + i % 20, f"SN-{i:08d}", expiry if i % 7 == 0 else None)
            for i in range(SCALE)
        ]
        start = time.perf_counter()
        encoded = encode(units)
        built = time.perf_counter() - start
        offline = OfflineSet(encoded)
        self.assertEqual(len(offline), SCALE)
        missed = [unit for unit in units if (unit[0], unit[1]) not in offline]
        self.assertEqual(missed, [], "a sellable unit is missing from the set")
        self.assertEqual(offline.expiry(8, "SN-00000007"), expiry)
        self.assertIsNone(offline.expiry(2, "SN-00000001"))
        # other units: other serials of the same products, the same serials of other
        # products
        strangers = [(1 + i % 20, f"SN-{SCALE + i:08d}") for i in range(SCALE // 2)]
        strangers += [(21 + i % 20, f"SN-{i:08d}") for i in range(SCALE // 2)]
        false_positives = sum(unit in offline for unit in strangers)
        _logger.info(
            "offline set of %s serials: %s bytes of base64 (a JSON dict: %s), built in "
            "Python in %.2f s; false positives: %s of %s lookups",
            SCALE,
            len(encoded["hashes"]) + len(encoded["expiries"]),
            len(json.dumps({serial: product for product, serial, _e in units})),
            built,
            false_positives,
            len(strangers),
        )
        self.assertEqual(false_positives, 0)


@tagged("post_install", "-at_install")
class TestPosSerialOfflineDelta(SerialPosSyncCommon):
    """The till's set as PostgreSQL builds it and its deltas, for a cashier with only
    Point of Sale: User working in the till's open session."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        pos_groups = ("base.group_user", "point_of_sale.group_pos_user")
        cls.cashier = cls._create_till_user("offline_cashier", *pos_groups)
        cls.stranger = cls._create_till_user("offline_stranger", "base.group_user")
        cls.other_company_cashier = cls._create_user("offline_other", *pos_groups)
        other = cls.env["res.company"].create({"name": "Offline Other Company"})
        cls.other_company_cashier.write(
            {"company_id": other.id, "company_ids": [(6, 0, other.ids)]}
        )

    def setUp(self):
        super().setUp()
        self._open_till(self.cashier)
        self.till = self.config.with_user(self.cashier)

    def _hex(self, product, serial):
        return f"{serial_hash(product.id, serial):016x}"

    def test_sql_build_is_the_python_encoding(self):
        lots = self._receive_serials(self.phone, ["OFF-A1", "OFF-A2", "OFF-Ü3"])
        lots[0].sudo().serial_expiry_date = date(2030, 6, 30)
        snapshot = self.till.get_pos_serial_snapshot()
        expected = encode(
            [
                (self.phone.id, "OFF-A1", date(2030, 6, 30)),
                (self.phone.id, "OFF-A2", None),
                (self.phone.id, "OFF-Ü3", None),
            ]
        )
        self.assertEqual(
            {key: snapshot[key] for key in expected}, expected, "PostgreSQL's bytes"
        )

    def test_delta_as_cashier(self):
        self._receive_serials(self.phone, ["OFF-D1", "OFF-D2"])
        cursor = self.till.get_pos_serial_snapshot()["cursor"]
        # sold at another till (a paid order synced), and a unit received since
        self.env["pos.order"].with_user(self.cashier).sync_from_ui(
            [self._order([(self.phone, ["OFF-D1"])])]
        )
        new = self._receive_serials(self.phone, ["OFF-D3"])
        new.sudo().serial_expiry_date = date(2031, 1, 1)
        delta = self.till.get_pos_serial_snapshot_delta(cursor)
        self.assertNotIn("reload", delta)
        self.assertIn(self._hex(self.phone, "OFF-D1"), delta["remove"])
        self.assertIn(
            [
                self._hex(self.phone, "OFF-D3"),
                (date(2031, 1, 1) - date(1970, 1, 1)).days,
            ],
            delta["add"],
        )
        self.assertNotIn(self._hex(self.phone, "OFF-D2"), delta["remove"])
        self.assertGreaterEqual(delta["cursor"], cursor)
        # an old cursor, or none the server made: the whole set again
        old = fields.Datetime.to_string(fields.Datetime.now() - timedelta(days=2))
        self.assertEqual(self.till.get_pos_serial_snapshot_delta(old), {"reload": True})
        self.assertEqual(
            self.till.get_pos_serial_snapshot_delta("yesterday"), {"reload": True}
        )

    def test_offline_limits_set_in_the_settings_reach_the_till(self):
        self.assertEqual(
            (
                self.config.serial_offline_max_sales,
                self.config.serial_offline_max_hours,
            ),
            (100, 24),
        )
        manager = self._create_user(
            "offline_admin", "point_of_sale.group_pos_manager", "base.group_system"
        )
        form = Form(self.env["res.config.settings"].with_user(manager))
        form.pos_config_id = self.config
        form.pos_serial_offline_max_sales = 5
        form.pos_serial_offline_max_hours = 2
        form.save().execute()
        data = self.pos_session.with_user(self.cashier).load_data(["pos.config"])
        till = data["pos.config"]["data"][0]
        self.assertEqual(
            (till["serial_offline_max_sales"], till["serial_offline_max_hours"]), (5, 2)
        )

    def test_delta_refused_without_pos_rights_or_company(self):
        cursor = self.till.get_pos_serial_snapshot()["cursor"]
        for user in (self.stranger, self.other_company_cashier):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.config.with_user(user).with_context(
                    allowed_company_ids=user.company_ids.ids
                ).get_pos_serial_snapshot_delta(cursor)


@tagged("post_install", "-at_install")
class TestPosSerialOfflineScaleTour(SerialPosHttpCommon):
    """A big shop's till (500,000 sellable serials) goes offline: it still accepts a
    registered unit and refuses a sold one, in a real POS (Chromium)."""

    def test_offline_with_500000_serials(self):
        cr = self.env.cr
        # 10,000 units of the phone, the others of 49 more products: a shop's range
        products = self.phone | self.env["product.product"].create(
            [
                {
                    "name": f"Offline Product {index:02d}",
                    "is_storable": True,
                    "tracking": "serial",
                    "available_in_pos": True,
                    "taxes_id": False,
                    "list_price": 10.0,
                }
                for index in range(1, SCALE // 10000)
            ]
        )
        start = time.perf_counter()
        fill_sellable_units(cr, products, self.stock_location, "OFF-", SCALE)
        fill_sellable_units(
            cr, self.phone, self.stock_location, "OFF-SOLD-", 10, state="sold"
        )
        _logger.info(
            "offline set: %s serials filled in %.1f s",
            SCALE,
            time.perf_counter() - start,
        )
        self.env.invalidate_all()
        self.main_pos_config.serial_offline_max_sales = 2
        self.main_pos_config.with_user(self.pos_user).open_ui()

        # the tour starts once the till has loaded its set (up to a minute on a
        # loaded machine)
        self.start_pos_tour(
            "pos_serial_offline_set_tour",
            timeout=180,
            ready="(async () => (await odoo.isTourReady('pos_serial_offline_set_tour'))"
            " && !!document.querySelector('.screen-login .btn.open-register-btn'))()",
        )

        order = self.env["pos.order"].search(
            [("session_id", "=", self.main_pos_config.current_session_id.id)]
        )
        self.assertEqual(order.state, "paid")
        self.assertEqual(
            order.lines.pack_lot_ids.mapped("lot_name"), ["OFF-0005000", "OFF-0250000"]
        )
        self.assertTrue(all(order.lines.mapped("serial_checked_offline")))
