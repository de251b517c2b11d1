from odoo import _, fields, models

from .stock_lot import SERIAL_READERS


class ResPartner(models.Model):
    _inherit = "res.partner"

    serial_count = fields.Integer(
        string="Units Owned",
        compute="_compute_serial_count",
        groups=SERIAL_READERS,
        help="The serialized units sold to this customer (or its contacts) and not "
        "returned.",
    )

    def _compute_serial_count(self):
        Lot = self.env["stock.lot"]
        for partner in self:
            partner.serial_count = (
                Lot.search_count(partner._owned_serials_domain()) if partner.id else 0
            )

    def action_view_serials(self):
        self.ensure_one()
        self.check_access("read")
        self.env["stock.lot"].browse().check_access("read")
        return (
            self.env["stock.lot"]
            .search(self._owned_serials_domain())
            ._action_open_serials(_("Units of %s", self.display_name))
        )

    def _owned_serials_domain(self):
        return [
            ("serial_partner_id", "child_of", self.ids),
            ("serial_state", "=", "sold"),
        ]
