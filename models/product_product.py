from odoo import api, models


class ProductProduct(models.Model):
    _inherit = "product.product"

    @api.model
    def _load_pos_data_fields(self, config_id):
        # the receipt prints each serial's warranty end
        return super()._load_pos_data_fields(config_id) + ["warranty_months"]
