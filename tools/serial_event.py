"""A serial's lifecycle event as `stock.lot._apply_serial_events` applies it: a frozen
value, checked where it is made (the event is one of the lifecycle's, the document
is a model and an id together), so a wrong event fails at the line that built it,
not deep in the writer. Not a model: a plain value any module builds and passes;
with it, the named values the steps of _apply_serial_events pass each other
(models/stock_lot_events.py)."""

import dataclasses
from dataclasses import dataclass
from typing import NamedTuple

from .serial_lifecycle import EVENTS, SERIAL_STATES

EVENT_KEYS = frozenset(key for key, _label in EVENTS)
STATE_KEYS = frozenset(key for key, _label in SERIAL_STATES) | {False}
UNSET = object()  # new_state not given: the lifecycle's default target


@dataclass(frozen=True)
class SerialEvent:
    """One event of one serial. `lot`: the stock.lot record; `event`: a key of
    serial_lifecycle.EVENTS. Optional: `partner_id`, `res_model` and `res_id` (the
    document, given together), `reference`, `pos_config_id`, `location_id` and
    `location_dest_id` (ids: where the unit went), `note`, `new_state` (where the
    lifecycle allows a choice; False is the registered state), `pos_claim_line_id`
    (the POS line selling or refunding the serial), `sale_date` (for an event of
    serial_lifecycle.OWNER_EVENTS: when the customer bought the unit, Odoo's datetime
    string; the event's moment when not given)."""

    lot: object
    event: str
    partner_id: int | None = None
    res_model: str | None = None
    res_id: int | None = None
    reference: str | None = None
    pos_config_id: int | None = None
    location_id: int | None = None
    location_dest_id: int | None = None
    note: str | None = None
    new_state: object = UNSET
    pos_claim_line_id: int | None = None
    sale_date: str | None = None

    def __post_init__(self):
        if getattr(self.lot, "_name", None) != "stock.lot" or len(self.lot) != 1:
            raise ValueError(
                f"A serial event needs one stock.lot record as its lot, not "
                f"{self.lot!r}."
            )
        if self.event not in EVENT_KEYS:
            raise ValueError(
                f"Unknown serial event {self.event!r} for serial {self.lot.name}: "
                f"use one of {', '.join(sorted(EVENT_KEYS))}."
            )
        if bool(self.res_model) != bool(self.res_id):
            raise ValueError(
                f"The {self.event!r} event of serial {self.lot.name} names its "
                f"document by res_model and res_id together, not "
                f"res_model={self.res_model!r} and res_id={self.res_id!r}."
            )
        if self.new_state is not UNSET and self.new_state not in STATE_KEYS | {None}:
            raise ValueError(
                f"Unknown serial state {self.new_state!r} as new_state of the "
                f"{self.event!r} event of serial {self.lot.name}: use one of "
                f"{', '.join(sorted(k for k in STATE_KEYS if k))}, or False."
            )

    @classmethod
    def from_dict(cls, values):
        """The event a dict describes (the form `_apply_serial_events` took before
        SerialEvent, still accepted): its keys are the fields' names; an unknown key
        is refused, naming the keys allowed."""
        keys = {field.name for field in dataclasses.fields(cls)}
        unknown = sorted(set(values) - keys)
        if unknown:
            raise ValueError(
                f"Unknown key(s) {', '.join(map(repr, unknown))} in a serial event: "
                f"use {', '.join(sorted(keys))}."
            )
        missing = [key for key in ("lot", "event") if key not in values]
        if missing:
            raise ValueError(
                f"A serial event needs {' and '.join(missing)}: {values!r} has not."
            )
        return cls(**values)

    @classmethod
    def coerce(cls, event):
        """`event` as a SerialEvent: itself, or the one its dict describes."""
        return event if isinstance(event, cls) else cls.from_dict(event)

    @property
    def has_new_state(self):
        """Whether the event chooses its target state (`new_state` given)."""
        return self.new_state is not UNSET


# the fields of stock.lot written only by stock.lot._apply_serial_events, in SQL, never
# through write() nor at create()
PROTECTED_FIELDS = frozenset(
    {
        "serial_state",
        "serial_partner_id",
        "serial_sale_date",
        "serial_source_ref",
        "warranty_start_date",
        "pos_claim_line_id",
        "import_batch_id",
    }
)


class LockedSerial(NamedTuple):
    """A serial's row as `stock.lot._apply_serial_events` read it under its lock:
    its id, name, product and company ids, and its state (False: registered, not
    received)."""

    id: int
    name: str
    product_id: int
    company_id: int | None
    state: str | bool


class SerialSale(NamedTuple):
    """What a sale writes on its serial: the customer (an id), the moment (Odoo's
    datetime string) and the document's reference."""

    partner_id: int | None
    date: str
    reference: str | None


class SerialStateWrite(NamedTuple):
    """One serial's row after its events: its new `state`, the `sale` that marked it
    (a SerialSale, or None) and the POS line that last claimed it (an id, or None)."""

    lot_id: int
    state: str | bool
    sale: SerialSale | None
    claim_line_id: int | None
