import re
import subprocess

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import tagged

from ..tools.serial_audit_fingerprint import PATTERN
from .common import SerialTrackingCommon
from .test_serial_recall import SerialRecallMixin

RECALL_REPORT = "pos_serial_tracking.serial_recall_report_status"
INTEGRITY_REPORT = "pos_serial_tracking.serial_integrity_report"
LOSS_REPORT = "pos_serial_tracking.serial_loss_report_print"


class CompliancePdfMixin:
    def _pdf_text(self, report, records, user):
        """The report `report` of `records` as `user` prints it, as text with its
        layout's line breaks and spaces folded into one space."""
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(user)
            .with_context(force_report_rendering=True, tz=user.tz, lang=user.lang)
            ._render_qweb_pdf(report, records.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"],
            input=pdf,
            capture_output=True,
            check=True,
        ).stdout.decode()
        return " ".join(text.split())


@tagged("post_install", "-at_install")
class TestSerialRecallStatusReport(
    CompliancePdfMixin, SerialRecallMixin, SerialTrackingCommon
):
    """The recall status report, printed by wkhtmltopdf and read back with pdftotext:
    the recall's facts, its units per bucket, the notices and answers, the rates and
    the units still open."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        names = [f"RS-{n:03d}" for n in range(1, 8)]
        cls.lots = dict(zip(names, cls._receive_serials(cls.phone, names), strict=True))
        Partner = cls.env["res.partner"]
        cls.alice = Partner.create(
            {"name": "Alice Report", "email": "alice@example.com"}
        )
        cls.bob = Partner.create({"name": "Bob Report", "email": "bob@example.com"})
        cls.serial_auditor.tz = "Europe/Brussels"
        cls.cashier = cls._create_user("report_cashier", "point_of_sale.group_pos_user")

    def _recall_with_answers(self):
        lots = self.lots
        self._deliver(lots["RS-001"] | lots["RS-002"], self.alice)
        bobs = self._deliver(lots["RS-003"], self.bob)
        self._deliver(lots["RS-004"], self.customer.copy({"email": False}))
        # RS-005, RS-006 in stock; RS-007 outside the range
        recall = self._recall(
            serial_ranges="RS-001..RS-006",
            recall_class="2",
            firm_reference="FDA Z-1234-2026",
        )
        recall.action_locate()
        recall.action_activate()
        recall.action_send_notices()
        notice = recall.notice_ids.filtered(lambda n: n.partner_id == self.alice)
        notice.sudo()._record_answer("have_it")
        self._return(bobs)
        self.env.invalidate_all()
        return recall

    def test_status_of_an_active_recall(self):
        recall = self._recall_with_answers()
        self.assertAlmostEqual(recall.recovery_rate, 500 / 6)
        text = self._pdf_text(RECALL_REPORT, recall, self.serial_auditor)
        self.assertIn(f"Recall Status Report {recall.name}", text)
        self.assertIn(f"Reference {recall.name}", text)
        self.assertIn("Class Class II", text)
        self.assertIn("FDA Z-1234-2026", text)
        self.assertIn("Status Active", text)
        self.assertIn(self.env.company.name, text)
        # units per bucket, as located
        self.assertIn("Bucket In Stock: 2", text)
        self.assertIn("Bucket At a Customer: 4", text)
        self.assertIn("Bucket Lost or Stolen: 0", text)
        self.assertIn("Affected units: 6", text)
        # the notices: Alice's answered, Bob's waiting in the mail queue
        self.assertIn("Notices Answered: 1", text)
        self.assertIn("Notices Queued: 1", text)
        self.assertIn("Notices: 2", text)
        self.assertIn("Units Acknowledged: 2", text)
        self.assertIn("Units Returned: 1", text)
        self.assertIn("Units Unreachable: 1", text)
        self.assertIn("Effectiveness rate: 100.0 %", text)
        self.assertIn("Recovery rate: 83.3 %", text)
        # still open: RS-004 (no contact), RS-003 back and recalled, RS-005/006 held
        open_part = text.split("Units Still Open (4)", 1)[1]
        for serial in ("RS-003", "RS-004", "RS-005", "RS-006"):
            self.assertIn(serial, open_part)
        self.assertIn("RS-004 [P1] Phone P1 At a Customer", open_part)
        self.assertNotIn("RS-001", text)  # acknowledged, not open
        self.assertNotIn("RS-007", text)  # not in the recall
        self.assertRegex(text, r"Printed on .* \(Europe/Brussels\) by Serial Auditor")

    def test_rates_and_dates_in_the_users_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.serial_manager.write({"lang": "fr_FR", "tz": "America/New_York"})
        recall = self._recall_with_answers()
        recall.deadline = "2026-12-24"
        text = self._pdf_text(RECALL_REPORT, recall, self.serial_manager)
        self.assertIn("83,3 %", text)  # the French decimal comma
        self.assertIn("100,0 %", text)
        self.assertIn("24/12/2026", text)  # the French date format
        self.assertIn("(America/New_York)", text)

    def test_closed_recall_has_no_open_unit(self):
        recall = self._recall_with_answers()
        recall._close(resolution="released", reason="Firmware fix published.")
        text = self._pdf_text(RECALL_REPORT, recall, self.serial_manager)
        self.assertIn("Status Closed", text)
        self.assertIn("Firmware fix published.", text)
        self.assertIn("Units Still Open (1)", text)  # RS-004: nobody reached
        self.assertIn("RS-004", text)
        self.assertNotIn("RS-005", text)

    def test_only_managers_and_auditors_print(self):
        recall = self._recall(serial_ranges="RS-005..RS-006")
        recall.action_locate()
        for user in (self.serial_user, self.cashier):
            with self.assertRaises(AccessError):
                self._pdf_text(RECALL_REPORT, recall, user)

    def test_another_companys_recall_is_refused(self):
        other_company, _stock = self._create_company_with_stock("Recall Branch")
        recall = (
            self.env["serial.recall"]
            .with_company(other_company)
            .create({"reason": "Branch recall", "company_id": other_company.id})
        )
        with self.assertRaises(AccessError):
            self._pdf_text(RECALL_REPORT, recall, self.serial_auditor)
        with self.assertRaises(AccessError):
            self._pdf_text(RECALL_REPORT, recall, self.serial_manager)


@tagged("post_install", "-at_install")
class TestSerialIntegrityReport(CompliancePdfMixin, SerialTrackingCommon):
    """The integrity report, printed from the Ledger Fingerprint screen: the check run
    at printing, its figures, the first problems, and the fingerprint to keep."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_auditor.tz = "Europe/Brussels"
        cls.cashier = cls._create_user(
            "integrity_cashier", "point_of_sale.group_pos_user"
        )

    def _screen(self):
        return (
            self.env["serial.fingerprint.check"]
            .with_user(self.serial_auditor)
            .create({})
        )

    def _sold_and_returned(self, serial):
        lot = self._receive_by_receipt(self.phone, [serial], self.vendor)
        self._return(self._deliver(lot, self.customer))
        return lot

    def test_intact_ledger_and_its_fingerprint(self):
        self._sold_and_returned("IR-0001")
        screen = self._screen()
        action = screen.action_print_integrity_report()
        self.assertEqual(
            action["report_name"], "pos_serial_tracking.report_serial_integrity"
        )
        mine = [("company_id", "=", self.env.company.id)]
        lines = self.env["serial.audit.line"].search_count(mine)
        chains = len(self.env["serial.audit.line"].search(mine).lot_id)
        text = self._pdf_text(INTEGRITY_REPORT, screen, self.serial_auditor)
        self.assertIn("Serial History Integrity Report", text)
        self.assertIn("Verdict: intact.", text)
        self.assertIn(f"Serial histories verified: {chains}", text)
        self.assertIn(f"Audit lines verified: {lines}", text)
        self.assertIn("Verified by Serial Auditor", text)
        self.assertIn("(Europe/Brussels)", text)
        self.assertNotIn("First Problems Found", text)
        found = PATTERN.search(text)
        self.assertTrue(found, "a fingerprint pst1:<time>:<line>:...:<digest>")
        fingerprint = found.group(0)
        self.assertIn(f":{self.env.company.id}:{chains}:", fingerprint)
        # the printed fingerprint is the one an auditor checks later
        result = (
            self.env["serial.audit.line"]
            .with_user(self.serial_auditor)
            .verify_fingerprint(fingerprint)
        )
        self.assertTrue(result["ok"], result["message"])

    def test_changed_line_is_named(self):
        lot = self._sold_and_returned("IR-0002")
        line = lot.audit_line_ids.filtered(lambda line: line.event == "sold")
        self._with_trigger_disabled(
            "UPDATE serial_audit_line SET reference = %s WHERE id = %s",
            ["SO-FORGED", line.id],
        )
        text = self._pdf_text(INTEGRITY_REPORT, self._screen(), self.serial_manager)
        self.assertIn("Verdict: NOT intact.", text)
        self.assertNotIn("Verdict: intact.", text)
        self.assertIn("First Problems Found", text)
        self.assertIn(
            f"line {line.id} of serial IR-0002 was changed after it was written", text
        )
        self.assertTrue(PATTERN.search(text))

    def test_only_managers_and_auditors_print(self):
        screen = self._screen()
        for user in (self.serial_user, self.cashier):
            with self.assertRaises(AccessError):
                self._pdf_text(INTEGRITY_REPORT, screen, user)

    def test_another_companys_lines_are_left_out(self):
        other_company, _stock = self._create_company_with_stock("Ledger Branch")
        other_phone = self._create_serial_product(
            "Branch phone", "LBP", company_id=other_company.id
        )
        self.env["stock.lot"].with_company(other_company).create(
            {
                "name": "IR-9001",
                "product_id": other_phone.id,
                "company_id": other_company.id,
            }
        )
        self.assertTrue(
            self.env["serial.audit.line"].search_count(
                [("company_id", "=", other_company.id)]
            )
        )
        self._sold_and_returned("IR-0003")
        text = self._pdf_text(INTEGRITY_REPORT, self._screen(), self.serial_auditor)
        mine = self.env["serial.audit.line"].search_count(
            [("company_id", "=", self.env.company.id)]
        )
        self.assertIn(f"Audit lines verified: {mine}", text)
        self.assertNotIn("Ledger Branch", text)
        self.assertTrue(re.search(rf":{self.env.company.id}:\d+:", text))


