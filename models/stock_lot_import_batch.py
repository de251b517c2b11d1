from odoo import _, api, fields, models
from odoo.exceptions import UserError


class StockLotImportBatch(models.Model):
    """The kept record of one import of serials: who imported which file, when, and what
    came of it. Every serial it registered links to it, and its audit lines carry its
    name. Written once by the import wizard (stock.lot.import), never changed."""

    _name = "stock.lot.import.batch"
    _description = "Serial Import Batch"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Imported By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
    )
    date = fields.Datetime(
        string="Imported On",
        required=True,
        readonly=True,
        default=fields.Datetime.now,
    )
    file_name = fields.Char(readonly=True)
    file_sha256 = fields.Char(
        string="File SHA-256",
        readonly=True,
        help="The fingerprint of the imported file: the same file always gives the "
        "same value, so a copy kept elsewhere can be proven to be the one imported.",
    )
    sheet_name = fields.Char(string="Sheet", readonly=True)
    location_id = fields.Many2one(
        "stock.location",
        string="Received Into",
        readonly=True,
        check_company=True,
        help="The default location the serials were received into; a row of the file "
        "may name its own.",
    )
    valid_rows_only = fields.Boolean(readonly=True)
    row_count = fields.Integer(string="Rows", readonly=True)
    created_count = fields.Integer(string="Serials Registered", readonly=True)
    received_count = fields.Integer(string="Serials Received", readonly=True)
    existing_count = fields.Integer(
        string="Already Registered (Skipped)", readonly=True
    )
    invalid_count = fields.Integer(string="Invalid Rows (Skipped)", readonly=True)
    lot_ids = fields.One2many(
        "stock.lot", "import_batch_id", string="Serials", readonly=True
    )
    move_ids = fields.Many2many(
        "stock.move",
        string="Stock Moves",
        readonly=True,
        copy=False,
        help="The done stock moves that put the received serials in stock.",
    )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_kept(self):
        raise UserError(
            _(
                "An import batch is kept as the record of where its serials come from "
                "and cannot be deleted."
            )
        )

    def action_view_lots(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Serials of %(batch)s", batch=self.name),
            "res_model": "stock.lot",
            "view_mode": "list,form",
            "domain": [("import_batch_id", "=", self.id)],
            "context": {"create": False},
        }

    def action_view_moves(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("Moves of %(batch)s", batch=self.name),
            "res_model": "stock.move.line",
            "view_mode": "list,form",
            "domain": [("move_id", "in", self.move_ids.ids)],
            "context": {"create": False},
        }
