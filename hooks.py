"""Install on an existing database: every serial already there gets its state from its
quants and a "registered" line opening its history, set-based (100,000 lots in
seconds). Uninstall: the schema objects the addon created with SQL go too."""

from odoo import fields
from odoo.tools import SQL

from .tools.serial_split import fill_serial_split


def initialize_serial_states(env):
    """States from the quants (internal → in stock, customer → sold, scrap → scrapped),
    for serials that have none and no history yet; then their first audit line. Every
    lot gets its prefix and trailing number, and its product's tracking (the lots there
    before the addon get them when their columns are created; this catches any written
    by SQL since)."""
    cr = env.cr
    fill_serial_split(cr)
    env["stock.lot"]._fill_product_tracking(missing_only=True)
    cr.execute(
        """
        WITH place AS (
            SELECT DISTINCT ON (quant.lot_id) quant.lot_id, location.usage,
                   location.scrap_location
              FROM stock_quant quant
              JOIN stock_location location ON location.id = quant.location_id
             WHERE quant.quantity > 0 AND quant.lot_id IS NOT NULL
             ORDER BY quant.lot_id, location.usage = 'internal' DESC, quant.in_date DESC
        )
        UPDATE stock_lot lot
           SET serial_state = CASE
                   WHEN place.scrap_location THEN 'scrapped'
                   WHEN place.usage IN ('internal', 'transit') THEN 'in_stock'
                   WHEN place.usage = 'customer' THEN 'sold'
               END
          FROM place, product_product product, product_template template
         WHERE place.lot_id = lot.id AND product.id = lot.product_id
           AND template.id = product.product_tmpl_id AND template.tracking = 'serial'
           AND lot.serial_state IS NULL
           AND NOT EXISTS (
               SELECT 1 FROM serial_audit_head head WHERE head.lot_id = lot.id
           )
        """
    )
    cr.execute(
        """
        SELECT lot.id, lot.name, lot.product_id, lot.company_id, lot.serial_state
          FROM stock_lot lot
          JOIN product_product product ON product.id = lot.product_id
          JOIN product_template template ON template.id = product.product_tmpl_id
         WHERE template.tracking = 'serial'
           AND NOT EXISTS (
               SELECT 1 FROM serial_audit_head head WHERE head.lot_id = lot.id
           )
         ORDER BY lot.id
        """
    )
    lots = cr.fetchall()
    audit = env["serial.audit.line"]
    now = fields.Datetime.to_string(fields.Datetime.now())
    company = env.company.id
    heads = {lot_id: (0, None) for lot_id, *_rest in lots}
    # the addon is being installed: no other transaction writes these serials' heads
    audit._insert_chained(
        heads,
        [
            {
                "lot_id": lot_id,
                "lot_name": name,
                "product_id": product_id,
                "company_id": company_id or company,
                "event": "registered",
                "old_state": None,
                "new_state": state,
                "user_id": env.uid,
                "date": now,
                "note": (
                    "State initialized from the stock when the addon was installed."
                ),
            }
            for lot_id, name, product_id, company_id, state in lots
        ],
        new_chains=True,
    )
    env["stock.lot"].invalidate_model()
    return len(lots)


# what the addon creates with SQL in init(), outside Odoo's bookkeeping (Odoo drops the
# addon's tables, columns and SQL constraints, not these)
RAW_SQL_TRIGGERS = (
    ("serial_audit_line", "serial_audit_line_append_only"),
    ("serial_audit_line", "serial_audit_line_no_truncate"),
    # the dashboard's counts (models/serial_prefix_summary.py)
    ("stock_lot", "serial_state_delta_insert"),
    ("stock_lot", "serial_state_delta_update"),
    ("stock_lot", "serial_state_delta_delete"),
)
RAW_SQL_FUNCTIONS = (
    "serial_audit_line_refuse_change",
    "serial_state_delta_record",
    "pos_serial_check_facts",
    "pos_serial_till_session",
    "serial_apply_event_set",
    "pos_serial_lease_tills",
)
# the dashboard's counts; dropping them drops the serial_prefix_summary view too
RAW_SQL_TABLES = ("serial_state_delta", "serial_state_total")
RAW_SQL_INDEXES = (  # on stock_lot and stock_quant, which stay: stock's tables
    "stock_lot_name_btree_index",
    "stock_lot_upper_name_prefix_index",
    "stock_lot_serial_range_index",
    "stock_quant_serial_write_date_index",
)


def remove_schema_objects(env):
    """Drop the triggers, functions, tables and indexes the addon created with SQL.
    Runs before Odoo drops the addon's tables: the append-only triggers go first, so
    that nothing of the uninstall is refused by them."""
    cr = env.cr
    for table, trigger in RAW_SQL_TRIGGERS:
        cr.execute(
            SQL(
                "DROP TRIGGER IF EXISTS %s ON %s",
                SQL.identifier(trigger),
                SQL.identifier(table),
            )
        )
    for function in RAW_SQL_FUNCTIONS:
        # by name alone: whatever its arguments
        cr.execute(SQL("DROP FUNCTION IF EXISTS %s", SQL.identifier(function)))
    for table in RAW_SQL_TABLES:
        cr.execute(SQL("DROP TABLE IF EXISTS %s CASCADE", SQL.identifier(table)))
    for index in RAW_SQL_INDEXES:
        cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(index)))
