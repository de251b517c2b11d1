"""The hash of serial.audit.line's chains: what a row's hash covers, how Python and
PostgreSQL compute it, and the named results of a check. Pure: serial.audit.line
hashes the rows it appends with hash_row and verifies its chains with digest_sql
(models/serial_audit_line_chain.py: _find_chain_problems, verify_chain, the history
verdict of a serial).

A row's hash is sha256(previous hash + canonical JSON of the row); each row carries its
position in its serial's chain (chain_index) and the serial's head (serial.audit.head)
records the chain's length and last hash, so a changed row, a removed row and a removed
last row are all found."""

import hashlib
import json
from typing import NamedTuple

from odoo.tools import SQL

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


class ChainCount(NamedTuple):
    """The size of the history checked: its audit lines and the serials they are
    of."""

    lines: int
    serials: int


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
        canonical_format(alias, lambda text: SQL("to_json(%s)::text", text)),
        canonical_format(alias, lambda text: SQL("'\"' || %s || '\"'", text)),
    )


def canonical_format(alias, quoted):
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


def hashed_column_sql(alias, name):
    """The column `name` of the row `alias`, cast as a stored line holds it and as
    hash_row reads it (a missing or empty value is NULL), named `name`."""
    value = SQL.identifier(alias, name)
    if name in INTEGER_FIELDS:
        value = SQL("NULLIF(%s::int, 0)", value)
    elif name == "date":
        value = SQL("%s::timestamp", value)
    else:
        value = SQL("NULLIF(%s::varchar, '')", value)
    return SQL("%s AS %s", value, SQL.identifier(name))
