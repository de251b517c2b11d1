from odoo import fields, models


class SerialEpcisAggregation(models.Model):
    """What is packed in what, from the AggregationEvent ADD of an imported EPCIS
    document: a unit (or a case) `child_epc` in its case (or pallet) `parent_epc`,
    identifiers in canonical GS1 Digital Link form. `lot_id` is the serial of a unit
    child; a receipt can then receive a whole case or pallet by its SSCC or SGTIN."""

    _name = "serial.epcis.aggregation"
    _description = "EPCIS Packing (Aggregation)"
    _order = "parent_epc, child_epc"
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
    parent_epc = fields.Char(
        string="Packed In", required=True, readonly=True, index=True
    )
    parent_kind = fields.Selection(
        [("sscc", "Pallet (SSCC)"), ("sgtin", "Case (SGTIN)"), ("other", "Other")],
        readonly=True,
    )
    child_epc = fields.Char(string="Content", required=True, readonly=True, index=True)
    lot_id = fields.Many2one(
        "stock.lot", string="Serial", readonly=True, index="btree_not_null"
    )
    event_hash = fields.Char(readonly=True)
