from odoo import fields, models

from .serial_lifecycle import SERIAL_STATES

BUCKETS = [
    ("in_stock", "In Stock"),
    ("sold", "At a Customer"),
    ("in_repair", "In Repair"),
    ("returned", "Returned"),
    ("lost_stolen", "Lost or Stolen"),
    ("scrapped", "Scrapped"),
    ("not_received", "Not in Our Custody"),
]
OUTREACH_STATES = [
    ("to_notify", "To Notify"),
    ("notified", "Notified"),
    ("acknowledged", "Acknowledged"),
    ("returned", "Returned"),
    ("remedied", "Remedied"),
    ("unreachable", "Unreachable"),
]
ANSWERS = [
    ("have_it", "I have it"),
    ("returned_it", "I returned it"),
    ("no_longer_have", "I no longer have it"),
]
RESOLUTIONS = [("released", "Released"), ("scrapped", "Scrapped")]


class SerialRecallLine(models.Model):
    """One affected unit of a recall: where it was when the recall located it (its
    bucket, location and customer), and how the outreach to its customer went."""

    _name = "serial.recall.line"
    _description = "Serial Recall Unit"
    _order = "recall_id, id"
    _check_company_auto = True

    recall_id = fields.Many2one(
        "serial.recall", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", related="recall_id.company_id", store=True, index=True
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial",
        required=True,
        index=True,
        ondelete="restrict",
        check_company=True,
    )
    product_id = fields.Many2one("product.product", readonly=True)
    serial_state = fields.Selection(related="lot_id.serial_state", string="State Now")
    bucket = fields.Selection(BUCKETS, required=True, readonly=True, index=True)
    state_at_locate = fields.Selection(SERIAL_STATES, readonly=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    outreach_state = fields.Selection(OUTREACH_STATES, index=True, readonly=True)
    notice_id = fields.Many2one("serial.recall.notice", readonly=True, index=True)
    answer = fields.Selection(ANSWERS, readonly=True)
    answer_date = fields.Datetime(readonly=True)
    resolution = fields.Selection(RESOLUTIONS, readonly=True)

    _sql_constraints = [
        (
            "recall_lot_unique",
            "unique(recall_id, lot_id)",
            "A unit is listed once per recall.",
        )
    ]
