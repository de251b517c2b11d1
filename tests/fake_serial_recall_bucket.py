"""A module adding a recall bucket and a count rule as an integrator would, loaded by
the recall extension test only (odoo-test-helper's FakeModelLoader): a unit in our
hands whose lot reference says QUARANTINE is held by quality control. A recall sorts
it in its own bucket, Quarantined (its count, its lines, the status report), and a
count never adjusts it out of stock: quality control settles it."""

from odoo import api, fields, models
from odoo.tools import SQL

QUARANTINE = "%QUARANTINE%"


class SerialRecallLine(models.Model):
    _inherit = "serial.recall.line"

    bucket = fields.Selection(
        selection_add=[("quarantined", "Quarantined")],
        ondelete={"quarantined": "cascade"},
    )

    @api.model
    def _recall_buckets(self):
        # listed right after In Stock, not last
        buckets = super()._recall_buckets()
        added = [bucket for bucket in buckets if bucket[0] == "quarantined"]
        others = [bucket for bucket in buckets if bucket[0] != "quarantined"]
        position = [key for key, _label in others].index("in_stock") + 1
        return others[:position] + added + others[position:]

    @api.model
    def _locate_bucket_sql(self):
        return SQL(
            "CASE WHEN lot.serial_state IN ('in_stock', 'returned') "
            "AND lot.ref ILIKE %s THEN %s ELSE %s END",
            QUARANTINE,
            "quarantined",
            super()._locate_bucket_sql(),
        )


class SerialRecall(models.Model):
    _inherit = "serial.recall"

    quarantined_count = fields.Integer(string="Quarantined", compute="_compute_counts")

    @api.model
    def _bucket_count_fields(self):
        return {**super()._bucket_count_fields(), "quarantined_count": "quarantined"}


class SerialCount(models.Model):
    _inherit = "serial.count"

    def _line_apply_result(self, line):
        result = super()._line_apply_result(line)
        if result == "adjusted_out" and "QUARANTINE" in (line.lot_id.ref or "").upper():
            return "left"  # quality control settles it, not the count
        return result
