"""A module adding an extension field to every EPCIS event, as an integrator would,
loaded by the extension test only (odoo-test-helper's FakeModelLoader): the unit's
product by its internal reference, in the module's own namespace, which it declares
in the document's @context."""

from odoo import models

ACME_NAMESPACE = "https://acme.example/epcis#"


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _epcis_context(self):
        return super()._epcis_context() + [{"acme": ACME_NAMESPACE}]

    def _epcis_object_event(self, line, unit, database):
        event = super()._epcis_object_event(line, unit=unit, database=database)
        event["acme:productCode"] = self.product_id.default_code or None
        return event
