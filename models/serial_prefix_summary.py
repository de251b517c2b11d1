import math
import random
import time

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression
from odoo.tools import SQL

from ..tools import serial_state_counts as counts

# the dashboard's counts (this model's measures) and the states each counts
MEASURE_STATES = {
    "active_count": ("in_stock", "returned"),
    "in_stock_count": ("in_stock",),
    "sold_count": ("sold",),
    "returned_count": ("returned",),
    "in_repair_count": ("in_repair",),
    "lost_count": ("lost",),
    "stolen_count": ("stolen",),
    "scrapped_count": ("scrapped",),
    "recalled_count": ("recalled",),
    "registered_count": ("unset",),
    "unit_count": counts.STATES,
}


class SerialPrefixSummary(models.Model):
    """The dashboard's counts: units per company, product, serial prefix and location,
    one measure per state, live (tools/serial_state_counts.py keeps them)."""

    _name = "serial.prefix.summary"
    _description = "Serials per Prefix and State"
    _auto = False
    _order = "serial_prefix, product_id"
    _rec_name = "serial_prefix"

    company_id = fields.Many2one("res.company", readonly=True)
    product_id = fields.Many2one("product.product", readonly=True)
    serial_prefix = fields.Char(string="Prefix", readonly=True)
    location_id = fields.Many2one("stock.location", readonly=True)
    active_count = fields.Integer(
        string="Active",
        readonly=True,
        aggregator="sum",
        help="In stock or returned: units the shop can sell.",
    )
    in_stock_count = fields.Integer(string="In Stock", readonly=True, aggregator="sum")
    sold_count = fields.Integer(string="Sold", readonly=True, aggregator="sum")
    returned_count = fields.Integer(string="Returned", readonly=True, aggregator="sum")
    in_repair_count = fields.Integer(
        string="In Repair", readonly=True, aggregator="sum"
    )
    lost_count = fields.Integer(string="Lost", readonly=True, aggregator="sum")
    stolen_count = fields.Integer(string="Stolen", readonly=True, aggregator="sum")
    scrapped_count = fields.Integer(string="Scrapped", readonly=True, aggregator="sum")
    recalled_count = fields.Integer(string="Recalled", readonly=True, aggregator="sum")
    registered_count = fields.Integer(
        string="Not Received",
        readonly=True,
        aggregator="sum",
        help="Registered, never received into stock.",
    )
    unit_count = fields.Integer(string="All Units", readonly=True, aggregator="sum")

    def init(self):
        # at a module update, nothing is replaced that did not change: replacing the
        # view would make the dashboard's readers wait until the update commits
        cr = self.env.cr
        counts.create(cr)
        view = SQL(
            "CREATE OR REPLACE VIEW %s AS %s",
            SQL.identifier(self._table),
            counts.view_query(MEASURE_STATES),
        )
        version = counts.definition_version(cr, view)
        cr.execute("SELECT obj_description(to_regclass(%s), 'pg_class')", [self._table])
        if cr.fetchone()[0] != version:
            cr.execute(view)
            cr.execute(
                SQL("COMMENT ON VIEW %s IS %s", SQL.identifier(self._table), version)
            )

    def _read_group(self, *args, **kwargs):
        self._fold_deltas()
        return super()._read_group(*args, **kwargs)

    # --- actions ---------------------------------------------------------------------
    @api.model
    @api.readonly
    def action_open_lots(self, domain, measure):
        """The serials behind one count of the dashboard: `domain` on this model (a
        pivot cell's), `measure` the count's field."""
        self.check_access("read")
        if measure not in MEASURE_STATES:
            raise UserError(_("This count has no list of serials behind it."))
        lot_domain = self._lot_domain(domain)
        states = MEASURE_STATES[measure]
        if measure != "unit_count":
            values = [state for state in states if state != "unset"]
            lot_domain = expression.AND(
                [
                    lot_domain,
                    [("serial_state", "=", False)]
                    if states == ("unset",)
                    else [("serial_state", "in", values)],
                ]
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "pos_serial_tracking.stock_lot_action"
        )
        name = self._fields[measure]._description_string(self.env)
        action.update(
            {
                "name": name,
                "display_name": name,
                "domain": lot_domain,
                "view_mode": "list,form",
                "views": [(False, "list"), (False, "form")],
            }
        )
        return action

    @api.model
    @api.readonly
    def retrieve_dashboard(self, domain=None):
        """The dashboard's indicators for the serials in `domain` (on this model, the
        dashboard's filters): lost and stolen units, open sale conflicts, the time to
        locate a unit, measured now, and the chart of units registered per day; the
        inventory accuracy of the serial counts (all the user's locations); whether
        the user may print the compliance reports linked from there; and how fresh
        the figures are (_dashboard_freshness).

        Read-only (@api.readonly): over RPC it runs on a read-only cursor, on the
        read replica when the server has one (db_replica_host); nothing here writes
        (the counts' changes are folded only where the cursor can write, see
        tools/serial_state_counts.py: fold)."""
        self.check_access("read")
        self._fold_deltas()
        lot_domain = self._lot_domain(domain or [])
        totals = self._read_group(
            domain or [], aggregates=["lost_count:sum", "stolen_count:sum"]
        )[0]
        Conflict = self.env["serial.conflict"]
        since = fields.Datetime.subtract(fields.Datetime.now(), days=30)
        return {
            "lost": totals[0] or 0,
            "stolen": totals[1] or 0,
            "open_conflicts": Conflict.search_count([("state", "=", "open")])
            if Conflict.has_access("read")
            else None,
            "accuracy": self._inventory_accuracy(),
            "can_print_reports": self.env["serial.loss.report"].has_access("create"),
            "locate": self._time_to_locate(lot_domain),
            "registered_domain": expression.AND(
                [lot_domain, [("create_date", ">=", fields.Datetime.to_string(since))]]
            ),
            "registered_view_id": self.env.ref(
                "pos_serial_tracking.stock_lot_view_graph_registered"
            ).id,
            "freshness": self._dashboard_freshness(),
        }

    # --- private ---------------------------------------------------------------------
    @api.model
    def _cron_fold_counts(self):
        """The cron job "Serial dashboard: fold the counts' changes": the changes
        appended since the last fold added to the totals, on the primary. A read
        on the primary folds them too; a read replica cannot, so with the dashboard
        served by one, this keeps the changes the view adds up at each read few."""
        self._fold_deltas()

    @api.model
    def _dashboard_freshness(self):
        """How fresh the dashboard's figures are: {"read_at": when this transaction
        read them (UTC, "YYYY-MM-DD HH:MM:SS"), "replica": whether they were read on a
        streaming replica, "replayed_at": on a replica, the commit time of the
        primary's last change it had replayed (UTC), else False}. A replica shows
        the primary as it was at replayed_at (when the primary was busy since)."""
        self.env.cr.execute(
            """SELECT now() AT TIME ZONE 'UTC', pg_is_in_recovery(),
                      pg_last_xact_replay_timestamp() AT TIME ZONE 'UTC'"""
        )
        read_at, replica, replayed_at = self.env.cr.fetchone()
        return {
            "read_at": fields.Datetime.to_string(read_at),
            "replica": replica,
            "replayed_at": replica
            and replayed_at
            and fields.Datetime.to_string(replayed_at),
        }

    def _fold_deltas(self):
        return counts.fold(self.env.cr)

    def _lot_domain(self, domain):
        """The serials a domain of this model counts, as a domain of stock.lot (the
        fields have the same names there)."""
        for leaf in expression.normalize_domain(domain):
            if (
                expression.is_leaf(leaf)
                and leaf not in (expression.TRUE_LEAF, expression.FALSE_LEAF)
                and leaf[0].split(".")[0] not in counts.KEYS
            ):
                raise UserError(
                    _(
                        "The dashboard filters serials by company, product, prefix "
                        "and location only, not by %(field)s.",
                        field=leaf[0],
                    )
                )
        return expression.AND([[("product_id.tracking", "=", "serial")], domain])

    def _time_to_locate(self, lot_domain):
        """Milliseconds this server takes, now, to find a serial picked at random by
        its exact name and read its whole history, as the user; with the serial and
        its number of events. None when there is no serial."""
        Lot = self.env["stock.lot"]
        self.env.cr.execute("SELECT min(id), max(id) FROM stock_lot")
        low, high = self.env.cr.fetchone()
        if low is None:
            return None
        start_id = random.randint(low, high)  # a sample, not a secret
        lot = Lot.search(
            expression.AND([lot_domain, [("id", ">=", start_id)]]), order="id", limit=1
        ) or Lot.search(lot_domain, order="id", limit=1)
        if not lot:
            return None
        serial = lot.name
        self.env.invalidate_all()
        start = time.perf_counter()
        found = Lot.search_fetch(
            [("name", "=", serial)], ["name", "serial_state", "location_id"], limit=1
        )
        events = self.env["serial.audit.line"].search_fetch(
            [("lot_id", "=", found.id)],
            ["chain_index", "date", "event", "old_state", "new_state", "reference"],
            order="chain_index",
        )
        milliseconds = (time.perf_counter() - start) * 1000
        return {
            "serial": serial,
            "events": len(events),
            "milliseconds": milliseconds,
            "label": self._duration_words(milliseconds),
        }

    @api.model
    def _duration_words(self, milliseconds):
        """A duration as a manager reads it: "under 2 ms" (the next whole
        millisecond up to 10 ms), "about 40 ms", "about 1.2 s"."""
        if milliseconds < 10:
            return _("under %(ms)s ms", ms=max(1, math.floor(milliseconds) + 1))
        if milliseconds < 1000:
            return _("about %(ms)s ms", ms=round(milliseconds))
        # a value, not an f-string, in the call: Odoo's term extraction evaluates it
        seconds = round(milliseconds / 1000, 1)
        return _("about %(s)s s", s=seconds)

    def _inventory_accuracy(self):
        """The inventory accuracy by serial of the serial counts (matched / expected
        units, in %, over the latest applied count of each location the user may
        read) and how many locations it covers; None without any applied count."""
        Count = self.env["serial.count"]
        if not Count.has_access("read"):
            return None
        overall = Count.accuracy_summary()["overall"]
        if overall["accuracy_rate"] is None:
            return None
        return {"rate": overall["accuracy_rate"], "locations": overall["locations"]}
