from odoo import api, fields, models
from odoo.exceptions import ValidationError

from ..tools.serial_digital_link import (
    UnitCode,
    fnc1_element_string,
    parse_digital_link,
)
from ..tools.serial_epcis import gtin14
from ..tools.serial_public_check import (
    PublicCheckAnswer,
    UnitFacts,
    gtin_barcodes,
    unit_lookup_sql,
)


class StockLot(models.Model):
    """The public unit check (controllers/serial_check.py): anyone holding a unit asks
    whether it is one of ours, recalled, reported stolen, and when its warranty ends.
    Each step is a method another module overrides with super()."""

    _inherit = "stock.lot"

    public_check_attempt_ids = fields.One2many(
        "serial.check.attempt",
        "lot_id",
        string="Public Checks",
        readonly=True,
        groups="pos_serial_tracking.group_serial_manager",
        help="Each time someone checked this unit on the public page while it was "
        "reported stolen: when, and from which address (kept for a limited time).",
    )

    @api.model
    def _public_check_company(self):
        """The company the public page answers for: the company of the user serving
        the request (the public user's, or the website's when `website` is
        installed). Its units are "ours": the serials of this company, and those of
        no company (Odoo 18 gives a lot its product's company, none for a product
        shared by every company of the database). A unit of another company of this
        database is not: it is answered as unknown."""
        return self.env.company

    @api.model
    def _parse_public_check_code(self, code):
        """The UnitCode of a pasted or scanned code: a GS1 Digital Link URL, or GS1
        element strings (bracketed, FNC1- or `#`-separated, an EPC URN) parsed by
        Odoo's GS1 nomenclature (barcodes_gs1_nomenclature); None when it names no
        serialized unit."""
        code = (code or "").strip()
        if not code:
            return None
        link = parse_digital_link(code)
        if link:
            return link
        company = self._public_check_company().sudo()
        nomenclature = company.nomenclature_id
        if not nomenclature.is_gs1_nomenclature:
            nomenclature = self.env.ref(
                "barcodes_gs1_nomenclature.default_gs1_nomenclature",
                raise_if_not_found=False,
            )
        if not nomenclature:
            return None
        nomenclature = nomenclature.sudo()
        try:
            parsed = nomenclature.parse_barcode(fnc1_element_string(code)) or []
        except (ValidationError, ValueError, TypeError):
            return None
        if not isinstance(parsed, list):
            return None
        values = {}
        for item in parsed:
            ai = item.get("ai")
            if item.get("type") == "product" and ai in (None, "01"):
                values.setdefault("gtin", gtin14(str(item["value"])))
            elif item.get("type") == "lot" and ai in (None, "21"):
                values.setdefault("serial", str(item["value"]))
            elif ai == "10":
                values.setdefault("batch", str(item["value"]))
            elif ai == "17":
                values.setdefault("expiry", item["value"])
        if not values.get("gtin") or not values.get("serial"):
            return None
        return UnitCode(**values)

    @api.model
    def _public_check_expiry(self, expiry):
        """A code's expiry (AI 17) as a date: YYMMDD text read by Odoo's GS1 rules
        (the century, day 00 as the month's last day), or the date Odoo parsed."""
        if not expiry or not isinstance(expiry, str):
            return expiry or None
        nomenclature = self.env["barcode.nomenclature"].sudo()
        try:
            return nomenclature.gs1_date_to_date(expiry)
        except ValueError:
            return None

    @api.model
    def _public_check_facts(self, unit_code):
        """The facts of the unit `unit_code` names, if it is ours (a serial of a
        serial-tracked product carrying its GTIN, of _public_check_company(), whose
        registered batch and expiry the code does not contradict), else None. One
        indexed query (tools/serial_public_check.unit_lookup_sql), as superuser: the
        caller is anonymous and reads nothing but these few facts."""
        if not unit_code or not unit_code.gtin or not unit_code.serial:
            return None
        self.env.flush_all()
        self.env.cr.execute(
            unit_lookup_sql(
                self._public_check_company().id,
                gtin_barcodes(unit_code.gtin),
                unit_code.serial,
                self.env.lang or "en_US",
                batch=unit_code.batch,
                expiry=self._public_check_expiry(unit_code.expiry),
            )
        )
        row = self.env.cr.dictfetchone()
        return UnitFacts(**row) if row else None

    @api.model
    def _public_check_answer(self, unit_code, address=None):
        """The page's answer for `unit_code`, asked from `address` (the caller's IP).
        Unknown: verified False, nothing else. Stolen: that, whom to contact, and the
        attempt recorded on the unit (_record_public_check_attempt); nothing else.
        Otherwise: the product, an active recall with its customer instructions, and
        the warranty's end."""
        now = fields.Datetime.now()
        facts = self._public_check_facts(unit_code)
        if not facts:
            return PublicCheckAnswer(verified=False, checked_at=now)
        if facts.stolen:
            lot = self.sudo().browse(facts.lot_id)
            lot._record_public_check_attempt(address)
            company = lot.company_id or self._public_check_company().sudo()
            partner = company.partner_id
            return PublicCheckAnswer(
                verified=True,
                checked_at=now,
                stolen=True,
                contact_name=company.name,
                contact_phone=partner.phone or None,
                contact_email=partner.email or None,
            )
        return PublicCheckAnswer(
            verified=True,
            checked_at=now,
            product_name=facts.product_name,
            recalled=facts.recalled,
            recall_name=facts.recall_name,
            recall_reason=facts.recall_reason,
            recall_instructions=facts.recall_instructions,
            recall_deadline=facts.recall_deadline,
            warranty_end=facts.warranty_end_date or facts.vendor_warranty_end_date,
        )

    def _record_public_check_attempt(self, address):
        """A check of this stolen unit on the public page, kept for asset recovery
        (serial.check.attempt: when, from which address; Serial Managers only,
        purged after pos_serial_tracking.public_check_attempt_days)."""
        self.ensure_one()
        return (
            self.env["serial.check.attempt"]
            .sudo()
            .create(
                {
                    "lot_id": self.id,
                    "company_id": (self.company_id or self._public_check_company()).id,
                    "address": address or False,
                }
            )
        )
