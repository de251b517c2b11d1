"""Serial histories as GS1 EPCIS 2.0 documents (JSON-LD), so that a trading partner or
a regulator reads a unit's life without Odoo. Not a model: stock.lot.epcis_document
checks the user's rights and calls build_document.

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
document's @context declares."""

from urllib.parse import quote

import pytz

from odoo import fields
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


def action(event):
    if event in ADD_EVENTS:
        return "ADD"
    if event in DELETE_EVENTS:
        return "DELETE"
    return "OBSERVE"


def disposition(event, new_state):
    return EVENT_DISPOSITIONS.get(event) or DISPOSITIONS[new_state or False]


def gtin14(barcode):
    """The product barcode as a GTIN-14, or None when it is not a valid GTIN."""
    code = (barcode or "").strip()
    if not (code.isascii() and code.isdigit() and len(code) in (8, 12, 13, 14)):
        return None
    code = code.zfill(14)
    return code if check_barcode_encoding(code, "gtin14") else None


def unit_uri(lot, database):
    gtin = gtin14(lot.product_id.barcode)
    if gtin:
        return f"{GS1_DIGITAL_LINK}/01/{gtin}/21/{quote(lot.name, safe='')}"
    return (
        f"urn:x-pst:{database}:unit:{lot.company_id.id or 0}:{lot.product_id.id}:"
        f"{quote(lot.name, safe='')}"
    )


def location_uri(location, database):
    return {"id": f"urn:x-pst:{database}:location:{location.id}"}


def timezone_offset(moment, tz_name):
    """The UTC offset (+HH:MM) in the time zone `tz_name` at the UTC `moment`."""
    try:
        zone = pytz.timezone(tz_name or "UTC")
    except pytz.UnknownTimeZoneError:
        zone = pytz.utc
    offset = pytz.utc.localize(moment).astimezone(zone).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def object_event(line, unit, database, tz_name):
    event = {
        "type": "ObjectEvent",
        "eventTime": line.date.isoformat(timespec="milliseconds") + "Z",
        "eventTimeZoneOffset": timezone_offset(line.date, tz_name),
        "epcList": [unit],
        "action": action(line.event),
        "bizStep": BIZ_STEPS[line.event],
        "disposition": disposition(line.event, line.new_state),
    }
    destination, source = line.location_dest_id, line.location_id
    read_point = destination if destination.usage == "internal" else source
    if read_point:
        event["readPoint"] = location_uri(read_point, database)
    if destination.usage == "internal":
        event["bizLocation"] = location_uri(destination, database)
    if line.reference or line.res_model:
        transaction = {
            "bizTransaction": f"urn:x-pst:{database}:document:"
            + (
                f"{line.res_model}:{line.res_id}"
                if line.res_model and line.res_id
                else quote(line.reference, safe="")
            )
        }
        if line.res_model in TRANSACTION_TYPES:
            transaction["type"] = TRANSACTION_TYPES[line.res_model]
        event["bizTransactionList"] = [transaction]
    event.update(
        {
            "pst:event": line.event,
            "pst:stateBefore": line.old_state or None,
            "pst:stateAfter": line.new_state or None,
            "pst:reference": line.reference or None,
            "pst:chainIndex": line.chain_index,
            "pst:previousHash": line.previous_hash or None,
            "pst:hash": line.hash,
        }
    )
    return event


def build_document(env, lots):
    """The EPCIS 2.0 document of `lots`' histories (read as they are: the caller has
    checked the user's rights), each unit's events in its chain's order."""
    database = env["ir.config_parameter"].sudo().get_param("database.uuid")
    lines = (
        env["serial.audit.line"]
        .sudo()
        .search([("lot_id", "in", lots.ids)], order="lot_id, chain_index")
    )
    by_lot = lines.grouped("lot_id")
    events = []
    for lot in lots:
        unit = unit_uri(lot, database)
        for line in by_lot.get(lot, ()):
            tz_name = line.user_id.tz or line.company_id.partner_id.tz
            events.append(object_event(line, unit, database, tz_name))
    return {
        "@context": [EPCIS_CONTEXT, {"pst": PST_NAMESPACE}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": fields.Datetime.now().isoformat(timespec="milliseconds") + "Z",
        "epcisBody": {"eventList": events},
    }
