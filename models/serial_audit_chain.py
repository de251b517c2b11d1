"""The hash chain of serial.audit.line: what a row's hash covers, how it is computed,
and how the chains are verified. Not a model: serial.audit.line hashes the rows it
appends with hash_row and verifies with find_chain_problems (verify_chain, the
integrity check); stock.lot's history verdict is history_verdict, through
serial.audit.line._history_verdict.

A row's hash is sha256(previous hash + canonical JSON of the row); each row carries its
position in its serial's chain (chain_index) and the serial's head (serial.audit.head)
records the chain's length and last hash, so a changed row, a removed row and a removed
last row are all found."""

import hashlib
import json
from typing import NamedTuple

from odoo import fields
from odoo.tools import SQL, format_datetime

# the columns a row's hash covers, in the canonical JSON (sorted keys)
HASHED_FIELDS = (
    "chain_index",
    "lot_id",
    "lot_name",
    "product_id",
    "company_id",
    "event",
    "old_state",
    "new_state",
    "user_id",
    "date",
    "res_model",
    "res_id",
    "reference",
    "partner_ref_id",
    "pos_config_id",
    "note",
)
# hashed only when set (then in the canonical JSON, sorted with the others): the lines
# written before these columns existed, and the events that have no location, hash
# exactly as before
HASHED_IF_SET = ("location_id", "location_dest_id")
STORED_FIELDS = (*HASHED_FIELDS, *HASHED_IF_SET)
# the characters json.dumps escapes in a string (a PostgreSQL regular expression)
JSON_ESCAPED = r'[\x01-\x1f"\\]'
INTEGER_FIELDS = frozenset(
    {
        "chain_index",
        "lot_id",
        "product_id",
        "company_id",
        "user_id",
        "res_id",
        "partner_ref_id",
        "pos_config_id",
        "location_id",
        "location_dest_id",
    }
)

# the canonical JSON of a row: sorted keys, no spaces, non-ASCII as is (one encoder for
# every row: json.dumps with options builds a new one per call)
CANONICAL_JSON = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False
)


class ChainProblem(NamedTuple):
    """A line failing the check, and why (a sentence for the auditor)."""

    line_id: int
    reason: str


class HistoryVerdict(NamedTuple):
    """One serial's history checked: `intact`, and the sentence shown on its form."""

    intact: bool
    message: str | bool


def hash_row(previous_hash, row):
    """sha256(previous hash + canonical JSON of the row), the row given as a dict of
    HASHED_FIELDS (and HASHED_IF_SET) with plain values (ids, strings, the date as
    Odoo's string). HASHED_IF_SET are in the JSON only when set."""
    content = {name: row.get(name) or None for name in HASHED_FIELDS}
    content.update({name: row[name] for name in HASHED_IF_SET if row.get(name)})
    canonical = CANONICAL_JSON.encode(content)
    return hashlib.sha256(((previous_hash or "") + canonical).encode()).hexdigest()


def count_chains(env):
    """(audit lines, serials) of the current companies' history."""
    env.cr.execute(
        SQL(
            "SELECT count(*), count(DISTINCT lot_id) FROM serial_audit_line WHERE "
            "company_id = ANY(%s)",
            env.companies.ids,
        )
    )
    return env.cr.fetchone()


def canonical_sql(alias):
    """The canonical JSON of a row as PostgreSQL builds it, byte for byte what
    hash_row's json.dumps writes (sorted keys, no spaces, non-ASCII as is), so that
    the chains are verified where the rows are, without shipping them to Python.
    json.dumps escapes only '"', backslash and the control characters: a row whose
    texts hold none of them (nearly all rows) is quoted as is, the others through
    to_json, which escapes exactly as Python's json does (and costs more)."""
    texts = [
        SQL.identifier(alias, name)
        for name in sorted(STORED_FIELDS)
        if name not in INTEGER_FIELDS and name != "date"
    ]
    return SQL(
        "CASE WHEN concat(%s) ~ %s THEN %s ELSE %s END",
        SQL(", ").join(texts),
        JSON_ESCAPED,
        _canonical_format(alias, lambda text: SQL("to_json(%s)::text", text)),
        _canonical_format(alias, lambda text: SQL("'\"' || %s || '\"'", text)),
    )


