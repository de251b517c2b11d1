"""Whether a serial can be sold at a till, as a table of rules like the lifecycle's:
`RULES` is an ordered tuple of VerdictRule rows (reason, applies, refuse), read in
order; the first row that applies to a SerialCheck refuses the serial with its
reason and the title and message its `refuse` builds; none applies: the serial may
be sold. pos.config._serial_verdict_rules() returns the table: a module extends it
with super() (a row added, one replaced, the order changed), and
pos.config._serial_verdicts() judges serials by it (models/pos_config.py). Not a
model: plain values and the small functions of the rows, each taking the SerialCheck
(their messages translated in the user's language through its env)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime as Datetime
from typing import NamedTuple

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.tools.misc import format_date, format_time

from .serial_lifecycle import SELLABLE_STATES


@dataclass(frozen=True)
class SerialCheck:
    """What a verdict on one serial reads: the till (`config`), the product chosen,
    the serial typed, its lot for that product (or an empty record), the lot of
    another product with that name, whether the unit is in the shop's stock, the
    other open order holding it, the shop's stock location, the registered and the
    scanned expiry, the day of the sale, and the till and start of another order's
    running lease on the unit (`lease_config`: a pos.config, empty when none)."""

    config: object
    product: object
    serial: str
    lot: object
    other_lot: object
    in_shop: bool
    open_order: object
    source: object
    expiry: Date | None = None
    scanned_expiry: Date | None = None
    on_date: Date | None = None
    lease_config: object = None
    lease_since: Datetime | None = None

    @property
    def env(self):
        return self.config.env

    @property
    def state(self):
        return self.lot.serial_state

    @property
    def names(self):
        """The placeholders every message may use."""
        return {"serial": self.serial, "product": self.product.display_name}


class SerialFacts(NamedTuple):
    """What the till's one query (pos.config._serial_check_facts) found for a serial:
    its lot for the product, a lot of another product with its name, whether the
    unit is in the shop, the other open order holding it, its registered expiry."""

    lot_id: int | None = None
    other_lot_id: int | None = None
    in_shop: bool = False
    open_order_id: int | None = None
    expiry: Date | None = None
    lease_config_id: int | None = None
    lease_since: Datetime | None = None


@dataclass
class LeaseHolder:
    """Who a till's check leases the serials it accepts to (pos.serial.lease), with
    the order's uuid: the till's open session (an id, or None), the cashier (an id),
    for how many seconds. `tills`: the bus channels of the other tills to tell of
    the leases, filled by the check's query (pos.config._serial_check_facts)."""

    session_id: int | None
    user_id: int
    seconds: int
    tills: list = field(default_factory=list)


class Refusal(NamedTuple):
    """What the cashier is told: a title, a message, and whether it is an alert."""

    title: str
    message: str
    alert: bool = False


class VerdictRule(NamedTuple):
    """One row of the table: the `reason` key given to the till and to the sync's
    serial.conflict, whether it `applies` to a SerialCheck, and the Refusal it
    builds (`refuse`)."""

    reason: str
    applies: Callable[[SerialCheck], bool]
    refuse: Callable[[SerialCheck], Refusal]


@dataclass(frozen=True)
class SerialVerdict:
    """Whether one serial can be sold at a till, and what to tell the cashier if
    not (`reason` None: it can)."""

    serial: str
    lot: object
    reason: str | None = None
    title: str = ""
    message: str = ""
    alert: bool = False
    warranty_end: str | bool = False
    expiry: Date | None = None

    @classmethod
    def judge(cls, check, rules):
        """The verdict of the first of `rules` applying to `check`; none: sellable,
        with the end of the product's warranty if it has one."""
        for rule in rules:
            if rule.applies(check):
                refusal = rule.refuse(check)
                return cls(
                    check.serial,
                    check.lot,
                    reason=rule.reason,
                    title=refusal.title,
                    message=refusal.message,
                    alert=refusal.alert,
                    expiry=check.expiry,
                )
        warranty_end = False
        if months := check.product.warranty_months:
            warranty_end = fields.Date.to_string(
                fields.Date.context_today(check.config)
                + relativedelta(months=months, days=-1)
            )
        return cls(
            check.serial, check.lot, warranty_end=warranty_end, expiry=check.expiry
        )

    @property
    def ok(self):
        return self.reason is None

    def public(self):
        return {
            "serial": self.serial,
            "ok": self.ok,
            "reason": self.reason or False,
            "title": self.title,
            "message": self.message,
            "alert": self.alert,
            "warranty_end": self.warranty_end,
            "expiry": fields.Date.to_string(self.expiry) if self.expiry else False,
        }


# --- the rows' functions (not a model: `_` could not find the user's language
# here, the env's can) ---------------------------------------------------------------
def is_other_product(check):
    return not check.lot and bool(check.other_lot)


def refuse_other_product(check):
    _ = check.env._
    return Refusal(
        _("Serial of another product"),
        _(
            "Serial %(serial)s belongs to %(other)s, not to %(product)s. Select "
            "the right product, then enter the serial again.",
            other=check.other_lot.product_id.display_name,
            **check.names,
        ),
    )


def is_unknown(check):
    return not check.lot


def refuse_unknown(check):
    _ = check.env._
    return Refusal(
        _("Unknown serial"),
        _(
            "Serial %(serial)s is not registered for %(product)s. Check the serial "
            "on the unit; if it is right, ask an inventory user to register it.",
            **check.names,
        ),
    )


# a whole sentence per state: a translator words each one (a label case-changed
# inside a sentence reads wrong in German)
def is_lost(check):
    return check.state == "lost"


