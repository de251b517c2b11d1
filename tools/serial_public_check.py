"""The public unit check's values (controllers/serial_check.py, stock.lot's
_public_check_* methods in models/stock_lot_public_check.py): what the one lookup
query found for a unit, the answer the page and its JSON give, and the rate limit's
verdict. Not a model: plain values, and the SQL text of the lookup.

What the page may say is deliberately small: genuine or not, recalled (with the
customer instructions), reported stolen (with whom to contact), warranty end. Never
a customer, a price, a location, a document or the unit's history."""

from dataclasses import dataclass
from datetime import date as Date
from datetime import datetime as Datetime

from odoo.tools import SQL

# LVM's reason when the responder does not know the identifier (GS1 Lightweight
# Verification Messaging 1.1, "verificationFailureReason"): one reason for every
# unknown code (unknown GTIN, unknown serial, another company's unit, a batch or
# expiry that contradicts ours), so that the answer tells nothing about which part
# was wrong
NO_MATCH = "No_match_GTIN_Serial"
# LVM's additionalInfo code for a recalled product
RECALLED_INFO = "Recalled"


@dataclass(frozen=True)
class UnitFacts:
    """What the lookup read for one unit of ours: its lot's id, state, warranty ends,
    its product's name, and the first active recall listing it (or the unit recalled
    by hand, without a recall: recall_id None)."""

    lot_id: int
    serial_state: str | None
    warranty_end_date: Date | None
    vendor_warranty_end_date: Date | None
    product_name: str
    recall_id: int | None
    recall_name: str | None
    recall_reason: str | None
    recall_instructions: str | None
    recall_deadline: Date | None

    @property
    def stolen(self):
        return self.serial_state == "stolen"

    @property
    def recalled(self):
        return bool(self.recall_id) or self.serial_state == "recalled"


@dataclass(frozen=True)
class PublicCheckAnswer:
    """The answer of the page and of its JSON. For an unknown code only `verified`
    (False) and `checked_at` are set; a stolen unit says only that, and whom to
    contact."""

    verified: bool
    checked_at: Datetime
    product_name: str | None = None
    recalled: bool = False
    recall_name: str | None = None
    recall_reason: str | None = None
    recall_instructions: str | None = None
    recall_deadline: Date | None = None
    stolen: bool = False
    contact_name: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    warranty_end: Date | None = None


@dataclass(frozen=True)
class RateVerdict:
    """The caller's address has made `hits` checks in the current window; over the
    limit, it may check again in `retry_minutes` minutes."""

    limited: bool
    hits: int
    retry_minutes: int


def unit_lookup_sql(company_id, barcodes, serial, lang, batch=None, expiry=None):
    """The one query of a check: the serial of a serial-tracked product of company
    `company_id` (or of no company: Odoo gives a lot the company of its product, none
    for a product shared by the companies of the database) whose barcode is one of
    `barcodes` (the GTIN in its 8, 12, 13 and 14-digit forms), with its product's
    name in `lang` and the first active recall listing it. A `batch` or `expiry`
    given by the code must not contradict the registered one. The exact `name =`
    uses stock_lot_name_btree_index (models/stock_lot_search.py), the recall's
    serial_recall_line's lot_id index."""
    return SQL(
        """
        SELECT lot.id AS lot_id,
               lot.serial_state,
               lot.warranty_end_date,
               lot.vendor_warranty_end_date,
               COALESCE(template.name->>%(lang)s, template.name->>'en_US')
                   AS product_name,
               recall.id AS recall_id,
               recall.name AS recall_name,
               recall.reason AS recall_reason,
               recall.customer_instructions AS recall_instructions,
               recall.deadline AS recall_deadline
          FROM stock_lot lot
          JOIN product_product product ON product.id = lot.product_id
          JOIN product_template template ON template.id = product.product_tmpl_id
          LEFT JOIN LATERAL (
                SELECT active.id, active.name, active.reason,
                       active.customer_instructions, active.deadline
                  FROM serial_recall_line line
                  JOIN serial_recall active ON active.id = line.recall_id
                 WHERE line.lot_id = lot.id AND active.state = 'active'
                 ORDER BY line.id
                 LIMIT 1
               ) recall ON TRUE
         WHERE lot.name = %(serial)s
           AND (lot.company_id = %(company)s OR lot.company_id IS NULL)
           AND lot.product_tracking = 'serial'
           AND product.barcode = ANY(%(barcodes)s)
           AND (%(batch)s::varchar IS NULL OR lot.serial_batch IS NULL
                OR lot.serial_batch = %(batch)s::varchar)
           AND (%(expiry)s::date IS NULL OR lot.serial_expiry_date IS NULL
                OR lot.serial_expiry_date = %(expiry)s::date)
         ORDER BY lot.id
         LIMIT 1
        """,
        lang=lang,
        serial=serial,
        company=company_id,
        barcodes=list(barcodes),
        batch=batch,
        expiry=expiry,
    )


def gtin_barcodes(gtin):
    """The barcodes a product with GTIN-14 `gtin` may carry: the GTIN-14 and its
    shorter forms (GTIN-13, UPC-A as GTIN-12, GTIN-8) when its leading zeros allow."""
    forms = [gtin]
    for length in (13, 12, 8):
        if gtin[: 14 - length].strip("0") == "":
            forms.append(gtin[14 - length :])
    return forms
