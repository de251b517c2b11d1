from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.serial_audit_hash import (
    STORED_FIELDS,
    digest_sql,
    hash_row,
    hashed_column_sql,
)
from ..tools.serial_copy import copy_rows
from ..tools.serial_lifecycle import EVENTS, SERIAL_STATES

INSERT_CHUNK = 5000
COPY_THRESHOLD = 200  # rows; above it, COPY (bulk registration, install)
INSERT_COLUMNS = (*STORED_FIELDS, "previous_hash", "hash")


class SerialAuditLine(models.Model):
    """The append-only event log of serialized units, one hash chain per serial.

    Each row links to the previous row of the same serial (`previous_hash`) and carries
    its position in that chain (`chain_index`, unique per serial, so two transactions
    can never fork a chain); the serial's row holds the chain's length and last hash, so
    a removed last row is noticed too. One chain per serial lets tills selling different
    units append without waiting on each other. Rows are written by
    `stock.lot._apply_serial_events` only; a database trigger refuses UPDATE, DELETE and
    TRUNCATE, whoever asks. How a row is hashed: tools/serial_audit_hash.py; how the
    chains are verified: serial_audit_line_chain.py; the ledger's fingerprint:
    serial_audit_line_fingerprint.py."""

    _name = "serial.audit.line"
    _description = "Serial Audit Line"
    _order = "date desc, id desc"
    _rec_name = "event"
    # who and when are `user_id` and `date`, hashed; bulk registration writes a line per
    # serial, so the line carries no other foreign key nor index than it needs
    _log_access = False

    @api.model
    def _selection_document_model(self):
        return [
            (model.model, model.name)
            for model in self.env["ir.model"].sudo().search([])
        ]

    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        required=True,
        ondelete="restrict",
        readonly=True,
    )  # searched through the (lot_id, chain_index) unique index
    lot_name = fields.Char(string="Serial", required=True, readonly=True)
    product_id = fields.Many2one("product.product", readonly=True, ondelete="restrict")
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    chain_index = fields.Integer(required=True, readonly=True)
    event = fields.Selection(EVENTS, required=True, readonly=True)
    old_state = fields.Selection(SERIAL_STATES, string="State Before", readonly=True)
    new_state = fields.Selection(SERIAL_STATES, string="State After", readonly=True)
    user_id = fields.Many2one("res.users", required=True, readonly=True)
    date = fields.Datetime(required=True, readonly=True, index=True)
    res_model = fields.Char(string="Source Model", readonly=True)
    # indexed: the serials a document touched (a POS order's smart button)
    res_id = fields.Many2oneReference(
        string="Source Record",
        model_field="res_model",
        readonly=True,
        index="btree_not_null",
    )
    reference = fields.Char(string="Source Document", readonly=True)
    document_ref = fields.Reference(
        selection="_selection_document_model",
        string="Document",
        compute="_compute_document_ref",
        help="The source document, when it still exists and you may read it.",
    )
    # no personal data in a hashed row: the partner's pseudonym, linked to the person
    # in a mutable table (merged and erased there); a till or a user in the history
    # cannot be deleted (archive them), their names can still change
    partner_ref_id = fields.Many2one(
        "serial.partner.ref",
        string="Partner Reference",
        readonly=True,
        ondelete="restrict",
        index="btree_not_null",
    )
    partner_id = fields.Many2one(related="partner_ref_id.partner_id")
    pos_config_id = fields.Many2one(
        "pos.config", string="Point of Sale", readonly=True, ondelete="restrict"
    )
    # where a unit went: the stock moves' events (moved, received, sold...)
    location_id = fields.Many2one(
        "stock.location", string="From", readonly=True, ondelete="restrict"
    )
    location_dest_id = fields.Many2one(
        "stock.location", string="To", readonly=True, ondelete="restrict"
    )
    note = fields.Text(readonly=True)
    previous_hash = fields.Char(readonly=True)
    hash = fields.Char(required=True, readonly=True)

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        (
            "lot_chain_index_unique",
            "UNIQUE(lot_id, chain_index)",
            "An audit line already holds this position in the serial's history.",
        ),
    ]

    @api.depends("res_model", "res_id")
    @api.depends_context("uid")
    def _compute_document_ref(self):
        """A link to the source document, for the documents that still exist and the
        user may read (the others keep their name in `reference`)."""
        readable = set()
        for model, lines in self.grouped("res_model").items():
            if model and model in self.env:
                documents = self.env[model].browse(
                    [res_id for res_id in set(lines.mapped("res_id")) if res_id]
                )
                readable.update(
                    (model, document.id)
                    for document in documents.exists()._filtered_access("read")
                )
        for line in self:
            line.document_ref = (
                f"{line.res_model},{line.res_id}"
                if (line.res_model, line.res_id) in readable
                else False
            )

    def init(self):
        # append-only whoever asks: the ORM, the superuser, or plain SQL
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION serial_audit_line_refuse_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'serial_audit_line is append-only: % refused', TG_OP
                    USING ERRCODE = 'insufficient_privilege',
                          HINT = 'Audit lines cannot be changed or removed; '
                                 || 'record a new event instead.';
            END $$;
            DROP TRIGGER IF EXISTS serial_audit_line_append_only ON serial_audit_line;
            CREATE TRIGGER serial_audit_line_append_only
                BEFORE UPDATE OR DELETE ON serial_audit_line
                FOR EACH ROW EXECUTE FUNCTION serial_audit_line_refuse_change();
            DROP TRIGGER IF EXISTS serial_audit_line_no_truncate ON serial_audit_line;
            CREATE TRIGGER serial_audit_line_no_truncate
                BEFORE TRUNCATE ON serial_audit_line
                FOR EACH STATEMENT EXECUTE FUNCTION serial_audit_line_refuse_change();
            """
        )

    # --- CRUD: append-only -----------------------------------------------------------
    # append-only: refused, so Odoo's create and write are deliberately not called
    @api.model_create_multi
    def create(self, vals_list):  # pylint: disable=method-required-super
        raise UserError(
            _(
                "Audit lines are written by the serial operations themselves "
                "(receipts, sales, returns, repairs, the actions on a serial). Record "
                "the event through them."
            )
        )

    def write(self, vals):  # pylint: disable=method-required-super
        raise UserError(
            _(
                "Audit lines cannot be changed: the history of a serial is "
                "append-only. Record a new event on the serial instead."
            )
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_append_only(self):
        raise UserError(
            _("Audit lines cannot be deleted: the history of a serial is append-only.")
        )

    # --- private helpers -------------------------------------------------------------
    def _check_integrity_rights(self):
        """The integrity check and the fingerprint are for Serial Auditors and Serial
        Managers, reading the audit lines (and for code in superuser mode)."""
        if self.env.su:
            return
        if not self.env.user.has_group(
            "pos_serial_tracking.group_serial_auditor"
        ) and not self.env.user.has_group("pos_serial_tracking.group_serial_manager"):
            raise AccessError(
                _(
                    "Only Serial Auditors and Serial Managers can run the integrity "
                    "check."
                )
            )
        self.check_access("read")

    @api.model
    def _serials_by_document(self, documents):
        """{document id: the serials whose history names it}, read with the user's
        rights (only Serial Users and Auditors read the history)."""
        groups = self._read_group(
            [
                ("res_model", "=", documents._name),
                ("res_id", "in", [id_ for id_ in documents.ids if id_]),  # saved ones
            ],
            ["res_id"],
            ["lot_id:array_agg"],
        )
        Lot = self.env["stock.lot"]
        return {res_id: Lot.browse(sorted(set(lot_ids))) for res_id, lot_ids in groups}

    @api.model
    def _insert_chained(self, heads, rows, new_chains=False, also=None):
        """Insert `rows` (dicts of STORED_FIELDS, chain fields left out; a partner
        given as `partner_id` is stored as its `partner_ref_id`) in order, chaining
        each to its serial's head, and save the new heads. `heads` maps lot id
        to (length, last hash) as read under the serials' row locks by the caller; it is
        updated in place. `new_chains`: the serials were created by this transaction and
        have no head yet (bulk registration), so the heads are added without an
        upsert. A row may also give the stored fields another module adds to the line
        (see _extra_columns): they are written as given, outside the hash. `also`:
        an SQL statement (the serials' UPDATE) run with the lines, in the same
        statement when they are few (one round trip for a state change)."""
        if not rows:
            return
        # a row names its partner by pseudonym only (see serial.partner.ref)
        partners = [row.pop("partner_id", None) for row in rows]
        if any(partners):
            refs = self.env["serial.partner.ref"]._ref_ids(partners)
            for row, partner_id in zip(rows, partners, strict=True):
                if partner_id:
                    row["partner_ref_id"] = refs[partner_id]
        extra = self._extra_columns(rows)
        columns = (*INSERT_COLUMNS, *extra)

        def chained():
            for row in rows:
                length, previous = heads[row["lot_id"]]
                row["chain_index"] = length + 1
                digest = hash_row(previous, row)
                heads[row["lot_id"]] = (length + 1, digest)
                # as hashed: a missing or empty value is NULL
                yield [
                    *[row.get(name) or None for name in STORED_FIELDS],
                    previous or None,
                    digest,
                    *[row.get(name) or None for name in extra],
                ]

        if len(rows) > COPY_THRESHOLD:
            # hashed as COPY sends them: PostgreSQL writes while Python hashes
            copy_rows(self.env.cr, "serial_audit_line", columns, chained())
        elif len(rows) <= COPY_THRESHOLD:
            # the lines, the heads (and `also`) in one statement
            values = list(map(tuple, chained()))  # a tuple is a row of VALUES
            saved = {row["lot_id"]: heads[row["lot_id"]] for row in rows}
            statements = [
                SQL(
                    "INSERT INTO serial_audit_line (%s) VALUES %s",
                    SQL(", ").join(SQL.identifier(name) for name in columns),
                    SQL(", ").join(SQL("%s", value) for value in values),
                ),
                *([also] if also is not None else []),
            ]
            self.env.cr.execute(
                SQL(
                    "WITH %s %s",
                    SQL(", ").join(
                        SQL("%s AS (%s)", SQL.identifier(f"step_{index}"), statement)
                        for index, statement in enumerate(statements)
                    ),
                    _upsert_heads_sql(saved),
                )
            )
            self.invalidate_model()
            self.env["serial.audit.head"].invalidate_model()
            return
        else:
            values = list(map(tuple, chained()))  # a tuple is a row of VALUES
            for start in range(0, len(values), INSERT_CHUNK):
                self.env.cr.execute(
                    SQL(
                        "INSERT INTO serial_audit_line (%s) VALUES %s",
                        SQL(", ").join(SQL.identifier(name) for name in columns),
                        SQL(", ").join(
                            SQL("%s", value)
                            for value in values[start : start + INSERT_CHUNK]
                        ),
                    )
                )
        self._save_heads(
            {row["lot_id"]: heads[row["lot_id"]] for row in rows}, new_chains
        )
        self.invalidate_model()
        if also is not None:
            self.env.cr.execute(also)

    @api.model
    def _insert_new_chains(self, lines, extra_columns=()):
        """Insert the first line of new chains and their heads in one statement, the
        hashes computed by PostgreSQL with the verifier's own expression
        (serial_audit_hash.digest_sql), so that they are byte for byte what
        _insert_chained writes. `lines`: an SQL query of one row per serial created
        by this transaction (bulk registration: no head yet, nothing to merge with),
        a column per STORED_FIELDS but chain_index (a partner as partner_ref_id), and
        one per name of `extra_columns`: stored fields another module adds to the
        line (see _extra_columns), written as the query gives them, outside the
        hash."""
        given = [name for name in STORED_FIELDS if name != "chain_index"]
        extra = self._check_extra_columns(extra_columns)

        self.env.cr.execute(
            SQL(
                """WITH line AS (
                     SELECT 1 AS chain_index, NULL::varchar AS previous_hash, %s
                       FROM (%s) given
                   ), written AS (
                     INSERT INTO serial_audit_line (%s)
                     SELECT %s, line.previous_hash, %s FROM line
                     RETURNING lot_id, hash
                   )
                   INSERT INTO serial_audit_head (lot_id, length, hash)
                   SELECT lot_id, 1, hash FROM written""",
                # as hashed: a missing or empty value is NULL
                SQL(", ").join(
                    [
                        *(hashed_column_sql("given", name) for name in given),
                        *(SQL.identifier("given", name) for name in extra),
                    ]
                ),
                lines,
                SQL(", ").join(
                    SQL.identifier(name) for name in (*INSERT_COLUMNS, *extra)
                ),
                SQL(", ").join(SQL.identifier("line", name) for name in STORED_FIELDS),
                SQL(", ").join(
                    [digest_sql("line"), *(SQL.identifier("line", n) for n in extra)]
                ),
            )
        )
        self.invalidate_model()
        self.env["serial.audit.head"].invalidate_model()

    @api.model
    def _extra_columns(self, rows):
        """The names, sorted, of the columns beyond the ledger's own (STORED_FIELDS)
        that the dicts `rows` give: stored fields another module adds to the line
        (filled by its override of stock.lot._serial_audit_values), written as
        given, outside the hash (the chain's hash covers the ledger's own columns
        only, so it verifies whatever a module adds). Values are what the column
        stores (an id, a string, a date), an empty one stored as NULL. A key that is
        no stored field of the line raises ValueError."""
        names = set().union(*rows).difference(STORED_FIELDS)
        return self._check_extra_columns(names) if names else ()

    @api.model
    def _check_extra_columns(self, names):
        """`names`, sorted, when each is a stored field a module added to the line
        (not one of the ledger's own nor of the chain's), else ValueError."""
        names = sorted(names)
        refused = [
            name
            for name in names
            if name in INSERT_COLUMNS
            or name in models.MAGIC_COLUMNS
            or not (field := self._fields.get(name))
            or not field.store
            or not field.column_type
        ]
        if refused:
            raise ValueError(
                f"Unknown audit line column(s) {', '.join(map(repr, refused))}: an "
                f"audit line takes its own fields ({', '.join(STORED_FIELDS)}), a "
                f"partner as partner_id, and the stored fields a module adds to "
                f"serial.audit.line."
            )
        return tuple(names)

    def _save_heads(self, heads, new_chains=False):
        cr = self.env.cr
        if new_chains and len(heads) > COPY_THRESHOLD:
            # no other transaction can see these serials: nothing to merge with
            copy_rows(
                cr,
                "serial_audit_head",
                ("lot_id", "length", "hash"),
                [(lot_id, *head) for lot_id, head in heads.items()],
            )
            self.env["serial.audit.head"].invalidate_model()
            return
        if len(heads) <= COPY_THRESHOLD:
            cr.execute(_upsert_heads_sql(heads))
            self.env["serial.audit.head"].invalidate_model()
            return
        cr.execute(
            "CREATE TEMP TABLE IF NOT EXISTS serial_audit_head_new "
            "(lot_id int, length int, hash varchar) ON COMMIT DROP"
        )
        copy_rows(
            cr,
            "serial_audit_head_new",
            ("lot_id", "length", "hash"),
            [(lot_id, *head) for lot_id, head in heads.items()],
        )
        cr.execute(
            """INSERT INTO serial_audit_head (lot_id, length, hash)
               SELECT lot_id, length, hash FROM serial_audit_head_new
               ON CONFLICT (lot_id) DO UPDATE SET length = EXCLUDED.length,
                                                  hash = EXCLUDED.hash;
               TRUNCATE serial_audit_head_new"""
        )
        self.env["serial.audit.head"].invalidate_model()


def _upsert_heads_sql(heads):
    """The INSERT ... ON CONFLICT of the `heads` ({lot id: (length, last hash)})."""
    return SQL(
        """INSERT INTO serial_audit_head (lot_id, length, hash) VALUES %s
           ON CONFLICT (lot_id) DO UPDATE SET length = EXCLUDED.length,
                                              hash = EXCLUDED.hash""",
        SQL(", ").join(
            SQL("(%s, %s, %s)", lot_id, *head) for lot_id, head in heads.items()
        ),
    )
