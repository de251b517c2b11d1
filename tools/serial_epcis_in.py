"""Reading a GS1 EPCIS 2.0 document (JSON-LD or XML), the way a supplier sends its
serials: the events as EpcisEvent, each with its CBV 2.0 event hash, and the units it
commissions as the serial import's rows (ImportRow). Pure: no model, no environment.

A JSON-LD document is validated against GS1's EPCIS 2.0 JSON schema
(data/epcis/EPCIS-JSON-Schema.json, compiled by `fastjsonschema`, an error told by
`jsonschema`); an XML document is parsed by
`lxml` (no network, no entities) and validated against GS1's EPCIS 2.0 XSD
(data/epcis/xsd). A bad document raises
EpcisProblem with a code and where (serial_import_messages-like sentences are the
batch's: stock.lot.import.batch._epcis_problem_message).

The event hash follows GS1's "EPCIS Event Hash" (CBV 2.0, the reference being
RalphTro/epcis-event-hash-generator) for the fields read here: eventType, eventTime
(UTC, milliseconds), eventTimeZoneOffset, parentID, epcList, childEPCs, action,
bizStep, disposition, readPoint, bizLocation, bizTransactionList, sourceList,
destinationList and ilmd; identifiers in their canonical GS1 Digital Link form."""

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from .serial_epcis_identifiers import CBV, canonical_epc, sgtin, vocabulary
from .serial_import_records import ImportRow

EPCIS_EXTENSIONS = ("jsonld", "json", "xml")
SCHEMA_PATH = Path(__file__).parent.parent / "data" / "epcis" / "EPCIS-JSON-Schema.json"
XSD_PATH = (
    Path(__file__).parent.parent / "data" / "epcis" / "xsd" / "EPCglobal-epcis-2_0.xsd"
)
XML_NAMESPACE = "urn:epcglobal:epcis:xsd:2"
CBVMDA = "urn:epcglobal:cbv:mda:"
LOT_NUMBER = "lotNumber"
EXPIRY = "itemExpirationDate"
EVENT_TYPES = (
    "ObjectEvent",
    "AggregationEvent",
    "TransactionEvent",
    "TransformationEvent",
    "AssociationEvent",
)
ISO_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")


class EpcisProblem(Exception):
    """The document cannot be read; `code` says why, `params` where and what."""

    def __init__(self, code, **params):
        super().__init__(code, params)
        self.code = code
        self.params = params


@dataclass
class EpcisEvent:
    """One event of the document, its fields as read (identifiers canonical)."""

    position: int  # its number in the document's event list, from 1
    type: str
    action: str = ""
    event_time: str = ""  # as written
    time_zone_offset: str = ""
    epcs: list = field(default_factory=list)
    parent: str = ""
    children: list = field(default_factory=list)
    biz_step: str = ""
    disposition: str = ""
    read_point: str = ""
    biz_location: str = ""
    biz_transactions: list = field(default_factory=list)  # [(type, value)]
    sources: list = field(default_factory=list)
    destinations: list = field(default_factory=list)
    ilmd: dict = field(default_factory=dict)  # {"{namespace}name": value}
    hash: str = ""
    cache: dict = field(default_factory=dict, repr=False, compare=False)


# --- reading ----------------------------------------------------------------------
def is_epcis_file(filename):
    extension = (filename or "").rsplit(".", 1)[-1].lower() if filename else ""
    return "." in (filename or "") and extension in EPCIS_EXTENSIONS


def read_events(data, filename):
    """The events of an EPCIS document (bytes), hashed; EpcisProblem when it is not
    a valid EPCIS 2.0 document."""
    text = data.lstrip()
    if text.startswith(b"<") or filename.lower().endswith(".xml"):
        events = _xml_events(data)
    else:
        events = _json_events(data)
    if not events:
        raise EpcisProblem("no_events")
    for event in events:
        event.hash = event_hash(event)
    return events


@lru_cache(maxsize=1)
def _schema():
    return json.loads(SCHEMA_PATH.read_text())


