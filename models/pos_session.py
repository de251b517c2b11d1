from odoo import models


class PosSession(models.Model):
    _inherit = "pos.session"

    def _load_pos_data(self, data):
        result = super()._load_pos_data(data)
        # the shop's sellable serials, for the till's checks while it is offline
        result["data"][0]["_serial_snapshot"] = self.config_id.sudo()._serial_snapshot()
        return result
