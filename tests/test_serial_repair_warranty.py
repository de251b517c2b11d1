from freezegun import freeze_time

from odoo import Command
from odoo.tests import Form

from .common import SerialTrackingCommon


class TestSerialRepairWarranty(SerialTrackingCommon):
    """A repair order's Under Warranty follows its serial's warranty end: ticked when
    the unit's warranty runs until the repair's day or later, not when it ended or the
    unit has none; the user may still change it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.repair_user = cls._create_user(
            "repair_user",
            "stock.group_stock_user",
            "stock.group_production_lot",
            "sales_team.group_sale_salesman",
        )
        # Phone P1: 24 months of warranty from the sale. Sold on 2024-01-10: the
        # warranty runs until 2026-01-09 included.
        cls.sold, cls.sold_late, cls.in_stock = cls._receive_serials(
            cls.phone, ["RW-0001", "RW-0002", "RW-0003"]
        )
        with freeze_time("2024-01-10 10:00:00"):
            cls._deliver_now(cls.sold)
        with freeze_time("2025-06-01 10:00:00"):
            cls._deliver_now(cls.sold_late)
        cls.part = cls.env["product.product"].create(
            {"name": "Screen", "type": "consu", "list_price": 80.0}
        )

    @classmethod
    def _deliver_now(cls, lot):
        picking = cls._picking(
            cls, cls.warehouse.out_type_id, lot, partner=cls.customer
        )
        picking.button_validate()

    def _repair(self, lot, **values):
        return (
            self.env["repair.order"]
            .with_user(self.repair_user)
            .create(
                {
                    "product_id": self.phone.id,
                    "partner_id": self.customer.id,
                    "lot_id": lot.id,
                    **values,
                }
            )
        )

    def test_units_setup(self):
        self.assertEqual(str(self.sold.warranty_end_date), "2026-01-09")
        self.assertEqual(str(self.sold_late.warranty_end_date), "2027-05-31")
        self.assertFalse(self.in_stock.warranty_end_date)

    @freeze_time("2026-01-09 12:00:00")
    def test_last_day_of_warranty(self):
        self.assertTrue(self._repair(self.sold).under_warranty)

    @freeze_time("2026-01-10 12:00:00")
    def test_warranty_ended(self):
        self.assertFalse(self._repair(self.sold).under_warranty)
        self.assertTrue(self._repair(self.sold_late).under_warranty)

    @freeze_time("2025-03-01 12:00:00")
    def test_no_warranty(self):
        """A unit never sold has no warranty end; a repair without serial neither."""
        self.assertFalse(self._repair(self.in_stock).under_warranty)
        repair = (
            self.env["repair.order"]
            .with_user(self.repair_user)
            .create({"product_id": self.part.id, "partner_id": self.customer.id})
        )
        self.assertFalse(repair.under_warranty)

    @freeze_time("2025-03-01 12:00:00")
    def test_user_decides_last(self):
        """The user's own choice stays: given at creation, or changed afterwards."""
        self.assertFalse(self._repair(self.sold, under_warranty=False).under_warranty)
        self.assertTrue(self._repair(self.in_stock, under_warranty=True).under_warranty)
        repair = self._repair(self.sold)
        repair.under_warranty = False
        self.assertFalse(repair.under_warranty)

    @freeze_time("2026-03-01 12:00:00")
    def test_form_follows_serial(self):
        """In the form, choosing the serial ticks or unticks the box; the user may
        untick it and save."""
        form = Form(self.env["repair.order"].with_user(self.repair_user))
        form.partner_id = self.customer
        form.product_id = self.phone
        form.lot_id = self.sold_late
        self.assertTrue(form.under_warranty)
        form.lot_id = self.sold
        self.assertFalse(form.under_warranty, "warranty ended on 2026-01-09")
        form.lot_id = self.sold_late
        self.assertTrue(form.under_warranty)
        form.under_warranty = False
        repair = form.save()
        self.assertFalse(repair.under_warranty)
        self.assertEqual(repair.lot_id, self.sold_late)

    @freeze_time("2026-03-01 12:00:00")
    def test_other_serial_updates_parts_price(self):
        """Changing the serial of a quoted repair changes the warranty, and the
        parts' price on its quotation follows, as when the box is ticked by hand."""
        repair = self._repair(
            self.sold,
            move_ids=[
                Command.create(
                    {
                        "repair_line_type": "add",
                        "product_id": self.part.id,
                        "product_uom_qty": 1,
                    }
                )
            ],
        )
        self.assertFalse(repair.under_warranty)
        repair.action_create_sale_order()
        sale_line = repair.move_ids.sale_line_id
        self.assertEqual(sale_line.price_unit, 80.0)

        repair.lot_id = self.sold_late
        self.assertTrue(repair.under_warranty)
        self.assertEqual(sale_line.price_unit, 0.0)

        repair.lot_id = self.sold
        self.assertFalse(repair.under_warranty)
        self.assertEqual(sale_line.price_unit, 80.0)
