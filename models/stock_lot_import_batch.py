from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools import serial_import_messages as messages
from ..tools.serial_import_reader import FileProblem
from ..tools.serial_import_records import ImportOptions, ImportRow

# the keys of a row given to register_serials, and of its options
ROW_KEYS = {f for f in ImportRow.__slots__ if f != "number"} | {"row"}
OPTION_KEYS = {
    "company_id",
    "product_id",
    "location_id",
    "valid_rows_only",
    "dry_run",
    "file_name",
    "file_sha256",
    "sheet_name",
}


class StockLotImportBatch(models.Model):
    """The kept record of one import of serials: who imported which file, when, and what
    came of it. Every serial it registered links to it, and its audit lines carry its
    name. Written once by the import wizard (stock.lot.import), never changed; a large
    file is queued and imported in the background (the _job concern), its progress
    and outcome shown here.

    Registering an import is a chain of methods, each overridable with super(), in
    this file and its concerns: _file (the file, its limits, sheets and rows), _check
    (the rows checked: _check_import_rows, _check_import_row), _sql (the lots and
    their history lines written set-based), _receipt (the receipt moves, stock and
    valuation), _orm (the ORM path, when a module overrides what the set-based writes
    stand in for) and _job (a large file in the background)."""

    _name = "stock.lot.import.batch"
    _inherit = ("mail.thread",)
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
    import_log = fields.Text(
        readonly=True,
        help="How the serials were written: set-based (SQL), or through the ORM when "
        "an installed module overrides a method the set-based path stands in for.",
    )
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
    # --- a large file imported in the background (the _job concern) ----------------
    state = fields.Selection(
        [
            ("queued", "Queued"),
            ("running", "Running"),
            ("done", "Done"),
            ("failed", "Failed"),
        ],
        default="done",
        required=True,
        readonly=True,
        index=True,
    )
    progress = fields.Float(readonly=True, help="How much of the import is done, in %.")
    failure_reason = fields.Text(readonly=True)
    product_id = fields.Many2one(
        "product.product", string="Default Product", readonly=True, check_company=True
    )
    attachment_id = fields.Many2one(
        "ir.attachment", string="Queued File", readonly=True, copy=False
    )
    column_positions = fields.Json(readonly=True, copy=False)
    expected_rows = fields.Integer(readonly=True, copy=False)
    staged_rows = fields.Integer(readonly=True, copy=False)
    file_read = fields.Boolean(readonly=True, copy=False)
    attempt_count = fields.Integer(readonly=True, copy=False)
    chunk_ids = fields.One2many(
        "stock.lot.import.chunk", "batch_id", readonly=True, groups="base.group_system"
    )

    @api.model_create_multi
    def create(self, vals_list):
        """A batch is written by the import alone (register_serials, the wizard, the
        queue), after their checks: created over RPC it would be a record of an import
        that never was."""
        if not self.env.su:
            raise AccessError(messages.batch_by_import_message(self.env))
        return super().create(vals_list)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_kept(self):
        raise UserError(
            _(
                "An import batch is kept as the record of where its serials come from "
                "and cannot be deleted."
            )
        )

    # --- the service ----------------------------------------------------------------
    @api.model
    def register_serials(self, rows, options=None):
        """Register serials in bulk, set-based: the serials, their `imported` history
        lines, and (with a location) their receipt in stock, valued. All or nothing,
        unless `valid_rows_only`. As the caller: their rights and companies apply.

        `rows`: dicts with `serial` (required), `product` (internal reference, barcode
        or name; default: options' product_id), `lot_ref`, `location` (full name,
        barcode or name of an internal location), `warranty_end` and `expiry_date`
        (YYYY-MM-DD), `batch`, `note`, and `row` (its number in messages; default: its
        position from 1). `options`: company_id (default: the current company),
        product_id, location_id, valid_rows_only, dry_run (check, write nothing),
        file_name, file_sha256, sheet_name.

        Returns {batch_id, row_count, new_count, received_count, existing_count,
        invalid_count, problems: [{row, serial, product, code, message}]}."""
        options = dict(options or {})
        unknown = set(options) - OPTION_KEYS
        if unknown:
            raise ValidationError(
                _(
                    "Unknown options %(options)s: use %(known)s.",
                    options=", ".join(sorted(unknown)),
                    known=", ".join(sorted(OPTION_KEYS)),
                )
            )
        max_rows = self._import_limits().max_rows
        if len(rows) > max_rows:
            raise self._import_file_error(FileProblem("too_many_rows", limit=max_rows))
        import_rows = [self._import_row(index, row) for index, row in enumerate(rows)]
        check, batch = self._import_rows(
            import_rows,
            self._import_options(options),
            dry_run=bool(options.get("dry_run")),
        )
        texts = self._import_row_problem_messages()
        return {
            "batch_id": batch.id,
            "row_count": check.row_count,
            "new_count": len(check.new_rows),
            "received_count": check.received_count,
            "existing_count": check.existing_count,
            "invalid_count": check.invalid_count,
            "problems": [
                {
                    "row": problem.number,
                    "serial": problem.serial,
                    "product": problem.product,
                    "code": problem.code,
                    "message": problem.message(texts),
                }
                for problem in check.problems
            ],
        }

    @api.model
    def _import_rows(self, rows, options, dry_run=False, batch=None):
        """Check `rows` (ImportRow) and, unless `dry_run`, register them: (the
        ImportCheck, the batch or an empty recordset). UserError, nothing written,
        when a row has a problem (unless valid_rows_only) or none is new. `batch`:
        the queued batch that records the import (default: a new one)."""
        self.check_access("create")  # who may import, even to check a file
        if not dry_run:
            self.env["stock.lot"].check_access("create")
        self._check_import_target(options.company, options.location)
        check = self._check_import_rows(rows, options)
        if dry_run:
            return check, self.browse()
        if check.problems and not options.valid_rows_only:
            reason = check.problems[0].message(self._import_row_problem_messages())
            raise UserError(messages.rows_refused_message(self.env, check, reason))
        if not check.new_rows:
            raise UserError(messages.nothing_new_message(self.env))
        if check.received_count:
            self.env["stock.move"].check_access("create")
        with self.env.cr.savepoint():
            batch = self._register_checked(check, options, batch)
        return check, batch

    @api.model
    def _register_checked(self, check, options, batch=None):
        """Create the serials of `check.new_rows` (ImportCheck), their `imported`
        history lines, the batch (or fill in the queued `batch`), and receive the rows
        with a location, in this transaction: set-based when no module overrides what
        that stands in for (_serial_import_overrides), else through the ORM
        (_register_through_orm). Returns the batch."""
        rows = check.new_rows
        self._lock_import_products(sorted({row.product_id for row in rows}))
        now = fields.Datetime.now()
        name = (
            batch.name
            if batch
            else self.env["ir.sequence"].next_by_code("stock.lot.import.batch")
        )
        found = self._serial_import_overrides()
        moves = self._create_import_receipt_moves(rows, name, now, done=not found)
        values = self._import_batch_values(check, options, name, now, moves)
        values["import_log"] = self._import_path_log(found)
        if batch:  # its own bookkeeping: the job checked the user's rights
            batch.sudo().write(values)
        else:  # the rights were checked by _import_rows (see create)
            batch = self.sudo().create(values).sudo(False)
        if found:
            batch._register_through_orm(rows, moves, options.file_name)
            return batch
        self.env.flush_all()
        lot_ids = self._new_import_lot_ids(len(rows))
        batch._insert_import_lots(rows, lot_ids, now, options.company)
        batch._append_import_audit_lines(rows, lot_ids, moves, now, options.file_name)
        if moves:
            batch._insert_import_stock(moves, now)
        self.env.invalidate_all()
        if moves:
            self._value_import_receipts(
                self.env["stock.move"].browse([move.id for move in moves.values()])
            )
        return batch

    @api.model
    def _import_batch_values(self, check, options, name, now, moves):
        """The values of the batch recording an import: its options, counts (of
        `check`) and receipt `moves` ({(product id, location id): ReceiptMove})."""
        return {
            "name": name,
            "company_id": options.company.id,
            "date": now,
            "file_name": options.file_name,
            "file_sha256": options.file_sha256,
            "sheet_name": options.sheet_name,
            "location_id": options.location.id,
            "valid_rows_only": options.valid_rows_only,
            "row_count": check.row_count,
            "created_count": len(check.new_rows),
            "received_count": check.received_count,
            "existing_count": check.existing_count,
            "invalid_count": check.invalid_count,
            "move_ids": [Command.set([move.id for move in moves.values()])],
        }

    @api.model
    def _check_import_target(self, company, location):
        """Serials go only into a company the user works in (the request's allowed
        companies, which Odoo checks against the user's), and are received only into
        an internal location of it: over RPC any id can be sent."""
        if self.env.su:
            return
        allowed = self.env.companies
        if company not in allowed:
            raise AccessError(messages.other_company_message(self.env, allowed))
        if location and location.usage != "internal":
            raise ValidationError(
                messages.not_internal_location_message(self.env, location, company)
            )
        if location:
            location.check_access("read")
            if location.company_id and location.company_id != company:
                raise ValidationError(
                    messages.other_company_location_message(self.env, location, company)
                )

    @api.model
    def _import_options(self, options):
        """The ImportOptions of register_serials' `options` (a dict of ids), the
        default product checked readable by the caller."""
        company = self.env["res.company"].browse(
            options.get("company_id") or self.env.company.id
        )
        product = self.env["product.product"].browse(options.get("product_id") or [])
        if product:
            product.check_access("read")
        return ImportOptions(
            company=company,
            product=product,
            location=self.env["stock.location"].browse(
                options.get("location_id") or []
            ),
            valid_rows_only=bool(options.get("valid_rows_only")),
            file_name=options.get("file_name"),
            file_sha256=options.get("file_sha256"),
            sheet_name=options.get("sheet_name"),
        )

    @api.model
    def _import_row(self, index, row):
        """The ImportRow of register_serials' `row` (a dict), at `index` in its list;
        ValidationError for a row that is not a dict of the known keys."""
        if not isinstance(row, dict) or set(row) - ROW_KEYS:
            raise ValidationError(
                _(
                    "Row %(row)s: give each row as a dict of %(keys)s.",
                    row=index + 1,
                    keys=", ".join(sorted(ROW_KEYS)),
                )
            )
        values = {key: value for key, value in row.items() if key != "row"}
        for key in ("serial", "product", "location"):
            values[key] = str(values.get(key) or "").strip()
        return ImportRow(number=row.get("row") or index + 1, **values)

    @api.model
    def _commit_import_job(self):
        """The background job's transaction boundary: commit what its slice did so
        far (an attempt counted, a chunk of rows staged), so that a worker killed
        later keeps it and the next wake-up resumes from there. Override it (with
        _rollback_import_job) to run the job inside a transaction you own, as the
        tests do (tests/test_stock_lot_import_background.py)."""
        # the job's own cursor (a cron worker's), committed by design: see above
        self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _rollback_import_job(self):
        """Undo what the background job's slice did since its last commit (a
        registration that failed), before it records the failure."""
        self.env.cr.rollback()

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

    def action_print_serial_labels(self):
        """The labels of the batch's units (report/serial_label_reports.xml)."""
        self.ensure_one()
        self.check_access("read")
        return self.env.ref(
            "pos_serial_tracking.stock_lot_report_serial_label"
        ).report_action(self.lot_ids, config=False)

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
