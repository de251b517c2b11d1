"""The till's offline set of sellable serials, encoded compactly: the sorted 64-bit
hashes of (product, serial), 8 bytes each, with each unit's registered expiry beside
it (2 bytes: days since 1970-01-01, 0 for none), both in base64.

The hash is the first 8 bytes of the MD5 digest of the UTF-8 of
f"{product_id}:{serial}", read big-endian: PostgreSQL computes it (md5(), see
HASH_SQL) when it builds the set in one query, Python here (tests, deltas), and the
till (static/src/app/serial_offline_set/serial_offline_set.js) when it looks a unit
up; the three agree (tested). MD5 is no security here, only a well-spread hash that
all three compute natively or in a few lines.

A lookup is a binary search of the sorted hashes: never a false negative (a sellable
unit's hash is in the set), and a false positive (another unit with the same 64 bits)
about once in 2**64 / 500,000 ≈ 3.7e13 lookups; the server checks every serial again
at the sync, so a false positive can only ever become a conflict, never a lost order.
Chosen by measuring (README, "Offline at scale"): 4 bytes more per serial than a
binary fuse filter of 16-bit fingerprints, but units can be removed (sold, leased)
and a scanned serial finds its product by trying the till's few serial products,
with no false positive to speak of."""

import base64
import hashlib
import struct
from bisect import bisect_left
from datetime import date

EPOCH = date(1970, 1, 1)
MAX_DAYS = 0xFFFF
# the hash of lot `alias`, as 8 bytes (bytea), in PostgreSQL
HASH_SQL = (
    "substr(decode(md5({alias}.product_id::text || ':' || {alias}.name), 'hex'), 1, 8)"
)


def serial_hash(product_id, serial):
    """The 64-bit hash of a unit (an int below 2**64)."""
    digest = hashlib.md5(f"{product_id}:{serial}".encode(), usedforsecurity=False)
    return int.from_bytes(digest.digest()[:8], "big")


def expiry_days(expiry):
    """A registered expiry (a date or None) as the set stores it: days since 1970-01-01
    (at least 1, at most 65,535), 0 for none."""
    if not expiry:
        return 0
    return min(max((expiry - EPOCH).days, 1), MAX_DAYS)


def encode(units):
    """The set of `units`, an iterable of (product_id, serial, expiry or None):
    {"count", "hashes": base64 of the sorted hashes (big-endian, 8 bytes each),
    "expiries": base64 of their expiry days (big-endian, 2 bytes each), or "" when no
    unit has one}. PostgreSQL builds the same bytes (pos.config._serial_offline_set)."""
    entries = sorted(
        (serial_hash(product_id, serial), expiry_days(expiry))
        for product_id, serial, expiry in units
    )
    hashes = struct.pack(f">{len(entries)}Q", *(h for h, _days in entries))
    days = [days for _h, days in entries]
    expiries = struct.pack(f">{len(days)}H", *days) if any(days) else b""
    return {
        "count": len(entries),
        "hashes": base64.b64encode(hashes).decode(),
        "expiries": base64.b64encode(expiries).decode(),
    }


class OfflineSet:
    """A decoded set, for lookups in Python (tests, the bench): what the till does."""

    def __init__(self, encoded):
        raw = base64.b64decode(encoded["hashes"])
        self.hashes = list(struct.unpack(f">{len(raw) // 8}Q", raw))
        raw = base64.b64decode(encoded.get("expiries") or "")
        self.days = list(struct.unpack(f">{len(raw) // 2}H", raw)) if raw else None

    def __len__(self):
        return len(self.hashes)

    def find(self, product_id, serial):
        """The unit's index in the set, or -1."""
        value = serial_hash(product_id, serial)
        index = bisect_left(self.hashes, value)
        if index < len(self.hashes) and self.hashes[index] == value:
            return index
        return -1

    def __contains__(self, unit):
        return self.find(*unit) >= 0

    def expiry(self, product_id, serial):
        """The registered expiry of a unit of the set (a date), or None."""
        index = self.find(product_id, serial)
        days = self.days[index] if self.days and index >= 0 else 0
        return date.fromordinal(EPOCH.toordinal() + days) if days else None
