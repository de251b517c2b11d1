import base64
from datetime import timedelta

from odoo import fields, models
from odoo.tools import SQL

from ..tools.serial_lifecycle import SELLABLE_STATES
from ..tools.serial_offline_set import HASH_SQL

# a delta reads the changes since its cursor less this margin: a transaction that
# began before the cursor (its rows dated then) and committed after it is still read
DELTA_OVERLAP = timedelta(minutes=10)
# past these, the till reloads the whole set instead of a delta
DELTA_LIMIT = 20000  # units changed since the cursor
DELTA_MAX_AGE = timedelta(hours=12)  # age of the cursor


class PosConfig(models.Model):
    _inherit = "pos.config"

    # loaded into the till with the other pos.config fields; only the till enforces
    # them (a paid order is never refused at the sync)
    serial_offline_max_sales = fields.Integer(
        string="Offline Serial Sales Limit",
        default=100,
        help="Units with a serial the till may sell while offline, checked against its "
        "list of sellable serials; past it a manager must reconnect the till. 0: no "
        "limit.",
    )
    serial_offline_max_hours = fields.Integer(
        string="Offline Serial Sales Hours",
        default=24,
        help="Hours since the till last reached the server after which it sells no "
        "more units with a serial offline; a manager must reconnect it. 0: no limit.",
    )

    # --- called by the till (public: the POS calls them over RPC) --------------------
    def get_pos_serial_snapshot_delta(self, cursor):
        """The changes of the shop's sellable serials since `cursor` (the "cursor" of
        the till's last snapshot or delta): {"cursor", "add": [[hash, expiry days]],
        "remove": [hash]} (hashes in hex, see tools/serial_offline_set.py), or
        {"reload": True} when the till should load the whole snapshot again (an old
        or unreadable cursor, or too many changes). Writes nothing."""
        self._check_till_access()
        return self.sudo()._serial_snapshot_delta(cursor)

    # --- private helpers -------------------------------------------------------------
    def _serial_offline_set(self):
        """The shop's sellable serials as the till keeps them offline, built by
        PostgreSQL in one query: {"count", "hashes", "expiries"} as
        tools/serial_offline_set.encode makes them (the same bytes), and "cursor",
        the moment it was read, for the deltas."""
        self.env.flush_all()
        # one sort: each unit's hash and expiry days side by side (10 bytes), split
        # here; in memory (500,000 units: about 40 MB), not on disk
        [(work_mem,)] = self.env.execute_query(SQL("SHOW work_mem"))
        self.env.cr.execute("SET LOCAL work_mem = '64MB'")
        [(count, units, dated, cursor)] = self.env.execute_query(
            SQL(
                """SELECT count(*),
                          string_agg(hash || substr(int4send(days), 3, 2), ''::bytea
                                     ORDER BY hash),
                          bool_or(days > 0), now() AT TIME ZONE 'UTC'
                     FROM (%s) unit""",
                self._serial_offline_units_sql(),
            )
        )
        self.env.cr.execute(SQL("SELECT set_config('work_mem', %s, TRUE)", work_mem))
        units = memoryview(units or b"")
        hashes = b"".join(units[i : i + 8] for i in range(0, len(units), 10))
        days = b"".join(units[i + 8 : i + 10] for i in range(0, len(units), 10))
        return {
            "count": count,
            "hashes": base64.b64encode(hashes).decode(),
            "expiries": base64.b64encode(days if dated else b"").decode(),
            "cursor": fields.Datetime.to_string(cursor),
        }

    def _serial_offline_units_sql(self, lots=None):
        """SELECT of units of the offline set, one row per lot: its hash (8 bytes),
        expiry days (0: none), and whether it is sellable at this till: of a
        serial-tracked product sold in the POS, in a sellable state, with stock in the
        shop's location (or below it). `lots`: an SQL of the lot ids to read (the
        deltas), sellable or not; by default the sellable units only (the whole
        set)."""
        Lot = self.env["stock.lot"]
        expiry = SQL("lot.serial_expiry_date")
        if "expiration_date" in Lot._fields:
            expiry = SQL(
                "COALESCE(lot.serial_expiry_date, (lot.expiration_date AT TIME ZONE "
                "'UTC' AT TIME ZONE %s)::date)",
                Lot._serial_timezone(),
            )
        source = self.picking_type_id.default_location_src_id
        # the shop's locations by id: their quants are then estimated by the
        # column's statistics (a LIKE on parent_path is not)
        locations = [
            location_id
            for (location_id,) in self.env.execute_query(
                SQL(
                    "SELECT id FROM stock_location WHERE parent_path LIKE %s",
                    (source.parent_path or "-") + "%",
                )
            )
        ]
        in_stock = SQL(
            """SELECT quant.lot_id FROM stock_quant quant
                WHERE quant.quantity > 0 AND quant.location_id = ANY(%s)""",
            locations,
        )
        sellable = SQL(
            "lot.serial_state = ANY(%s) AND EXISTS (%s AND quant.lot_id = lot.id)",
            list(SELLABLE_STATES),
            in_stock,
        )
        if lots is None:
            # the whole set: a (parallel) hash semi-join of the lots and the quants
            where, sellable = sellable, SQL("TRUE")
        else:
            where = SQL("lot.id IN (%s)", lots)
        return SQL(
            """SELECT %(hash)s AS hash,
                      CASE WHEN %(expiry)s IS NULL THEN 0
                           ELSE LEAST(GREATEST(%(expiry)s - DATE '1970-01-01', 1),
                                      65535) END AS days,
                      %(sellable)s AS sellable
                 FROM stock_lot lot
                 JOIN product_product product ON product.id = lot.product_id
                 JOIN product_template template
                   ON template.id = product.product_tmpl_id
                WHERE template.tracking = 'serial' AND template.available_in_pos
                  AND (lot.company_id = %(company)s OR lot.company_id IS NULL)
                  AND %(where)s""",
            hash=SQL(HASH_SQL.format(alias="lot")),
            expiry=expiry,
            sellable=sellable,
            company=self.company_id.id,
            where=where,
        )

    def _serial_snapshot_delta(self, cursor):
        try:
            since = fields.Datetime.to_datetime(cursor)
        except (TypeError, ValueError):
            since = None
        now = self.env.cr.now()
        if not since or since > now or now - since > DELTA_MAX_AGE:
            return {"reload": True}
        since -= DELTA_OVERLAP
        self.env.flush_all()
        # the lots whose state (a ledger line) or stock (a quant, by its indexed
        # write_date, see stock_quant.py) changed since then, read again
        touched = SQL(
            """SELECT lot_id FROM serial_audit_line WHERE date > %s
               UNION SELECT lot_id FROM stock_quant
                      WHERE write_date > %s AND lot_id IS NOT NULL""",
            since,
            since,
        )
        rows = self.env.execute_query(
            SQL(
                "SELECT encode(hash, 'hex'), days, sellable FROM (%s) unit LIMIT %s",
                self._serial_offline_units_sql(lots=touched),
                DELTA_LIMIT + 1,
            )
        )
        if len(rows) > DELTA_LIMIT:
            return {"reload": True}
        return {
            "cursor": fields.Datetime.to_string(now),
            "add": [[digest, days] for digest, days, sellable in rows if sellable],
            "remove": [digest for digest, _days, sellable in rows if not sellable],
        }