def _canonical_format(alias, quoted):
    """The canonical JSON of the row `alias` in one format() call (cheaper per row
    than a chain of concatenations), its texts quoted by `quoted`."""
    template, values = [], []
    for position, name in enumerate(sorted(STORED_FIELDS)):
        column = SQL.identifier(alias, name)
        if name in INTEGER_FIELDS:
            value = SQL("NULLIF(%s, 0)::text", column)
        elif name == "date":  # as fields.Datetime.to_string writes it: no escaping
            value = SQL("'\"' || to_char(%s, 'YYYY-MM-DD HH24:MI:SS') || '\"'", column)
        else:
            value = quoted(SQL("NULLIF(%s, '')", column))
        key = ("{" if not position else ",") + json.dumps(name) + ":"
        if name in HASHED_IF_SET:  # the key only when set (never the first key)
            template.append("%s")
            values.append(SQL("%s || %s", key, value))
        else:
            template.append(key + "%s")
            values.append(SQL("COALESCE(%s, 'null')", value))
    return SQL("format(%s, %s)", "".join(template) + "}", SQL(", ").join(values))


def digest_sql(alias):
    """hash_row of the row `alias`, computed by PostgreSQL (sha256 is built in)."""
    return SQL(
        "encode(sha256(convert_to(COALESCE(%s, '') || %s, 'UTF8')), 'hex')",
        SQL.identifier(alias, "previous_hash"),
        canonical_sql(alias),
    )


def find_chain_problems(env, limit, lot_ids=None, lengths=None):
    """[ChainProblem] for the first `limit` broken links, in chain order: a row whose
    hash does not match its content, a row that does not link to the row before it or
    follows a gap, a last row that is not the head its serial records. Every chain of
    the current companies, or the whole chains of the serials `lot_ids` (walk_serials).
    `lengths`, a dict, receives the length each walked serial's head records.

    The whole ledger is checked set-based, in PostgreSQL, in two statements: the links
    (each row's position and previous hash against the row before it in its chain, the
    last row against the serial's head) walk the (lot_id, chain_index) index once; the
    digests (each row's hash recomputed from its stored previous hash and content) are
    counted in one scan, which PostgreSQL may share among parallel workers (only a
    changed ledger is scanned again for its lines, in chain order). Checked apart, they
    are the walk's check: a row is intact when its hash matches its content and its
    stored previous hash is the stored hash of the row before it."""
    env["serial.audit.line"].flush_model()
    if lot_ids is not None:
        return walk_serials(env, limit, lot_ids, lengths)
    chains = SQL("line.company_id = ANY(%s)", env.companies.ids)
    found = []  # (lot id, chain index, order, ChainProblem)
    env.cr.execute(
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
                 WINDOW chain AS (PARTITION BY line.lot_id ORDER BY line.chain_index)
               )
               SELECT line.id, line.lot_id, line.chain_index, line.lot_name, line.gap,
                      line.last AND (head.length, head.hash)
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
    for line_id, lot_id, index, lot_name, gap, end, length in env.cr.fetchall():
        if gap:
            found.append((lot_id, index, 0, gap_problem(env, line_id, lot_name)))
        if end:
            found.append(
                (lot_id, index, 2, end_problem(env, line_id, lot_name, index, length))
            )
    gaps = {problem.line_id for _lot, _index, order, problem in found if not order}
    if changed_count(env, chains):
        env.cr.execute(
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
            (lot_id, index, 1, changed_problem(env, line_id, lot_name))
            for line_id, lot_id, index, lot_name in env.cr.fetchall()
            # a row that does not link is reported as such, once
            if line_id not in gaps
        ]
    if lengths is not None:
        env.cr.execute(
            SQL(
                """SELECT line.lot_id, COALESCE(head.length, 0)
                     FROM (SELECT DISTINCT line.lot_id FROM serial_audit_line line
                            WHERE %s) line
                     LEFT JOIN serial_audit_head head ON head.lot_id = line.lot_id""",
                chains,
            )
        )
        lengths.update(env.cr.fetchall())
    found.sort(key=lambda item: item[:3])
    return [problem for *_key, problem in found[:limit]]


