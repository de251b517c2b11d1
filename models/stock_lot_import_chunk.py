from odoo import fields, models


class StockLotImportChunk(models.Model):
    """Rows of a queued import's file, read by the background job and kept until the
    import is registered (stock.lot.import.batch's _job concern): a job killed while
    reading resumes after the last chunk, the registration reads them all in its one
    transaction.
    Written and read by the job only."""

    _name = "stock.lot.import.chunk"
    _description = "Serial Import Rows Read"
    _order = "batch_id, sequence"

    batch_id = fields.Many2one(
        "stock.lot.import.batch", required=True, index=True, ondelete="cascade"
    )
    sequence = fields.Integer(required=True)
    rows = fields.Json(required=True, help="The rows, as ImportRow fields.")
