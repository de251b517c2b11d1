import hashlib

from odoo import api, models
from odoo.tools import SQL

from ..tools.serial_event_sql import EVENT_SET_PARAMS, event_set_sql

# the prepared statement's name, per text of the statement (a new version of the
# addon prepares its own)
_PREPARED = {}


def _prepared_statement(cr):
    """(name, PREPARE statement) of event_set_sql for the cursor `cr`."""
    if not _PREPARED:
        positions = {name: index for index, (name, _t) in enumerate(EVENT_SET_PARAMS)}
        body = event_set_sql(
            lambda name: SQL(
                f"${positions[name] + 1}::{EVENT_SET_PARAMS[positions[name]][1]}"
            )
        )
        text = cr.mogrify(body.code, body.params).decode()
        name = "pst_serial_events_" + hashlib.sha1(text.encode()).hexdigest()[:12]
        types = ", ".join(sql_type for _name, sql_type in EVENT_SET_PARAMS)
        _PREPARED["statement"] = (name, f"PREPARE {name} ({types}) AS {text}")
    return _PREPARED["statement"]


class SerialAuditLine(models.Model):
    """The set-based append of one event to many serials (stock.lot's
    _apply_serial_events_set), as one prepared statement per database connection."""

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
        params = [values[name] for name, _type in EVENT_SET_PARAMS]
        connection = getattr(cr, "_cnx", None)
        if connection is None:  # not a plain cursor: the statement as is
            cr.execute(event_set_sql(lambda name: SQL("%s", values[name])))
        else:
            name, prepare = _prepared_statement(cr._obj)
            # a connection's prepared statements live as long as its session
            prepared = connection.__dict__.setdefault("pst_prepared", set())
            if name not in prepared:
                cr.execute(prepare)
                prepared.add(name)
            cr.execute(
                SQL(
                    "EXECUTE %s (%s)",
                    SQL.identifier(name),
                    SQL(", ").join(SQL("%s", param) for param in params),
                )
            )
        refused = {lot_id: (name, state) for lot_id, name, state in cr.fetchall()}
        self.invalidate_model()
        self.env["serial.audit.head"].invalidate_model()
        return refused
