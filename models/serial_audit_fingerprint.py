"""The ledger's fingerprint: one digest over the head of every serial's chain (its lot,
length and last hash) at one moment, written as a short string an auditor keeps
outside the database. Not a model: serial.audit.line.ledger_fingerprint and
verify_fingerprint call take and verify.

    pst1:<UTC time>:<last line id>:<company ids>:<chains>:<digest>
    pst1:20261202T031500Z:1000000:1:1000000:9f86d08...

The fingerprint covers the chains of the caller's companies (those the caller may
read: the companies of the context, all of the user's by default), as they stood at
the last audit line it records. Checking it recomputes every chain's head as of that
line, from the lines with an id up to it (the ids, not the dates: the sequence gives
them, no clock), and compares with the kept digest; events recorded since have higher
ids and are left out, so they never break it. A chain rewound, truncated or rewritten
since, even with every hash recomputed, no longer ends on the kept head: the digest
differs. The time, line, companies and number of chains are sealed in the digest too:
a kept fingerprint edited by hand does not verify either."""

import hashlib
import re
from datetime import UTC, datetime
from typing import NamedTuple

from odoo.tools import SQL, format_datetime

VERSION = "pst1"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
PATTERN = re.compile(
    r"pst1:(?P<time>\d{8}T\d{6}Z):(?P<line>\d+):(?P<companies>\d+(?:-\d+)*)"
    r":(?P<chains>\d+):(?P<digest>[0-9a-f]{64})"
)
BUCKET_BITS = 16  # heads hashed by buckets of 65,536 serials: no huge string


class Fingerprint(NamedTuple):
    """A fingerprint's contents: `taken_at` (naive UTC), the last audit line it covers,
    its companies' ids (sorted), the number of chains and the sealed digest."""

    taken_at: datetime
    line_id: int
    company_ids: tuple
    chains: int
    digest: str

    def text(self):
        return ":".join(
            (
                VERSION,
                self.taken_at.strftime(TIME_FORMAT),
                str(self.line_id),
                "-".join(map(str, self.company_ids)),
                str(self.chains),
                self.digest,
            )
        )


def parse(text):
    """The Fingerprint written in `text`, or None when it is not one."""
    match = PATTERN.fullmatch((text or "").strip())
    if not match:
        return None
    try:
        taken_at = datetime.strptime(match["time"], TIME_FORMAT)
    except ValueError:
        return None
    return Fingerprint(
        taken_at,
        int(match["line"]),
        tuple(int(company) for company in match["companies"].split("-")),
        int(match["chains"]),
        match["digest"],
    )


def heads_as_of(env, company_ids, line_id):
    """(number of chains, digest of their heads) of the companies `company_ids` as
    they stood at the audit line `line_id`: each serial's last line among those with
    an id up to `line_id`, hashed as "lot:length:hash" lines in serial order."""
    env.cr.execute(
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
                            concat_ws(':', head.lot_id, head.chain_index, head.hash),
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
    return env.cr.fetchone()


def seal(taken_at, line_id, company_ids, chains, heads_digest):
    """The digest kept in the fingerprint: the heads' digest and what the fingerprint
    says about them, so that none of it can be edited."""
    fields_ = Fingerprint(taken_at, line_id, tuple(company_ids), chains, heads_digest)
    return hashlib.sha256(fields_.text().encode()).hexdigest()


def take(env):
    """The Fingerprint of the current companies' chains now, taken so that no audit
    line with an id up to its last one can commit after it (a later check would count
    it): under a SHARE lock on the audit lines, which waits for the appends in flight
    and holds new ones back until it is taken, and in a snapshot begun after that
    lock, i.e. a transaction of its own. Only a transaction that appended lines itself
    (they are part of the ledger it sees) takes it in place, without waiting (NOWAIT:
    Odoo retries the request)."""
    env["serial.audit.line"].flush_model()
    if appended_here(env.cr):
        env.cr.execute("LOCK TABLE serial_audit_line IN SHARE MODE NOWAIT")
        return _take(env)
    with env.registry.cursor() as cr:
        cr.execute("SET LOCAL lock_timeout = '10s'")
        cr.execute("LOCK TABLE serial_audit_line IN SHARE MODE")
        return _take(env(cr=cr))


def appended_here(cr):
    """Whether the transaction of `cr` wrote audit lines (holds their table's write
    lock)."""
    cr.execute(
        """SELECT EXISTS (
               SELECT 1 FROM pg_locks
                WHERE pid = pg_backend_pid() AND granted
                  AND relation = 'serial_audit_line'::regclass
                  AND mode = 'RowExclusiveLock'
           )"""
    )
    return cr.fetchone()[0]


def _take(env):
    company_ids = tuple(sorted(env.companies.ids))
    env.cr.execute(
        SQL(
            "SELECT COALESCE(max(id), 0) FROM serial_audit_line "
            "WHERE company_id = ANY(%s)",
            list(company_ids),
        )
    )
    line_id = env.cr.fetchone()[0]
    taken_at = datetime.now(UTC).replace(tzinfo=None, microsecond=0)
    chains, heads_digest = heads_as_of(env, company_ids, line_id)
    return Fingerprint(
        taken_at,
        line_id,
        company_ids,
        chains,
        seal(taken_at, line_id, company_ids, chains, heads_digest),
    )


def verify(env, fingerprint):
    """{"ok": bool, "message": a sentence} for the Fingerprint `fingerprint`, checked
    against the chains as they are now."""
    env["serial.audit.line"].flush_model()
    chains, heads_digest = heads_as_of(
        env, fingerprint.company_ids, fingerprint.line_id
    )
    when = format_datetime(env, fingerprint.taken_at)
    digest = seal(
        fingerprint.taken_at,
        fingerprint.line_id,
        fingerprint.company_ids,
        chains,
        heads_digest,
    )
    if digest == fingerprint.digest and chains == fingerprint.chains:
        return {
            "ok": True,
            "message": env._(
                "Fingerprint verified: the %(chains)s serial histories as they stood "
                "on %(date)s (audit lines up to %(line)s) are unchanged. Events "
                "recorded since are not covered: take a new fingerprint to anchor "
                "them.",
                chains=chains,
                date=when,
                line=fingerprint.line_id,
            ),
        }
    if chains != fingerprint.chains:
        change = env._(
            "it covered %(kept)s serial histories, %(now)s remain",
            kept=fingerprint.chains,
            now=chains,
        )
    else:
        change = env._(
            "of its %(chains)s serial histories, at least one no longer ends where "
            "it did",
            chains=chains,
        )
    return {
        "ok": False,
        "message": env._(
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
