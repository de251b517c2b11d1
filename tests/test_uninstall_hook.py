import re

from odoo.tests import TransactionCase

from ..hooks import (
    RAW_SQL_FUNCTIONS,
    RAW_SQL_INDEXES,
    RAW_SQL_TRIGGERS,
    remove_schema_objects,
)

# Odoo's name for the index of a field (odoo.tools.sql.make_index_name): it goes with
# the column, which Odoo drops on uninstall
FIELD_INDEX = re.compile(r"^stock_(lot|quant)__\w+_index$")


class TestUninstallHook(TransactionCase):
    """The uninstall hook removes what the addon created with SQL outside Odoo's
    bookkeeping. A test cannot uninstall the addon it belongs to: the hook runs in a
    savepoint rolled back at the end (PostgreSQL's DDL is transactional);
    `make test-uninstall` does a real uninstall."""

    def _schema(self):
        """The objects an uninstall must not leave behind: functions of the public
        schema that no extension owns, triggers that no constraint makes, and the
        indexes of stock_lot and stock_quant (stock's tables, which stay) that
        neither back a constraint nor are Odoo's index of a field."""
        cr = self.env.cr
        cr.execute(
            """SELECT proc.proname FROM pg_proc proc
                 JOIN pg_namespace nsp ON nsp.oid = proc.pronamespace
                WHERE nsp.nspname = current_schema()
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_depend dep
                       WHERE dep.classid = 'pg_proc'::regclass
                         AND dep.objid = proc.oid AND dep.deptype = 'e')"""
        )
        functions = {row[0] for row in cr.fetchall()}
        cr.execute(
            """SELECT tgrelid::regclass::text, tgname FROM pg_trigger
                WHERE NOT tgisinternal"""
        )
        triggers = set(cr.fetchall())
        cr.execute(
            """SELECT index.relname FROM pg_index
                 JOIN pg_class index ON index.oid = pg_index.indexrelid
                WHERE pg_index.indrelid IN ('stock_lot'::regclass,
                                            'stock_quant'::regclass)
                  AND NOT EXISTS (
                      SELECT 1 FROM pg_constraint con
                       WHERE con.conindid = pg_index.indexrelid)"""
        )
        indexes = {row[0] for row in cr.fetchall() if not FIELD_INDEX.match(row[0])}
        return functions, triggers, indexes

    def test_hook_removes_the_sql_objects(self):
        functions, triggers, indexes = self._schema()
        # what the addon's init() created is there (else this test proves nothing)
        self.assertEqual(functions, set(RAW_SQL_FUNCTIONS))
        self.assertEqual(triggers, set(RAW_SQL_TRIGGERS))
        self.assertEqual(indexes, set(RAW_SQL_INDEXES))
        with self.env.cr.savepoint(flush=False) as savepoint:
            remove_schema_objects(self.env)
            # nothing else of the kind is left: a new raw SQL object of the addon
            # must be added to the hook's lists
            self.assertEqual(self._schema(), (set(), set(), set()))
            remove_schema_objects(self.env)  # and a second run is harmless
            savepoint.close()  # rolled back: the objects are there again
        self.assertEqual(self._schema(), (functions, triggers, indexes))
