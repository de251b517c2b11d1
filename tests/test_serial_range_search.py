import re

from odoo.tools import SQL

from .common import SerialTrackingCommon

TAC = "35693803"  # an IMEI's type allocation code: every phone of one model


def luhn(digits):
    """`digits` with their Luhn check digit, as an IMEI or an ICCID ends."""
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (1 if position % 2 else 2)
        total += value - 9 if value > 9 else value
    return digits + str(-total % 10)


class TestSerialRangeShapes(SerialTrackingCommon):
    """A Serial User's range search finds the same serials however they are spread:
    one prefix holding every serial (a production run PRF000000001...), none at all
    (15-digit IMEIs, 20-digit ICCIDs, short numbers), numbers of several lengths in
    one range; and each range is read through stock_lot_serial_range_index bounded at
    both ends (the prefix, the number's length and its digits), never as a row
    comparison that PostgreSQL only stops at the length."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.imeis = [luhn(f"{TAC}{serial:06d}") for serial in range(564370, 564410)]
        cls.iccids = [luhn(f"891410321111851{serial:04d}") for serial in range(20)]
        names = (
            [f"PRF{number:09d}" for number in range(1, 151)]
            + ["PRF000001000", "PRF-7", "QRF000000050"]
            + cls.imeis
            + cls.iccids
            + ["0042", "7", "99", "IMEI" + cls.imeis[10]]
        )
        cls.lots = cls.env["stock.lot"].create(
            [{"name": name, "product_id": cls.phone.id} for name in names]
        )

    def _expected(self, text):
        """The serials of the range FIRST..LAST, compared as Python integers."""
        Lot = self.env["stock.lot"]
        serial_range = Lot._parse_serial_range(text)
        first, last = int(serial_range.first), int(serial_range.last)
        found = set()
        for lot in self.lots:
            prefix, number = Lot._split_serial(lot.name)
            if (
                prefix == serial_range.prefix
                and number
                and first <= int(number) <= last
            ):
                found.add(lot.name)
        return found

    def _found(self, text):
        Lot = self.env["stock.lot"].with_user(self.serial_user)
        return set(Lot.search([("serial_range", "=", text)]).mapped("name"))

    def _plan(self, text):
        """The plan of a Serial User's count of the range, the table read through
        its indexes (this test's few lots would rather be read whole)."""
        Lot = self.env["stock.lot"].with_user(self.serial_user)
        query = Lot._search([("serial_range", "=", text)])
        self.env.flush_all()
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(SQL("EXPLAIN %s", query.select("count(*)")))
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.env.cr.execute("SET LOCAL enable_seqscan = on")
        return plan

    def test_one_prefix_holding_every_serial(self):
        for text, count in (
            ("PRF000000090..PRF000000110", 21),
            ("PRF5..PRF9", 5),
            ("PRF000000099..PRF000000100", 2),
            ("PRF000000005..PRF000000120", 116),  # 1, 2 and 3 digits
            ("PRF0..PRF000001000", 151),  # 1 to 4 digits, PRF-7 not among them
            ("PRF000000151..PRF000000999", 0),
        ):
            with self.subTest(text=text):
                found = self._found(text)
                self.assertEqual(len(found), count)
                self.assertEqual(found, self._expected(text))

    def test_no_prefix(self):
        """IMEIs, ICCIDs and short numbers: the serials without a prefix."""
        for text, expected in (
            (f"{self.imeis[5]}..{self.imeis[30]}", set(self.imeis[5:31])),
            (f"{self.iccids[3]}..{self.iccids[12]}", set(self.iccids[3:13])),
            (f"7..{self.imeis[2]}", {"0042", "7", "99", *self.imeis[:3]}),
            ("0..0099", {"0042", "7", "99"}),
        ):
            with self.subTest(text=text):
                self.assertEqual(self._found(text), expected)
                self.assertEqual(self._expected(text), expected)
        # an IMEI typed after a prefix is another prefix's serial
        self.assertEqual(
            self._found(f"IMEI{self.imeis[0]}..IMEI{self.imeis[-1]}"),
            {"IMEI" + self.imeis[10]},
        )

    def _assert_bounded_scans(self, plan, prefix, lengths):
        """The plan reads the range through stock_lot_serial_range_index, each of
        its scans with the prefix and the number's length (equal, or between two
        lengths) in its index condition: each starts and stops within its part of
        the range."""
        self.assertNotIn("Seq Scan", plan)
        self.assertNotIn("ROW(", plan)
        conditions = re.findall(
            r"stock_lot_serial_range_index.*\n\s*(?:->\s*)?Index Cond: (.*)", plan
        )
        self.assertTrue(conditions, plan)
        for condition in conditions:
            with self.subTest(condition=condition):
                self.assertRegex(condition, prefix, plan)
                self.assertRegex(condition, r"length\(\(serial_trailing_number\)", plan)
        for length in lengths:
            self.assertRegex(
                plan, rf"length\(\(serial_trailing_number\)::text\)\)? = {length}\)"
            )

    def test_each_range_bounded_in_the_index(self):
        imeis = f"{self.imeis[5]}..{self.imeis[30]}"
        self._assert_bounded_scans(self._plan(imeis), r"serial_prefix IS NULL", [15])
        self._assert_bounded_scans(
            self._plan("PRF000000100..PRF000000110"),
            r"serial_prefix(\)::text)? = 'PRF'",
            [3],
        )

    def test_range_over_several_lengths(self):
        """A range whose ends differ in length: one condition per length (the two
        ends' and those between), each bounded in the index's columns, which the
        planner reads as a bitmap OR of index range scans among many lots (this
        test's few lots are read as one scan of the prefix)."""
        Lot = self.env["stock.lot"].with_user(self.serial_user)
        query = Lot._search([("serial_range", "=", "PRF000000005..PRF000001000")])
        where = query.where_clause
        number = re.escape('"stock_lot"."serial_trailing_number"')
        length = rf"length\({number}\)"
        digits = rf'{number} COLLATE "C"'
        self.assertRegex(
            where.code,
            rf'"stock_lot"\."serial_prefix" = %s AND \('
            rf"\({length} = %s AND {digits} >= %s\) OR "
            rf"\({length} > %s AND {length} < %s\) OR "
            rf"\({length} = %s AND {digits} <= %s\)\)",
        )
        expected = ["PRF", 1, "5", 1, 4, 4, "1000"]
        self.assertIn(
            expected,
            [where.params[i : i + 7] for i in range(len(where.params))],
        )
        # no row comparison (length, digits) >= (1, '5')
        self.assertNotRegex(where.code, r"\) [<>]=? \(")

    def test_finer_statistics_of_the_numbers(self):
        """The install gives the trailing numbers a finer histogram (a range over two
        lengths estimated at about its size)."""
        self.env.cr.execute(
            """SELECT attstattarget FROM pg_attribute
                WHERE attrelid = 'stock_lot'::regclass
                  AND attname = 'serial_trailing_number'"""
        )
        self.assertGreaterEqual(self.env.cr.fetchone()[0], 1000)
