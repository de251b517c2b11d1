import base64
import inspect
import re

from odoo.addons.mail.models.mail_render_mixin import MailRenderMixin
from odoo.addons.mail.models.mail_template import MailTemplate
from odoo.addons.mail.models.mail_thread import MailThread

from ..models.mail_template import QUEUE_FIELDS
from .common import SerialTrackingCommon
from .test_serial_recall_outreach import RecallOutreachMixin

TEMPLATE = "pos_serial_tracking.serial_recall_notice_mail_template"
WARRANTY_TEMPLATE = "pos_serial_tracking.serial_warranty_ending_mail_template"
# the private mail methods mail.template._queue_mail_batch calls, as Odoo 18.0 has
# them; _render_template_qweb is the per-record compile it stands in for
PINNED = {
    (MailTemplate, "_generate_template"): "(self, res_ids, render_fields, "
    "find_or_create_partners=False)",
    (MailRenderMixin, "_classify_per_lang"): "(self, res_ids, "
    "engine='inline_template')",
    (MailRenderMixin, "_render_eval_context"): "(self)",
    (MailRenderMixin, "_render_template_postprocess"): "(self, model, rendered)",
    (MailRenderMixin, "_render_template_qweb"): "(self, template_src, model, "
    "res_ids, add_context=None, options=None)",
    (MailThread, "_message_compute_author"): "(self, author_id=None, "
    "email_from=None, raise_on_email=True)",
}
# every value of a queued mail the customer or the mail queue reads
COMPARED = (
    "subject",
    "body_html",
    "email_from",
    "author_id",
    "recipient_ids",
    "email_to",
    "email_cc",
    "reply_to",
    "auto_delete",
    "mail_server_id",
    "model",
    "res_id",
    "scheduled_date",
    "state",
    "attachment_ids",
    "message_type",
)


class TestMailTemplateQueue(RecallOutreachMixin, SerialTrackingCommon):
    """The guard of the outreach's fast mail path (mail.template._queue_mail_batch,
    kept because `make bench` measures it about 10 times faster than send_mail_batch
    for a recall's 5,000 notices): it fails when a private mail method it relies on
    changes, and when its mails differ from send_mail_batch's in anything."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_manager.email = "manager@example.com"
        cls._setup_recall()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.alice.lang = "fr_FR"  # a second language: a body compiled per language

    def test_private_mail_methods_unchanged(self):
        for (cls, name), signature in PINNED.items():
            method = getattr(cls, name, None)
            self.assertTrue(method, f"{cls.__name__}.{name} is gone")
            self.assertEqual(
                str(inspect.signature(method)),
                signature,
                f"{cls.__name__}.{name} changed: check mail.template."
                "_queue_mail_batch against send_mail_batch, and measure again",
            )
        # what send_mail_batch renders from the template: the fast path's fields,
        # the body and the attachments (a template with these is sent by it)
        source = inspect.getsource(MailTemplate.send_mail_batch)
        rendered = re.search(r"_generate_template\(\s*\w+,\s*\(([^)]*)\)", source)
        self.assertEqual(
            set(re.findall(r"'(\w+)'", rendered.group(1))),
            {*QUEUE_FIELDS, "body_html", "attachment_ids", "report_template_ids"},
        )

    def _compare(self, fast, public, message_body=False):
        """The same mails; the message's copy of the body (what a chatter shows)
        too when `message_body` (a mail.thread's records, or both sent by
        send_mail_batch)."""
        self.assertEqual(len(fast), len(public))
        for mail, expected in zip(fast, public, strict=True):
            for name in COMPARED:
                self.assertEqual(mail[name], expected[name], name)
            self.assertEqual(mail.body, expected.body if message_body else "")

    def test_same_mails_as_send_mail_batch(self):
        notices = self.recall.with_user(self.serial_manager).action_send_notices()
        self.assertEqual(len(notices), 2)
        fast = notices.mail_id
        template = self.env.ref(TEMPLATE).with_user(self.serial_manager)
        public = template.send_mail_batch(notices.ids, force_send=False)
        self._compare(fast, public)
        alice = fast.filtered(lambda mail: mail.recipient_ids == self.alice)
        self.assertIn("31/01/2027", alice.body_html, "her language's date")
        self.assertIn("01/31/2027", (fast - alice).body_html)

    def test_template_with_attachments_goes_through_send_mail_batch(self):
        attachment = self.env["ir.attachment"].create(
            {"name": "instructions.txt", "datas": base64.b64encode(b"Bring it back")}
        )
        template = self.env.ref(TEMPLATE)
        template.attachment_ids = attachment
        notices = self.recall.with_user(self.serial_manager).action_send_notices()
        self.assertEqual(len(notices), 2)
        for mail in notices.mail_id:
            self.assertEqual(mail.state, "outgoing", "queued, not sent")
            self.assertEqual(mail.attachment_ids.mapped("name"), ["instructions.txt"])
        public = template.with_user(self.serial_manager).send_mail_batch(
            notices.ids, force_send=False
        )
        self._compare(notices.mail_id, public, message_body=True)

    def test_warranty_mails_same_as_send_mail_batch_with_their_chatter_body(self):
        """A customer is a mail.thread: their chatter shows the mail's body."""
        product = self._create_serial_product(
            "Short W", "SW", warranty_months=1, company_id=self.env.company.id
        )
        for partner, serial in ((self.alice, "WQ-A1"), (self.bob, "WQ-B1")):
            self._deliver(self._receive_serials(product, [serial]), partner)
        mails = (
            self.env["res.partner"]
            .with_user(self.serial_manager)
            ._queue_warranty_notices(30)
        )
        self.assertEqual(mails.recipient_ids, self.alice | self.bob)
        template = (
            self.env.ref(WARRANTY_TEMPLATE)
            .with_user(self.serial_manager)
            .with_context(serial_warranty_days=30)
        )
        public = template.send_mail_batch(mails.mapped("res_id"), force_send=False)
        self._compare(mails, public, message_body=True)
        alice = mails.filtered(lambda mail: mail.res_id == self.alice.id)
        self.assertIn("WQ-A1", alice.body)
        self.assertNotIn("WQ-B1", alice.body)
