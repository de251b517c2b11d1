from typing import NamedTuple

from odoo import models

from ..tools.serial_epcis import gtin14
from ..tools.serial_label_codes import (
    UnitCodes,
    digital_link_url,
    gs1_element_string,
    gs1_human_readable,
)


class SerialLabel(NamedTuple):
    """What one serial label prints (report/serial_label_templates.xml): the unit,
    the text of its QR code (`qr`: its GS1 Digital Link, or its URN without a GTIN),
    the data of its GS1 DataMatrix (`datamatrix`, "" without one) and that data as
    people read it (`human_readable`)."""

    lot: models.Model
    codes: UnitCodes
    qr: str
    datamatrix: str
    human_readable: str


class StockLot(models.Model):
    _inherit = "stock.lot"

    def _serial_gs1_codes(self):
        """This unit's GS1 data (UnitCodes): its product's GTIN-14 (None when the
        barcode is not a valid GTIN), its serial, its batch (AI 10) and its expiry
        (AI 17, `_serial_expiry_dates`). The Digital Link and the DataMatrix are
        made from it. May be overridden."""
        self.ensure_one()
        return UnitCodes(
            gtin=gtin14(self.product_id.barcode),
            serial=self.name,
            batch=self.serial_batch or None,
            expiry=self._serial_expiry_dates().get(self.id),
        )

    def _serial_digital_link_url(self):
        """This unit's GS1 Digital Link on this database (its public check page):
        <web.base.url>/01/<GTIN-14>[/10/<batch>]/21/<serial>[?17=YYMMDD], or False
        when its product has no GTIN. May be overridden."""
        self.ensure_one()
        codes = self._serial_gs1_codes()
        if not codes.gtin:
            return False
        return digital_link_url(self.get_base_url(), codes)

    def _serial_labels(self):
        """The labels of these units (SerialLabel), in their order. A unit without a
        GTIN gets a QR code of its URN (the identifier its EPCIS events carry,
        _epcis_unit_uri) and no DataMatrix. The caller checked the user's right
        to read the units."""
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        labels = []
        for lot in self:
            codes = lot._serial_gs1_codes()
            labels.append(
                SerialLabel(
                    lot=lot,
                    codes=codes,
                    qr=lot._serial_digital_link_url() or lot._epcis_unit_uri(database),
                    datamatrix=gs1_element_string(codes),
                    human_readable=gs1_human_readable(codes),
                )
            )
        return labels
