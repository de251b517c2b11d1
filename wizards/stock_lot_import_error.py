from odoo import Command, api, fields, models

PREVIEW_PROBLEMS = 50  # shown on the wizard; the error report lists every one


class StockLotImportError(models.TransientModel):
    """A row of the file that cannot be imported, and why (the first ones, shown on the
    wizard; the error report lists them all)."""

    _name = "stock.lot.import.error"
    _description = "Serial Import Problem"
    _order = "row"

    import_id = fields.Many2one("stock.lot.import", required=True, ondelete="cascade")
    row = fields.Integer(readonly=True)
    serial = fields.Char(readonly=True)
    product = fields.Char(readonly=True)
    reason = fields.Char(string="Problem", readonly=True)

    @api.model
    def _preview(self, check):
        """Commands replacing the shown problems by the first ones of `check`."""
        texts = self.env["stock.lot.import.batch"]._import_row_problem_messages()
        return [Command.clear()] + [
            Command.create(
                {
                    "row": problem.number,
                    "serial": problem.serial,
                    "product": problem.product,
                    "reason": problem.message(texts),
                }
            )
            for problem in check.problems[:PREVIEW_PROBLEMS]
        ]