@tagged("post_install", "-at_install")
class TestSerialLossReport(CompliancePdfMixin, SerialTrackingCommon):
    """The loss prevention report of a period: units lost, stolen, found and the
    blocked sale attempts, by day, location, prefix and till, and the time from loss
    to recovery, from the audit lines of that period."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serial_auditor.tz = "Europe/Brussels"
        cls.cashier = cls._create_user("loss_cashier", "point_of_sale.group_pos_user")
        cls.till = cls.env["pos.config"].create({"name": "Till T1"})
        names = ["LP-001", "LP-002", "QX-003", "LP-004"]
        cls.lots = dict(zip(names, cls._receive_serials(cls.phone, names), strict=True))

    def _mark(self, name, event, when):
        with freeze_time(when):
            self.lots[name].with_user(self.serial_manager)._mark_serial_state(
                event, "Shelf count"
            )

    def _wizard(self, user=None):
        return (
            self.env["serial.loss.report"]
            .with_user(user or self.serial_auditor)
            .create({"date_from": "2026-03-01", "date_to": "2026-03-31"})
        )

    def test_loss_report_of_a_month(self):
        self._mark("LP-004", "marked_lost", "2026-02-20 10:00:00")  # before the period
        self._mark("LP-001", "marked_lost", "2026-03-02 10:00:00")
        self._mark("LP-002", "marked_stolen", "2026-03-03 10:00:00")
        with freeze_time("2026-03-04 10:00:00"):
            self.lots["LP-002"]._apply_serial_events(
                [
                    {
                        "lot": self.lots["LP-002"],
                        "event": "blocked_sale",
                        "pos_config_id": self.till.id,
                        "reference": self.till.name,
                    }
                ]
            )
        self._mark("LP-001", "found", "2026-03-05 10:00:00")  # after 3 days
        self._mark("QX-003", "marked_lost", "2026-03-10 10:00:00")
        self._mark("QX-003", "found", "2026-03-12 10:00:00")  # after 2 days
        self._mark("LP-004", "found", "2026-04-01 10:00:00")  # after the period
        wizard = self._wizard()
        action = wizard.action_print()
        self.assertEqual(
            action["report_name"], "pos_serial_tracking.report_serial_loss"
        )
        text = self._pdf_text(LOSS_REPORT, wizard, self.serial_auditor)
        self.assertIn("Loss Prevention Report", text)
        self.assertIn("From 03/01/2026 to 03/31/2026 (Europe/Brussels)", text)
        self.assertIn(
            "Units marked lost: 2 Units marked stolen: 1 Units found: 2 "
            "Blocked sale attempts: 1",
            text,
        )
        self.assertIn(
            "Units recovered: 2; average 2.5 days, median 2.5 days, longest 3.0 "
            "days. Lost or stolen in the period and still missing: 1.",
            text,
        )
        self.assertIn("LP-001 [P1] Phone P1 Lost", text)
        self.assertIn("QX-003 [P1] Phone P1 Lost", text)
        self.assertNotIn("LP-004", text)
        # by day: the days with events only
        self.assertIn("03/02/2026 1 0 0 0", text)
        self.assertIn("03/04/2026 0 0 0 1", text)
        self.assertNotIn("02/20/2026", text)
        prefixes = {name: lot.serial_prefix for name, lot in self.lots.items()}
        self.assertIn(f"{prefixes['LP-001']} 1 1 1 1", text)
        self.assertIn(f"{prefixes['QX-003']} 1 0 1 0", text)
        self.assertIn("WH/Stock 2 1 2 1", text)  # the units' last known location
        self.assertIn("Till T1 0 0 0 1", text)
        self.assertIn("Back office (no till) 2 1 2 0", text)

    def test_another_companys_losses_are_left_out(self):
        other_company, _stock = self._create_company_with_stock("Loss Branch")
        other_phone = self._create_serial_product(
            "Branch phone", "LBP", company_id=other_company.id
        )
        other_lot = (
            self.env["stock.lot"]
            .with_company(other_company)
            .create(
                {
                    "name": "BR-001",
                    "product_id": other_phone.id,
                    "company_id": other_company.id,
                }
            )
        )
        with freeze_time("2026-03-02 10:00:00"):
            other_lot.with_company(other_company)._apply_serial_events(
                [{"lot": other_lot, "event": "blocked_sale", "note": "Branch"}]
            )
        self._mark("LP-001", "marked_lost", "2026-03-02 10:00:00")
        text = self._pdf_text(LOSS_REPORT, self._wizard(), self.serial_auditor)
        self.assertIn(
            "Units marked lost: 1 Units marked stolen: 0 Units found: 0 "
            "Blocked sale attempts: 0",
            text,
        )
        self.assertNotIn("Loss Branch", text)

    def test_only_managers_and_auditors_print(self):
        wizard = self._wizard()
        for user in (self.serial_user, self.cashier):
            with self.assertRaises(AccessError):
                self._pdf_text(LOSS_REPORT, wizard, user)