@lru_cache(maxsize=1)
def _fast_validator():
    """The schema compiled to Python (fastjsonschema): a large document checked in
    seconds."""
    import fastjsonschema

    return fastjsonschema.compile(_schema())


@lru_cache(maxsize=1)
def _validator():
    """The reference validator (jsonschema): the clearest error and its path."""
    import jsonschema

    return jsonschema.Draft7Validator(_schema())


def validate_json(document):
    """EpcisProblem("schema") with the path and message of the error a document that
    does not follow GS1's EPCIS 2.0 JSON schema has; checked by the compiled schema
    first, the reference validator telling the error."""
    import fastjsonschema
    import jsonschema

    try:
        _fast_validator()(document)
        return
    except fastjsonschema.JsonSchemaException as fast_error:
        error = jsonschema.exceptions.best_match(_validator().iter_errors(document))
        if error is None:  # the two disagree: tell the compiled schema's error
            path = "/".join(str(part) for part in (fast_error.path or [])[1:])
            raise EpcisProblem(
                "schema", path=path or "/", error=fast_error.message[:300]
            ) from fast_error
    path = "/".join(str(part) for part in error.absolute_path) or "/"
    raise EpcisProblem("schema", path=path, error=error.message[:300])


def _json_events(data):
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError) as error:
        raise EpcisProblem("bad_json", error=str(error)) from error
    if not isinstance(document, dict) or document.get("type") != "EPCISDocument":
        raise EpcisProblem("not_epcis")
    validate_json(document)
    prefixes = _context_prefixes(document.get("@context"))
    events = document.get("epcisBody", {}).get("eventList") or []
    return [
        _json_event(index, event, prefixes) for index, event in enumerate(events, 1)
    ]


def _context_prefixes(context):
    prefixes = {"cbvmda": CBVMDA}
    for item in context if isinstance(context, list) else [context]:
        if isinstance(item, dict):
            prefixes.update({k: v for k, v in item.items() if isinstance(v, str)})
    return prefixes


def _json_event(position, values, prefixes):
    def ids(name):
        return [canonical_epc(epc) for epc in values.get(name) or []]

    def typed(name, item_name, kind):
        return [
            (vocabulary(item.get("type", ""), kind), canonical_epc(item.get(item_name)))
            for item in values.get(name) or []
        ]

    ilmd = {}
    for key, value in (values.get("ilmd") or {}).items():
        prefix, _sep, local = key.rpartition(":")
        if prefix in prefixes and isinstance(value, str | int | float):
            ilmd["{" + prefixes[prefix] + "}" + local] = str(value)
    return EpcisEvent(
        position=position,
        type=values.get("type", ""),
        action=values.get("action", ""),
        event_time=values.get("eventTime", ""),
        time_zone_offset=values.get("eventTimeZoneOffset", ""),
        epcs=ids("epcList"),
        parent=canonical_epc(values.get("parentID")),
        children=ids("childEPCs"),
        biz_step=vocabulary(values.get("bizStep"), "BizStep"),
        disposition=vocabulary(values.get("disposition"), "Disp"),
        read_point=canonical_epc((values.get("readPoint") or {}).get("id")),
        biz_location=canonical_epc((values.get("bizLocation") or {}).get("id")),
        biz_transactions=typed("bizTransactionList", "bizTransaction", "BTT"),
        sources=typed("sourceList", "source", "SDT"),
        destinations=typed("destinationList", "destination", "SDT"),
        ilmd=ilmd,
    )


