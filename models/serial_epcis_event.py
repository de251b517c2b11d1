from odoo import fields, models


class SerialEpcisEvent(models.Model):
    """An EPCIS event imported from a supplier's document, kept by its CBV 2.0 event
    hash (ni:///sha-256;...?ver=CBV2.0): the same event sent again is recognised by
    it, not by its eventID (which an error declaration reuses). Written by the import
    (stock.lot.import.batch, its _epcis concern) alone."""

    _name = "serial.epcis.event"
    _description = "Imported EPCIS Event"
    _order = "batch_id desc, position"
    _check_company_auto = True

    batch_id = fields.Many2one(
        "stock.lot.import.batch",
        required=True,
        readonly=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True)
    position = fields.Integer(string="Event", readonly=True)
    event_hash = fields.Char(required=True, readonly=True)
    event_type = fields.Char(readonly=True)
    action = fields.Char(readonly=True)
    biz_step = fields.Char(string="Business Step", readonly=True)
    event_time = fields.Char(readonly=True)
    epc_count = fields.Integer(string="Identifiers", readonly=True)
    picking_id = fields.Many2one(
        "stock.picking",
        string="Expected on Receipt",
        readonly=True,
        index="btree_not_null",
        help="The receipt of the purchase order a shipping event names in its "
        "bizTransactionList: the units it ships are expected there.",
    )
    shipped_epcs = fields.Text(
        readonly=True,
        help="The pallets, cases or units a shipping event ships (one a line).",
    )

    _sql_constraints = [  # noqa: RUF012 Odoo reads this class attribute
        (
            "event_hash_company_unique",
            "unique(company_id, event_hash)",
            "This EPCIS event was already imported.",
        )
    ]
