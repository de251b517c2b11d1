import re

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import SerialDataMixin, SerialTrackingCommon

NOTICE = "serial.recall.notice"


class RecallOutreachMixin:
    """An active recall of phones: Alice holds two units, Bob one, Carl (no email)
    one; a second recall holds a unit of Alice's too."""

    @classmethod
    def _setup_recall(cls):
        Partner = cls.env["res.partner"]
        cls.alice = Partner.create(
            {"name": "Alice Buyer", "email": "alice@example.com"}
        )
        cls.bob = Partner.create({"name": "Bob Buyer", "email": "bob@example.com"})
        cls.carl = Partner.create({"name": "Carl Nomail"})
        cls.lots = cls.env["stock.lot"].create(
            [
                {"name": name, "product_id": cls.phone.id}
                for name in ("RCL-A1", "RCL-A2", "RCL-B1", "RCL-C1", "RCL-A9")
            ]
        )
        cls.lot_a1, cls.lot_a2, cls.lot_b1, cls.lot_c1, cls.lot_a9 = cls.lots
        cls.recall = cls._active_recall(
            "The battery may overheat while charging.", "FIRM-2026-042"
        )
        cls.other_recall = cls._active_recall("Loose screen.", "FIRM-OTHER")
        cls.line_a1 = cls._recall_line(cls.recall, cls.lot_a1, cls.alice)
        cls.line_a2 = cls._recall_line(cls.recall, cls.lot_a2, cls.alice)
        cls.line_b1 = cls._recall_line(cls.recall, cls.lot_b1, cls.bob)
        cls.line_c1 = cls._recall_line(cls.recall, cls.lot_c1, cls.carl)
        cls.line_a9 = cls._recall_line(cls.other_recall, cls.lot_a9, cls.alice)

    @classmethod
    def _active_recall(cls, reason, firm_reference):
        recall = cls.env["serial.recall"].create(
            {
                "reason": reason,
                "firm_reference": firm_reference,
                "customer_instructions": "Stop using it and bring it to the shop.",
                "deadline": "2027-01-31",
                "product_ids": [Command.set(cls.phone.ids)],
            }
        )
        # the activation is another helper's work: the state it leaves, set here
        recall.write({"state": "active"})
        return recall

    @classmethod
    def _recall_line(cls, recall, lot, partner, outreach_state="to_notify"):
        return cls.env["serial.recall.line"].create(
            {
                "recall_id": recall.id,
                "lot_id": lot.id,
                "product_id": lot.product_id.id,
                "bucket": "sold",
                "partner_id": partner.id,
                "outreach_state": outreach_state,
            }
        )

    def _mails(self, notices):
        return self.env["mail.mail"].search(
            [("model", "=", NOTICE), ("res_id", "in", notices.ids)]
        )


