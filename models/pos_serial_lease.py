from odoo import _, api, fields, models
from odoo.tools import SQL

from ..tools.serial_event import SerialEvent

LEASE_MINUTES_PARAMETER = "pos_serial_tracking.lease_minutes"
DEFAULT_LEASE_MINUTES = 5


class PosSerialLease(models.Model):
    """A serial held by an open order of a till, from the moment the till's check
    accepted it: another till's check refuses it while the lease runs. One row per
    serial (unique on the lot, in the database): taken by the till's check in the
    same statement as its facts (pos_serial_check_facts, models/pos_config.py), with
    ``INSERT ... ON CONFLICT (lot_id) DO UPDATE ... WHERE`` the lease in place has
    expired or is the same order's, so two tills can never both hold it. Renewed
    while the order is open, released when its line is removed or the order deleted,
    dropped when the sync of a paid order claims the serial. Not a sale: the sync
    checks every serial again, an expired or broken lease never loses a paid
    order."""

    _name = "pos.serial.lease"
    _description = "Serial Held by an Open POS Order"
    _order = "date_start desc, id desc"
    _log_access = False
    _check_company_auto = True
    _rec_name = "lot_id"

    lot_id = fields.Many2one(
        "stock.lot",
        string="Serial Number",
        required=True,
        readonly=True,
        ondelete="cascade",
        check_company=True,
    )
    product_id = fields.Many2one(related="lot_id.product_id")
    order_uuid = fields.Char(
        string="Order",
        required=True,
        readonly=True,
        index=True,
        help="The open order of the till holding the serial (its reference on the "
        "till: the order is on the server only once paid).",
    )
    config_id = fields.Many2one(
        "pos.config",
        string="Point of Sale",
        required=True,
        readonly=True,
        ondelete="cascade",
    )
    session_id = fields.Many2one("pos.session", readonly=True, ondelete="set null")
    user_id = fields.Many2one(
        "res.users", string="Cashier", readonly=True, ondelete="set null"
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    date_start = fields.Datetime(string="Since", required=True, readonly=True)
    expires_at = fields.Datetime(string="Expires", required=True, readonly=True)
    active_lease = fields.Boolean(
        string="Running",
        compute="_compute_active_lease",
        search="_search_active_lease",
        help="The lease has not expired: other tills are refused the serial.",
    )

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        (
            "lot_unique",
            "UNIQUE(lot_id)",
            "A serial is held by one open order at a time.",
        ),
    ]

    def _compute_active_lease(self):
        now = fields.Datetime.now()
        for lease in self:
            lease.active_lease = lease.expires_at > now

    def _search_active_lease(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            return NotImplemented
        running = (operator == "=") == value
        return [("expires_at", ">" if running else "<=", fields.Datetime.now())]

    def action_break(self):
        """A Serial Manager breaks the leases: the serials are free for any till again,
        and each unit's history tells who broke which till's lease. The till that held
        it keeps its line; the sync checks the serial again when that order is
        paid."""
        # the manager's right to these leases (access rights, company rules), before
        # the history is written as the superuser
        self.check_access("unlink")
        leases = self.sudo().exists()
        if not leases:
            return True
        lots = leases.lot_id
        lots._apply_serial_events(
            [
                SerialEvent(
                    lease.lot_id,
                    "lease_broken",
                    pos_config_id=lease.config_id.id,
                    reference=lease.config_id.name,
                    note=_(
                        "Lease of the open order at %(till)s (since %(since)s) "
                        "broken by a manager: the serial is free for any till.",
                        till=lease.config_id.name,
                        since=fields.Datetime.to_string(lease.date_start),
                    ),
                )
                for lease in leases
            ]
        )
        released = {}
        for lease in leases.filtered("active_lease"):
            released.setdefault(lease.config_id, []).append(
                (lease.product_id.id, lease.lot_id.name)
            )
        leases.unlink()
        for config, serials in released.items():
            config._notify_serial_availability(available=serials)
        return True

    # --- business methods ------------------------------------------------------------
    @api.model
    def _lease_seconds(self):
        """How long a till's check holds a serial for its order, in seconds (the
        setting "Hold a checked serial for", minutes; 0 turns leases off)."""
        value = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(LEASE_MINUTES_PARAMETER, DEFAULT_LEASE_MINUTES)
        )
        try:
            return max(0, int(float(value) * 60))
        except (TypeError, ValueError):
            return DEFAULT_LEASE_MINUTES * 60

    @api.model
    def _release(self, config_ids, order_uuids, lot_ids=None, notify=True):
        """Delete the leases of `order_uuids` at the tills `config_ids` (of `lot_ids`
        only, when given) in one statement; tells the tills the serials whose lease
        was running are available again. Returns the (product id, serial) pairs."""
        self.flush_model()
        rows = self.env.execute_query(
            SQL(
                """DELETE FROM pos_serial_lease lease
                    USING stock_lot lot
                   WHERE lot.id = lease.lot_id AND lease.config_id = ANY(%s)
                     AND lease.order_uuid = ANY(%s) AND (%s OR lease.lot_id = ANY(%s))
               RETURNING lot.product_id, lot.name, lease.config_id,
                         lease.expires_at
                             > (statement_timestamp() AT TIME ZONE 'UTC')""",
                list(config_ids),
                list(order_uuids),
                lot_ids is None,
                list(lot_ids or ()),
            )
        )
        self.invalidate_model()
        if notify:
            self._notify_released(rows)
        return [(product_id, name) for product_id, name, *_rest in rows]

    @api.model
    def _release_claimed(self, lot_ids, order_uuids):
        """The sync of the paid orders `order_uuids` claimed the serials `lot_ids`
        (sold or returned): whoever held those, the lease is over (the unit is no
        longer for sale); and the paid orders hold nothing any more."""
        self.flush_model()
        self.env.execute_query(
            SQL(
                """DELETE FROM pos_serial_lease
                    WHERE lot_id = ANY(%s) OR order_uuid = ANY(%s)""",
                list(lot_ids),
                list(order_uuids),
            )
        )
        self.invalidate_model()

    @api.model
    def _renew(self, config_id, order_uuids):
        """Push back the expiry of the running leases of `order_uuids` at the till
        `config_id`; returns how many were renewed. An expired lease is not renewed:
        the till checks its serial again."""
        if not order_uuids:
            return 0
        rows = self.env.execute_query(
            SQL(
                """UPDATE pos_serial_lease
                      SET expires_at = (statement_timestamp() AT TIME ZONE 'UTC')
                                       + make_interval(secs => %s)
                    WHERE config_id = %s AND order_uuid = ANY(%s)
                      AND expires_at > (statement_timestamp() AT TIME ZONE 'UTC')
                RETURNING id""",
                self._lease_seconds(),
                config_id,
                list(order_uuids),
            )
        )
        self.invalidate_model()
        return len(rows)

    @api.model
    def _notify_released(self, rows):
        """Tell the tills sharing the stock of each holding till about the serials of
        `rows` (product id, serial, till's id, whether the lease was still running)
        that are free again."""
        by_config = {}
        for product_id, name, config_id, running in rows:
            if running:
                by_config.setdefault(config_id, []).append((product_id, name))
        for config_id, released in by_config.items():
            self.env["pos.config"].browse(config_id)._notify_serial_availability(
                available=released
            )

    @api.autovacuum
    def _gc_expired_leases(self):
        """Expired leases past a day: nobody holds them, nobody will renew them."""
        self.env.cr.execute(
            """DELETE FROM pos_serial_lease
                WHERE expires_at
                      < (statement_timestamp() AT TIME ZONE 'UTC') - interval '1 day'"""
        )
