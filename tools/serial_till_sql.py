"""The till's check in the database: the PL/pgSQL functions pos.config's init
creates (and hooks.py drops), their text here. pos_serial_till_session finds the
till's open session and whether the user works in it; pos_serial_check_facts reads
the facts of the verdicts (pos.config._serial_check_facts) and takes the leases, in
one call whose plan PostgreSQL keeps for the connection. Pure SQL text."""

from odoo.tools import SQL

# a lot's registered expiry when product_expiry is installed, as
# stock.lot._serial_expiry_dates reads it
EXPIRY_WITH_EXPIRATION = (
    "COALESCE(lot.serial_expiry_date, (lot.expiration_date AT TIME ZONE 'UTC' "
    "AT TIME ZONE p_timezone)::date)"
)
# the facts of the verdicts, {expiry} the registered expiry's expression
FACTS_QUERY = """
            SELECT typed.name, lot.id, lot.product_id, lot.serial_state, {expiry},
                   lot.product_id = p_product AND EXISTS (
                       -- the unit's quants first (by lot), then each one's location
                       -- (by id): never a scan of the locations
                       SELECT FROM stock_quant quant
                        WHERE quant.lot_id = lot.id AND quant.quantity > 0
                          AND starts_with(
                              (SELECT location.parent_path FROM stock_location location
                                WHERE location.id = quant.location_id),
                              shop.parent_path)),
                   open_order.id, lease.config_id, lease.date_start, v_tills
              FROM (SELECT DISTINCT unnest(p_serials) AS name) typed
              LEFT JOIN (
                   SELECT location.parent_path
                     FROM pos_config config
                     JOIN stock_picking_type type ON type.id = config.picking_type_id
                     JOIN stock_location location
                       ON location.id = type.default_location_src_id
                    WHERE config.id = p_config) shop ON TRUE
              LEFT JOIN stock_lot lot
                ON lot.name = typed.name
               AND (lot.company_id = p_company OR lot.company_id IS NULL)
              LEFT JOIN LATERAL (
                   SELECT pos_order.id
                     FROM pos_pack_operation_lot pack_lot
                     JOIN pos_order_line line ON line.id = pack_lot.pos_order_line_id
                     JOIN pos_order ON pos_order.id = line.order_id
                    WHERE p_open_orders AND pack_lot.lot_name = typed.name
                      AND pos_order.state = 'draft' AND line.product_id = p_product
                      AND pos_order.uuid IS DISTINCT FROM p_order_uuid
                    ORDER BY pack_lot.id DESC LIMIT 1) open_order ON TRUE
              -- another order's running lease (pos.serial.lease): the unit is in
              -- an open order at a till
              LEFT JOIN pos_serial_lease lease
                ON p_open_orders AND lease.lot_id = lot.id
               AND lot.product_id = p_product
               AND lease.order_uuid IS DISTINCT FROM p_order_uuid
               AND lease.expires_at > v_now
             ORDER BY lot.id"""

TILL_SESSION_FUNCTION = """
            CREATE OR REPLACE FUNCTION pos_serial_till_session(
                p_config integer, p_user integer, p_states varchar[])
            RETURNS TABLE(session_id integer, works_in boolean)
            LANGUAGE plpgsql STABLE AS $$
            #variable_conflict use_column
            BEGIN
                RETURN QUERY
                SELECT session.id,
                       COALESCE(session.user_id = p_user, FALSE) OR EXISTS (
                           SELECT FROM pos_session_serial_cashier_rel cashier
                            WHERE cashier.pos_session_id = session.id
                              AND cashier.res_users_id = p_user)
                  FROM pos_session session
                 WHERE session.config_id = p_config AND session.rescue IS NOT TRUE
                   AND session.state = ANY(p_states)
                 ORDER BY session.id DESC LIMIT 1;
                IF NOT FOUND THEN
                    RETURN QUERY SELECT NULL::integer, FALSE;
                END IF;
            END $$;
            """

