from odoo import api, models
from odoo.tools import SQL

from ..tools.serial_event_sql import EVENT_SET_PARAMS, event_set_sql

TYPES = dict(EVENT_SET_PARAMS)


class SerialAuditLine(models.Model):
    """The set-based append of one event to many serials (stock.lot's
    _apply_serial_events_set), in one statement."""

    _inherit = "serial.audit.line"

    @api.model
    def _insert_chained_sql(self, values):
        """Apply one event to each serial of values["ids"] (sorted, distinct) in one
        statement (tools/serial_event_sql.py): one line per serial appended to its
        chain, hashed by PostgreSQL as _insert_chained hashes, the heads saved, the
        states written. `values`: a dict of the names of EVENT_SET_PARAMS (the states
        the event is allowed from and where each leads, the line's own values).
        Returns {id: (name, state)} of the serials the event is not allowed for:
        when there is one, nothing is written."""
        cr = self.env.cr
        cr.execute(event_set_sql(lambda name: SQL(f"%s::{TYPES[name]}", values[name])))
        refused = {lot_id: (name, state) for lot_id, name, state in cr.fetchall()}
        self.invalidate_model()
        self.env["serial.audit.head"].invalidate_model()
        return refused
