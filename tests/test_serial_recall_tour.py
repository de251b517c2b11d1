from odoo.tests import HttpCase, tagged

from .common import SerialDataMixin


@tagged("post_install", "-at_install")
class TestSerialRecallTour(SerialDataMixin, HttpCase):
    """In a real browser, a Serial Manager opens a recall for a range, locates and
    activates it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.stock_location = cls.env.ref("stock.warehouse0").lot_stock_id
        product = cls._create_serial_product("Recall Tour Phone", "RTOURP")
        cls.lots = cls._receive_serials(
            product, [f"RTOUR-{n:04d}" for n in range(1, 5)]
        )
        cls._create_user(
            "tour_recall_manager", "pos_serial_tracking.group_serial_manager"
        )

    def test_manager_locates_and_activates_a_recall(self):
        self.start_tour(
            "/odoo/action-pos_serial_tracking.serial_recall_action",
            "serial_recall_tour",
            login="tour_recall_manager",
        )
        recall = self.env["serial.recall"].search([("reason", "ilike", "charger")])
        self.assertEqual(recall.state, "active")
        self.assertEqual(
            self.lots.mapped("serial_state"),
            ["recalled", "recalled", "recalled", "in_stock"],
        )
        self.assertEqual(
            self.lots[0].audit_line_ids.sorted("chain_index")[-1].reference,
            recall.name,
        )