# the check's function as it was in earlier versions (its columns change: it
# cannot be replaced, it is dropped)
_OLD_PARAMS = "varchar[], integer, integer, integer, boolean, varchar, boolean, varchar"
OLD_CHECK_FACTS_DROPS = (
    SQL(f"DROP FUNCTION IF EXISTS pos_serial_check_facts({_OLD_PARAMS})"),
    SQL(
        "DROP FUNCTION IF EXISTS pos_serial_check_facts"
        f"({_OLD_PARAMS}, integer, integer, integer)"
    ),
)


def check_facts_function_sql():
    """CREATE OR REPLACE FUNCTION pos_serial_check_facts: the query reading
    product_expiry's expiration_date is run only when the caller says that column
    exists (p_expiration)."""
    return SQL(
        """
            CREATE OR REPLACE FUNCTION pos_serial_check_facts(
                p_serials varchar[], p_config integer, p_company integer,
                p_product integer, p_open_orders boolean, p_order_uuid varchar,
                p_expiration boolean, p_timezone varchar,
                p_lease_seconds integer, p_session integer, p_user integer)
            RETURNS TABLE(serial varchar, lot_id integer, product_id integer,
                          serial_state varchar, expiry date, in_shop boolean,
                          open_order_id integer, lease_config_id integer,
                          lease_since timestamp, lease_tills varchar[])
            LANGUAGE plpgsql VOLATILE
            -- planned once per connection: a custom plan's estimate (one serial)
            -- is far below the generic one's (ten), and PostgreSQL would plan it
            -- again at every call, most of the check's time
            SET plan_cache_mode = force_generic_plan AS $$
            #variable_conflict use_column
            DECLARE
                v_now timestamp := statement_timestamp() AT TIME ZONE 'UTC';
                v_tills varchar[];
            BEGIN
                -- the order's leases of the product's lots named (pos.serial.lease):
                -- taken, or renewed when the order holds them already, unless
                -- another order's lease runs. The row lock of ON CONFLICT makes
                -- two tills wait for each other: one holds it, the other one
                -- fails to serialize and is replayed (and then refused).
                IF p_lease_seconds > 0 AND p_order_uuid IS NOT NULL THEN
                    INSERT INTO pos_serial_lease AS lease (
                        lot_id, order_uuid, config_id, session_id, user_id,
                        company_id, date_start, expires_at)
                    SELECT lot.id, p_order_uuid, p_config, p_session, p_user,
                           COALESCE(lot.company_id, p_company), v_now,
                           v_now + make_interval(secs => p_lease_seconds)
                      FROM stock_lot lot
                     WHERE lot.name = ANY(p_serials) AND lot.product_id = p_product
                       AND (lot.company_id = p_company OR lot.company_id IS NULL)
                    ON CONFLICT (lot_id) DO UPDATE
                       SET order_uuid = EXCLUDED.order_uuid,
                           config_id = EXCLUDED.config_id,
                           session_id = EXCLUDED.session_id,
                           user_id = EXCLUDED.user_id,
                           company_id = EXCLUDED.company_id,
                           date_start = CASE
                               WHEN lease.order_uuid = EXCLUDED.order_uuid
                               THEN lease.date_start ELSE EXCLUDED.date_start END,
                           expires_at = EXCLUDED.expires_at
                     WHERE lease.expires_at <= v_now
                        OR lease.order_uuid = EXCLUDED.order_uuid;
                    -- the other tills to tell (pos.config._settle_serial_leases)
                    SELECT array_agg(tills.access_token) INTO v_tills
                      FROM pos_serial_lease_tills(p_config) tills;
                END IF;
                IF p_expiration THEN
                    RETURN QUERY %s;
                ELSE
                    RETURN QUERY %s;
                END IF;
            END $$;
            """,
        SQL(FACTS_QUERY.replace("{expiry}", EXPIRY_WITH_EXPIRATION)),
        SQL(FACTS_QUERY.replace("{expiry}", "lot.serial_expiry_date")),
    )
