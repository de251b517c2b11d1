import base64

from werkzeug.exceptions import NotFound

from odoo import _, fields, http
from odoo.exceptions import AccessError, MissingError, UserError, ValidationError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

# a receipt is a photo or a PDF, not an archive
RECEIPT_MAX_BYTES = 10 * 1024 * 1024
REQUEST = "serial.registration.request"


class SerialPortal(CustomerPortal):
    """A customer's own units in Odoo's portal ("My Units"): the list, a page per
    unit with its active recalls and their answers, and the registration of a unit
    bought elsewhere with its receipt. Portal users have no access to stock.lot: the
    units come from stock.lot's _portal_* methods (the logged-in customer's own, as
    superuser, only what the pages show); their requests through their own access
    rights (a record rule on the partner)."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "serial_unit_count" in counters:
            values["serial_unit_count"] = request.env["stock.lot"]._portal_unit_count()
        return values

    @http.route(
        ["/my/units", "/my/units/page/<int:page>"],
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
    )
    def portal_my_units(self, page=1, **kw):
        Lot = request.env["stock.lot"]
        pager = portal_pager(
            url="/my/units",
            total=Lot._portal_unit_count(),
            page=page,
            step=self._items_per_page,
        )
        units = Lot._portal_units(offset=pager["offset"], limit=self._items_per_page)
        # their own (a Serial Manager visiting their portal reads more than these)
        registrations = request.env[REQUEST].search(
            [("partner_id", "child_of", request.env.user.commercial_partner_id.id)],
            limit=50,
        )
        values = self._prepare_portal_layout_values()
        answers = self._recall_answers()
        values.update(
            {
                "page_name": "serial_units",
                "units": units,
                "recall_lines": units._portal_unit_recall_lines(),
                "answers": answers,
                "answer_labels": dict(answers),
                "registrations": registrations.sudo(),
                "pager": pager,
                "default_url": "/my/units",
            }
        )
        return request.render("pos_serial_tracking.portal_my_units", values)

    @http.route(
        "/my/units/<int:unit_id>",
        type="http",
        auth="user",
        methods=["GET"],
        website=True,
    )
    def portal_my_unit(self, unit_id, answered=None, error=None, **kw):
        unit = self._unit_or_404(unit_id)
        values = self._prepare_portal_layout_values()
        answers = self._recall_answers()
        values.update(
            {
                "page_name": "serial_unit",
                "unit": unit,
                "recall_lines": unit._portal_unit_recall_lines(),
                "answers": answers,
                "answer_labels": dict(answers),
                "state_labels": self._serial_state_labels(),
                "check_url": unit._portal_check_url(),
                "answered": bool(answered),
                "error": error,
            }
        )
        return request.render("pos_serial_tracking.portal_my_unit", values)

    @http.route(
        "/my/units/<int:unit_id>/answer",
        type="http",
        auth="user",
        methods=["POST"],
        website=True,
    )
    def portal_my_unit_answer(self, unit_id, line_id=None, answer=None, **kw):
        """The customer's answer to a recall of their unit, recorded as on the
        recall notice's own page (serial.recall.notice._record_answer)."""
        unit = self._unit_or_404(unit_id)
        line = unit._portal_unit_recall_lines().filtered(
            lambda line: str(line.id) == (line_id or "")
        )
        if not line or not line.notice_id:
            raise NotFound()
        try:
            line.notice_id._record_answer(answer, lot_ids=unit.ids)
        except UserError as problem:
            return self.portal_my_unit(unit_id, error=str(problem))
        return request.redirect(f"/my/units/{unit.id}?answered=1", 303)

    @http.route(
        "/my/units/register",
        type="http",
        auth="user",
        methods=["GET", "POST"],
        website=True,
    )
    def portal_my_unit_register(self, serial=None, purchase_date=None, **kw):
        """Register a unit bought elsewhere: its serial, the date and the receipt; a
        Serial Manager confirms (serial.registration.request)."""
        error = None
        if request.httprequest.method == "POST":
            try:
                registration = self._create_registration(
                    serial, purchase_date, kw.get("receipt")
                )
            except (UserError, ValidationError, AccessError) as problem:
                error = str(problem)
            else:
                return request.redirect(f"{registration.access_url}?submitted=1", 303)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "serial_register",
                "serial": serial or "",
                "purchase_date": purchase_date or "",
                "error": error,
            }
        )
        return request.render("pos_serial_tracking.portal_my_unit_register", values)

    @http.route(
        "/my/units/registrations/<int:request_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
    )
    def portal_my_unit_registration(
        self, request_id, access_token=None, submitted=None, **kw
    ):
        try:
            registration = self._document_check_access(
                REQUEST, request_id, access_token=access_token
            )
        except (AccessError, MissingError) as problem:
            raise NotFound() from problem
        values = self._prepare_portal_layout_values()
        values = self._get_page_view_values(
            registration, access_token, values, "my_unit_registrations_history", False
        )
        values.update(
            {
                "page_name": "serial_registration",
                "registration": registration,
                "submitted": bool(submitted),
            }
        )
        return request.render("pos_serial_tracking.portal_my_unit_registration", values)

    # ------------------------------------------------------------------

    def _unit_or_404(self, unit_id):
        unit = request.env["stock.lot"]._portal_unit(unit_id)
        if not unit:
            raise NotFound()
        return unit

    def _create_registration(self, serial, purchase_date, receipt):
        """The request of the form's values, created as the logged-in customer (their
        access rights and record rule), or the UserError telling what to correct."""
        if not (serial or "").strip():
            raise UserError(_("Type the serial number printed on the unit's label."))
        try:
            date = fields.Date.to_date(purchase_date or None)
        except ValueError:
            date = None
        if not date:
            raise UserError(_("Give the date on the receipt."))
        content = receipt.read() if receipt and hasattr(receipt, "read") else b""
        if not content:
            raise UserError(_("Attach the receipt: a photo or a PDF of it."))
        if len(content) > RECEIPT_MAX_BYTES:
            raise UserError(_("The receipt is too large: attach a file under 10 MB."))
        return request.env[REQUEST].create(
            {
                "serial": serial,
                "purchase_date": date,
                "receipt": base64.b64encode(content),
                "receipt_filename": receipt.filename or "receipt",
            }
        )

    def _recall_answers(self):
        """The answers a customer gives to a recall, as (key, label)."""
        return (
            request.env["serial.recall.line"]
            ._fields["answer"]
            ._description_selection(request.env)
        )

    def _serial_state_labels(self):
        return dict(
            request.env["stock.lot"]
            ._fields["serial_state"]
            ._description_selection(request.env)
        )
