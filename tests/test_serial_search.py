import base64

from odoo.tools import SQL

from odoo.addons.pos_serial_tracking.hooks import initialize_serial_states
from odoo.addons.pos_serial_tracking.models.serial_split import split_serial_sql

from .common import SerialTrackingCommon
from .test_stock_lot_import import csv_bytes

# names and the (prefix, trailing number) a search sees
SPLITS = {
    "SN-0100": ("SN-", "100"),
    "SN-100": ("SN-", "100"),
    "SN-000": ("SN-", "0"),
    "ABC": ("ABC", False),
    "0042": (False, "42"),
    "A1B2": ("A1B", "2"),
    "IMEI 356938035643809": ("IMEI ", "356938035643809"),
    "ICCID-89014103211118510720": ("ICCID-", "89014103211118510720"),
    "LOT 7-X": ("LOT 7-X", False),
    "SN-٣": ("SN-٣", False),  # an Arabic-Indic digit is not a trailing number
}


class TestSerialSplit(SerialTrackingCommon):
    """Every path that creates or renames a serial gives it its prefix and trailing
    number, the same on each path."""

    def _split(self, lots):
        return {
            lot.name: (lot.serial_prefix, lot.serial_trailing_number) for lot in lots
        }

    def test_orm_create_and_rename(self):
        lots = self.env["stock.lot"].create(
            [{"name": name, "product_id": self.phone.id} for name in SPLITS]
        )
        self.assertEqual(self._split(lots), SPLITS)
        lot = lots.filtered(lambda lot: lot.name == "ABC")
        lot.name = "XY-0007"
        self.assertEqual((lot.serial_prefix, lot.serial_trailing_number), ("XY-", "7"))
        # stored: a search finds the renamed serial by its new prefix
        self.assertEqual(
            self.env["stock.lot"].search([("serial_prefix", "=", "XY-")]), lot
        )

    def test_split_not_written_by_hand(self):
        lot = self.env["stock.lot"].create(
            {"name": "SN-1", "product_id": self.phone.id}
        )
        with self.assertRefused("follow its name: rename the serial"):
            lot.write({"serial_prefix": "OTHER-"})
        with self.assertRefused("follow its name"):
            self.env["stock.lot"].create(
                {
                    "name": "SN-2",
                    "product_id": self.phone.id,
                    "serial_trailing_number": "9",
                }
            )

    def test_sql_split_agrees_with_python(self):
        prefix, number = split_serial_sql(SQL("name"))
        self.env.cr.execute(
            SQL(
                "SELECT name, %s, %s FROM unnest(%s::varchar[]) AS name",
                prefix,
                number,
                list(SPLITS),
            )
        )
        self.assertEqual(
            {name: (p or False, n or False) for name, p, n in self.env.cr.fetchall()},
            SPLITS,
        )

    def test_import_sql_insert(self):
        wizard = (
            self.env["stock.lot.import"]
            .with_user(self.serial_user)
            .create(
                {
                    "file": base64.b64encode(
                        csv_bytes([["Serial", "Product"]] + [[n, "P1"] for n in SPLITS])
                    ),
                    "filename": "serials.csv",
                    "location_id": self.stock_location.id,
                }
            )
        )
        wizard.action_import()
        lots = self.env["stock.lot"].search(
            [("import_batch_id", "=", wizard.batch_id.id)]
        )
        self.assertEqual(self._split(lots), SPLITS)

    def test_install_hook(self):
        """Lots there before the addon (or written by SQL) get theirs at install."""
        names = ["OLD-0099", "OLD-100", "OLD"]
        self.env.cr.execute(
            """INSERT INTO stock_lot (name, product_id, company_id, create_uid,
                                      write_uid, create_date, write_date)
               SELECT name, %s, %s, 1, 1, now(), now() FROM unnest(%s) AS name
               RETURNING id""",
            [self.phone.id, self.env.company.id, names],
        )
        lots = self.env["stock.lot"].browse(row[0] for row in self.env.cr.fetchall())
        self.assertEqual(set(lots.mapped("serial_prefix")), {False})
        initialize_serial_states(self.env)
        self.assertEqual(
            self._split(lots),
            {
                "OLD-0099": ("OLD-", "99"),
                "OLD-100": ("OLD-", "100"),
                "OLD": ("OLD", False),
            },
        )
