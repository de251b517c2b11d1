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
VERIFY_PAGE = 50000


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
    canonical = json.dumps(
        content,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
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


def find_chain_problems(env, limit, lot_ids=None, lengths=None):
    """[ChainProblem] for the first `limit` broken links, in chain order: a row whose
    hash does not match its content, a row that does not link to the row before it or
    follows a gap, a last row that is not the head its serial records. Every chain of
    the current companies, or the whole chains of the serials `lot_ids`. `lengths`, a
    dict, receives the length each walked serial's head records."""
    env["serial.audit.line"].flush_model()

    columns = SQL(", ").join(SQL.identifier("line", name) for name in STORED_FIELDS)
    chains = (
        SQL("line.company_id = ANY(%s)", env.companies.ids)
        if lot_ids is None
        else SQL("line.lot_id = ANY(%s)", list(lot_ids))
    )
    problems = []
    after = (0, 0)
    previous_row = None  # (row, line id, hash, recorded length, recorded head)
    while len(problems) < limit:
        env.cr.execute(
            SQL(
                """SELECT line.id, line.previous_hash, line.hash,
                      head.length, head.hash, %s
                 FROM serial_audit_line line
                 LEFT JOIN serial_audit_head head ON head.lot_id = line.lot_id
                WHERE %s
                  AND (line.lot_id, line.chain_index) > (%s, %s)
                ORDER BY line.lot_id, line.chain_index LIMIT %s""",
                columns,
                chains,
                after[0],
                after[1],
                VERIFY_PAGE,
            )
        )
        page = env.cr.fetchall()
        if not page:
            break
        for line_id, previous_hash, digest, length, head, *values in page:
            row = dict(zip(STORED_FIELDS, values, strict=True))
            row["date"] = fields.Datetime.to_string(row["date"])
            if lengths is not None:
                lengths[row["lot_id"]] = length or 0
            starts_chain = (
                not previous_row or previous_row[0]["lot_id"] != row["lot_id"]
            )
            if starts_chain and previous_row:
                problems += check_chain_end(env, *previous_row)
            expected_index = 1 if starts_chain else previous_row[0]["chain_index"] + 1
            expected_previous = None if starts_chain else previous_row[2]
            if (
                row["chain_index"] != expected_index
                or (previous_hash or None) != expected_previous
            ):
                problems.append(
                    ChainProblem(
                        line_id,
                        env._(
                            "line %(line)s of serial %(lot)s follows a gap: the "
                            "line before it was removed or changed",
                            line=line_id,
                            lot=row["lot_name"],
                        ),
                    )
                )
            elif hash_row(previous_hash, row) != digest:
                problems.append(
                    ChainProblem(
                        line_id,
                        env._(
                            "line %(line)s of serial %(lot)s was changed after it "
                            "was written",
                            line=line_id,
                            lot=row["lot_name"],
                        ),
                    )
                )
            previous_row = (row, line_id, digest, length, head)
        if len(page) < VERIFY_PAGE:
            break  # the last page
        after = (previous_row[0]["lot_id"], previous_row[0]["chain_index"])
    if previous_row and len(problems) < limit:
        problems += check_chain_end(env, *previous_row)
    return problems[:limit]


def check_chain_end(env, row, line_id, digest, length, head):
    """The serial records the length and last hash of its chain: a removed last row
    leaves a chain shorter than recorded."""
    if (row["chain_index"], digest) == (length, head):
        return []
    return [
        ChainProblem(
            line_id,
            env._(
                "serial %(lot)s records %(length)s events but its history ends at "
                "event %(index)s: lines after it were removed or changed",
                lot=row["lot_name"],
                length=length,
                index=row["chain_index"],
            ),
        )
    ]


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
