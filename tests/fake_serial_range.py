"""A module splitting its serials otherwise, as an integrator would, loaded by the
extension test only (odoo-test-helper's FakeModelLoader): its serials end with a
check letter after the number (CHK-0001-X), so their number stands before that
suffix. Other serials split as the addon splits them (super())."""

import re

from odoo import api, models

from ..tools.serial_split import SerialSplit

CHECKED_SERIAL = re.compile(r"(?P<prefix>\D*?)(?P<number>\d+)-[A-Z]")


class StockLot(models.Model):
    _inherit = "stock.lot"

    @api.model
    def _split_serial(self, name):
        match = CHECKED_SERIAL.fullmatch(name or "")
        if not match:
            return super()._split_serial(name)
        return SerialSplit(match["prefix"] or False, match["number"].lstrip("0") or "0")
