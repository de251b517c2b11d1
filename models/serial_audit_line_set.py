from odoo import api, models
from odoo.tools import SQL

from ..tools.serial_event_sql import EVENT_SET_FUNCTION, EVENT_SET_PARAMS, event_set_sql

# the function's call, its text built once: a state change of one serial is this
# round trip and little else
_PARAMS = ", ".join(f"%s::{kind}" for _name, kind in EVENT_SET_PARAMS)
EVENT_SET_CALL = f"SELECT * FROM {EVENT_SET_FUNCTION}({_PARAMS})"


class SerialAuditLine(models.Model):
    """The set-based append of one event to many serials (stock.lot's
    _apply_serial_events_set), in one statement: the PL/pgSQL function
    EVENT_SET_FUNCTION, whose plan PostgreSQL keeps per connection, so that one
    serial's change costs one round trip and no planning."""

    _inherit = "serial.audit.line"

    def init(self):
        result = super().init()
        self.env.cr.execute(
            SQL(
                """
            CREATE OR REPLACE FUNCTION %(function)s(%(params)s)
            RETURNS TABLE(id integer, name varchar, serial_state varchar)
            LANGUAGE plpgsql VOLATILE
            -- planned once per connection, whatever the number of serials
            SET plan_cache_mode = force_generic_plan AS $$
            #variable_conflict use_column
            BEGIN
                RETURN QUERY %(statement)s;
            END $$;
            """,
                function=SQL.identifier(EVENT_SET_FUNCTION),
                params=SQL(
                    ", ".join(f"p_{name} {kind}" for name, kind in EVENT_SET_PARAMS)
                ),
                statement=event_set_sql(lambda name: SQL(f"p_{name}")),
            )
        )
        return result

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
        cr.execute(EVENT_SET_CALL, [values[name] for name, _kind in EVENT_SET_PARAMS])
        refused = {lot_id: (name, state) for lot_id, name, state in cr.fetchall()}
        self.invalidate_model()
        self.env["serial.audit.head"].invalidate_model()
        return refused
