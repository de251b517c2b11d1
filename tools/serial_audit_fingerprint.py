"""The ledger's fingerprint: one digest over the head of every serial's chain (its lot,
length and last hash) at one moment, written as a short string an auditor keeps
outside the database: its text, how it is read and sealed. Pure: serial.audit.line
takes and checks it (models/serial_audit_line_fingerprint.py: ledger_fingerprint,
verify_fingerprint).

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
from datetime import datetime
from typing import NamedTuple

VERSION = "pst1"
TIME_FORMAT = "%Y%m%dT%H%M%SZ"
PATTERN = re.compile(
    r"pst1:(?P<time>\d{8}T\d{6}Z):(?P<line>\d+):(?P<companies>\d+(?:-\d+)*)"
    r":(?P<chains>\d+):(?P<digest>[0-9a-f]{64})"
)
BUCKET_BITS = 16  # heads hashed by buckets of 65,536 serials: no huge string


class LedgerHeads(NamedTuple):
    """The heads of the chains a fingerprint covers, at one audit line: how many
    chains, and the digest of their heads (each serial's lot, length and last
    hash)."""

    chains: int
    digest: str


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


def seal(taken_at, line_id, company_ids, chains, heads_digest):
    """The digest kept in the fingerprint: the heads' digest and what the fingerprint
    says about them, so that none of it can be edited."""
    fields_ = Fingerprint(taken_at, line_id, tuple(company_ids), chains, heads_digest)
    return hashlib.sha256(fields_.text().encode()).hexdigest()
