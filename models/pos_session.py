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
