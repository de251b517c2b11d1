import base64
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import fields, http
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import SerialDataMixin, SerialStockFlowsMixin

REQUEST = "serial.registration.request"
RECEIPT = b"%PDF-1.4 a receipt"


class SerialPortalCommon(SerialDataMixin, SerialStockFlowsMixin, HttpCase):
    """Acme (a company) bought two phones, one through its contact Alice, one in its
    own name; Bob bought one; one phone is in stock, one was returned by Alice, and
    one (ELSE-1) was registered from the maker's list and sold elsewhere. Alice and
    Bob are portal users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env.ref("stock.warehouse0")
        cls.stock_location = cls.warehouse.lot_stock_id
        # a valid EAN-13: the unit's page links to its public check page
        cls.phone = cls._create_serial_product(
            "Portal Phone", "PPH", warranty_months=12, barcode="4006381333931"
        )
        Partner = cls.env["res.partner"]
        cls.acme = Partner.create({"name": "Acme Customer", "is_company": True})
        cls.alice_user = cls._create_user("portal_alice", "base.group_portal")
        cls.alice = cls.alice_user.partner_id
        cls.alice.write({"parent_id": cls.acme.id, "email": "alice@example.com"})
        cls.bob_user = cls._create_user("portal_bob", "base.group_portal")
        cls.bob = cls.bob_user.partner_id
        cls.bob.email = "bob@example.com"
        cls.serial_user = cls._create_user(
            "portal_serial_user", "pos_serial_tracking.group_serial_user"
        )
        cls.serial_manager = cls._create_user(
            "portal_serial_manager", "pos_serial_tracking.group_serial_manager"
        )
        cls.lots = cls._receive_serials(
            cls.phone, ["ACME-1", "ACME-2", "BOB-1", "STOCK-1", "BACK-1"]
        )
        cls.acme_1, cls.acme_2, cls.bob_1, cls.stock_1, cls.back_1 = cls.lots
        cls.else_1 = cls.env["stock.lot"].create(
            {"name": "ELSE-1", "product_id": cls.phone.id}
        )

    def setUp(self):
        super().setUp()
        self._deliver(self.acme_1, self.alice, origin="WH/OUT/ALICE")
        self._deliver(self.acme_2, self.acme)
        self._deliver(self.bob_1, self.bob)
        self._return(self._deliver(self.back_1, self.alice))

    def _recall(self, lot, partner):
        """An active recall of the phone listing `lot` at `partner`, notified (the
        activation and the mails are the recall's own tests)."""
        recall = self.env["serial.recall"].create(
            {
                "reason": "The battery may swell.",
                "customer_instructions": "Bring it to the shop.",
                "product_ids": [fields.Command.set(self.phone.ids)],
            }
        )
        recall.write({"state": "active"})
        notice = (
            self.env["serial.recall.notice"]
            .sudo()
            .create({"recall_id": recall.id, "partner_id": partner.id})
        )
        return self.env["serial.recall.line"].create(
            {
                "recall_id": recall.id,
                "lot_id": lot.id,
                "partner_id": partner.id,
                "product_id": lot.product_id.id,
                "bucket": "sold",
                "outreach_state": "notified",
                "notice_id": notice.id,
            }
        )

    def _page(self, url, status=200):
        response = self.url_open(url)
        self.assertEqual(response.status_code, status, url)
        return response.text

    def _register(self, serial, date, receipt=RECEIPT):
        """The registration form posted as the logged-in customer."""
        return self.url_open(
            "/my/units/register",
            data={
                "serial": serial,
                "purchase_date": str(date),
                "csrf_token": http.Request.csrf_token(self),
            },
            files={"receipt": ("receipt.pdf", receipt, "application/pdf")},
        )


@tagged("post_install", "-at_install")
class TestSerialPortalUnits(SerialPortalCommon):
    def test_my_units_lists_the_customers_own_units_only(self):
        self.authenticate("portal_alice", "portal_alice")
        html = self._page("/my/units")
        # bought by Alice and by her company; not Bob's, not in stock, not returned
        self.assertIn("ACME-1", html)
        self.assertIn("ACME-2", html)
        for serial in ("BOB-1", "STOCK-1", "BACK-1", "ELSE-1"):
            self.assertNotIn(serial, html)
        self.assertNotIn("Bob", html)

        self.authenticate("portal_bob", "portal_bob")
        html = self._page("/my/units")
        self.assertIn("BOB-1", html)
        self.assertNotIn("ACME-", html)

    def test_unit_page_shows_the_customers_facts_only(self):
        self.authenticate("portal_alice", "portal_alice")
        html = self._page(f"/my/units/{self.acme_1.id}")
        self.assertIn("ACME-1", html)
        self.assertIn("Portal Phone", html)
        self.assertIn("WH/OUT/ALICE", html)
        self.assertIn("/01/04006381333931/21/ACME-1", html)
        end = self.acme_1.warranty_end_date
        self.assertTrue(end)
        self.assertIn(fields.Date.to_string(end)[:4], html)
        self.assertNotIn("WH/Stock", html)

    def test_another_customers_unit_is_not_found(self):
        self.authenticate("portal_alice", "portal_alice")
        for lot in (self.bob_1, self.stock_1, self.back_1, self.else_1):
            html = self._page(f"/my/units/{lot.id}", status=404)
            self.assertNotIn(lot.name, html)
        self._page("/my/units/999999999", status=404)
        # no access to serials as such, whatever the portal user calls
        with self.assertRaises(AccessError):
            self.env["stock.lot"].with_user(self.alice_user).browse(
                self.acme_1.id
            ).read(["name"])

    def test_home_counts_the_customers_units(self):
        self.authenticate("portal_alice", "portal_alice")
        html = self._page("/my")
        self.assertIn('data-placeholder_count="serial_unit_count"', html)
        self.assertIn('href="/my/units"', html)
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["serial_unit_count"]}
        )
        self.assertEqual(counters["serial_unit_count"], 2)
        self.authenticate("portal_bob", "portal_bob")
        counters = self.make_jsonrpc_request(
            "/my/counters", {"counters": ["serial_unit_count"]}
        )
        self.assertEqual(counters["serial_unit_count"], 1)

    def test_recall_answer_from_the_unit_page(self):
        line = self._recall(self.acme_1, self.alice)
        self.authenticate("portal_alice", "portal_alice")
        html = self._page("/my/units")
        self.assertIn("Recalled: act now", html)
        self.assertIn(f'name="line_id" value="{line.id}"', html)
        html = self._page(f"/my/units/{self.acme_1.id}")
        self.assertIn("The battery may swell.", html)
        self.assertIn("Bring it to the shop.", html)
        response = self.url_open(
            f"/my/units/{self.acme_1.id}/answer",
            data={
                "line_id": line.id,
                "answer": "have_it",
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 200)
        self.assertIn("your answer is recorded", response.text)
        self.env.invalidate_all()
        self.assertEqual(line.answer, "have_it")
        self.assertEqual(line.outreach_state, "acknowledged")
        # another customer cannot answer for it
        self.authenticate("portal_bob", "portal_bob")
        response = self.url_open(
            f"/my/units/{self.acme_1.id}/answer",
            data={
                "line_id": line.id,
                "answer": "no_longer_have",
                "csrf_token": http.Request.csrf_token(self),
            },
        )
        self.assertEqual(response.status_code, 404)
        self.env.invalidate_all()
        self.assertEqual(line.answer, "have_it")


@tagged("post_install", "-at_install")
class TestSerialPortalRegistration(SerialPortalCommon):
    def test_registration_confirmed_by_a_serial_manager(self):
        bought = fields.Date.today() - timedelta(days=40)
        self.authenticate("portal_bob", "portal_bob")
        response = self._register("ELSE-1", bought)
        self.assertEqual(response.status_code, 200)
        self.assertIn("your request is submitted", response.text)
        self.env.invalidate_all()
        request = self.env[REQUEST].search([("partner_id", "=", self.bob.id)])
        self.assertEqual(len(request), 1)
        self.assertEqual(request.state, "submitted")
        self.assertEqual(request.lot_id, self.else_1)
        self.assertEqual(base64.b64decode(request.receipt), RECEIPT)
        self.assertNotIn("ELSE-1", self._page("/my/units").split("My registration")[0])

        # a Serial User reads the request, cannot decide it
        with self.assertRaises(AccessError):
            request.with_user(self.serial_user).action_confirm()
        self.assertEqual(request.state, "submitted")

        request.with_user(self.serial_manager).action_confirm()
        self.assertEqual(request.state, "confirmed")
        self.assertEqual(request.decided_by_id, self.serial_manager)
        self.assertEqual(self.else_1.serial_partner_id, self.bob)
        self.assertFalse(self.else_1.serial_state, "the state does not change")
        self.assertEqual(
            self.else_1.warranty_end_date, bought + relativedelta(months=12, days=-1)
        )
        last = self.else_1.audit_line_ids.sorted("chain_index")[-1]
        self.assertEqual(last.event, "owner_registered")
        self.assertEqual(last.reference, request.name)
        self.assertEqual(last.user_id, self.serial_manager)
        self.assertFalse(self.env["serial.audit.line"].verify_chain())

        html = self._page("/my/units")
        self.assertIn(f"/my/units/{self.else_1.id}", html)
        self._page(f"/my/units/{self.else_1.id}")

    def test_refusal_with_a_reason_the_customer_reads(self):
        self.authenticate("portal_bob", "portal_bob")
        self._register("ELSE-1", fields.Date.today())
        request = self.env[REQUEST].search([("partner_id", "=", self.bob.id)])
        manager_request = request.with_user(self.serial_manager)
        with self.assertRefused("reason for the refusal"):
            manager_request.action_refuse()
        manager_request.refusal_reason = "The receipt is for another product."
        manager_request.action_refuse()
        self.assertEqual(request.state, "refused")
        self.assertFalse(self.else_1.serial_partner_id)
        html = self._page(request.access_url)
        self.assertIn("The receipt is for another product.", html)
        with self.assertRefused("already decided"):
            manager_request.action_confirm()

    def test_unit_in_our_stock_is_not_given_away(self):
        self.authenticate("portal_bob", "portal_bob")
        self._register("STOCK-1", fields.Date.today())
        request = self.env[REQUEST].search([("partner_id", "=", self.bob.id)])
        self.assertEqual(request.lot_id, self.stock_1)
        with self.assertRefused("does not allow the event Registered to a customer"):
            request.with_user(self.serial_manager).action_confirm()
        self.assertEqual(request.state, "submitted")
        self.assertFalse(self.stock_1.serial_partner_id)
        self.assertEqual(self.stock_1.serial_state, "in_stock")

    def test_unknown_or_taken_serial_tells_nothing_of_others(self):
        self.authenticate("portal_bob", "portal_bob")
        html = self._register("NOPE-404", fields.Date.today()).text
        self.assertIn("We do not know a unit with serial number NOPE-404", html)
        html = self._register("ACME-1", fields.Date.today()).text
        self.assertIn("Unit ACME-1 is registered to another customer", html)
        for other in ("Acme", "Alice", "alice@example.com", "WH/OUT/ALICE"):
            self.assertNotIn(other, html)
        html = self._register("BOB-1", fields.Date.today()).text
        self.assertIn("Unit BOB-1 is already in your units", html)
        self._register("ELSE-1", fields.Date.today())
        html = self._register("ELSE-1", fields.Date.today()).text
        self.assertIn("You already asked to register unit ELSE-1", html)
        self.assertEqual(
            self.env[REQUEST].search_count([("partner_id", "=", self.bob.id)]), 1
        )

    def test_customer_sees_and_creates_only_their_own_requests(self):
        Request = self.env[REQUEST]
        values = {
            "serial": "ELSE-1",
            "purchase_date": fields.Date.today(),
            "receipt": base64.b64encode(RECEIPT),
            "receipt_filename": "receipt.pdf",
        }
        alice_request = Request.with_user(self.alice_user).create(values)
        self.assertEqual(alice_request.partner_id, self.alice)
        # not for someone else, not with the manager's fields
        with self.assertRaises(AccessError):
            Request.with_user(self.bob_user).create(
                dict(values, partner_id=self.alice.id)
            )
        with self.assertRaises(AccessError):
            Request.with_user(self.bob_user).create(dict(values, state="confirmed"))
        with self.assertRaises(AccessError):
            Request.with_user(self.bob_user).create(dict(values, lot_id=self.acme_1.id))
        with self.assertRaises(AccessError):
            alice_request.with_user(self.alice_user).action_confirm()
        self.assertFalse(Request.with_user(self.bob_user).search([]))
        with self.assertRaises(AccessError):
            alice_request.with_user(self.bob_user).read(["serial"])
        self.authenticate("portal_bob", "portal_bob")
        self._page(f"/my/units/registrations/{alice_request.id}", status=404)
        # the lot found for it is the staff's to read
        with self.assertRaises(AccessError):
            alice_request.with_user(self.alice_user).read(["lot_id"])


@tagged("post_install", "-at_install")
class TestSerialPortalTour(SerialPortalCommon):
    def test_portal_my_units_tour(self):
        line = self._recall(self.acme_2, self.acme)
        self.start_tour("/my", "serial_portal_my_units_tour", login="portal_alice")
        self.env.invalidate_all()
        self.assertEqual(line.answer, "have_it")
        self.assertEqual(line.outreach_state, "acknowledged")
        request = self.env[REQUEST].search([("partner_id", "=", self.alice.id)])
        self.assertEqual(len(request), 1)
        self.assertEqual(request.state, "submitted")
        self.assertEqual(request.lot_id, self.else_1)
        self.assertEqual(request.receipt_filename, "receipt.pdf")
        self.assertTrue(request.receipt)
