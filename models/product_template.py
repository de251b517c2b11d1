import re

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    serial_format = fields.Char(
        help="A regular expression every serial of this product must match in full, "
        "checked when a serial is registered. Example: NVX-[0-9]{4}",
    )
    warranty_months = fields.Integer(
        string="Warranty (months)",
        help="The warranty a unit gets from the day it is sold; 0 for none.",
    )

    @api.constrains("serial_format")
    def _check_serial_format_syntax(self):
        for template in self.filtered("serial_format"):
            try:
                re.compile(template.serial_format)
            except re.error as error:
                raise ValidationError(
                    _(
                        "The serial format of %(product)s is not a valid regular "
                        "expression (%(error)s).",
                        product=template.display_name,
                        error=error,
                    )
                ) from error

    @api.constrains("warranty_months")
    def _check_warranty_months(self):
        if any(template.warranty_months < 0 for template in self):
            raise ValidationError(_("A warranty duration cannot be negative."))
