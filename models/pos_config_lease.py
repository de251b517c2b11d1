from odoo import models
from odoo.tools import SQL

from ..tools.serial_text import clean_serial

# the bus message telling a company's tills which serials an open order took or left
AVAILABILITY_MESSAGE = "POS_SERIAL_AVAILABILITY"


class PosConfig(models.Model):
    """The till's leases of the serials its check accepted (pos.serial.lease): the
    till renews those of its open orders and releases them when a line or an order
    goes; every change is pushed to the company's other tills over the bus."""

    _inherit = "pos.config"

    def init(self):
        result = super().init()
        # the tills told of a lease, in a function: its query's plan is kept for the
        # connection (planning it is most of its time, at every check leasing a unit)
        self.env.cr.execute(
            """
            CREATE OR REPLACE FUNCTION pos_serial_lease_tills(p_config integer)
            RETURNS TABLE(access_token varchar)
            LANGUAGE plpgsql STABLE
            SET plan_cache_mode = force_generic_plan AS $$
            #variable_conflict use_column
            BEGIN
                RETURN QUERY
                SELECT config.access_token
                  FROM pos_config own
                  JOIN stock_picking_type own_type
                    ON own_type.id = own.picking_type_id
                  JOIN stock_location own_shop
                    ON own_shop.id = own_type.default_location_src_id
                  JOIN pos_config config
                    ON config.company_id = own.company_id AND config.id != own.id
                  JOIN stock_picking_type type ON type.id = config.picking_type_id
                  JOIN stock_location shop ON shop.id = type.default_location_src_id
                 WHERE own.id = p_config AND config.access_token IS NOT NULL
                   AND (starts_with(own_shop.parent_path, shop.parent_path)
                        OR starts_with(shop.parent_path, own_shop.parent_path))
                   AND EXISTS (
                       SELECT FROM pos_session session
                        WHERE session.config_id = config.id
                          AND session.state IN ('opening_control', 'opened'));
            END $$;
            """
        )
        return result

    # --- called by the till (public: the POS calls them over RPC) --------------------
    def release_pos_serials(self, order_uuid, serials=None):
        """The till removed `serials` (all of them when None) from its open order
        `order_uuid`, or deleted the order: their leases end, and the company's tills
        may sell them again. Only the leases of this till's orders are released.
        Returns the serials released."""
        self._check_till_access()
        Lease = self.env["pos.serial.lease"].sudo()
        lot_ids = None
        if serials is not None:
            names = [clean_serial(serial) for serial in serials]
            if not names:
                return []
            lot_ids = self.sudo()._find_lots(names).ids
        released = Lease._release(self.ids, [order_uuid], lot_ids=lot_ids)
        return [name for _product_id, name in released]

    def renew_pos_serials(self, order_uuids):
        """The till's open orders `order_uuids` are still open: their running leases
        last the setting's time again. Returns {"renewed": count, "seconds": the
        lease's time}: the till renews well within it."""
        self._check_till_access()
        Lease = self.env["pos.serial.lease"].sudo()
        return {
            "renewed": Lease._renew(self.id, list(order_uuids or ())),
            "seconds": Lease._lease_seconds(),
        }

    # --- private helpers -------------------------------------------------------------
    def _settle_serial_leases(self, product, order_uuid, verdicts, tills=None):
        """After the till's check leased the serials of `product` to `order_uuid`
        (pos_serial_check_facts): the refused ones are released at once (that order
        will not hold them), the accepted ones are told to the company's other tills
        as unavailable (`tills`: their bus channels, when the check's query found
        them)."""
        refused = [v.lot.id for v in verdicts if not v.ok and v.lot]
        if refused:
            self.env["pos.serial.lease"]._release(
                self.ids, [order_uuid], lot_ids=refused, notify=False
            )
        taken = [(product.id, v.serial) for v in verdicts if v.ok and v.lot]
        if taken:
            self._notify_serial_availability(unavailable=taken, tills=tills)

    def _notify_serial_availability(self, unavailable=(), available=(), tills=None):
        """Push to the other tills selling from this till's stock (their stock
        location holds this one's, or lies within it) with an open session, the
        serials an open order of this till took (`unavailable`) or left
        (`available`), as (product id, serial) pairs: their offline lists drop or
        take back the units. One message per till, sent with the transaction's
        commit. `tills`: their bus channels, when known (pos_serial_lease_tills)."""
        self.ensure_one()
        if not (unavailable or available):
            return
        if tills is None:
            self.env["pos.session"].flush_model(["config_id", "state"])
            tills = [
                token
                for (token,) in self.env.execute_query(
                    SQL("SELECT * FROM pos_serial_lease_tills(%s)", self.id)
                )
            ]
        message = {
            "unavailable": [list(pair) for pair in unavailable],
            "available": [list(pair) for pair in available],
        }
        Bus = self.env["bus.bus"].sudo()
        for token in tills:
            # as pos.bus.mixin._notify does for one till
            Bus._sendone(token, f"{token}-{AVAILABILITY_MESSAGE}", message)
