from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pos_serial_customer_policy = fields.Selection(
        related="pos_config_id.serial_customer_policy", readonly=False
    )
    pos_serial_offline_max_sales = fields.Integer(
        related="pos_config_id.serial_offline_max_sales", readonly=False
    )
    pos_serial_offline_max_hours = fields.Integer(
        related="pos_config_id.serial_offline_max_hours", readonly=False
    )
