import json

from werkzeug.exceptions import BadRequest

from odoo import fields, http
from odoo.http import content_disposition, request


class SerialEpcisController(http.Controller):
    """The download of units' EPCIS 2.0 document (stock.lot.action_download_epcis):
    the model checks the user's rights and builds it (stock.lot.epcis_document).
    Read-only: served by the read replica when the server has one."""

    @http.route(
        "/pos_serial_tracking/epcis",
        type="http",
        auth="user",
        methods=["GET"],
        readonly=True,
    )
    def serial_epcis_download(self, lot_ids=""):
        try:
            ids = [int(lot_id) for lot_id in lot_ids.split(",") if lot_id]
        except ValueError as error:
            raise BadRequest() from error
        lots = request.env["stock.lot"].browse(ids)
        document = lots.epcis_document()
        name = lots.name if len(lots) == 1 else "serials"
        filename = f"epcis-{name}-{fields.Date.context_today(lots)}.jsonld"
        return request.make_response(
            json.dumps(document, indent=2, ensure_ascii=False),
            headers=[
                ("Content-Type", "application/ld+json; charset=utf-8"),
                ("Content-Disposition", content_disposition(filename)),
            ],
        )
