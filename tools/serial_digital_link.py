"""A unit's GS1 Digital Link: its path on this database, and the unit a pasted or
scanned code names.

GS1 Digital Link URI syntax 1.2 (https://ref.gs1.org/standards/digital-link/):
`/01/<GTIN-14>/21/<serial>`, optionally `/01/<GTIN>/10/<batch>/21/<serial>` (the
batch, AI 10, comes before the serial), and data attributes in the query such as
`?17=YYMMDD` (the expiry). The element strings of a GS1 barcode ((01)...(21)...,
or FNC1-separated) are parsed by Odoo's own GS1 nomenclature
(barcodes_gs1_nomenclature, stock.lot._parse_public_check_code); this module only
reads the Digital Link form and rewrites bracketed element strings into the
FNC1-separated form Odoo's parser reads.

Pure helpers: no model, no query."""

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from .serial_epcis import gtin14

FNC1 = "\x1d"
# a bracketed application identifier, "(01)", "(21)", "(3103)"
BRACKETED_AI = re.compile(r"\((\d{2,4})\)")
# the primary key and the key qualifiers this page reads, in a Digital Link path
GTIN_AI = "01"
BATCH_AI = "10"
SERIAL_AI = "21"
EXPIRY_AI = "17"


@dataclass(frozen=True)
class UnitCode:
    """The unit a code names: its GTIN-14 (None when the code's GTIN is not valid),
    its serial, and the batch (AI 10) and expiry (AI 17, YYMMDD text, or a date once
    Odoo parsed it) when the code gives them."""

    gtin: str | None
    serial: str
    batch: str | None = None
    expiry: object = None


def unit_path(gtin, serial, batch=None):
    """The path of a unit's page: /01/<GTIN-14>/21/<serial>, with /10/<batch> before
    the serial when given; the serial and batch URL-quoted (a slash too)."""
    path = f"/{GTIN_AI}/{gtin}"
    if batch:
        path += f"/{BATCH_AI}/{quote(batch, safe='')}"
    return f"{path}/{SERIAL_AI}/{quote(serial, safe='')}"


def parse_digital_link(text):
    """The UnitCode of a GS1 Digital Link URI (any host, or a bare path), or None
    when `text` is not one that names a serialized unit."""
    parts = urlsplit((text or "").strip())
    if parts.scheme and parts.scheme not in ("http", "https"):
        return None
    segments = parts.path.rstrip("/").split("/")
    try:
        start = segments.index(GTIN_AI)
    except ValueError:
        return None
    keys = segments[start:]
    if len(keys) % 2:
        return None
    pairs = dict(zip(keys[::2], map(unquote, keys[1::2]), strict=True))
    serial = pairs.get(SERIAL_AI)
    if not serial:
        return None
    query = parse_qs(parts.query)
    expiry = (query.get(EXPIRY_AI) or [None])[0]
    return UnitCode(
        gtin=gtin14(pairs[GTIN_AI]),
        serial=serial,
        batch=pairs.get(BATCH_AI) or None,
        expiry=expiry if expiry and re.fullmatch(r"\d{6}", expiry) else None,
    )


def fnc1_element_string(text):
    """A GS1 element string as Odoo's GS1 nomenclature parses it: the human-readable
    form "(01)09506000134352(21)ABC" rewritten with an FNC1 before each AI (so that a
    variable-length value ends where the next AI starts); an FNC1-separated string
    (a scanner's output) as it is."""
    code = (text or "").strip()
    if BRACKETED_AI.match(code):
        code = BRACKETED_AI.sub(lambda match: FNC1 + match[1], code).lstrip(FNC1)
    return code
