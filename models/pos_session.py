from odoo import Command, fields, models


class PosSession(models.Model):
    _inherit = "pos.session"

    serial_cashier_ids = fields.Many2many(
        "res.users",
        "pos_session_serial_cashier_rel",
        string="Cashiers",
        readonly=True,
        copy=False,
        help=(
            "Users who joined this session's till besides its responsible (Odoo lets "
            "several users into one open session); they may check serials at the till."
        ),
    )

    def login(self):
        # Odoo calls it when a user enters the till (its /pos/ui page)
        result = super().login()
        user = self.env.user
        if user != self.user_id and user not in self.sudo().serial_cashier_ids:
            self.sudo().serial_cashier_ids = [Command.link(user.id)]
        return result

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        # the shop's sellable serials, for the till's checks while it is offline
        result["data"][0]["_serial_snapshot"] = self.config_id.sudo()._serial_snapshot()
        return result

    def _create_picking_at_end_of_session(self):
        # a till that updates the stock at the session's closing: the cashier closing
        # it (Point of Sale: User) may not read the serials Odoo looks up for its
        # transfers; they are made as the superuser once the cashier's right to this
        # session is checked, as for each order's transfer (pos.order)
        self.check_access("write")
        return super(PosSession, self.sudo())._create_picking_at_end_of_session()
