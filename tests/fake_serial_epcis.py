"""A module adding an extension field to every EPCIS event, as an integrator would,
loaded by the extension test only (odoo-test-helper's FakeModelLoader): the unit's
product by its internal reference and who recorded the event (a field of the audit
line the event's values leave out, read from line.record), in the module's own
namespace, which it declares in the document's @context; and units named by the
module's own URN instead of the addon's identifier."""

from odoo import models

ACME_NAMESPACE = "https://acme.example/epcis#"


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _epcis_context(self):
        return super()._epcis_context() + [{"acme": ACME_NAMESPACE}]

    def _epcis_object_event(self, line, unit, database):
        event = super()._epcis_object_event(line, unit=unit, database=database)
        event["acme:productCode"] = self.product_id.default_code or None
        event["acme:recordedBy"] = line.record.user_id.login
        return event

    def _epcis_unit_uri(self, database):
        return f"urn:acme:unit:{self.product_id.default_code}:{self.name}"
