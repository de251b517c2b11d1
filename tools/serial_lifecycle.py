"""The serial lifecycle in one place: the states of a unit, the events that change them,
and which state each event may start from. Not a model: every path that changes a
serial's state (stock moves, repairs, the POS, imports, managers' actions) goes through
`stock.lot._apply_serial_events`, which checks its events against this table."""

SERIAL_STATES = [
    ("in_stock", "In Stock"),
    ("sold", "Sold"),
    ("returned", "Returned"),
    ("in_repair", "In Repair"),
    ("lost", "Lost"),
    ("stolen", "Stolen"),
    ("scrapped", "Scrapped"),
    ("recalled", "Recalled"),
]
# False: registered, never received or left our custody (returned to the vendor)
SELLABLE_STATES = ("in_stock", "returned")

EVENTS = [
    ("registered", "Registered"),
    ("imported", "Imported"),
    ("received", "Received"),
    ("moved", "Moved"),
    ("sold", "Sold"),
    ("returned", "Returned by the customer"),
    ("returned_to_vendor", "Returned to the vendor"),
    ("adjusted_out", "Removed by an inventory adjustment"),
    ("scrapped", "Scrapped"),
    ("consumed", "Consumed"),
    ("repair_in", "Repair started"),
    ("repair_out", "Repair ended"),
    ("marked_lost", "Marked lost"),
    ("marked_stolen", "Marked stolen"),
    ("found", "Found"),
    ("recalled", "Recalled"),
    ("recall_closed", "Recall closed"),
    ("conflict", "Sale conflict"),
    ("blocked_sale", "Blocked sale attempt"),
    ("owner_registered", "Registered to a customer"),
    ("lease_broken", "Till's hold broken"),
]

ANY = object()  # any state, False included
KEEP = object()  # the event leaves the state as it is
RESTORE = object()  # back to the state before the marking that this event ends

# event: {state before: state after, or the states it may choose from (the first by
# default)}; a state missing from the map refuses the event
TRANSITIONS = {
    "registered": {False: False},
    # an import registers the unit, and receives it when the file gives a location
    "imported": {False: (False, "in_stock")},
    "received": {
        False: "in_stock",
        "in_stock": "in_stock",
        "returned": "returned",
        "lost": "in_stock",
        "stolen": "in_stock",
    },
    "moved": {ANY: KEEP},
    # sold only from a sellable state: a unit never received (False) cannot be sold on
    # any path (every path that puts a unit in stock receives it first)
    "sold": {"in_stock": "sold", "returned": "sold"},
    "returned": {"sold": "returned", "recalled": "recalled"},
    "returned_to_vendor": {
        "in_stock": False,
        "returned": False,
        "recalled": False,
        "in_repair": False,
    },
    "adjusted_out": {
        "in_stock": "lost",
        "returned": "lost",
        "lost": "lost",
        "stolen": "stolen",
        "recalled": "recalled",
    },
    "scrapped": {
        False: "scrapped",
        "in_stock": "scrapped",
        "returned": "scrapped",
        "in_repair": "scrapped",
        "lost": "scrapped",
        "stolen": "scrapped",
        "recalled": "scrapped",
    },
    "consumed": {False: "scrapped", "in_stock": "scrapped", "returned": "scrapped"},
    "repair_in": {
        "in_stock": "in_repair",
        "returned": "in_repair",
        "sold": "in_repair",
        "recalled": "in_repair",
    },
    "repair_out": {"in_repair": RESTORE},
    "marked_lost": {
        "in_stock": "lost",
        "returned": "lost",
        "sold": "lost",
        "in_repair": "lost",
        "recalled": "lost",
    },
    "marked_stolen": {
        "in_stock": "stolen",
        "returned": "stolen",
        "sold": "stolen",
        "in_repair": "stolen",
        "lost": "stolen",
        "recalled": "stolen",
    },
    "found": {"lost": RESTORE, "stolen": RESTORE},
    "recalled": {
        "in_stock": "recalled",
        "returned": "recalled",
        "sold": "recalled",
        "in_repair": "recalled",
    },
    "recall_closed": {"recalled": RESTORE},
    "conflict": {ANY: KEEP},
    "blocked_sale": {ANY: KEEP},
    # a customer's unit bought elsewhere, confirmed by a Serial Manager from its
    # receipt (serial.registration.request): the buyer changes, the state does not;
    # only where the unit may be with a customer (never received by us, sold, in
    # repair or recalled at the customer)
    "owner_registered": {
        False: False,
        "sold": "sold",
        "in_repair": "in_repair",
        "recalled": "recalled",
    },
    # a manager freed a serial an open order of a till held (pos.serial.lease)
    "lease_broken": {ANY: KEEP},
}
# the events that give a unit its buyer (its customer, the moment, the document and
# the warranty's start)
OWNER_EVENTS = ("sold", "owner_registered")

# the events a Serial Manager applies by hand, with the name of their action, in the
# order of the serial form's buttons: the buttons shown (the allowed events of
# stock.lot) and the state change wizard (serial.state.change) read them with
# TRANSITIONS
MANAGER_EVENTS = [
    ("marked_lost", "Mark Lost"),
    ("marked_stolen", "Mark Stolen"),
    ("found", "Found"),
    ("recalled", "Recall"),
    ("recall_closed", "Close Recall"),
]

# the events a RESTORE undoes: the state before the latest of them is restored
RESTORED_FROM = {
    "repair_out": ("repair_in",),
    "found": ("marked_lost", "marked_stolen"),
    "recall_closed": ("recalled",),
}


def next_state(event, state):
    """The state after `event` from `state`, KEEP, RESTORE, or None when refused."""
    targets = TRANSITIONS[event]
    if ANY in targets:
        return targets[ANY]
    return targets.get(state or False)


def allowed_events(state, events):
    """The events of `events` (keys) that TRANSITIONS allows from `state`, in their
    order."""
    return [event for event in events if next_state(event, state) is not None]
