from odoo import fields, models


class SerialAuditHead(models.Model):
    """Where each serial's history ends: its length and last hash, written with every
    append. A removed last line leaves a history shorter than its head says. Kept apart
    from stock.lot so that bulk registration writes narrow rows instead of rewriting
    wide lot rows."""

    _name = "serial.audit.head"
    _description = "Serial History Head"
    _log_access = False

    lot_id = fields.Many2one(
        "stock.lot", required=True, ondelete="restrict", readonly=True
    )
    # the chain's length (not the `length` attribute of Odoo's old API)
    length = fields.Integer(  # pylint: disable=attribute-deprecated
        required=True, readonly=True
    )
    hash = fields.Char(required=True, readonly=True)

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        ("lot_unique", "UNIQUE(lot_id)", "A serial has one history head."),
    ]
