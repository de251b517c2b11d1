from odoo.tests import tagged

from .common import SerialTrackingCommon
from .test_serial_compliance_reports import RECALL_REPORT, CompliancePdfMixin
from .test_serial_recall import SerialRecallMixin


@tagged("post_install", "-at_install")
class TestSerialRecallBucketExtension(
    CompliancePdfMixin, SerialRecallMixin, SerialTrackingCommon
):
    """A module adding a recall bucket (serial.recall.line._locate_bucket_sql,
    _recall_buckets and serial.recall._bucket_count_fields with super(), the bucket
    added with selection_add) and a count rule (serial.count._line_apply_result):
    the recall a Serial Manager runs sorts the unit in the new bucket, in its
    counts, its lines and its status report; the count leaves the unit as it is."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        from .fake_serial_recall_bucket import (
            SerialCount,
            SerialRecall,
            SerialRecallLine,
        )

        cls._load_fake_models(SerialRecallLine, SerialRecall, SerialCount)
        names = ["QB-001", "QB-002", "QB-003", "QB-004"]
        cls.lots = dict(zip(names, cls._receive_serials(cls.phone, names), strict=True))
        cls.lots["QB-002"].ref = "Quarantine 2026-11"

    def test_recall_shows_the_added_bucket(self):
        self._deliver(self.lots["QB-004"], self.customer)
        recall = self._recall(serial_ranges="QB-001..QB-004")
        recall.action_locate()
        recall.action_activate()
        lines = self._lines(recall)
        self.assertEqual(
            [lines[name].bucket for name in sorted(lines)],
            ["in_stock", "quarantined", "in_stock", "sold"],
        )
        self.assertEqual(
            (
                recall.line_count,
                recall.in_stock_count,
                recall.quarantined_count,
                recall.sold_count,
            ),
            (4, 2, 1, 1),
        )
        # held like every unit in our hands: recalled, out of sale
        self.assertEqual(self.lots["QB-002"].serial_state, "recalled")
        action = recall.with_context(recall_bucket="quarantined").action_view_lines()
        self.assertEqual(
            self.env["serial.recall.line"]
            .with_user(self.serial_manager)
            .search(action["domain"])
            .lot_id.name,
            "QB-002",
        )
        text = self._pdf_text(RECALL_REPORT, recall, self.serial_manager)
        self.assertIn("Bucket In Stock: 2", text)
        self.assertIn("Bucket Quarantined: 1", text)
        self.assertIn("Bucket At a Customer: 1", text)
        self.assertIn("Affected units: 4", text)
        # the units per bucket in _recall_buckets' order: Quarantined after In Stock
        self.assertLess(text.index("Bucket In Stock"), text.index("Bucket Quarantined"))
        self.assertLess(
            text.index("Bucket Quarantined"), text.index("Bucket At a Customer")
        )
        open_part = text.split("Units Still Open (", 1)[1]
        self.assertIn("QB-002 [P1] Phone P1 Quarantined", open_part)

    def test_count_leaves_the_quarantined_unit(self):
        count = (
            self.env["serial.count"]
            .with_user(self.serial_manager)
            .create({"location_id": self.stock_location.id})
        )
        count.add_serials(["QB-001"])
        count.action_compare()
        self.assertEqual(count.missing_count, 3)
        count.action_apply()
        self.assertEqual(
            {
                line.serial: line.apply_result
                for line in count.line_ids
                if line.status == "missing"
            },
            {"QB-002": "left", "QB-003": "adjusted_out", "QB-004": "adjusted_out"},
        )
        self.assertEqual(self.lots["QB-002"].serial_state, "in_stock")
        self.assertEqual(self.lots["QB-003"].serial_state, "lost")
