from .common import SerialTrackingCommon
from .test_serial_recall import REASON, SerialRecallMixin


class TestSerialRecallFlow(SerialRecallMixin, SerialTrackingCommon):
    """A recall from end to end, as a compliance manager runs it: locate, activate,
    notify every customer, their answers and a unit coming back in the rates, and the
    closing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = [f"FL-{n:03d}" for n in range(1, 8)]
        cls.lots = dict(zip(names, cls._receive_serials(cls.phone, names), strict=True))
        Partner = cls.env["res.partner"]
        cls.alice = Partner.create({"name": "Alice Flow", "email": "alice@example.com"})
        cls.bob = Partner.create({"name": "Bob Flow", "email": "bob@example.com"})

    def _mail_of(self, partner):
        notice = self.recall.notice_ids.filtered(lambda n: n.partner_id == partner)
        return self.env["mail.mail"].search(
            [("model", "=", "serial.recall.notice"), ("res_id", "=", notice.id)]
        )

    def test_locate_activate_notify_answer_return_close(self):
        lots = self.lots
        alices = self._deliver(lots["FL-001"] | lots["FL-002"], self.alice)
        bobs = self._deliver(lots["FL-003"], self.bob)
        self._deliver(lots["FL-004"], self.customer.copy({"email": False}))
        self.assertTrue(alices and bobs)
        # FL-005, FL-006 in stock; FL-007 outside the range
        self.recall = recall = self._recall(serial_ranges="FL-001..FL-006")
        recall.action_locate()
        recall.action_activate()
        self.assertEqual(
            [lots[name].serial_state for name in sorted(lots)],
            ["sold"] * 4 + ["recalled", "recalled", "in_stock"],
        )
        recall.action_send_notices()
        # one queued mail per customer with an email, naming only their serials
        alice_mail, bob_mail = self._mail_of(self.alice), self._mail_of(self.bob)
        self.assertEqual((len(alice_mail), len(bob_mail)), (1, 1))
        self.assertEqual(alice_mail.state, "outgoing")
        self.assertIn("FL-001", alice_mail.body_html)
        self.assertIn("FL-002", alice_mail.body_html)
        self.assertNotIn("FL-003", alice_mail.body_html)
        self.assertIn(REASON, alice_mail.body_html)
        self.assertIn("FL-003", bob_mail.body_html)
        self.assertNotIn("FL-001", bob_mail.body_html)
        lines = self._lines(recall)
        self.assertEqual(
            [lines[f"FL-00{n}"].outreach_state for n in range(1, 5)],
            ["notified", "notified", "notified", "unreachable"],
        )
        self.assertEqual(recall.effectiveness_rate, 0)
        # Alice answers on her page; Bob brings his unit back
        notice = recall.notice_ids.filtered(lambda n: n.partner_id == self.alice)
        notice.sudo()._record_answer("have_it")
        self._return(bobs)
        self.env.invalidate_all()
        self.assertEqual(lots["FL-003"].serial_state, "recalled")
        self.assertEqual(
            [lines[f"FL-00{n}"].outreach_state for n in range(1, 4)],
            ["acknowledged", "acknowledged", "returned"],
        )
        self.assertAlmostEqual(recall.effectiveness_rate, 100)
        # accounted for: 2 answered, 1 returned, 2 recalled in stock; FL-004 not
        self.assertAlmostEqual(recall.recovery_rate, 500 / 6)
        # Alice's units still wait; closing with them open needs a reason
        with self.assertRefused("give the reason for closing"):
            recall._close(resolution="released")
        recall._close(resolution="released", reason="Firmware fix published.")
        self.assertEqual(recall.state, "closed")
        self.assertEqual(
            [lots[name].serial_state for name in sorted(lots)],
            ["sold", "sold", "returned", "sold", "in_stock", "in_stock", "in_stock"],
        )
        self.assertEqual(
            self._recall_history(lots["FL-003"], recall),
            [
                ("recalled", "returned", "recalled"),
                ("recall_closed", "recalled", "returned"),
            ],
        )
