from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        # after each try of the mail queue (mail.mail._send, or send when the mail
        # server cannot be reached): a recall notice the server refused is not
        # delivered (before super(), which may delete the mail)
        if failure_type:
            self.env["serial.recall.notice"]._note_not_delivered(
                self.filtered(
                    lambda mail: (
                        mail.model == "serial.recall.notice"
                        and mail.state == "exception"
                    )
                ),
                failure_reason=failure_reason,
            )
        return super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
