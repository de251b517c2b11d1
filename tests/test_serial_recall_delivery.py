import smtplib
from contextlib import contextmanager

from odoo.exceptions import AccessError
from odoo.tools import mute_logger

from odoo.addons.base.tests.common import MockSmtplibCase

from .common import SerialTrackingCommon
from .test_serial_recall_outreach import RecallOutreachMixin

CERTIFICATE = "pos_serial_tracking.stock_lot_report_certificate"


class TestSerialRecallDelivery(
    RecallOutreachMixin, MockSmtplibCase, SerialTrackingCommon
):
    """A recall notice the mail server refuses is not a notified customer: its units
    say Not Delivered, the Serial Manager resends it or marks them unreachable; a unit
    under an active recall says so on its form, its history and its certificate.
    The notices go through Odoo's real mail queue, to an SMTP server (Odoo's own
    test double of smtplib) that accepts or refuses them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_manager.email = "manager@example.com"
        cls._setup_recall()

    @contextmanager
    def _smtp(self, refuse=()):
        """The mail server for the block: it refuses the mails to `refuse` (the
        mail queue logs each refusal as an error: expected here)."""
        with (
            self.mock_smtplib_connection(),
            mute_logger("odoo.addons.mail.models.mail_mail"),
        ):
            accept = self.testing_smtp_session.send_message

            def send_message(message, smtp_from, smtp_to_list):
                refused = {to: (550, b"5.1.1 Mailbox unknown") for to in smtp_to_list}
                if set(smtp_to_list) & set(refuse):
                    raise smtplib.SMTPRecipientsRefused(refused)
                return accept(message, smtp_from, smtp_to_list)

            self.testing_smtp_session.send_message = send_message
            yield

    def _run_mail_queue(self, notices):
        # what the `mail` cron runs, as the cron's superuser
        self.env["mail.mail"].process_email_queue(ids=notices.mail_id.ids)

    def _send_refused_to_bob(self):
        notices = self.recall.with_user(self.serial_manager).action_send_notices()
        with self._smtp(refuse=["bob@example.com"]):
            self._run_mail_queue(notices)
        return notices

    def test_refused_notice_is_not_delivered_and_resent(self):
        notices = self._send_refused_to_bob()
        bob_notice = notices.filtered(lambda n: n.partner_id == self.bob)
        alice_notice = notices - bob_notice
        self.assertEqual(bob_notice.mail_id.state, "exception")
        self.assertEqual(bob_notice.state, "failed")
        self.assertEqual(self.line_b1.outreach_state, "not_delivered")
        self.assertEqual(alice_notice.state, "sent")
        self.assertEqual(
            (self.line_a1 | self.line_a2).mapped("outreach_state"), ["notified"] * 2
        )
        # the manager reads it where they work: the recall's chatter and its units
        self.assertTrue(
            any(
                "notice to Bob Buyer was not delivered" in preview
                for preview in self.recall.message_ids.mapped("preview")
            )
        )
        lines = self.env["serial.recall.line"].with_user(self.serial_manager)
        self.assertEqual(
            lines.search(
                [
                    ("recall_id", "=", self.recall.id),
                    ("outreach_state", "=", "not_delivered"),
                ]
            ),
            self.line_b1,
        )
        # a Serial User sees it, may not resend
        with self.assertRaises(AccessError):
            self.line_b1.with_user(self.serial_user).action_resend_notice()
        # Bob's address corrected, the manager resends: a new mail, queued
        self.bob.email = "bob.buyer@example.com"
        resent = self.line_b1.with_user(self.serial_manager).action_resend_notice()
        self.assertEqual(resent, bob_notice)
        self.assertEqual(self.line_b1.outreach_state, "notified")
        self.assertEqual(bob_notice.state, "queued")
        self.assertEqual(bob_notice.mail_id.recipient_ids, self.bob)
        self.assertEqual(len(self._mails(bob_notice)), 2)
        self.assertEqual(len(self._mails(alice_notice)), 1, "Alice is not mailed again")
        with self._smtp(refuse=["bob@example.com"]):
            self._run_mail_queue(bob_notice)
        self.assertEqual(bob_notice.state, "sent")
        self.assertEqual(self.line_b1.outreach_state, "notified")
        # a unit notified already is not resent
        with self.assertRefused("Only the units whose notice was not delivered"):
            self.line_b1.with_user(self.serial_manager).action_resend_notice()

    def test_refused_notice_resent_from_the_notice(self):
        notices = self._send_refused_to_bob()
        bob_notice = notices.filtered(lambda n: n.partner_id == self.bob)
        alice_notice = notices - bob_notice
        with self.assertRefused("Only a notice the mail server refused"):
            alice_notice.with_user(self.serial_manager).action_resend()
        with self.assertRaises(AccessError):
            bob_notice.with_user(self.serial_auditor).action_resend()
        bob_notice.with_user(self.serial_manager).action_resend()
        self.assertEqual(bob_notice.state, "queued")
        self.assertEqual(self.line_b1.outreach_state, "notified")

    def test_not_delivered_unit_marked_unreachable(self):
        self._send_refused_to_bob()
        self.line_b1.with_user(self.serial_manager).action_mark_unreachable()
        self.assertEqual(self.line_b1.outreach_state, "unreachable")
        self.assertEqual(
            self.recall.line_ids.filtered(
                lambda line: line.outreach_state == "not_delivered"
            ),
            self.env["serial.recall.line"],
        )
        # no customer to mail any more: not resent
        with self.assertRefused("Only the units whose notice was not delivered"):
            self.line_b1.with_user(self.serial_manager).action_resend_notice()

    def test_not_delivered_units_wait_for_their_customer(self):
        self._send_refused_to_bob()
        # Alice's (notified), Bob's (not delivered), Carl's (unreachable)
        self.assertEqual(self.recall.open_count, 4)
        self.assertEqual(
            self.recall.effectiveness_rate, 0.0, "no customer answered yet"
        )
        with self.assertRefused("not delivered or unreachable"):
            self.recall.with_user(self.serial_manager)._close("released")

    def test_unit_under_active_recall_says_so(self):
        self._send_refused_to_bob()
        lot = self.lot_b1.with_user(self.serial_manager)
        self.assertEqual(
            lot.recall_note,
            f"Under active recall {self.recall.name}: The battery may overheat while "
            "charging. (customer notice: Not Delivered)",
        )
        # the auditor reads the same
        self.assertEqual(
            self.lot_b1.with_user(self.serial_auditor).recall_note, lot.recall_note
        )
        # on its form, above the sheet and in its history
        arch = lot.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="recall_banner"', arch)
        self.assertIn('name="history_recall_banner"', arch)
        # and on its certificate
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.serial_manager)
            ._render_qweb_html(CERTIFICATE, self.lot_b1.ids)
        )
        self.assertIn(f"Under active recall {self.recall.name}", html.decode())
        # a unit of no active recall says nothing
        self.recall.write({"state": "closed"})
        self.lot_b1.invalidate_recordset(["recall_note"])
        self.assertFalse(self.lot_b1.recall_note)
        unrelated = self.env["stock.lot"].create(
            {"name": "RCL-Z1", "product_id": self.phone.id}
        )
        self.assertFalse(unrelated.recall_note)
        html, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.serial_manager)
            ._render_qweb_html(CERTIFICATE, unrelated.ids)
        )
        self.assertNotIn("Under active recall", html.decode())
