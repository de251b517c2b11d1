"""Serial histories as GS1 EPCIS 2.0 documents (JSON-LD), so that a trading partner or
a regulator reads a unit's life without Odoo.

One ObjectEvent per audit line, each unit's events in its chain's order. The event's
business step comes from our event, its disposition from the unit's state after the
event (GS1 Core Business Vocabulary, CBV 2.0; the same tables are in README.md):
the tables below are the one place to change them.

Identifiers (the epcList): a GS1 Digital Link URI, https://id.gs1.org/01/<GTIN-14>/21/
<serial>, when the product's barcode is a valid GTIN (8, 12, 13 or 14 digits with a
good check digit); otherwise a URN of this database, company, product and serial,
urn:x-pst:<database uuid>:unit:<company id>:<product id>:<serial>. Locations are
urn:x-pst:<database uuid>:location:<location id>, documents
urn:x-pst:<database uuid>:document:<model>:<id>. The history's own facts (our event,
the chain's index and hashes) are extension fields in the `pst:` namespace that the
document's @context declares.

Not a model: the vocabulary's tables, the identifiers' text and the one query that
reads the events (EVENTS_QUERY, as EpcisLine). stock.lot builds the document
(models/stock_lot_epcis.py: epcis_document checks the user's rights, one method per
event a module extends with super())."""

from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from urllib.parse import quote

import pytz

from odoo.tools.barcode import check_barcode_encoding

EPCIS_CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
PST_NAMESPACE = "https://github.com/pos-serial-tracking/pos_serial_tracking/epcis#"
GS1_DIGITAL_LINK = "https://id.gs1.org"

# our event: its CBV business step
BIZ_STEPS = {
    "registered": "commissioning",
    "imported": "commissioning",
    "received": "receiving",
    "moved": "storing",
    "sold": "retail_selling",
    "returned": "returning",
    "returned_to_vendor": "shipping",
    "adjusted_out": "cycle_counting",
    "scrapped": "destroying",
    "consumed": "decommissioning",
    "repair_in": "repairing",
    "repair_out": "repairing",
    "marked_lost": "stock_taking",
    "marked_stolen": "inspecting",
    "found": "stock_taking",
    "recalled": "holding",
    "recall_closed": "inspecting",
    "conflict": "retail_selling",
    "blocked_sale": "retail_selling",
    "owner_registered": "other",  # the buyer's receipt checked, no custody change
    "lease_broken": "retail_selling",
}
# the unit's state after the event: its CBV disposition
DISPOSITIONS = {
    "in_stock": "sellable_accessible",
    "sold": "retail_sold",
    "returned": "returned",
    "in_repair": "unavailable",
    "lost": "unknown",
    "stolen": "stolen",
    "scrapped": "destroyed",
    "recalled": "recalled",
    False: "active",  # registered, not received yet
}
# where the event says more than the state after it
EVENT_DISPOSITIONS = {
    "returned_to_vendor": "returned",  # no state: out of our custody
    "consumed": "inactive",  # used up as a component, not destroyed as a unit
}
# the unit enters our records (ADD), leaves them for good (DELETE), or is observed
ADD_EVENTS = ("registered", "imported", "received")
DELETE_EVENTS = ("scrapped", "consumed")
# the document's model: its CBV business transaction type, when one fits
TRANSACTION_TYPES = {
    "pos.order": "inv",
    "repair.order": "rma",
}


# every event of the lots, each unit's in its chain's order, with what an event needs
# of its user, company and locations: one read, instead of the ORM's per record
EVENTS_QUERY = """
    SELECT line.id, line.lot_id, line.event, line.old_state, line.new_state,
           line.date, line.reference, line.res_model, line.res_id, line.chain_index,
           line.previous_hash, line.hash,
           COALESCE(NULLIF(user_partner.tz, ''), company_partner.tz) AS tz,
           line.location_id, source.usage AS location_usage,
           line.location_dest_id, destination.usage AS location_dest_usage
      FROM serial_audit_line line
      JOIN res_users author ON author.id = line.user_id
      JOIN res_partner user_partner ON user_partner.id = author.partner_id
      JOIN res_company company ON company.id = line.company_id
      LEFT JOIN res_partner company_partner ON company_partner.id = company.partner_id
      LEFT JOIN stock_location source ON source.id = line.location_id
      LEFT JOIN stock_location destination ON destination.id = line.location_dest_id
     WHERE line.lot_id = ANY(%s)
  ORDER BY line.lot_id, line.chain_index
"""