def refuse_lost(check):
    _ = check.env._
    return Refusal(
        _("Do not sell: unit reported lost"),
        _(
            "Serial %(serial)s is reported lost. Do not sell it and do not "
            "hand the unit back: keep it aside and call your manager. This "
            "attempt has been recorded.",
            **check.names,
        ),
        alert=True,
    )


def is_stolen(check):
    return check.state == "stolen"


def refuse_stolen(check):
    _ = check.env._
    return Refusal(
        _("Do not sell: unit reported stolen"),
        _(
            "Serial %(serial)s is reported stolen. Do not sell it and do not "
            "hand the unit back: keep it aside and call your manager. This "
            "attempt has been recorded.",
            **check.names,
        ),
        alert=True,
    )


def is_sold(check):
    return check.state == "sold"


def refuse_sold(check):
    _ = check.env._
    return Refusal(
        _("Serial already sold"),
        _(
            "Serial %(serial)s is already sold (%(document)s). A unit can be sold "
            "only once: check the serial on the unit.",
            document=check.lot.serial_source_ref or _("earlier sale"),
            **check.names,
        ),
    )


def is_recalled(check):
    return check.state == "recalled"


def refuse_recalled(check):
    _ = check.env._
    return Refusal(
        _("Serial recalled"),
        _(
            "Serial %(serial)s is recalled and cannot be sold. Put the unit aside "
            "for the recall.",
            **check.names,
        ),
    )


def is_not_sellable(check):
    return check.state not in SELLABLE_STATES


def refuse_not_sellable(check):
    _ = check.env._
    names = check.names
    message = {
        "scrapped": _("Serial %(serial)s was scrapped and cannot be sold.", **names),
        "in_repair": _(
            "Serial %(serial)s is in repair and cannot be sold until the "
            "repair is finished.",
            **names,
        ),
    }.get(check.state) or _(
        "Serial %(serial)s is registered but was never received into stock. "
        "Ask an inventory user to receive it first.",
        **names,
    )
    return Refusal(_("Serial not sellable"), message)


# the expiry rows (EU Falsified Medicines rules at the point of dispensing) tell the
# till's own refusals (pos.config._serial_expiry_refusals), which the till also
# shows offline: one text for both
def day(check, date):
    return format_date(check.env, date)


def is_expiry_mismatch(check):
    return bool(
        check.scanned_expiry and check.expiry and check.scanned_expiry != check.expiry
    )


def refuse_expiry_mismatch(check):
    return expiry_refusal(
        check,
        "expiry_mismatch",
        dict(
            check.names,
            scanned=day(check, check.scanned_expiry),
            registered=day(check, check.expiry),
        ),
    )


def is_expired(check):
    date = check.expiry or check.scanned_expiry
    return bool(date and date < check.on_date)


def refuse_expired(check):
    date = check.expiry or check.scanned_expiry
    return expiry_refusal(check, "expired", dict(check.names, date=day(check, date)))


def expiry_refusal(check, reason, values):
    """The till's refusal for `reason`, filled with `values`."""
    refusal = check.config._serial_expiry_refusals()[reason]
    try:
        message = refusal["message"] % values
    except (KeyError, TypeError, ValueError):
        # a translation whose placeholders do not match: shown unfilled, never
        # an error (a paid order's sync must not fail on a sentence)
        message = refusal["message"]
    return Refusal(refusal["title"], message, refusal["alert"])


def is_elsewhere(check):
    return not check.in_shop


def refuse_elsewhere(check):
    _ = check.env._
    return Refusal(
        _("Serial not in this shop"),
        _(
            "Serial %(serial)s is not in this shop's stock (%(location)s). Check "
            "the serial, or transfer the unit here first.",
            location=check.source.display_name,
            **check.names,
        ),
    )


def is_in_open_order(check):
    return bool(check.open_order)


def refuse_in_open_order(check):
    _ = check.env._
    return Refusal(
        _("Serial in another open order"),
        _(
            "Serial %(serial)s is already in another open order (%(order)s). "
            "Finish or cancel that order first.",
            order=check.open_order.name,
            **check.names,
        ),
    )


def is_leased(check):
    return bool(check.lease_config)


def refuse_leased(check):
    _ = check.env._
    return Refusal(
        _("Serial in an open order at another till"),
        _(
            "Serial %(serial)s is in an open order at %(till)s since %(time)s. Check "
            "the serial on the unit; if it is right, that till removes it from its "
            "order, or a Serial Manager releases it.",
            till=check.lease_config.name,
            time=format_time(
                check.env,
                check.lease_since,
                tz=check.env.user.tz or "UTC",
                time_format="HH:mm",
            )
            if check.lease_since
            else "",
            **check.names,
        ),
    )


# the first row applying refuses the serial; a "blocked" attempt is also written to
# the unit's history (pos.config._record_blocked_attempts)
RULES = (
    VerdictRule("wrong_product", is_other_product, refuse_other_product),
    VerdictRule("unknown", is_unknown, refuse_unknown),
    VerdictRule("blocked", is_lost, refuse_lost),
    VerdictRule("blocked", is_stolen, refuse_stolen),
    VerdictRule("already_sold", is_sold, refuse_sold),
    VerdictRule("blocked", is_recalled, refuse_recalled),
    VerdictRule("not_sellable", is_not_sellable, refuse_not_sellable),
    VerdictRule("expiry_mismatch", is_expiry_mismatch, refuse_expiry_mismatch),
    VerdictRule("expired", is_expired, refuse_expired),
    VerdictRule("elsewhere", is_elsewhere, refuse_elsewhere),
    VerdictRule("duplicate", is_in_open_order, refuse_in_open_order),
    VerdictRule("leased", is_leased, refuse_leased),
)