@lru_cache(maxsize=1)
def _xml_schema():
    """GS1's EPCIS 2.0 XSD (data/epcis/xsd), read from the addon's files only."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.XMLSchema(etree.parse(str(XSD_PATH), parser))


def _xml_events(data):
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise EpcisProblem(
            "bad_xml", line=error.lineno or 0, error=error.msg or str(error)
        ) from error
    if root.tag != f"{{{XML_NAMESPACE}}}EPCISDocument":
        raise EpcisProblem("not_epcis")
    schema = _xml_schema()
    if not schema.validate(root):
        error = schema.error_log.last_error
        raise EpcisProblem(
            "schema", path=f"line {error.line}: {error.path}", error=error.message
        )
    body = root.find("EPCISBody")
    event_list = body.find("EventList") if body is not None else None
    if event_list is None:
        raise EpcisProblem("schema", path="EPCISBody/EventList", error="missing")
    events = []
    for element in event_list.iterchildren(tag=etree.Element):
        if element.tag == "extension":  # EPCIS 1.x wraps the newer event types
            children = list(element.iterchildren(tag=etree.Element))
        else:
            children = [element]
        for child in children:
            events.append(_xml_event(len(events) + 1, child))
    return events


def _xml_event(position, element):
    def text(path):
        found = element.find(path)
        return (found.text or "").strip() if found is not None else ""

    def ids(path):
        return [canonical_epc(epc.text) for epc in element.findall(path)]

    def typed(path, kind):
        return [
            (vocabulary(item.get("type", ""), kind), canonical_epc(item.text))
            for item in element.findall(path)
        ]

    where = f"EPCISBody/EventList/{element.tag}[{position}]"
    if element.tag not in EVENT_TYPES:
        raise EpcisProblem("schema", path=where, error=f"unknown event {element.tag}")
    for required in ("eventTime", "eventTimeZoneOffset"):
        if not text(required):
            raise EpcisProblem("schema", path=f"{where}/{required}", error="missing")
    ilmd_element = element.find("ilmd")
    if ilmd_element is None:
        ilmd_element = element.find("extension/ilmd")
    ilmd = {}
    for item in ilmd_element if ilmd_element is not None else []:
        if isinstance(item.tag, str) and item.tag.startswith("{") and item.text:
            ilmd[item.tag] = item.text.strip()
    return EpcisEvent(
        position=position,
        type=element.tag,
        action=text("action"),
        event_time=text("eventTime"),
        time_zone_offset=text("eventTimeZoneOffset"),
        epcs=ids("epcList/epc"),
        parent=canonical_epc(text("parentID")),
        children=ids("childEPCs/epc"),
        biz_step=vocabulary(text("bizStep"), "BizStep"),
        disposition=vocabulary(text("disposition"), "Disp"),
        read_point=canonical_epc(text("readPoint/id")),
        biz_location=canonical_epc(text("bizLocation/id")),
        biz_transactions=typed("bizTransactionList/bizTransaction", "BTT"),
        sources=typed("sourceList/source", "SDT"),
        destinations=typed("destinationList/destination", "SDT"),
        ilmd=ilmd,
    )


# --- the event hash ---------------------------------------------------------------
def _hash_time(value):
    """A time in UTC at millisecond precision, ending in Z (the hash's form)."""
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    moment = moment.astimezone(UTC)
    milliseconds = round(moment.microsecond, -3)
    moment = moment.replace(microsecond=0) + timedelta(microseconds=milliseconds)
    return moment.isoformat(timespec="milliseconds")[:-6] + "Z"


def _hash_value(value):
    """A value as the hash writes it: numbers without their padding (the reference
    implementation's rule), identifiers canonical."""
    value = str(value).strip()
    try:
        number = float(value)
        if number == int(number):
            number = int(number)
        return str(number)
    except (ValueError, OverflowError):
        return canonical_epc(value)


def _pair(name, value):
    return f"{name}={_hash_value(value)}" if str(value).strip() else ""


def _epc_pair(name, value):
    """An identifier's pair: read in canonical form already (canonical_epc)."""
    return f"{name}={value}" if value else ""


def pre_hash(event):
    """The canonical text of an event the hash is computed from."""
    parts = [f"eventType={event.type}"]
    if event.event_time:
        parts.append(f"eventTime={_hash_time(event.event_time)}")
    parts.append(_pair("eventTimeZoneOffset", event.time_zone_offset))
    parts.append(_epc_pair("parentID", event.parent))
    for name, epcs in (("epcList", event.epcs), ("childEPCs", event.children)):
        if epcs:
            parts.append(name + "".join(sorted(_epc_pair("epc", epc) for epc in epcs)))
    parts.append(_pair("action", event.action))
    parts.append(_pair("bizStep", event.biz_step))
    parts.append(_pair("disposition", event.disposition))
    for name, value in (
        ("readPoint", event.read_point),
        ("bizLocation", event.biz_location),
    ):
        if value:
            parts.append(name + _pair("id", value))
    for name, item_name, items in (
        ("bizTransactionList", "bizTransaction", event.biz_transactions),
        ("sourceList", "source", event.sources),
        ("destinationList", "destination", event.destinations),
    ):
        if items:
            parts.append(
                name
                + "".join(
                    sorted(
                        _pair("type", kind) + _pair(item_name, v) for kind, v in items
                    )
                )
            )
    if event.ilmd:
        parts.append(
            "ilmd" + "".join(sorted(_pair(key, v) for key, v in event.ilmd.items()))
        )
    return "".join(parts)


def event_hash(event):
    """The CBV 2.0 event hash: ni:///sha-256;<hex>?ver=CBV2.0."""
    digest = hashlib.sha256(pre_hash(event).encode()).hexdigest()
    return f"ni:///sha-256;{digest}?ver=CBV2.0"


# --- the import's rows -----------------------------------------------------------
def commissioned_units(events):
    """[(event, GTIN-14, serial)] of the units an ObjectEvent ADD brings into being."""
    return [
        (event, *unit)
        for event in events
        if event.type == "ObjectEvent" and event.action == "ADD"
        for unit in map(sgtin, event.epcs)
        if unit
    ]


def import_rows(units, products):
    """The serial import's rows of the commissioned `units` (commissioned_units):
    product by GTIN (`products`: {GTIN-14: the product text the import resolves,
    e.g. its barcode}; an unknown GTIN is given as written, the import tells it), lot
    and expiry from the event's ilmd. Each row is numbered by its event's position."""
    rows = []
    for event, gtin, serial in units:
        lot, expiry = _lot_and_expiry(event)
        rows.append(
            ImportRow(
                number=event.position,
                serial=serial,
                product=products.get(gtin, gtin),
                batch=lot,
                expiry_date=expiry,
            )
        )
    return rows


def _lot_and_expiry(event):
    """The ilmd lot number and expiry date (a date when written as EPCIS writes
    one, else the text, which the import's check tells) of an event, read once for
    all its units."""
    if "lot_and_expiry" not in event.cache:

        def ilmd(name):
            return event.ilmd.get("{" + CBVMDA + "}" + name) or event.ilmd.get(
                "{" + CBVMDA.rstrip(":") + "}" + name
            )

        expiry = ilmd(EXPIRY)
        try:
            if expiry and ISO_DATE.match(expiry):
                expiry = date.fromisoformat(expiry)
        except ValueError:  # 2026-02-30: the text, which the import's check tells
            expiry = str(expiry)
        event.cache["lot_and_expiry"] = (ilmd(LOT_NUMBER), expiry)
    return event.cache["lot_and_expiry"]


def aggregations(events):
    """[(event, parent, child)] of the AggregationEvent ADD of the document."""
    return [
        (event, event.parent, child)
        for event in events
        if event.type == "AggregationEvent" and event.action == "ADD" and event.parent
        for child in event.children
    ]


def purchase_orders(event):
    """The purchase order references of an event's bizTransactionList (type po):
    the last segment of each, e.g. PO-4711 of urn:epcglobal:cbv:bt:0614141000005:PO-4711
    or of https://example.com/po/PO-4711."""
    return [
        re.split(r"[:/]", value.rstrip("/"))[-1]
        for kind, value in event.biz_transactions
        if kind == CBV + "BTT-po" and value
    ]
