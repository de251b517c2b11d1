from datetime import UTC, datetime

from odoo import _, api, models
from odoo.exceptions import AccessError
from odoo.tools import SQL, format_datetime

from ..tools.serial_audit_fingerprint import (
    BUCKET_BITS,
    Fingerprint,
    LedgerHeads,
    parse,
    seal,
)


class SerialAuditLine(models.Model):
    """The ledger's fingerprint (tools/serial_audit_fingerprint.py: what it holds):
    taken over the heads of the caller's companies' chains at one audit line, and
    checked later against the chains as they stood at that line."""

    _inherit = "serial.audit.line"

    @api.model
    def ledger_fingerprint(self):
        """A string an auditor keeps outside the database: one digest over the head of
        every serial's history the caller may read (the companies of the context; by
        default all of the user's) at this moment, with the time, the last audit line
        and the companies it covers. Serial Auditors and Serial Managers only."""
        self._check_integrity_rights()
        return self._take_fingerprint().text()

    @api.model
    @api.readonly
    def verify_fingerprint(self, fingerprint):
        """Whether the histories a kept `fingerprint` covers still end where they did
        when it was taken (events recorded since are fine): {"ok": bool, "message":
        what it means and what to do}. Serial Auditors and Serial Managers of the
        fingerprint's companies only."""
        self._check_integrity_rights()
        kept = parse(fingerprint)
        if not kept:
            return {
                "ok": False,
                "message": _(
                    "This is not a ledger fingerprint: expected "
                    "pst1:<time>:<line>:<companies>:<histories>:<digest>, as Get "
                    "Fingerprint gives it. Copy the whole fingerprint you kept and "
                    "check it again."
                ),
            }
        foreign = set(kept.company_ids) - set(self.env.user._get_company_ids())
        if foreign:
            raise AccessError(
                _(
                    "This fingerprint covers the serial histories of companies you "
                    "have no access to (ids %(companies)s): ask an auditor of those "
                    "companies to check it.",
                    companies=", ".join(map(str, sorted(foreign))),
                )
            )
        return self._check_fingerprint(kept)

    # --- private helpers -------------------------------------------------------------
    @api.model
    def _ledger_heads_as_of(self, company_ids, line_id):
        """The LedgerHeads (number of chains, digest of their heads) of the companies
        `company_ids` as they stood at the audit line `line_id`: each serial's last
        line among those with an id up to `line_id`, hashed as "lot:length:hash" lines
        in serial order."""
        self.env.cr.execute(
            SQL(
                """WITH head AS (
                     SELECT DISTINCT ON (line.lot_id) line.lot_id, line.chain_index,
                            line.hash
                       FROM serial_audit_line line
                      WHERE line.company_id = ANY(%s) AND line.id <= %s
                      -- the (lot_id, chain_index) index read backwards: no sort
                      ORDER BY line.lot_id DESC, line.chain_index DESC
                   ), bucket AS (
                     SELECT head.lot_id >> %s AS bucket, count(*) AS chains,
                            sha256(convert_to(string_agg(
                                concat_ws(':', head.lot_id, head.chain_index,
                                          head.hash),
                                E'\\n' ORDER BY head.lot_id), 'UTF8')) AS digest
                       FROM head
                      GROUP BY 1
                   )
                   SELECT COALESCE(sum(chains), 0)::int,
                          encode(sha256(COALESCE(
                              string_agg(digest, ''::bytea ORDER BY bucket), ''::bytea
                          )), 'hex')
                     FROM bucket""",
                list(company_ids),
                line_id,
                BUCKET_BITS,
            )
        )
        return LedgerHeads(*self.env.cr.fetchone())

    @api.model
    def _take_fingerprint(self):
        """The Fingerprint of the current companies' chains now, taken so that no
        audit line with an id up to its last one can commit after it (a later check
        would count it): under a SHARE lock on the audit lines, which waits for the
        appends in flight and holds new ones back until it is taken, and in a snapshot
        begun after that lock, i.e. a transaction of its own. Only a transaction that
        appended lines itself (they are part of the ledger it sees) takes it in place,
        without waiting (NOWAIT: Odoo retries the request)."""
        self.flush_model()
        if self._appended_here():
            self.env.cr.execute("LOCK TABLE serial_audit_line IN SHARE MODE NOWAIT")
            return self._take_fingerprint_now()
        with self.env.registry.cursor() as cr:
            cr.execute("SET LOCAL lock_timeout = '10s'")
            cr.execute("LOCK TABLE serial_audit_line IN SHARE MODE")
            return self.with_env(self.env(cr=cr))._take_fingerprint_now()

    @api.model
    def _appended_here(self):
        """Whether this transaction wrote audit lines (holds their table's write
        lock)."""
        self.env.cr.execute(
            """SELECT EXISTS (
                   SELECT 1 FROM pg_locks
                    WHERE pid = pg_backend_pid() AND granted
                      AND relation = 'serial_audit_line'::regclass
                      AND mode = 'RowExclusiveLock'
               )"""
        )
        return self.env.cr.fetchone()[0]

    @api.model
    def _take_fingerprint_now(self):
        """The Fingerprint of the current companies' chains in this transaction's
        snapshot (_take_fingerprint takes the lock that makes it final)."""
        company_ids = tuple(sorted(self.env.companies.ids))
        self.env.cr.execute(
            SQL(
                "SELECT COALESCE(max(id), 0) FROM serial_audit_line "
                "WHERE company_id = ANY(%s)",
                list(company_ids),
            )
        )
        line_id = self.env.cr.fetchone()[0]
        taken_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
        heads = self._ledger_heads_as_of(company_ids, line_id)
        return Fingerprint(
            taken_at,
            line_id,
            company_ids,
            heads.chains,
            seal(taken_at, line_id, company_ids, heads.chains, heads.digest),
        )

    @api.model
    def _check_fingerprint(self, fingerprint):
        """{"ok": bool, "message": a sentence} for the Fingerprint `fingerprint`,
        checked against the chains as they are now (verify_fingerprint checks the
        caller's rights first)."""
        self.flush_model()
        heads = self._ledger_heads_as_of(fingerprint.company_ids, fingerprint.line_id)
        chains = heads.chains
        when = format_datetime(self.env, fingerprint.taken_at)
        digest = seal(
            fingerprint.taken_at,
            fingerprint.line_id,
            fingerprint.company_ids,
            chains,
            heads.digest,
        )
        if digest == fingerprint.digest and chains == fingerprint.chains:
            return {
                "ok": True,
                "message": _(
                    "Fingerprint verified: the %(chains)s serial histories as they "
                    "stood on %(date)s (audit lines up to %(line)s) are unchanged. "
                    "Events recorded since are not covered: take a new fingerprint to "
                    "anchor them.",
                    chains=chains,
                    date=when,
                    line=fingerprint.line_id,
                ),
            }
        if chains != fingerprint.chains:
            change = _(
                "it covered %(kept)s serial histories, %(now)s remain",
                kept=fingerprint.chains,
                now=chains,
            )
        else:
            change = _(
                "of its %(chains)s serial histories, at least one no longer ends where "
                "it did",
                chains=chains,
            )
        return {
            "ok": False,
            "message": _(
                "Fingerprint NOT verified: the ledger was changed after %(date)s "
                "(audit lines up to %(line)s): %(change)s. A history was rewound, "
                "truncated or rewritten outside Odoo, or this fingerprint was altered. "
                "Run Verify Integrity to find the lines, and keep this fingerprint as "
                "evidence.",
                date=when,
                line=fingerprint.line_id,
                change=change,
            ),
        }
