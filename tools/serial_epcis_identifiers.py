"""GS1 identifiers as EPCIS documents and labels write them: EPC URNs (SGTIN, SSCC,
SGLN) and GS1 Digital Link URIs of any host, in their canonical Digital Link form
(https://id.gs1.org/...), a unit's (GTIN-14, serial), a scanned pallet or case code,
and CBV vocabulary in its 2.0 web form. Pure: no model, no environment."""

import re
from functools import lru_cache
from urllib.parse import unquote

from .serial_epcis import GS1_DIGITAL_LINK, gtin14

CBV = "https://ref.gs1.org/cbv/"
# the CBV 1.x URN prefixes and their CBV 2.0 web vocabulary
OLD_VOCABULARY = {
    "urn:epcglobal:cbv:bizstep:": CBV + "BizStep-",
    "urn:epcglobal:cbv:disp:": CBV + "Disp-",
    "urn:epcglobal:cbv:btt:": CBV + "BTT-",
    "urn:epcglobal:cbv:sdt:": CBV + "SDT-",
    "urn:epcglobal:cbv:er:": CBV + "ER-",
}
SGTIN_URN = re.compile(r"^urn:epc:id:sgtin:(\d+)\.(\d+)\.(.+)$")
SSCC_URN = re.compile(r"^urn:epc:id:sscc:(\d+)\.(\d+)$")
SGLN_URN = re.compile(r"^urn:epc:id:sgln:(\d+)\.(\d*)\.(.*)$")
DIGITAL_LINK = re.compile(
    r"^https?://[^/]+(?:/.*?)?/(01|00|414)/(\d+)(?:/(21|254)/(.+))?$"
)


@lru_cache(maxsize=4096)
def check_digit(digits):
    """The GS1 check digit of `digits` (the same few keys for every unit of a
    document: kept)."""
    total = sum(
        int(digit) * (3 if index % 2 == 0 else 1)
        for index, digit in enumerate(reversed(digits))
    )
    return str((10 - total % 10) % 10)


def canonical_epc(epc):
    """An EPC as its canonical GS1 Digital Link URI (https://id.gs1.org/...): SGTIN,
    SSCC and SGLN URNs converted, a Digital Link of any host moved to id.gs1.org;
    anything else as written."""
    epc = (epc or "").strip()
    if match := SGTIN_URN.match(epc):
        prefix, item, serial = match.groups()
        body = item[:1] + prefix + item[1:]
        return f"{GS1_DIGITAL_LINK}/01/{body}{check_digit(body)}/21/{serial}"
    if match := SSCC_URN.match(epc):
        prefix, reference = match.groups()
        body = reference[:1] + prefix + reference[1:]
        return f"{GS1_DIGITAL_LINK}/00/{body}{check_digit(body)}"
    if match := SGLN_URN.match(epc):
        prefix, location, extension = match.groups()
        body = prefix + location
        gln = f"{GS1_DIGITAL_LINK}/414/{body}{check_digit(body)}"
        return gln if extension in ("", "0") else f"{gln}/254/{extension}"
    if match := DIGITAL_LINK.match(epc):
        key, value, qualifier, rest = match.groups()
        if key == "01":
            value = value.zfill(14)
        uri = f"{GS1_DIGITAL_LINK}/{key}/{value}"
        return f"{uri}/{qualifier}/{rest}" if qualifier else uri
    return epc


def sgtin(epc):
    """(GTIN-14, serial) of a unit's EPC in canonical form, or None (an SSCC, or not
    a valid GTIN)."""
    match = DIGITAL_LINK.match(epc)
    if not match or match.group(1) != "01" or match.group(3) != "21":
        return None
    gtin = valid_gtin14(match.group(2))
    return (gtin, unquote(match.group(4))) if gtin else None


@lru_cache(maxsize=4096)
def valid_gtin14(code):
    """serial_epcis.gtin14, kept for the few GTINs of a document's many units."""
    return gtin14(code)


def is_sscc(epc):
    return epc.startswith(f"{GS1_DIGITAL_LINK}/00/")


def vocabulary(value, kind):
    """A CBV value as its web URI: a bare word (JSON-LD) of `kind` (BizStep, Disp,
    BTT, SDT), or a CBV 1.x URN."""
    value = (value or "").strip()
    if not value:
        return ""
    for old, new in OLD_VOCABULARY.items():
        if value.startswith(old):
            return new + value[len(old) :]
    if ":" not in value:
        return f"{CBV}{kind}-{value}"
    return value


def scanned_epc(code):
    """What a scanner reads off a pallet or case label, as a canonical EPC: an SSCC
    (18 digits, or with its AI: 00 + 18 digits, (00)...), a GS1 Digital Link or an
    EPC URN."""
    code = re.sub(r"[\s()]", "", code or "")  # (00) as printed under the barcode
    if code.isdigit() and len(code) in (18, 20):
        return f"{GS1_DIGITAL_LINK}/00/{code[-18:]}"
    return canonical_epc(code)
