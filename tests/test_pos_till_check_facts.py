from datetime import date

from .common import SerialPosSyncCommon


class TestPosTillCheckFacts(SerialPosSyncCommon):
    """The till's lookups in one query (pos.config._serial_check_facts, the PL/pgSQL
    function pos_serial_check_facts) find what the ORM finds: the serial's lot for the
    product in the till's company, a lot of another product with its name, whether the
    unit is in the shop's stock location or below it, another open order holding it,
    its registered expiry; and a cashier sees the verdicts these lead to."""

    def setUp(self):
        super().setUp()
        self.open_new_session()
        Location = self.env["stock.location"]
        self.shelf = Location.create(
            {
                "name": "Shelf",
                "location_id": self.stock_location.id,
                "usage": "internal",
            }
        )
        self.away = Location.create(
            {
                "name": "Away",
                "location_id": self.stock_location.location_id.id,
                "usage": "internal",
            }
        )
        self.tablet = self._create_serial_product(
            "Facts Tablet", "FTAB", company_id=self.env.company.id
        )
        self.shared = self._create_serial_product("Facts Shared", "FSHR")
        self._receive_serials(self.phone, ["FACT-OK", "FACT-BOTH", "FACT-OPEN"])
        self._receive_serials(self.phone, ["FACT-SUB"], self.shelf)
        self._receive_serials(self.phone, ["FACT-AWAY"], self.away)
        self._receive_serials(self.tablet, ["FACT-OTHER", "FACT-BOTH"])
        self.expiring = self._receive_serials(self.phone, ["FACT-EXP"])
        self.expiring.serial_expiry_date = date(2099, 1, 31)
        self.env["stock.lot"].create(  # registered, never received
            {"name": "FACT-NEW", "product_id": self.phone.id}
        )
        other_company, _stock = self._create_company_with_stock("Facts Branch")
        self.env["stock.lot"].create(
            {
                "name": "FACT-CO",
                "product_id": self.shared.id,
                "company_id": other_company.id,
            }
        )
        self.open_order = self.env["pos.order"].create(
            {
                "session_id": self.config.current_session_id.id,
                "uuid": "facts-open-order",
                "amount_tax": 0,
                "amount_total": 300,
                "amount_paid": 0,
                "amount_return": 0,
                "lines": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.phone.id,
                            "qty": 1,
                            "price_unit": 300,
                            "price_subtotal": 300,
                            "price_subtotal_incl": 300,
                            "pack_lot_ids": [(0, 0, {"lot_name": "FACT-OPEN"})],
                        },
                    )
                ],
            }
        )
        self.serials = [
            "FACT-OK",
            "FACT-SUB",
            "FACT-AWAY",
            "FACT-OTHER",
            "FACT-BOTH",
            "FACT-EXP",
            "FACT-NEW",
            "FACT-OPEN",
            "FACT-CO",
            "FACT-NONE",
        ]

    def _orm_facts(self, config, product, serials, order_uuid, check_open_orders):
        """What the verdicts read, through the ORM (the till's lookups before they
        became one query)."""
        Lot = self.env["stock.lot"].sudo()
        lots = Lot.search(
            [
                ("name", "in", serials),
                ("company_id", "in", [config.company_id.id, False]),
            ]
        )
        expiries = lots._serial_expiry_dates()
        source = config.picking_type_id.default_location_src_id
        in_shop = set(
            self.env["stock.quant"]
            .sudo()
            .search(
                [
                    ("lot_id", "in", lots.ids),
                    ("quantity", ">", 0),
                    ("location_id", "child_of", source.id),
                ]
            )
            .lot_id.ids
        )
        open_orders = {}
        if check_open_orders:
            for pack_lot in (
                self.env["pos.pack.operation.lot"]
                .sudo()
                .search(
                    [
                        ("lot_name", "in", serials),
                        ("pos_order_line_id.order_id.state", "=", "draft"),
                        ("pos_order_line_id.product_id", "=", product.id),
                    ]
                )
            ):
                order = pack_lot.pos_order_line_id.order_id
                if order.uuid != order_uuid:
                    open_orders[pack_lot.lot_name] = order.id
        facts = {}
        for serial in serials:
            lot = lots.filtered(lambda l, s=serial: l.name == s)
            own = lot.filtered(lambda l: l.product_id == product)[:1]
            other = (lot - own)[:1]
            if own or other or serial in open_orders:
                facts[serial] = (
                    own.id or None,
                    other.id or None,
                    own.id in in_shop,
                    open_orders.get(serial),
                    expiries.get(own.id),
                )
        return facts

    def test_one_query_finds_what_the_orm_finds(self):
        config = self.config.sudo()
        for order_uuid in (False, self.open_order.uuid):
            for check_open_orders in (True, False):
                with self.subTest(uuid=order_uuid, open_orders=check_open_orders):
                    facts = config._serial_check_facts(
                        self.phone,
                        self.serials,
                        order_uuid=order_uuid,
                        check_open_orders=check_open_orders,
                    )
                    self.assertEqual(
                        {
                            serial: (
                                fact.lot_id,
                                fact.other_lot_id,
                                fact.in_shop,
                                fact.open_order_id,
                                fact.expiry,
                            )
                            for serial, fact in facts.items()
                        },
                        self._orm_facts(
                            config,
                            self.phone,
                            self.serials,
                            order_uuid,
                            check_open_orders,
                        ),
                    )

    def test_cashier_sees_the_verdicts(self):
        cashier = self._create_till_user(
            "facts_cashier", "base.group_user", "point_of_sale.group_pos_user"
        )
        self.config.current_session_id.serial_cashier_ids = cashier
        verdicts = self.config.with_user(cashier).check_pos_serials(
            self.phone.id, self.serials
        )
        self.assertEqual(
            {verdict["serial"]: verdict["reason"] for verdict in verdicts},
            {
                "FACT-OK": False,
                "FACT-SUB": False,
                "FACT-AWAY": "elsewhere",
                "FACT-OTHER": "wrong_product",
                "FACT-BOTH": False,
                "FACT-EXP": False,
                "FACT-NEW": "not_sellable",
                "FACT-OPEN": "duplicate",
                "FACT-CO": "unknown",
                "FACT-NONE": "unknown",
            },
        )
        self.assertEqual(verdicts[5]["expiry"], "2099-01-31")
        own_order = self.config.with_user(cashier).check_pos_serials(
            self.phone.id, ["FACT-OPEN"], order_uuid=self.open_order.uuid
        )
        self.assertTrue(own_order[0]["ok"])
