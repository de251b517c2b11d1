from werkzeug.exceptions import NotFound

from odoo import http
from odoo.exceptions import UserError
from odoo.http import request


class SerialRecallController(http.Controller):
    """The customer's acknowledgement page of a recall notice: no login, the
    notice's token (portal.mixin's access_token) is the key, in the path as the mails
    give it, or as portal's `?access_token=` (the notice's _get_share_url()). A wrong
    token is a 404 that shows and changes nothing, whoever is logged in; the model
    does the work (serial.recall.notice._get_by_token, _record_answer)."""

    def _notice_or_404(self, notice_id, token):
        # superuser rights only once the token matched (see _get_by_token)
        notice = request.env["serial.recall.notice"]._get_by_token(notice_id, token)
        if not notice:
            raise NotFound()
        request.update_context(lang=notice.partner_id.lang or request.env.lang)
        return notice.with_context(lang=request.env.lang)

    @http.route(
        "/serial/recall/<int:notice_id>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def serial_recall_notice_shared(self, notice_id, access_token=None):
        notice = self._notice_or_404(notice_id, access_token)
        values = notice._page_values()
        values.update(token=access_token, thanks=False, error=None)
        return request.render("pos_serial_tracking.serial_recall_notice_page", values)

    @http.route(
        "/serial/recall/<int:notice_id>/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
    )
    def serial_recall_notice(self, notice_id, token, thanks=None, error=None):
        notice = self._notice_or_404(notice_id, token)
        values = notice._page_values()
        values.update(token=token, thanks=bool(thanks), error=error)
        return request.render("pos_serial_tracking.serial_recall_notice_page", values)

    @http.route(
        "/serial/recall/<int:notice_id>/<string:token>/answer",
        type="http",
        auth="public",
        methods=["POST"],
    )
    def serial_recall_notice_answer(self, notice_id, token, answer=None, lot_id=None):
        notice = self._notice_or_404(notice_id, token)
        lot_ids = [int(lot_id)] if lot_id and lot_id.isdigit() else None
        try:
            notice._record_answer(answer, lot_ids=lot_ids)
        except UserError as error:
            values = notice._page_values()
            values.update(token=token, thanks=False, error=str(error))
            return request.render(
                "pos_serial_tracking.serial_recall_notice_page", values
            )
        return request.redirect(f"/serial/recall/{notice.id}/{token}?thanks=1", 303)
