from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pos_serial_customer_policy = fields.Selection(
        related="pos_config_id.serial_customer_policy", readonly=False
    )
