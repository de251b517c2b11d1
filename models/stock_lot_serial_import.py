from datetime import datetime, time, timedelta

from odoo import api, models


class StockLot(models.Model):
    """What a lot registered in bulk by SQL (stock.lot.import.batch's set-based
    path) stores beyond the import's own columns: the extension point of the modules
    that add columns to stock.lot."""

    _inherit = "stock.lot"

    @api.model
    def _serial_import_values(self, rows, now):
        """Extension point of bulk registration (stock.lot.import.batch): the values of
        the stock_lot columns a module adds, for lots written by SQL, not by create().

        `rows` are the registered rows (serial_import_records.CheckedRow: serial,
        product_id, company_id, expiry_date, batch, location_id...), in the order of
        the new lots; `now` is the registration time. Return {column name: [one value
        per row]} holding what create() would store, values as Python gives them
        (None for NULL). Override it, call super() and add your columns. A stored
        field left out gets its default, or is computed by the ORM afterwards (slower
        on large files)."""
        products = self.env["product.product"].browse({row.product_id for row in rows})
        tracking = {product.id: product.tracking for product in products}
        values = {"product_tracking": [tracking[row.product_id] for row in rows]}
        if "expiration_date" in self._fields:
            values.update(self._serial_import_expiration_values(rows, now))
        return values

    @api.model
    def _serial_import_expiration_values(self, rows, now):
        """product_expiry's dates of the lots of `rows` (when it is installed), as its
        computes give them to a lot created with the row's expiry date as expiration
        date (or none: `now` plus the product's expiration time), set-based instead of
        per lot: {column: [one value per row]}."""
        products = self.env["product.product"].browse({row.product_id for row in rows})
        times = {
            product.id: (
                product.use_expiration_date,
                product.expiration_time,
                product.use_time,
                product.removal_time,
                product.alert_time,
            )
            for product in products
        }
        columns = {
            "expiration_date": [],
            "use_date": [],
            "removal_date": [],
            "alert_date": [],
        }
        for row in rows:
            use, expiration, use_days, removal_days, alert_days = times[row.product_id]
            expires = None
            if row.expiry_date:
                expires = datetime.combine(row.expiry_date, time.min)
            elif use:
                expires = now + timedelta(days=expiration)
            columns["expiration_date"].append(expires)
            for column, days in (
                ("use_date", use_days),
                ("removal_date", removal_days),
                ("alert_date", alert_days),
            ):
                columns[column].append(
                    expires - timedelta(days=days) if use and expires else None
                )
        return columns
