"""What a serial label's codes say: the unit's GS1 Digital Link (the QR code) and its
GS1 element string (the GS1 DataMatrix).

GS1 Digital Link URI syntax 1.2 (https://ref.gs1.org/standards/digital-link/): the
GTIN (AI 01) and its key qualifiers in the path, in the standard's order (the batch,
AI 10, before the serial, AI 21), data attributes in the query (the expiry,
`?17=YYMMDD`), each value percent-encoded:
`<web.base.url>/01/<GTIN-14>[/10/<batch>]/21/<serial>[?17=YYMMDD]`. The QR code
carries the same data as the DataMatrix beside it, so a Digital Link aware scanner
reads the batch and the expiry from either.

GS1 element string (GS1 General Specifications 7.8): the predefined-length element
strings first ((01) GTIN-14, (17) YYMMDD), then the variable-length ones ((10)
batch, (21) serial last), FNC1 after a variable-length one that is not last; FNC1
is written as GS (ASCII 29), as a scanner transmits it. A batch or serial outside
GS1's character set 82 or longer than 20 characters cannot be in the element
string: the batch is left out, a unit whose serial cannot be encoded gets no
DataMatrix.

Pure helpers: no model, no query."""

import re
from typing import NamedTuple

from .serial_datamatrix import FNC1
from .serial_digital_link import unit_path

# GS1 AI encodable character set 82, at most 20 characters (AI 10 and AI 21)
CSET82_VALUE = re.compile(r"[!\"%-?A-Z_a-z]{1,20}")


class UnitCodes(NamedTuple):
    """A unit's GS1 data as its label prints it: `gtin` (GTIN-14, None when the
    product has no valid GTIN), `serial`, `batch` (AI 10) and `expiry` (AI 17, a
    date), None when not known."""

    gtin: str | None
    serial: str
    batch: str | None = None
    expiry: object = None


def yymmdd(day):
    """A date as GS1 writes it (AI 17): YYMMDD."""
    return day.strftime("%y%m%d")


def digital_link_path(codes):
    """/01/<GTIN-14>[/10/<batch>]/21/<serial>[?17=YYMMDD] of a unit with a GTIN."""
    path = unit_path(codes.gtin, codes.serial, codes.batch)  # the page's own route
    if codes.expiry:
        path += f"?17={yymmdd(codes.expiry)}"
    return path


def digital_link_url(base_url, codes):
    """The unit's GS1 Digital Link on the site at `base_url`."""
    return base_url.rstrip("/") + digital_link_path(codes)


def element_strings(codes):
    """The unit's element strings as (AI, value) pairs in the order they are
    encoded, or [] when it has no GTIN or its serial cannot be encoded."""
    if not codes.gtin or not CSET82_VALUE.fullmatch(codes.serial or ""):
        return []
    pairs = [("01", codes.gtin)]
    if codes.expiry:
        pairs.append(("17", yymmdd(codes.expiry)))
    if codes.batch and CSET82_VALUE.fullmatch(codes.batch):
        pairs.append(("10", codes.batch))
    pairs.append(("21", codes.serial))
    return pairs


def gs1_element_string(codes):
    """The DataMatrix's data: AIs and values, GS after the batch (the serial is
    last); "" when the unit has none (element_strings)."""
    return "".join(
        f"{ai}{value}{FNC1 if ai == '10' else ''}"
        for ai, value in element_strings(codes)
    )


def gs1_human_readable(codes):
    """The element string as people read it under the code: (01)...(21)..."""
    return "".join(f"({ai}){value}" for ai, value in element_strings(codes))
