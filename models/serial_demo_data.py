import uuid

from odoo import Command, api, fields, models

from ..tools.serial_event import SerialEvent

# (product xml id, serial pattern, first number, units, location xml id or None for
# the main warehouse's stock)
DEMO_BATCHES = (
    ("product_phone_demo", "NVX-{:04d}", 6, 115, None),
    ("product_phone_demo", "NVXP-{:04d}", 1, 60, None),
    ("product_watch_demo", "CHR42-{:06d}", 100006, 55, None),
    ("product_glucometer_demo", "GM5-A{:04d}", 6, 75, None),
    (
        "product_glucometer_demo",
        "GM5-B{:04d}",
        1,
        60,
        "stock.stock_location_components",
    ),
)


class SerialDemoData(models.AbstractModel):
    """Builds the demo's serials and their lives through the addon's own paths
    (inventory adjustments, deliveries, returns, a repair, a scrap, POS orders, the
    managers' markings and a serial count), so that every state, a sale conflict, a
    count and the dashboard have something to show. Called once by
    demo/serial_dashboard_demo.xml."""

    _name = "serial.demo.data"
    _description = "Serial Tracking Demo Data"

    @api.model
    def _create_demo_data(self):
        lots = self._receive_demo_batches()
        customers = [self.env.ref(f"base.res_partner_{n}") for n in (2, 3, 4, 10, 12)]
        phones, pros = lots["NVX-"], lots["NVXP-"]
        watches, meters_a, meters_b = lots["CHR42-"], lots["GM5-A"], lots["GM5-B"]
        # sold through deliveries, a few of them returned
        deliveries = [
            self._deliver(phones[:40], customers[0], "DEMO/SO/001"),
            self._deliver(pros[:20], customers[1], "DEMO/SO/002"),
            self._deliver(watches[:15], customers[2], "DEMO/SO/003"),
            self._deliver(meters_a[:30], customers[3], "DEMO/SO/004"),
        ]
        self._return(deliveries[0], phones[:5])
        self._return(deliveries[3], meters_a[:3])
        # a watch in repair
        repair = self.env["repair.order"].create(
            {
                "product_id": watches[0].product_id.id,
                "lot_id": watches[14].id,
                "partner_id": customers[2].id,
            }
        )
        repair.action_validate()
        repair.action_repair_start()
        # a scrapped meter
        self.env["stock.scrap"].create(
            {
                "product_id": meters_a[40].product_id.id,
                "lot_id": meters_a[40].id,
                "scrap_qty": 1,
                "location_id": self.env.ref("stock.warehouse0").lot_stock_id.id,
            }
        ).action_validate()
        # last month's count of the batch B shelf, applied: the dashboard's accuracy
        self._count_shelf_applied(meters_b)
        # the managers' markings, each with its reason in the history
        Lot = self.env["stock.lot"]
        Lot._apply_serial_events(
            [
                SerialEvent(lot, "marked_lost", note="Not found at the count")
                for lot in phones[60:64] | meters_a[50:53]
            ]
            + [
                SerialEvent(lot, "marked_stolen", note="Display case broken")
                for lot in phones[64:67] | watches[30:32]
            ]
            + [
                SerialEvent(lot, "recalled", note="Batch B sensor drift")
                for lot in meters_b[:12]
            ]
        )
        self._recall_meters(meters_a[14:40])
        self._sell_at_the_till(phones[80], customers[4])
        self._count_shelf(meters_b, meters_a[60])

    def _recall_meters(self, meters):
        """An active recall of a run of batch A meters: the units in stock are
        blocked, the sold ones wait for their notice and say so on their form, their
        history and their certificate."""
        recall = self.env["serial.recall"].create(
            {
                "reason": "Test strips of this run may read 10% high after a year.",
                "recall_class": "2",
                "customer_instructions": "Bring the meter back to the shop for a "
                "free replacement.",
                "product_ids": [Command.set(meters.product_id.ids)],
                "serial_ranges": f"{meters[0].name}..{meters[-1].name}",
            }
        )
        recall.action_locate()
        recall.action_activate()

    def _count_shelf_applied(self, meters_b):
        """An earlier count of the batch B shelf, applied by the administrator: one
        unit not found, adjusted out as lost."""
        count = self.env["serial.count"].create(
            {
                "location_id": self.env.ref("stock.stock_location_components").id,
                "date": fields.Datetime.subtract(fields.Datetime.now(), days=30),
                "scanned_serials": "\n".join(meters_b[:-1].mapped("name")),
                "note": "Monthly count",
            }
        )
        count.action_compare()
        count.action_apply()

    def _count_shelf(self, meters_b, stray):
        """A count of the batch B shelf, compared, not applied: the recalled units
        (set aside) and two others not found, one unit of batch A that should not be
        there, one serial nobody registered."""
        scanned = meters_b.filtered(lambda lot: lot.serial_state == "in_stock")[2:]
        count = self.env["serial.count"].create(
            {
                "location_id": self.env.ref("stock.stock_location_components").id,
                "scanned_serials": "\n".join(
                    [*scanned.mapped("name"), stray.name, "GM5-B9999"]
                ),
            }
        )
        count.action_compare()

    def _receive_demo_batches(self):
        """The batches' serials, received by an inventory adjustment; by prefix."""
        stock = self.env.ref("stock.warehouse0").lot_stock_id
        lots = {}
        for product_ref, pattern, first, count, location_ref in DEMO_BATCHES:
            product = self.env.ref(f"pos_serial_tracking.{product_ref}")
            location = self.env.ref(location_ref) if location_ref else stock
            batch = self.env["stock.lot"].create(
                [
                    {"name": pattern.format(n), "product_id": product.id}
                    for n in range(first, first + count)
                ]
            )
            self.env["stock.quant"].with_context(inventory_mode=True).create(
                [
                    {
                        "product_id": product.id,
                        "lot_id": lot.id,
                        "location_id": location.id,
                        "inventory_quantity": 1,
                    }
                    for lot in batch
                ]
            ).action_apply_inventory()
            lots[pattern.split("{")[0]] = batch
        return lots

    def _deliver(self, lots, customer, origin):
        picking_type = self.env.ref("stock.warehouse0").out_type_id
        return self._transfer(picking_type, lots, customer, origin)

    def _return(self, delivery, lots):
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=delivery.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = len(lots)
        returned = wizard._create_return()
        self._set_lots(returned.move_ids, lots)
        returned.button_validate()
        return returned

    def _transfer(self, picking_type, lots, partner, origin):
        product = lots.product_id
        source = picking_type.default_location_src_id
        destination = picking_type.default_location_dest_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "partner_id": partner.id,
                "origin": origin,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": len(lots),
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        self._set_lots(picking.move_ids, lots)
        picking.button_validate()
        return picking

    def _set_lots(self, move, lots):
        move.move_line_ids.unlink()
        move.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": lot.product_id.id,
                            "lot_id": lot.id,
                            "quantity": 1,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
                    for lot in lots
                ],
                "picked": True,
            }
        )

    def _sell_at_the_till(self, lot, customer):
        """Two paid orders of the demo shop sell the same unit: the first sells it, the
        second becomes a sale conflict for the managers."""
        # a till is opened by a POS user: the demo's administrator
        admin = self.env.ref("base.user_admin")
        env = self.env(user=admin.id, su=True)
        config = env.ref("point_of_sale.pos_config_main")
        if not config.current_session_id:
            config.open_ui()
        cash = config.payment_method_ids.filtered("is_cash_count")[:1]
        price = lot.product_id.lst_price
        orders = []
        for number in (1, 2):
            order_uuid = str(uuid.uuid4())
            orders.append(
                {
                    "name": f"Order {order_uuid}",
                    "uuid": order_uuid,
                    "session_id": config.current_session_id.id,
                    "sequence_number": number,
                    "user_id": admin.id,
                    "partner_id": customer.id if number == 1 else False,
                    "pricelist_id": config.pricelist_id.id,
                    "fiscal_position_id": False,
                    "date_order": fields.Datetime.to_string(fields.Datetime.now()),
                    "amount_paid": price,
                    "amount_return": 0,
                    "amount_tax": 0,
                    "amount_total": price,
                    "to_invoice": False,
                    "last_order_preparation_change": "{}",
                    "lines": [
                        Command.create(
                            {
                                "product_id": lot.product_id.id,
                                "qty": 1,
                                "price_unit": price,
                                "price_subtotal": price,
                                "price_subtotal_incl": price,
                                "discount": 0,
                                "tax_ids": [],
                                "pack_lot_ids": [
                                    Command.create({"lot_name": lot.name})
                                ],
                            }
                        )
                    ],
                    "payment_ids": [
                        Command.create(
                            {
                                "amount": price,
                                "name": fields.Datetime.now(),
                                "payment_method_id": cash.id,
                            }
                        )
                    ],
                }
            )
        for order in orders:
            env["pos.order"].sync_from_ui([order])
