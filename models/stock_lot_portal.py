from urllib.parse import quote

from odoo import api, models

from ..tools.serial_epcis import gtin14

# the states in which a unit whose buyer is a customer is still with that customer
# (never received by us, sold, in repair, recalled at the customer): their units in
# the portal. Returned, back in stock, lost, stolen or scrapped: not listed.
PORTAL_UNIT_STATES = (False, "sold", "in_repair", "recalled")


class StockLot(models.Model):
    """A customer's own units in Odoo's portal ("My Units",
    controllers/serial_portal.py).

    Portal users have no access to stock.lot: these methods read, as superuser, only
    the units whose buyer (serial_partner_id) is the portal user's commercial partner or
    one of its contacts, and only the fields their pages show. They take no partner:
    the environment's user is the customer, so no caller can ask for another's units."""

    _inherit = "stock.lot"

    @api.model
    def _portal_unit_domain(self):
        """The domain of the environment user's own units (see PORTAL_UNIT_STATES)."""
        partner = self.env.user.commercial_partner_id
        return [
            ("serial_partner_id", "child_of", partner.id),
            ("product_tracking", "=", "serial"),
            "|",
            ("serial_state", "=", False),
            ("serial_state", "in", [state for state in PORTAL_UNIT_STATES if state]),
        ]

    @api.model
    def _portal_unit_count(self):
        """How many units the environment's user owns (the counter of /my)."""
        if self.env.user._is_public():
            return 0
        return self.sudo().search_count(self._portal_unit_domain())

    @api.model
    def _portal_units(self, offset=0, limit=None):
        """The environment user's own units, as superuser (to read the fields their
        pages show), most recently bought first."""
        if self.env.user._is_public():
            return self.browse()
        return self.sudo().search(
            self._portal_unit_domain(),
            offset=offset,
            limit=limit,
            order="serial_sale_date desc, id desc",
        )

    @api.model
    def _portal_unit(self, lot_id):
        """The unit `lot_id` as superuser if the environment's user owns it, else an
        empty recordset (the page answers 404: nothing of another customer's unit)."""
        if self.env.user._is_public() or not isinstance(lot_id, int):
            return self.browse()
        return self.sudo().search(
            [("id", "=", lot_id), *self._portal_unit_domain()], limit=1
        )

    def _portal_unit_recall_lines(self):
        """The lines of active recalls of these units (as superuser: called on the
        units _portal_units gave) addressed to their owner, each with the notice whose
        answer buttons the customer uses, if one went out."""
        partner = self.env.user.commercial_partner_id
        return (
            self.env["serial.recall.line"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", self.ids),
                    ("recall_id.state", "=", "active"),
                    ("partner_id", "child_of", partner.id),
                ]
            )
        )

    def _portal_check_url(self):
        """The unit's public check page (GS1 Digital Link: /01/<GTIN-14>/21/<serial>),
        or False when its product has no valid GTIN."""
        self.ensure_one()
        gtin = gtin14(self.product_id.barcode)
        if not gtin:
            return False
        return f"{self.get_base_url()}/01/{gtin}/21/{quote(self.name, safe='')}"
