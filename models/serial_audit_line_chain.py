from odoo import _, api, fields, models
from odoo.tools import SQL, format_datetime

from ..tools.serial_audit_hash import (
    STORED_FIELDS,
    ChainCount,
    ChainProblem,
    HistoryVerdict,
    digest_sql,
    hash_row,
)


class SerialAuditLine(models.Model):
    """The verification of serial.audit.line's hash chains: the integrity check of the
    whole ledger (verify_chain, action_verify_chain, the integrity report) and of one
    serial's history (its form, its certificate). How a row is hashed:
    tools/serial_audit_hash.py."""

    _inherit = "serial.audit.line"

    @api.model
    @api.readonly
    @api.returns("self", lambda line: line.id)
    def verify_chain(self):
        """Walk every serial's chain (of the current companies) and return the first
        audit line whose hash does not match its content, that does not link to the row
        before it, that follows a gap, or that is not the head its serial records.
        An empty recordset means the history is intact (over RPC: that line's id, or
        False)."""
        problems = self._find_chain_problems(limit=1)
        return self.browse(problems[0].line_id) if problems else self.browse()

    def action_verify_chain(self):
        self._check_integrity_rights()
        count = self._count_chains()
        problems = self._find_chain_problems(limit=20)
        self.env["serial.integrity.run"]._record(count.lines, count.serials, problems)
        if not problems:
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "type": "success",
                    "title": _("Serial history intact"),
                    "message": _(
                        "%(rows)s audit lines of %(lots)s serials checked: every hash "
                        "matches and no line is missing. The run is kept in Audit > "
                        "Integrity Runs.",
                        rows=count.lines,
                        lots=count.serials,
                    ),
                    "sticky": True,
                },
            }
        lines = self.browse([line_id for line_id, _reason in problems])
        return {
            "type": "ir.actions.act_window",
            "name": _("Audit lines failing the integrity check"),
            "res_model": "serial.audit.line",
            "view_mode": "list,form",
            "domain": [("id", "in", lines.ids)],
            "context": {"create": False},
            "help": _(
                "These lines were changed, or follow removed lines: %s",
                "; ".join(reason for _line, reason in problems),
            ),
        }

    # --- private helpers -------------------------------------------------------------
    @api.model
    def _count_chains(self):
        """The ChainCount (audit lines, serials) of the current companies' history."""
        self.env.cr.execute(
            SQL(
                "SELECT count(*), count(DISTINCT lot_id) FROM serial_audit_line WHERE "
                "company_id = ANY(%s)",
                self.env.companies.ids,
            )
        )
        return ChainCount(*self.env.cr.fetchone())

    @api.model
    def _find_chain_problems(self, limit, lot_ids=None, lengths=None):
        """[ChainProblem] for the first `limit` broken links, in chain order: a row
        whose hash does not match its content, a row that does not link to the row
        before it or follows a gap, a last row that is not the head its serial records.
        Every chain of the current companies, or the whole chains of the serials
        `lot_ids` (_walk_serial_chains). `lengths`, a dict, receives the length each
        walked serial's head records. May be overridden (with super()) to add a check.

        The whole ledger is checked set-based, in PostgreSQL, in two statements: the
        links (each row's position and previous hash against the row before it in its
        chain, the last row against the serial's head) walk the (lot_id, chain_index)
        index once; the digests (each row's hash recomputed from its stored previous
        hash and content) are counted in one scan, which PostgreSQL may share among
        parallel workers (only a changed ledger is scanned again for its lines, in
        chain order). Checked apart, they are the walk's check: a row is intact when
        its hash matches its content and its stored previous hash is the stored hash
        of the row before it."""
        self.flush_model()
        if lot_ids is not None:
            return self._walk_serial_chains(limit, lot_ids, lengths)
        cr = self.env.cr
        chains = SQL("line.company_id = ANY(%s)", self.env.companies.ids)
        found = []  # (lot id, chain index, order, ChainProblem)
        cr.execute(
            SQL(
                """WITH line AS (
                     SELECT line.id, line.lot_id, line.chain_index, line.lot_name,
                            line.hash,
                            line.chain_index IS DISTINCT FROM
                                COALESCE(lag(line.chain_index) OVER chain + 1, 1)
                            OR NULLIF(line.previous_hash, '') IS DISTINCT FROM
                                lag(line.hash) OVER chain AS gap,
                            lead(line.id) OVER chain IS NULL AS last
                       FROM serial_audit_line line
                      WHERE %s
                     WINDOW chain AS (PARTITION BY line.lot_id
                                      ORDER BY line.chain_index)
                   )
                   SELECT line.id, line.lot_id, line.chain_index, line.lot_name,
                          line.gap, line.last AND (head.length, head.hash)
                              IS DISTINCT FROM (line.chain_index, line.hash),
                          head.length
                     FROM line
                     LEFT JOIN serial_audit_head head
                            ON line.last AND head.lot_id = line.lot_id
                    WHERE line.gap OR (line.last AND (head.length, head.hash)
                              IS DISTINCT FROM (line.chain_index, line.hash))
                    ORDER BY line.lot_id, line.chain_index
                    LIMIT %s""",
                chains,
                limit,
            )
        )
        for line_id, lot_id, index, lot_name, gap, end, length in cr.fetchall():
            if gap:
                found.append((lot_id, index, 0, self._gap_problem(line_id, lot_name)))
            if end:
                problem = self._end_problem(line_id, lot_name, index, length)
                found.append((lot_id, index, 2, problem))
        gaps = {problem.line_id for _lot, _index, order, problem in found if not order}
        if self._changed_line_count(chains):
            cr.execute(
                SQL(
                    """SELECT line.id, line.lot_id, line.chain_index, line.lot_name
                         FROM serial_audit_line line
                        WHERE %s AND line.hash IS DISTINCT FROM %s
                        ORDER BY line.lot_id, line.chain_index
                        LIMIT %s""",
                    chains,
                    digest_sql("line"),
                    limit + len(gaps),
                )
            )
            found += [
                (lot_id, index, 1, self._changed_problem(line_id, lot_name))
                for line_id, lot_id, index, lot_name in cr.fetchall()
                # a row that does not link is reported as such, once
                if line_id not in gaps
            ]
        if lengths is not None:
            cr.execute(
                SQL(
                    """SELECT line.lot_id, COALESCE(head.length, 0)
                         FROM (SELECT DISTINCT line.lot_id FROM serial_audit_line line
                                WHERE %s) line
                         LEFT JOIN serial_audit_head head
                                ON head.lot_id = line.lot_id""",
                    chains,
                )
            )
            lengths.update(cr.fetchall())
        found.sort(key=lambda item: item[:3])
        return [problem for *_key, problem in found[:limit]]

    @api.model
    def _walk_serial_chains(self, limit, lot_ids, lengths=None):
        """_find_chain_problems for a few serials' whole chains (a serial's form, its
        certificate): their rows in chain order with their links and heads checked in
        one statement, their hashes recomputed by hash_row (for a few rows, cheaper
        than planning the digest in SQL)."""
        self.env.cr.execute(
            SQL(
                """SELECT line.id, line.previous_hash, line.hash,
                          line.chain_index IS DISTINCT FROM
                              COALESCE(lag(line.chain_index) OVER chain + 1, 1)
                          OR NULLIF(line.previous_hash, '') IS DISTINCT FROM
                              lag(line.hash) OVER chain,
                          lead(line.id) OVER chain IS NULL AND (head.length, head.hash)
                              IS DISTINCT FROM (line.chain_index, line.hash),
                          head.length, %s
                     FROM serial_audit_line line
                     LEFT JOIN serial_audit_head head ON head.lot_id = line.lot_id
                    WHERE line.lot_id = ANY(%s)
                   WINDOW chain AS (PARTITION BY line.lot_id ORDER BY line.chain_index)
                    ORDER BY line.lot_id, line.chain_index""",
                SQL(", ").join(SQL.identifier("line", name) for name in STORED_FIELDS),
                list(lot_ids),
            )
        )
        problems = []
        for (
            line_id,
            previous,
            digest,
            gap,
            end,
            length,
            *values,
        ) in self.env.cr.fetchall():
            row = dict(zip(STORED_FIELDS, values, strict=True))
            row["date"] = fields.Datetime.to_string(row["date"])
            name, index = row["lot_name"], row["chain_index"]
            if lengths is not None:
                lengths[row["lot_id"]] = length or 0
            if gap:
                problems.append(self._gap_problem(line_id, name))
            elif hash_row(previous, row) != digest:
                problems.append(self._changed_problem(line_id, name))
            if end:
                problems.append(self._end_problem(line_id, name, index, length))
        return problems[:limit]

    @api.model
    def _changed_line_count(self, chains):
        """How many rows of the `chains` (an SQL condition on the alias `line`) do not
        hash to their stored hash: every row's digest, in no order, counted by an
        aggregate PostgreSQL can share among parallel workers (which return one row
        each). Only a ledger found changed is walked again for the lines, in chain
        order."""
        self.env.cr.execute(
            SQL(
                """SELECT count(*) FROM serial_audit_line line
                    WHERE %s AND line.hash IS DISTINCT FROM %s""",
                chains,
                digest_sql("line"),
            )
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _gap_problem(self, line_id, lot_name):
        """The ChainProblem of a line that does not link to the line before it."""
        return ChainProblem(
            line_id,
            _(
                "line %(line)s of serial %(lot)s follows a gap: the line before it was "
                "removed or changed",
                line=line_id,
                lot=lot_name,
            ),
        )

    @api.model
    def _changed_problem(self, line_id, lot_name):
        """The ChainProblem of a line whose hash does not match its content."""
        return ChainProblem(
            line_id,
            _(
                "line %(line)s of serial %(lot)s was changed after it was written",
                line=line_id,
                lot=lot_name,
            ),
        )

    @api.model
    def _end_problem(self, line_id, lot_name, index, length):
        """The ChainProblem of a chain ending before its head: the serial records the
        length and last hash of its chain, a removed last row leaves a chain shorter
        than recorded."""
        return ChainProblem(
            line_id,
            _(
                "serial %(lot)s records %(length)s events but its history ends at "
                "event %(index)s: lines after it were removed or changed",
                lot=lot_name,
                length=length,
                index=index,
            ),
        )

    @api.model
    def _history_length(self, lot):
        """The number of events the serial `lot`'s history head records (0: none)."""
        lot.ensure_one()
        self.flush_model()
        self.env.cr.execute(
            "SELECT length FROM serial_audit_head WHERE lot_id = %s", [lot.id]
        )
        row = self.env.cr.fetchone()
        return row[0] if row else 0

    @api.model
    def _history_verdict(self, lot):
        """The HistoryVerdict of the serial `lot`'s own chain (its form shows it): the
        number of events intact, or the first event that is not. May be overridden
        (with super()) to word it otherwise."""
        if not lot.id:
            return HistoryVerdict(False, False)
        lengths = {}
        problems = self._find_chain_problems(limit=1, lot_ids=[lot.id], lengths=lengths)
        # a chain that verifies ends at the length its head records
        recorded = lengths.get(lot.id) or self._history_length(lot)
        if not problems and (lot.id in lengths or not recorded):
            return HistoryVerdict(
                True,
                _("History verified: %(count)s events intact.", count=recorded)
                if recorded
                else _("No event recorded yet."),
            )
        if problems:
            line = self.sudo().browse(problems[0].line_id)
            return HistoryVerdict(
                False,
                _(
                    "History broken at event %(index)s (%(event)s, %(date)s): "
                    "%(reason)s. Tell a Serial Auditor: this history was changed "
                    "outside Odoo.",
                    index=line.chain_index,
                    event=lot._event_label(line.event),
                    date=format_datetime(self.env, line.date),
                    reason=problems[0].reason,
                ),
            )
        # every line removed, the head left
        return HistoryVerdict(
            False,
            _(
                "History broken: serial %(serial)s records %(count)s events but "
                "none is left. Tell a Serial Auditor: this history was changed "
                "outside Odoo.",
                serial=lot.name,
                count=recorded,
            ),
        )
