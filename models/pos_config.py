from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import SQL

from ..tools.serial_event import SerialEvent
from ..tools.serial_text import clean_serial
from ..tools.serial_till_sql import (
    OLD_CHECK_FACTS_DROPS,
    TILL_SESSION_FUNCTION,
    check_facts_function_sql,
)
from ..tools.serial_verdict import (
    RULES,
    LeaseHolder,
    SerialCheck,
    SerialFacts,
    SerialVerdict,
)

# sessions a cashier sells in (the states in which Odoo lets a user into the till)
OPEN_SESSION_STATES = ("opening_control", "opened")


SERIAL_CUSTOMER_POLICIES = [
    ("off", "Off"),
    ("optional", "Optional"),
    ("required", "Required"),
]


class PosConfig(models.Model):
    _inherit = "pos.config"

    # Loaded into the till with the other pos.config fields. Only the till enforces
    # it: the server never refuses a paid order without a customer (a paid order must
    # never be lost), see static/src/overrides/models/pos_store.js askSerialCustomer.
    serial_customer_policy = fields.Selection(
        SERIAL_CUSTOMER_POLICIES,
        string="Ask for a Customer on Serial Sales",
        default="off",
        required=True,
        help="Before payment of an order holding serialized units and no customer: "
        "Off, the till says nothing; Optional, it asks the cashier to choose a "
        "customer, so the shop can reach them in a recall, or to continue without; "
        "Required, the order is paid only once a customer is chosen.",
    )

    def init(self):
        # the till's check in two database functions (tools/serial_till_sql.py):
        # PL/pgSQL keeps their plans for the connection
        cr = self.env.cr
        cr.execute(TILL_SESSION_FUNCTION)
        for statement in OLD_CHECK_FACTS_DROPS:
            cr.execute(statement)
        cr.execute(check_facts_function_sql())

    # --- called by the till (public: the POS calls them over RPC) --------------------
    def check_pos_serials(
        self, product_id, serials, order_uuid=False, scanned_expiries=None
    ):
        """The till's check of serials typed or scanned for `product_id`, before
        payment. `scanned_expiries`: {serial: "YYYY-MM-DD"}, the expiry (GS1 AI 17)
        of the codes scanned. Returns one verdict per serial: {serial, ok, reason,
        title, message, alert, warranty_end, expiry}. A lost or stolen unit is an alert
        (asset recovery) and the attempt is written to its history with this till, the
        cashier and the session, once per serial and session. Only a cashier working
        in an open session of this till, or a POS manager, may call it."""
        session_id = self._check_till_access()
        return self._check_serials_at_till(
            session_id,
            product_id,
            serials,
            order_uuid=order_uuid,
            scanned_expiries=self._parse_scanned_expiries(scanned_expiries),
            lease=bool(order_uuid),
        )

    def find_pos_serial(self, serial):
        """A scanned code that is a serial: which product it is, and the verdict."""
        session_id = self._check_till_access()
        serial = clean_serial(serial)
        lot = self.sudo()._find_lots([serial])[:1]
        if not lot or not lot.product_id.available_in_pos:
            return False
        return {
            "product_id": lot.product_id.id,
            **self._check_serials_at_till(session_id, lot.product_id.id, [serial])[0],
        }

    @api.readonly
    def get_pos_serial_snapshot(self):
        """The sellable serials of this shop's stock location, for checks while offline:
        a compact set of their hashes (see _serial_snapshot); refreshed by
        get_pos_serial_snapshot_delta. Writes nothing: read-only (served by a read
        replica when there is one), the till's check and the sync stay on the
        primary."""
        self._check_till_access()
        return self.sudo()._serial_snapshot()

    # --- private helpers -------------------------------------------------------------
    def _check_till_access(self):
        """The gate of the till's methods, before any sudo(): the caller may read this
        till (access rights, record rules, the request's allowed companies) and works
        in its open session (opened it, or joined it), or is a POS manager. Returns the
        id of the till's open session (False when none: only a manager gets here
        then). One query: the session's (pos_serial_till_session, see init)."""
        self.ensure_one()
        # the access rights and the record rules (read in the cache once it holds
        # the till: no query then)
        self.check_access("read")
        user = self.env.user
        if not user.has_group("point_of_sale.group_pos_user"):
            raise AccessError(
                _("Only Point of Sale users can check serials at a till.")
            )
        self.env["pos.session"].flush_model(
            ["config_id", "rescue", "state", "user_id", "serial_cashier_ids"]
        )
        [(session_id, works_in)] = self.env.execute_query(
            SQL(
                "SELECT * FROM pos_serial_till_session(%s, %s, %s)",
                self.id,
                user.id,
                list(OPEN_SESSION_STATES),
            )
        )
        if not works_in and not user.has_group("point_of_sale.group_pos_manager"):
            raise AccessError(
                _(
                    "You can check serials only at a till where you work in the open "
                    "session: open %(till)s from the Point of Sale dashboard first.",
                    till=self.name,
                )
            )
        return session_id or False

    def _parse_scanned_expiries(self, values):
        """{serial: date} from the till's {serial: "YYYY-MM-DD"}."""
        expiries = {}
        for serial, value in (values or {}).items():
            try:
                expiries[clean_serial(serial)] = fields.Date.to_date(value)
            except (TypeError, ValueError) as error:
                raise UserError(
                    _(
                        "The expiry scanned for serial %(serial)s is not a date "
                        "(%(value)s): scan the code again.",
                        serial=serial,
                        value=value,
                    )
                ) from error
        return expiries

    def _check_serials_at_till(
        self,
        session_id,
        product_id,
        serials,
        order_uuid=False,
        scanned_expiries=None,
        lease=False,
    ):
        """The verdicts on `serials`; with `lease` (and an `order_uuid`), the serials
        accepted are leased to that order (pos.serial.lease, see
        _serial_check_facts), those refused are not."""
        product = self.env["product.product"].browse(product_id)
        serials = [clean_serial(serial) for serial in serials]
        holder = None
        if lease and order_uuid:
            seconds = self.env["pos.serial.lease"]._lease_seconds()
            holder = seconds and LeaseHolder(session_id, self.env.uid, seconds)
        verdicts = self.sudo()._serial_verdicts(
            product,
            serials,
            order_uuid=order_uuid,
            scanned_expiries=scanned_expiries,
            lease_holder=holder,
        )
        self.sudo()._record_blocked_attempts(verdicts, session_id)
        if holder:
            self.sudo()._settle_serial_leases(
                product, order_uuid, verdicts, tills=holder.tills
            )
        return [verdict.public() for verdict in verdicts]

    def _find_lots(self, serials):
        return self.env["stock.lot"].search(
            [
                ("name", "in", list(serials)),
                ("company_id", "in", [self.company_id.id, False]),
            ]
        )

    def _serial_verdicts(
        self,
        product,
        serials,
        order_uuid=False,
        check_open_orders=True,
        scanned_expiries=None,
        on_date=None,
        lease_holder=None,
    ):
        """One SerialVerdict per serial, by the rules of _serial_verdict_rules.
        `scanned_expiries`: {serial: date} of the GS1 codes scanned; `on_date`: the day
        of the sale (today by default, in the time zone of
        stock.lot._serial_timezone), against which expiries are read;
        `lease_holder`: a LeaseHolder, to lease the serials to `order_uuid` (see
        _serial_check_facts)."""
        rules = self._serial_verdict_rules()
        facts = self._serial_check_facts(
            product,
            serials,
            order_uuid=order_uuid,
            check_open_orders=check_open_orders,
            lease_holder=lease_holder,
        )
        Lot = self.env["stock.lot"]
        scanned_expiries = scanned_expiries or {}
        on_date = on_date or Lot._serial_local_date(fields.Datetime.now())
        source = self.picking_type_id.default_location_src_id
        verdicts = []
        for serial in serials:
            fact = facts.get(serial) or SerialFacts()
            lot = Lot.browse(fact.lot_id or ())
            check = SerialCheck(
                config=self,
                product=product,
                serial=serial,
                lot=lot,
                other_lot=Lot.browse(fact.other_lot_id or ()),
                in_shop=fact.in_shop,
                open_order=self.env["pos.order"].browse(fact.open_order_id or ()),
                lease_config=self.browse(fact.lease_config_id or ()),
                lease_since=fact.lease_since,
                source=source,
                expiry=fact.expiry,
                scanned_expiry=scanned_expiries.get(serial),
                on_date=on_date,
            )
            verdicts.append(SerialVerdict.judge(check, rules))
        return verdicts

    def _serial_check_facts(
        self,
        product,
        serials,
        order_uuid=False,
        check_open_orders=True,
        lease_holder=None,
    ):
        """{serial: SerialFacts} of what the verdicts on `serials` of `product` read
        at this till, in one query: the serial's lot for the product (this till's
        company, or none), a lot of another product with that name, whether the unit
        is in the shop's stock location (or below it), another open order of the
        product holding the serial (not `order_uuid`; only with `check_open_orders`),
        the till and start of another order's running lease on it (only with
        `check_open_orders`) and its registered expiry (as
        stock.lot._serial_expiry_dates reads it). With `lease_holder` (a LeaseHolder)
        and `order_uuid`, the same query first leases the product's lots named to
        that order (pos.serial.lease), unless another order's lease runs. A serial
        with no lot and no open order is left out. The lots' states are put in the
        ORM's cache: the rules read them without another query."""
        Lot = self.env["stock.lot"]
        # what the function reads (lots, quants, locations, the till, open orders):
        # one pass, nothing to write most of the time
        self.env.flush_all()
        # a function (see init): its query is planned once per connection, the
        # planning being most of a single serial's check
        rows = self.env.execute_query(
            SQL(
                "SELECT * FROM pos_serial_check_facts(%s::varchar[], %s, %s, %s, "
                "%s, %s, %s, %s, %s, %s, %s)",
                list(serials),
                self.id,
                self.company_id.id,
                product.id,
                bool(check_open_orders),
                order_uuid or None,
                "expiration_date" in Lot._fields,
                Lot._serial_timezone(),
                lease_holder.seconds if lease_holder and order_uuid else 0,
                (lease_holder.session_id or None) if lease_holder else None,
                lease_holder.user_id if lease_holder else None,
            )
        )
        if lease_holder and order_uuid:
            self.env["pos.serial.lease"].invalidate_model()
        facts, states = {}, {}
        for (
            name,
            lot_id,
            product_id,
            state,
            expiry_date,
            in_shop,
            order_id,
            lease_config_id,
            lease_since,
            lease_tills,
        ) in rows:
            if lease_holder and lease_tills:
                lease_holder.tills[:] = lease_tills
            fact = facts.get(name) or SerialFacts(open_order_id=order_id)
            if lot_id and product_id == product.id and not fact.lot_id:
                fact = fact._replace(
                    lot_id=lot_id,
                    in_shop=in_shop,
                    expiry=expiry_date,
                    lease_config_id=lease_config_id,
                    lease_since=lease_since,
                )
                states[lot_id] = state
            elif lot_id and product_id != product.id and not fact.other_lot_id:
                fact = fact._replace(other_lot_id=lot_id)
            if fact.lot_id or fact.other_lot_id or fact.open_order_id:
                facts[name] = fact
        if states:
            lots = Lot.browse(list(states))
            self.env.cache.update(
                lots, Lot._fields["serial_state"], [states[lot.id] for lot in lots]
            )
        return facts

    def _serial_verdict_rules(self):
        """The rules a serial is sold by, at the till and at the sync of a paid order:
        an ordered tuple of VerdictRule(reason, applies, refuse) (the table of
        tools/serial_verdict.py), read in order; the first applying to the serial's
        SerialCheck refuses it (the till shows the Refusal; the sync records a
        serial.conflict with the reason). Extend it with super(), e.g. ``return
        super()._serial_verdict_rules() + (VerdictRule("quarantine",
        is_quarantined, refuse_quarantined),)``; a new reason is also added to
        serial.conflict's `reason` (selection_add), which the sync records."""
        return RULES

    def _record_blocked_attempts(self, verdicts, session_id):
        """Write a blocked sale attempt (a lost or stolen unit) to the unit's history,
        once per serial and POS session: a till, or a script, checking it again and
        again does not grow the history. No session, no sale: nothing is written."""
        lots = self.env["stock.lot"].union(
            *(verdict.lot for verdict in verdicts if verdict.reason == "blocked")
        )
        if not lots or not session_id:
            return
        cr = self.env.cr
        # read without a lock: two checks at once both find nothing, the second then
        # fails to serialize on the chain head in _apply_serial_events and is replayed,
        # and finds the first one's line
        cr.execute(
            """SELECT lot_id FROM serial_audit_line
                WHERE lot_id = ANY(%s) AND event = 'blocked_sale'
                  AND res_model = 'pos.session' AND res_id = %s""",
            [lots.ids, session_id],
        )
        recorded = {lot_id for (lot_id,) in cr.fetchall()}
        self.env["stock.lot"]._apply_serial_events(
            [
                SerialEvent(
                    lot,
                    "blocked_sale",
                    pos_config_id=self.id,
                    res_model="pos.session",
                    res_id=session_id,
                    reference=self.name,
                    # the cashier is the line's user: no name in the hashed note
                    note=_(
                        "Sale attempt blocked at %(till)s: the unit is in state "
                        "%(state)s.",
                        till=self.name,
                        state=lot._state_label(lot.serial_state),
                    ),
                )
                for lot in lots
                if lot.id not in recorded
            ]
        )

    def _serial_snapshot(self):
        """The sellable serials of the shop for the till's checks while offline, as a
        compact set of their hashes with their registered expiries (see
        _serial_offline_set and tools/serial_offline_set.py: "count", "hashes",
        "expiries", "cursor" for the deltas of get_pos_serial_snapshot_delta):
        offline, the till refuses an expired unit, or a scanned code giving another
        expiry, from these, as the server's verdicts do: against the day in the time
        zone the server reads expiries in ("timezone", and "today" in it when the
        snapshot was made), with the server's refusals in the user's language
        ("refusals", see _serial_expiry_refusals), whose placeholders the till
        fills. Writes nothing."""
        Lot = self.env["stock.lot"]
        now = fields.Datetime.now()
        return {
            **self._serial_offline_set(),
            "complete": True,
            "date": fields.Datetime.to_string(now),
            "timezone": Lot._serial_timezone(),
            "today": fields.Date.to_string(Lot._serial_local_date(now)),
            "refusals": self._serial_expiry_refusals(),
        }

    def _serial_expiry_refusals(self):
        """The till's refusals of a unit for its expiry, in the user's language:
        {reason: {"title", "message", "alert"}}, each message with placeholders:
        %(serial)s, and %(date)s (the expiry passed) or %(scanned)s and
        %(registered)s (the expiries that differ), dates as the user reads them. The
        server's verdicts (tools/serial_verdict.refuse_expired and
        refuse_expiry_mismatch) fill them, and so does the
        till offline from its snapshot: one text for both. Override it, with super(),
        to change what the cashier is told."""
        return {
            "expiry_mismatch": {
                "title": _("Do not sell: expiry does not match"),
                "message": _(
                    "The code scanned for serial %(serial)s gives the expiry "
                    "%(scanned)s, but the unit is registered with %(registered)s: do "
                    "not sell it; check the package (it may be falsified) and call a "
                    "manager."
                ),
                "alert": True,
            },
            "expired": {
                "title": _("Unit expired"),
                "message": _(
                    "Serial %(serial)s expired on %(date)s and cannot be sold. Put the "
                    "unit aside for destruction or return."
                ),
                "alert": False,
            },
        }