class TestSerialRecallOutreach(RecallOutreachMixin, SerialTrackingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # the chatter notes carry the manager's name and address
        cls.serial_manager.email = "manager@example.com"
        cls._setup_recall()

    def _send(self, user=None, recall=None):
        recall = (recall or self.recall).with_user(user or self.serial_manager)
        return recall.action_send_notices()

    def test_one_queued_mail_per_customer_naming_only_their_serials(self):
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action")
        cron.active = True  # (test databases may have it off: no trigger then)
        notices = self._send()
        self.assertEqual(notices.partner_id, self.alice | self.bob)
        mails = self._mails(notices)
        self.assertEqual(len(mails), 2, "one mail per customer")
        for partner, mine, others in (
            (self.alice, ["RCL-A1", "RCL-A2"], ["RCL-B1", "RCL-C1", "RCL-A9"]),
            (self.bob, ["RCL-B1"], ["RCL-A1", "RCL-A2", "RCL-C1", "RCL-A9"]),
        ):
            notice = notices.filtered(lambda n, p=partner: n.partner_id == p)
            mail = mails.filtered(lambda m, n=notice: m.res_id == n.id)
            self.assertEqual(mail.recipient_ids, partner)
            self.assertEqual(mail.state, "outgoing", "queued, not sent")
            self.assertIn("URGENT", mail.subject)
            self.assertIn("Phone P1", mail.subject)
            body = mail.body_html
            for serial in mine:
                self.assertIn(serial, body)
            for serial in others:
                self.assertNotIn(serial, body)
            self.assertIn("The battery may overheat while charging.", body)
            self.assertIn("Stop using it and bring it to the shop.", body)
            self.assertIn("FIRM-2026-042", body)
            self.assertIn(self.recall.name, body)
            self.assertIn(notice.sudo().ack_url, body)
            self.assertIn(f"/serial/recall/{notice.id}/", notice.sudo().ack_url)
            self.assertEqual(notice.mail_id, mail)
            self.assertEqual(notice.state, "queued")
            self.assertTrue(notice.sent_date)
            self.assertEqual(notice.unit_count, len(mine))
        self.assertEqual(
            (self.line_a1 | self.line_a2 | self.line_b1).mapped("outreach_state"),
            ["notified"] * 3,
        )
        self.assertEqual(self.line_a9.outreach_state, "to_notify", "other recall")
        self.assertFalse(self.line_a9.notice_id)
        # the tokens: unguessable and one per notice
        tokens = notices.sudo().mapped("access_token")
        self.assertEqual(len(set(tokens)), 2)
        self.assertTrue(all(len(token) >= 40 for token in tokens))
        self.assertTrue(
            self.env["ir.cron.trigger"].search([("cron_id", "=", cron.id)]),
            "the mail queue runs right after, not within an hour",
        )
        self.assertIn(
            "Recall notices queued for 2 customers (3 units).",
            self.recall.message_ids.mapped("preview"),
        )

    def test_sent_by_the_mail_queue_later(self):
        notices = self._send()
        notice = notices.filtered(lambda n: n.partner_id == self.bob)
        # what the `mail` cron runs (outgoing mail is not really sent in tests)
        self.env["mail.mail"].process_email_queue(ids=notice.mail_id.ids)
        self.assertEqual(notice.mail_id.state, "sent")
        self.assertEqual(notice.state, "sent")
        notice.mail_id.sudo().write({"state": "exception"})
        self.assertEqual(notice.state, "failed")

    def test_customer_without_email_is_unreachable(self):
        notices = self._send()
        self.assertNotIn(self.carl, notices.partner_id)
        self.assertEqual(self.line_c1.outreach_state, "unreachable")
        self.assertFalse(self.line_c1.notice_id)
        self.assertFalse(
            self.env["mail.mail"].search([("recipient_ids", "in", self.carl.ids)])
        )
        note = self.recall.message_ids.filtered(lambda m: "Carl Nomail" in m.preview)
        self.assertIn("without a usable email", note.preview)

    def test_again_only_new_units(self):
        first = self._send()
        self.assertFalse(self._send(), "nothing new to notify: no mail")
        self.assertEqual(len(self._mails(first)), 2)
        # a unit of Alice's found later: her notice grows, she alone gets a new mail
        lot = self.env["stock.lot"].create(
            {"name": "RCL-A3", "product_id": self.phone.id}
        )
        line = self._recall_line(self.recall, lot, self.alice)
        again = self._send()
        alice_notice = first.filtered(lambda n: n.partner_id == self.alice)
        self.assertEqual(again, alice_notice)
        self.assertEqual(alice_notice.unit_count, 3)
        self.assertEqual(line.outreach_state, "notified")
        mails = self._mails(alice_notice)
        self.assertEqual(len(mails), 2)
        self.assertEqual(alice_notice.mail_id, mails.sorted("id")[-1])
        self.assertIn("RCL-A3", alice_notice.mail_id.body_html)
        self.assertEqual(len(self._mails(first)), 3)

    def test_only_managers_send_and_only_active_recalls(self):
        for user in (self.serial_user, self.serial_auditor):
            with self.assertRaises(AccessError):
                self._send(user)
        with self.assertRaises(AccessError):  # over RPC too: the public method
            self.env[NOTICE].with_user(self.serial_user).create(
                {"recall_id": self.recall.id, "partner_id": self.alice.id}
            )
        draft = self.env["serial.recall"].create({"reason": "Not yet"})
        with self.assertRefused("active recalls only"):
            self._send(recall=draft)
        self.assertEqual(self.line_a1.outreach_state, "to_notify")
        self.assertFalse(self.env[NOTICE].search([]))

    def test_another_companys_manager_cannot_send_nor_read(self):
        company, _stock = self._create_company_with_stock("Other Co")
        foreign = self._create_user(
            "other_manager", "pos_serial_tracking.group_serial_manager"
        )
        foreign.write(
            {"company_ids": [Command.set(company.ids)], "company_id": company.id}
        )
        notices = self._send()
        with self.assertRaises(AccessError):
            self._send(foreign)
        self.assertFalse(self.env[NOTICE].with_user(foreign).search([]))
        with self.assertRaises(AccessError):
            notices.with_user(foreign).read(["partner_id"])

    def test_token_and_answer_model(self):
        notices = self._send()
        alice_notice = notices.filtered(lambda n: n.partner_id == self.alice)
        bob_notice = notices - alice_notice
        Notice = self.env[NOTICE].with_user(self.env.ref("base.public_user"))
        token = alice_notice.sudo().access_token
        self.assertEqual(Notice._get_by_token(alice_notice.id, token), alice_notice)
        self.assertFalse(Notice._get_by_token(alice_notice.id, token[:-1] + "x"))
        self.assertFalse(Notice._get_by_token(bob_notice.id, token))
        self.assertFalse(Notice._get_by_token(alice_notice.id, "é" * 43))
        self.assertFalse(Notice._get_by_token(999999, token))
        # a unit already back stays returned; the other one is acknowledged
        self.line_a2.outreach_state = "returned"
        found = Notice._get_by_token(alice_notice.id, token)
        found._record_answer("returned_it")
        self.assertEqual(self.line_a1.answer, "returned_it")
        self.assertEqual(self.line_a1.outreach_state, "acknowledged")
        self.assertEqual(self.line_a2.outreach_state, "returned")
        self.assertTrue(self.line_a2.answer_date)
        self.assertEqual(alice_notice.answer, "returned_it")
        self.assertEqual(alice_notice.state, "answered")
        found._record_answer("have_it", lot_ids=self.lot_a1.ids)
        self.assertEqual(alice_notice.answer, "mixed")
        self.assertEqual(self.line_b1.outreach_state, "notified", "Bob's untouched")
        note = self.recall.message_ids[0]
        self.assertEqual(note.author_id, self.alice)
        self.assertIn("RCL-A1", note.preview)
        self.assertIn("I have it", note.preview)
        with self.assertRefused("Choose one of the answers"):
            found._record_answer("whatever")
        self.recall.write({"state": "closed"})
        with self.assertRefused("closed"):
            found._record_answer("have_it")


class TestSerialWarrantyOutreach(SerialTrackingCommon):
    """Units sold with a one-month warranty (ending within 30 days), a twelve-month
    one (not yet), one of another company, one in stock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.short = cls._create_serial_product(
            "Short W", "SW", warranty_months=1, company_id=cls.env.company.id
        )
        cls.long = cls._create_serial_product(
            "Long W", "LW", warranty_months=12, company_id=cls.env.company.id
        )
        Partner = cls.env["res.partner"]
        cls.dana = Partner.create({"name": "Dana", "email": "dana@example.com"})
        cls.eve = Partner.create({"name": "Eve", "email": "eve@example.com"})
        cls.fred = Partner.create({"name": "Fred"})  # no email

    def setUp(self):
        super().setUp()
        self.dana_short = self._receive_serials(self.short, ["WS-D1", "WS-D2"])
        self.dana_long = self._receive_serials(self.long, ["WL-D1"])
        self.eve_long = self._receive_serials(self.long, ["WL-E1"])
        self.fred_short = self._receive_serials(self.short, ["WS-F1"])
        self.in_stock = self._receive_serials(self.short, ["WS-S1"])
        self._deliver(self.dana_short, self.dana)
        self._deliver(self.dana_long, self.dana)
        self._deliver(self.eve_long, self.eve)
        self._deliver(self.fred_short, self.fred)

    def test_mails_for_units_ending_within_days_only(self):
        today = fields.Date.context_today(self.dana)
        self.assertLessEqual((self.dana_short[0].warranty_end_date - today).days, 30)
        wizard = (
            self.env["serial.warranty.outreach"]
            .with_user(self.serial_manager)
            .create({})
        )
        self.assertEqual(wizard.days, 30)
        self.assertEqual(
            (wizard.unit_count, wizard.customer_count, wizard.unreachable_count),
            (3, 2, 1),
        )
        states = self.env["stock.lot"].search([]).mapped("serial_state")
        wizard.action_send()
        mails = self.env["mail.mail"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "in", (self.dana | self.eve | self.fred).ids),
            ]
        )
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.recipient_ids, self.dana)
        self.assertEqual(mails.state, "outgoing")
        self.assertIn("WS-D1", mails.body_html)
        self.assertIn("WS-D2", mails.body_html)
        self.assertNotIn("WL-D1", mails.body_html)
        self.assertNotIn("WS-F1", mails.body_html)
        end = self.dana_short[0].warranty_end_date
        self.assertIn(end.strftime("%m/%d/%Y"), mails.body_html)
        self.assertEqual(
            self.env["stock.lot"].search([]).mapped("serial_state"),
            states,
            "no state change",
        )
        # over a year: Eve too, and Dana's three units in one mail
        more = (
            self.env["res.partner"]
            .with_user(self.serial_manager)
            ._queue_warranty_notices(400)
        )
        self.assertEqual(more.recipient_ids, self.dana | self.eve)
        dana_mail = more.filtered(lambda m: m.res_id == self.dana.id)
        self.assertIn("WL-D1", dana_mail.body_html)

    def test_only_managers_and_current_company(self):
        for user in (self.serial_user, self.serial_auditor):
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_user(user)._queue_warranty_notices(30)
            with self.assertRaises(AccessError):
                self.env["serial.warranty.outreach"].with_user(user).create({})
        company, _stock = self._create_company_with_stock("Warranty Co")
        manager = self.serial_manager
        manager.write({"company_ids": [Command.link(company.id)]})
        mails = (
            self.env["res.partner"]
            .with_user(manager)
            .with_company(company)
            ._queue_warranty_notices(30)
        )
        self.assertFalse(mails, "no unit of that company")


@tagged("post_install", "-at_install")
class TestSerialRecallAckPage(RecallOutreachMixin, SerialDataMixin, HttpCase):
    """The customer's acknowledgement page, over HTTP, without login."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.phone = cls._create_serial_product("Phone P1", "P1", warranty_months=24)
        cls._setup_recall()
        cls.notices = cls.recall.action_send_notices()
        cls.alice_notice = cls.notices.filtered(lambda n: n.partner_id == cls.alice)
        cls.bob_notice = cls.notices.filtered(lambda n: n.partner_id == cls.bob)

    def _url(self, notice, token=None):
        return f"/serial/recall/{notice.id}/{token or notice.sudo().access_token}"

    def _csrf(self, html):
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    def _line_answers(self):
        lines = self.line_a1 | self.line_a2 | self.line_b1
        lines.invalidate_recordset()
        return lines.mapped(lambda line: (line.outreach_state, line.answer))

    def test_page_shows_only_that_customers_units_and_records_the_answer(self):
        response = self.url_open(self._url(self.alice_notice))
        self.assertEqual(response.status_code, 200)
        page = response.text
        for text in (
            "RCL-A1",
            "RCL-A2",
            "The battery may overheat",
            "FIRM-2026-042",
            "Stop using it",
            "I have it",
            "I returned it",
            "I no longer have it",
        ):
            self.assertIn(text, page)
        for text in ("RCL-B1", "RCL-C1", "RCL-A9", "Bob Buyer"):
            self.assertNotIn(text, page)
        response = self.url_open(
            self._url(self.alice_notice) + "/answer",
            data={
                "csrf_token": self._csrf(page),
                "answer": "no_longer_have",
                "lot_id": self.lot_a2.id,
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("Thank you", response.text)
        self.assertEqual(
            self._line_answers(),
            [
                ("notified", False),
                ("acknowledged", "no_longer_have"),
                ("notified", False),
            ],
        )
        self.assertTrue(self.line_a2.answer_date)
        # the same answer for all her units
        self.url_open(
            self._url(self.alice_notice) + "/answer",
            data={"csrf_token": self._csrf(response.text), "answer": "have_it"},
        )
        self.assertEqual(
            self._line_answers(),
            [
                ("acknowledged", "have_it"),
                ("acknowledged", "have_it"),
                ("notified", False),
            ],
        )
        self.alice_notice.invalidate_recordset()
        self.assertEqual(self.alice_notice.state, "answered")

    def test_wrong_or_other_customers_token_is_404_and_changes_nothing(self):
        page = self.url_open(self._url(self.alice_notice)).text
        csrf = self._csrf(page)
        good = self.alice_notice.sudo().access_token
        for url in (
            self._url(self.alice_notice, good[:-2] + "zz"),
            self._url(self.alice_notice, self.bob_notice.sudo().access_token),
            self._url(self.bob_notice, good),
            f"/serial/recall/{self.alice_notice.id + 1000}/{good}",
        ):
            response = self.url_open(url)
            self.assertEqual(response.status_code, 404, url)
            for text in ("RCL-A1", "RCL-B1", "Alice", "Bob", "battery"):
                self.assertNotIn(text, response.text)
            response = self.url_open(
                url + "/answer", data={"csrf_token": csrf, "answer": "have_it"}
            )
            self.assertEqual(response.status_code, 404, url)
            self.assertNotIn("RCL-", response.text)
        self.assertEqual(self._line_answers(), [("notified", False)] * 3)

    def test_answer_needs_the_csrf_token(self):
        response = self.url_open(
            self._url(self.alice_notice) + "/answer", data={"answer": "have_it"}
        )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._line_answers(), [("notified", False)] * 3)

    def test_portal_share_url_opens_the_page_and_the_token_is_the_only_key(self):
        """portal.mixin's share link (`?access_token=`) opens the same page; a
        logged-in Serial Manager with a wrong token gets the 404 too."""
        manager = self._create_user(
            "ack_manager", "pos_serial_tracking.group_serial_manager"
        )
        notice = self.alice_notice.with_user(manager)
        self.assertEqual(notice.access_url, f"/serial/recall/{notice.id}")
        share_url = notice.sudo()._get_share_url()
        self.assertIn(f"access_token={notice.sudo().access_token}", share_url)
        response = self.url_open(share_url)
        self.assertEqual(response.status_code, 200)
        self.assertIn("RCL-A1", response.text)
        self.assertNotIn("RCL-B1", response.text)
        self.assertIn(self._url(self.alice_notice) + "/answer", response.text)
        self.assertEqual(self.url_open(notice.access_url).status_code, 404)
        self.authenticate(manager.login, manager.login)
        wrong = self.bob_notice.sudo().access_token
        for url in (
            self._url(self.alice_notice, wrong),
            f"{notice.access_url}?access_token={wrong}",
        ):
            self.assertEqual(self.url_open(url).status_code, 404, url)