def walk_serials(env, limit, lot_ids, lengths=None):
    """find_chain_problems for a few serials' whole chains (a serial's form, its
    certificate): their rows in chain order with their links and heads checked in one
    statement, their hashes recomputed by hash_row (for a few rows, cheaper than
    planning the digest in SQL)."""
    env.cr.execute(
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
    for line_id, previous, digest, gap, end, length, *values in env.cr.fetchall():
        row = dict(zip(STORED_FIELDS, values, strict=True))
        row["date"] = fields.Datetime.to_string(row["date"])
        name, index = row["lot_name"], row["chain_index"]
        if lengths is not None:
            lengths[row["lot_id"]] = length or 0
        if gap:
            problems.append(gap_problem(env, line_id, name))
        elif hash_row(previous, row) != digest:
            problems.append(changed_problem(env, line_id, name))
        if end:
            problems.append(end_problem(env, line_id, name, index, length))
    return problems[:limit]


def changed_count(env, chains):
    """How many rows of the `chains` do not hash to their stored hash: every row's
    digest, in no order, counted by an aggregate PostgreSQL can share among parallel
    workers (which return one row each). Only a ledger found changed is walked again
    for the lines, in chain order."""
    env.cr.execute(
        SQL(
            """SELECT count(*) FROM serial_audit_line line
                WHERE %s AND line.hash IS DISTINCT FROM %s""",
            chains,
            digest_sql("line"),
        )
    )
    return env.cr.fetchone()[0]


def gap_problem(env, line_id, lot_name):
    return ChainProblem(
        line_id,
        env._(
            "line %(line)s of serial %(lot)s follows a gap: the line before it was "
            "removed or changed",
            line=line_id,
            lot=lot_name,
        ),
    )


def changed_problem(env, line_id, lot_name):
    return ChainProblem(
        line_id,
        env._(
            "line %(line)s of serial %(lot)s was changed after it was written",
            line=line_id,
            lot=lot_name,
        ),
    )


def end_problem(env, line_id, lot_name, index, length):
    """The serial records the length and last hash of its chain: a removed last row
    leaves a chain shorter than recorded."""
    return ChainProblem(
        line_id,
        env._(
            "serial %(lot)s records %(length)s events but its history ends at "
            "event %(index)s: lines after it were removed or changed",
            lot=lot_name,
            length=length,
            index=index,
        ),
    )


def history_length(lot):
    """The number of events the serial `lot`'s history head records (0: none)."""
    lot.ensure_one()
    lot.env["serial.audit.line"].flush_model()
    lot.env.cr.execute(
        "SELECT length FROM serial_audit_head WHERE lot_id = %s", [lot.id]
    )
    row = lot.env.cr.fetchone()
    return row[0] if row else 0


def history_verdict(lot):
    """The serial `lot`'s own chain verified: the number of events intact, or the
    first event that is not."""
    env = lot.env
    if not lot.id:
        return HistoryVerdict(False, False)
    lengths = {}
    problems = find_chain_problems(env, limit=1, lot_ids=[lot.id], lengths=lengths)
    # a chain that verifies ends at the length its head records
    recorded = lengths.get(lot.id) or history_length(lot)
    if not problems and (lot.id in lengths or not recorded):
        return HistoryVerdict(
            True,
            env._("History verified: %(count)s events intact.", count=recorded)
            if recorded
            else env._("No event recorded yet."),
        )
    if problems:
        line = env["serial.audit.line"].sudo().browse(problems[0].line_id)
        return HistoryVerdict(
            False,
            env._(
                "History broken at event %(index)s (%(event)s, %(date)s): "
                "%(reason)s. Tell a Serial Auditor: this history was changed "
                "outside Odoo.",
                index=line.chain_index,
                event=lot._event_label(line.event),
                date=format_datetime(env, line.date),
                reason=problems[0].reason,
            ),
        )
    # every line removed, the head left
    return HistoryVerdict(
        False,
        env._(
            "History broken: serial %(serial)s records %(count)s events but "
            "none is left. Tell a Serial Auditor: this history was changed "
            "outside Odoo.",
            serial=lot.name,
            count=recorded,
        ),
    )
