from odoo import fields, models

from .pos_serial_lease import DEFAULT_LEASE_MINUTES, LEASE_MINUTES_PARAMETER


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    pos_serial_customer_policy = fields.Selection(
        related="pos_config_id.serial_customer_policy", readonly=False
    )
    pos_serial_lease_minutes = fields.Integer(
        string="Hold a Checked Serial For (minutes)",
        config_parameter=LEASE_MINUTES_PARAMETER,
        default=DEFAULT_LEASE_MINUTES,
        help="When a till's check accepts a serial, the till's open order holds it "
        "for this long, renewed while the order is open: every other till is "
        "refused the unit meanwhile. 0: no hold.",
    )
    pos_serial_offline_max_sales = fields.Integer(
        related="pos_config_id.serial_offline_max_sales", readonly=False
    )
    pos_serial_offline_max_hours = fields.Integer(
        related="pos_config_id.serial_offline_max_hours", readonly=False
    )