# each lot's serial, company, product and the product's barcode: its identifier
UNITS_QUERY = """
    SELECT lot.id, lot.name, lot.company_id, lot.product_id, product.barcode
      FROM stock_lot lot
      JOIN product_product product ON product.id = lot.product_id
     WHERE lot.id = ANY(%s)
"""


@dataclass(frozen=True, slots=True)
class EpcisLine:
    """One history line (serial.audit.line) as its EPCIS event needs it, read by
    EVENTS_QUERY: the line's own columns under their field's name (ids for its
    locations, None where the field is empty), `tz` the time zone of its user, else
    of its company, the locations' `usage`, and `record`, the serial.audit.line
    itself (as sudo) for any other field a module's event reads."""

    id: int
    lot_id: int
    event: str
    old_state: Any
    new_state: Any
    date: datetime
    reference: Any
    res_model: Any
    res_id: int
    chain_index: int
    previous_hash: Any
    hash: str
    tz: Any
    location_id: Any
    location_usage: Any
    location_dest_id: Any
    location_dest_usage: Any
    record: Any = None


def read_lines(cr, lot_ids, records=None):
    """The lots' history lines (EpcisLine), each unit's in its chain's order, grouped
    by lot id; `records(ids)` gives each line's serial.audit.line (its `record`)."""
    cr.execute(EVENTS_QUERY, [list(lot_ids)])
    rows = cr.fetchall()
    lines = records([row[0] for row in rows]) if records else [None] * len(rows)
    by_lot = {}
    for row, record in zip(rows, lines, strict=True):
        line = EpcisLine(*row, record=record)
        by_lot.setdefault(line.lot_id, []).append(line)
    return by_lot


def read_unit_uris(cr, database, lot_ids):
    """{lot id: its identifier (unit_uri)} of the lots, read in one query."""
    cr.execute(UNITS_QUERY, [list(lot_ids)])
    gtins = {}
    uris = {}
    for lot_id, serial, company_id, product_id, barcode in cr.fetchall():
        if barcode not in gtins:
            gtins[barcode] = gtin14(barcode)
        uris[lot_id] = unit_uri(
            database,
            serial,
            gtin=gtins[barcode],
            company_id=company_id,
            product_id=product_id,
        )
    return uris


def action(event):
    """The EPCIS action of our event: the unit enters our records, leaves them, or
    is observed."""
    if event in ADD_EVENTS:
        return "ADD"
    if event in DELETE_EVENTS:
        return "DELETE"
    return "OBSERVE"


def disposition(event, new_state):
    """The CBV disposition of the unit after our event."""
    return EVENT_DISPOSITIONS.get(event) or DISPOSITIONS[new_state or False]


def gtin14(barcode):
    """The product barcode as a GTIN-14, or None when it is not a valid GTIN."""
    code = (barcode or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) in (8, 12, 13, 14)):
        return None
    code = code.zfill(14)
    return code if check_barcode_encoding(code, "gtin14") else None


def unit_uri(database, serial, gtin=None, company_id=0, product_id=0):
    """A unit's identifier: its GS1 Digital Link URI when its product has a GTIN
    (see gtin14), otherwise a URN of this database, company, product and serial."""
    if gtin:
        return f"{GS1_DIGITAL_LINK}/01/{gtin}/21/{quote(serial, safe='')}"
    return (
        f"urn:x-pst:{database}:unit:{company_id or 0}:{product_id}:"
        f"{quote(serial, safe='')}"
    )


def location_uri(database, location_id):
    """A location of this database, as an EPCIS readPoint or bizLocation."""
    return {"id": f"urn:x-pst:{database}:location:{location_id}"}


def document_uri(database, res_model=False, res_id=False, reference=False):
    """A source document of this database: by model and id, else by reference."""
    name = (
        f"{res_model}:{res_id}"
        if res_model and res_id
        else quote(reference or "", safe="")
    )
    return f"urn:x-pst:{database}:document:{name}"


@lru_cache(maxsize=4096)
def timezone_offset(moment, tz_name):
    """The UTC offset (+HH:MM) in the time zone `tz_name` at the UTC `moment` (the
    last ones kept: the events of an import or a fill share their moment)."""
    try:
        zone = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        zone = pytz.utc
    offset = pytz.utc.localize(moment).astimezone(zone).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"
