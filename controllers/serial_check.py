import re

from odoo import _, fields, http
from odoo.http import request

from ..tools.serial_digital_link import UnitCode
from ..tools.serial_epcis import gtin14
from ..tools.serial_public_check import NO_MATCH, RECALLED_INFO

# an LVM request may carry its correlation id (corrUUID); echoed only when it is one
UUID = re.compile(r"[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")


class SerialCheckController(http.Controller):
    """The public unit check, no login: a unit's GS1 Digital Link
    (/01/<GTIN>/21/<serial>, /01/<GTIN>/10/<batch>/21/<serial>, ?17=YYMMDD) and
    /serial/check?code=<a pasted or scanned GS1 code>. HTML, or JSON for
    `Accept: application/json`. An unknown code, a unit of another company and a
    code whose batch or expiry contradicts ours get the same answer: the page
    cannot be used to list serials. Checks are counted per address
    (serial.check.rate): over the limit, 429 with when to try again. The model does
    the work (stock.lot._parse_public_check_code, _public_check_answer). Not
    read-only (no `readonly=True`): each check counts its address's hits and
    records its attempt, so it runs on the primary."""

    @http.route(
        [
            "/01/<string:gtin>/21/<path:serial>",
            "/01/<string:gtin>/10/<string:batch>/21/<path:serial>",
        ],
        type="http",
        auth="public",
        methods=["GET"],
        sitemap=False,
    )
    def serial_check_link(self, gtin, serial, batch=None, **query):
        unit_code = UnitCode(
            gtin=gtin14(gtin),
            serial=serial,
            batch=batch or None,
            expiry=query.get("17") or None,
        )
        echo = f"(01){gtin}" + (f"(10){batch}" if batch else "") + f"(21){serial}"
        return self._serial_check_respond(unit_code, echo, query.get("corrUUID"))

    @http.route(
        "/serial/check", type="http", auth="public", methods=["GET"], sitemap=False
    )
    def serial_check_code(self, code=None, **query):
        code = (code or "").strip()[:300]
        if not code and not self._serial_check_wants_json():
            return request.render(
                "pos_serial_tracking.serial_public_check_page",
                self._serial_check_values(None, ""),
            )
        unit_code = request.env["stock.lot"]._parse_public_check_code(code)
        return self._serial_check_respond(unit_code, code, query.get("corrUUID"))

    # --- helpers -----------------------------------------------------------------
    def _serial_check_wants_json(self):
        accept = request.httprequest.accept_mimetypes
        return accept.best_match(["text/html", "application/json"]) == (
            "application/json"
        )

    def _serial_check_respond(self, unit_code, echo, corr_uuid=None):
        address = request.httprequest.remote_addr
        wants_json = self._serial_check_wants_json()
        corr_uuid = corr_uuid if corr_uuid and UUID.fullmatch(corr_uuid) else None
        rate = request.env["serial.check.rate"].sudo()._count_hit(address)
        headers = [("Vary", "Accept"), ("Cache-Control", "no-store")]
        if rate.limited:
            message = _(
                "Too many checks from your address, try again in %(minutes)s minutes.",
                minutes=rate.retry_minutes,
            )
            headers.append(("Retry-After", str(rate.retry_minutes * 60)))
            if wants_json:
                body = self._serial_check_json_head(corr_uuid)
                body["error"] = {
                    "code": "too_many_requests",
                    "message": message,
                    "retryAfterMinutes": rate.retry_minutes,
                }
                return request.make_json_response(body, headers=headers, status=429)
            values = self._serial_check_values(None, echo)
            values["limited_message"] = message
            return request.render(
                "pos_serial_tracking.serial_public_check_page",
                values,
                status=429,
                headers=headers,
            )
        answer = request.env["stock.lot"]._public_check_answer(unit_code, address)
        if wants_json:
            return request.make_json_response(
                self._serial_check_json(answer, corr_uuid), headers=headers
            )
        return request.render(
            "pos_serial_tracking.serial_public_check_page",
            self._serial_check_values(answer, echo),
            headers=headers,
        )

    def _serial_check_values(self, answer, echo):
        return {
            "answer": answer,
            "code": echo,
            "limited_message": None,
            "company": request.env.company.sudo(),
            "title": _("Check a unit"),
        }

    def _serial_check_json_head(self, corr_uuid):
        gln = (
            request.env["ir.config_parameter"]
            .sudo()
            .get_param("pos_serial_tracking.responder_gln")
        )
        return {
            "verificationTimestamp": fields.Datetime.now().strftime(
                "%Y-%m-%dT%H:%M:%S.%f"
            )[:-3]
            + "Z",
            "responderGLN": gln or None,
            "corrUUID": corr_uuid,
        }

    def _serial_check_json(self, answer, corr_uuid):
        """The answer as GS1 Lightweight Verification Messaging's response (GS1
        Lightweight Messaging Standard for Verification of Product Identifiers 1.1,
        https://ref.gs1.org/standards/lightweight-verification-messaging/1.1.0/):
        verificationTimestamp, responderGLN (the system parameter
        pos_serial_tracking.responder_gln, null when not set), corrUUID (the
        request's, null when none) and data {verified, verificationFailureReason,
        additionalInfo ("Recalled")}; the check's own facts are added to data. Every
        answer has the same keys (null when not known)."""
        body = self._serial_check_json_head(corr_uuid)
        recall = None
        if answer.recalled:
            recall = {
                "reference": answer.recall_name,
                "reason": answer.recall_reason,
                "instructions": answer.recall_instructions,
                "deadline": answer.recall_deadline
                and answer.recall_deadline.isoformat(),
            }
        contact = None
        if answer.stolen:
            contact = {
                "name": answer.contact_name,
                "phone": answer.contact_phone,
                "email": answer.contact_email,
            }
        body["data"] = {
            "verified": answer.verified,
            "verificationFailureReason": None if answer.verified else NO_MATCH,
            "additionalInfo": RECALLED_INFO if answer.recalled else None,
            "productName": answer.product_name,
            "recalled": answer.recalled,
            "recall": recall,
            "reportedStolen": answer.stolen,
            "contact": contact,
            "warrantyEndDate": answer.warranty_end and answer.warranty_end.isoformat(),
        }
        return body
