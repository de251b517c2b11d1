import threading
import uuid
from contextlib import contextmanager

from odoo_test_helper import FakeModelLoader
from psycopg2.errors import SerializationFailure

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError
from odoo.models import MetaModel
from odoo.tests import TransactionCase
from odoo.tools.translate import code_translations

from odoo.addons.point_of_sale.tests.common import TestPoSCommon
from odoo.addons.point_of_sale.tests.test_frontend import TestPointOfSaleHttpCommon


class SerialDataMixin:
    """Builders for serial-tracked products, role users and stock, shared by the
    tests."""

    @contextmanager
    def assertRefused(self, message_regex, exception=UserError):
        """The block raises `exception` with a message matching `message_regex`, and its
        changes are rolled back (Odoo's assertRaises runs it in a savepoint)."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), message_regex)

    def _sql(self, query, params=()):
        """Plain SQL, with the ORM's cache flushed before and dropped after."""
        self.env.flush_all()
        self.env.cr.execute(query, params)
        self.env.invalidate_all()

    def _with_trigger_disabled(self, query, params):
        """Plain SQL with the audit trail's append-only trigger off: a tampering."""
        self._sql(
            "ALTER TABLE serial_audit_line DISABLE TRIGGER "
            "serial_audit_line_append_only"
        )
        self._sql(query, params)
        self._sql(
            "ALTER TABLE serial_audit_line ENABLE TRIGGER serial_audit_line_append_only"
        )

    def _use_code_translations(self, lang, translations):
        """The addon's Python sentences in `lang` as its translation file would give
        them (the addon ships no .po), for this test only."""
        key = ("pos_serial_tracking", lang)
        current = code_translations.get_python_translations(*key)
        self.addCleanup(code_translations.python_translations.__setitem__, key, current)
        code_translations.python_translations[key] = {**current, **translations}

    @classmethod
    def _load_fake_models(cls, *model_classes):
        """Load another module's model classes (tests/fake_*.py) into the registry for
        this test class, as an integrator's module would be (odoo-test-helper); the
        registry is restored when the class ends."""
        # importing a fake module registers its classes with the addon's own
        # (MetaModel.module_to_models), and the loader's backup would keep them there
        # for every later registry load: only this class's fakes are loaded
        for classes in MetaModel.module_to_models.values():
            classes[:] = [
                model for model in classes if ".tests." not in model.__module__
            ]
        loader = FakeModelLoader(cls.env, cls.__module__)
        loader.backup_registry()
        cls.addClassCleanup(loader.restore_registry)
        loader.update_registry(model_classes)

    @classmethod
    def _create_serial_product(cls, name, code, **values):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "is_storable": True,
                "tracking": "serial",
                "available_in_pos": True,
                "categ_id": cls.env.ref("product.product_category_all").id,
                **values,
            }
        )

    @classmethod
    def _create_company_with_stock(cls, name):
        """Another company, and the stock location of the warehouse Odoo gives it."""
        company = cls.env["res.company"].create({"name": name})
        warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", company.id)], limit=1
        )
        return company, warehouse.lot_stock_id

    @classmethod
    def _create_user(cls, login, *groups):
        return cls.env["res.users"].create(
            {
                "name": login.replace("_", " ").title(),
                "login": login,
                "password": login,
                "groups_id": [(6, 0, [cls.env.ref(group).id for group in groups])],
            }
        )

    @classmethod
    def _receive_serials(cls, product, serials, location=None):
        """Put one unit of each serial in stock, as an inventory adjustment does."""
        location = location or cls.stock_location
        lots = cls.env["stock.lot"].create(
            [{"name": serial, "product_id": product.id} for serial in serials]
        )
        cls.env["stock.quant"].with_context(inventory_mode=True).create(
            [
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "location_id": location.id,
                    "inventory_quantity": 1,
                }
                for lot in lots
            ]
        ).action_apply_inventory()
        return lots


class SerialStockFlowsMixin:
    """Real stock operations on serials: receipts, deliveries, returns, scraps."""

    def _picking(
        self, picking_type, lots_or_names, partner=None, origin=None, product=None
    ):
        product = product or lots_or_names[:1].product_id
        source = picking_type.default_location_src_id
        destination = picking_type.default_location_dest_id
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": picking_type.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "partner_id": partner and partner.id,
                "origin": origin,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": len(lots_or_names),
                            "product_uom": product.uom_id.id,
                            "location_id": source.id,
                            "location_dest_id": destination.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        move = picking.move_ids
        move.move_line_ids.unlink()
        move.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "quantity": 1,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                            **(
                                {"lot_name": item}
                                if isinstance(item, str)
                                else {"lot_id": item.id}
                            ),
                        }
                    )
                    for item in lots_or_names
                ],
                "picked": True,
            }
        )
        return picking

    def _validate(self, picking):
        result = picking.button_validate()
        self.assertIs(result, True, "the transfer should validate without a wizard")
        self.assertEqual(picking.state, "done")
        return picking

    def _receive_by_receipt(self, product, serials, vendor=None):
        picking = self._picking(
            self.warehouse.in_type_id, serials, partner=vendor, product=product
        )
        self._validate(picking)
        return picking.move_ids.move_line_ids.lot_id

    def _deliver(self, lots, customer, origin=None):
        return self._validate(
            self._picking(
                self.warehouse.out_type_id, lots, partner=customer, origin=origin
            )
        )

    def _return(self, picking):
        wizard = (
            self.env["stock.return.picking"]
            .with_context(active_id=picking.id, active_model="stock.picking")
            .create({})
        )
        wizard.product_return_moves.quantity = len(picking.move_ids.move_line_ids)
        returned = wizard._create_return()
        move = returned.move_ids
        move.move_line_ids.unlink()
        move.write(
            {
                "move_line_ids": [
                    Command.create(
                        {
                            "product_id": line.product_id.id,
                            "lot_id": line.lot_id.id,
                            "quantity": 1,
                            "location_id": move.location_id.id,
                            "location_dest_id": move.location_dest_id.id,
                        }
                    )
                    for line in picking.move_ids.move_line_ids
                ],
                "picked": True,
            }
        )
        return self._validate(returned)

    def _scrap(self, lot):
        scrap = self.env["stock.scrap"].create(
            {
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "scrap_qty": 1,
                "location_id": self.stock_location.id,
            }
        )
        scrap.action_validate()
        return scrap

    def _set_on_hand(self, lot, quantity, location=None):
        """An inventory adjustment counting `quantity` units of the serial."""
        self.env["stock.quant"].with_context(inventory_mode=True).create(
            {
                "product_id": lot.product_id.id,
                "lot_id": lot.id,
                "location_id": (location or self.stock_location).id,
                "inventory_quantity": quantity,
            }
        ).action_apply_inventory()

    def _history(self, lot):
        """The serial's audit events, oldest first, as (event, old state, new state)."""
        return [
            (line.event, line.old_state or False, line.new_state or False)
            for line in lot.audit_line_ids.sorted("chain_index")
        ]


class ConcurrentTransactionsMixin:
    """Two tills or two users at once: transactions of their own (committed data, so
    the test class is post_install) and the wait-then-fail a row lock makes of them."""

    def _open_transactions(self, count=3, context=None):
        envs = [
            api.Environment(self.env.registry.cursor(), SUPERUSER_ID, context or {})
            for _ in range(count)
        ]
        for env in envs:
            self.addCleanup(env.cr.close)
        return envs

    def _commit_shop(self, name, serial, tills=1):
        """A shop committed in a company of its own (the transactions must see it; it
        stays in the throwaway test database, since history can never be deleted):
        `tills` tills with a cash method each and an open session, a serial product
        and one unit of `serial` in the tills' stock. Returns the records' ids."""
        with self.env.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].create(
                {"name": f"{name} {uuid.uuid4().hex[:6]}"}
            )
            env["account.chart.template"].try_loading(
                "generic_coa", company, install_demo=False
            )
            env = env(context={"allowed_company_ids": [company.id]})
            configs = env["pos.config"]
            for n in range(1, tills + 1):
                journal = env["account.journal"].create(
                    {
                        "name": f"Cash {n}",
                        "type": "cash",
                        "code": f"CT{n}",
                        "company_id": company.id,
                    }
                )
                cash = env["pos.payment.method"].create(
                    {
                        "name": f"Cash {n}",
                        "company_id": company.id,
                        "journal_id": journal.id,
                    }
                )
                configs |= env["pos.config"].create(
                    {
                        "name": f"Till {n}",
                        "company_id": company.id,
                        "payment_method_ids": [Command.set(cash.ids)],
                    }
                )
            product = env["product.product"].create(
                {
                    "name": f"{name} Phone",
                    "is_storable": True,
                    "tracking": "serial",
                    "available_in_pos": True,
                    "list_price": 100,
                    "taxes_id": [Command.clear()],
                    "company_id": company.id,
                }
            )
            lot = env["stock.lot"].create(
                {"name": serial, "product_id": product.id, "company_id": company.id}
            )
            env["stock.quant"].with_context(inventory_mode=True).create(
                {
                    "product_id": product.id,
                    "lot_id": lot.id,
                    "inventory_quantity": 1,
                    "location_id": configs[
                        0
                    ].picking_type_id.default_location_src_id.id,
                }
            ).action_apply_inventory()
            for config in configs:
                config.open_ui()
            return {
                "company": company.id,
                "configs": configs.ids,
                "cash": configs.payment_method_ids.ids,
                "product": product.id,
                "lot": lot.id,
                "sessions": configs.current_session_id.ids,
                "pricelists": configs.pricelist_id.ids or [False] * tills,
            }

    def assertWaitsThenFailsToSerialize(self, first_env, second_env, second, what):
        """`second` runs in a thread while `first_env`'s uncommitted work holds the
        rows it needs: it must wait for them, then fail to serialize once `first_env`
        commits (Odoo replays such a request). `second_env` is rolled back after."""
        outcome = {}

        def run():
            try:
                second()
                outcome["result"] = "done"
            except SerializationFailure as error:
                outcome["result"] = error

        thread = threading.Thread(target=run)
        thread.start()
        thread.join(timeout=1)
        self.assertTrue(thread.is_alive(), f"{what} should wait")
        first_env.cr.commit()
        thread.join(timeout=30)
        self.assertIsInstance(outcome.get("result"), SerializationFailure)
        second_env.cr.rollback()


class SerialTrackingCommon(SerialDataMixin, SerialStockFlowsMixin, TransactionCase):
    """A serial-tracked product and one user per role."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.warehouse = cls.env.ref("stock.warehouse0")
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.phone = cls._create_serial_product("Phone P1", "P1", warranty_months=24)
        cls.customer = cls.env["res.partner"].create({"name": "Customer C1"})
        cls.vendor = cls.env["res.partner"].create({"name": "Vendor V1"})
        cls.serial_user = cls._create_user(
            "serial_user", "pos_serial_tracking.group_serial_user"
        )
        cls.serial_manager = cls._create_user(
            "serial_manager", "pos_serial_tracking.group_serial_manager"
        )
        cls.serial_auditor = cls._create_user(
            "serial_auditor", "pos_serial_tracking.group_serial_auditor"
        )


class SerialPosHttpCommon(SerialDataMixin, TestPointOfSaleHttpCommon):
    """Odoo's own POS test setup (a shop, a cashier, payment methods) plus a
    serial-tracked product sold from the POS's stock location."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Odoo's pos_user also has Inventory rights; the tours run as the cashier a
        # careful shop gives only Point of Sale: User (the manager is pos_admin)
        cls.pos_user.groups_id = [
            Command.set(
                [
                    cls.env.ref("base.group_user").id,
                    cls.env.ref("point_of_sale.group_pos_user").id,
                ]
            )
        ]
        cls.stock_location = cls.main_pos_config.picking_type_id.default_location_src_id
        cls.phone = cls._create_serial_product(
            "Serial Phone", "SPHONE", list_price=500.0, taxes_id=False
        )


class SerialPosSyncCommon(SerialDataMixin, TestPoSCommon):
    """Orders synced through `pos.order.sync_from_ui`, as the POS sends them, with
    serials on their lines (Odoo's own POS accounting test setup)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.config = cls.basic_config
        cls.stock_location = cls.config.picking_type_id.default_location_src_id
        cls.phone = cls._create_serial_product(
            "Sync Phone",
            "SYNC",
            list_price=300.0,
            taxes_id=[(5, 0, 0)],
            company_id=cls.env.company.id,
        )

    @classmethod
    def _create_till_user(cls, login, *groups):
        """A user of the shop's company with only `groups` (a Point of Sale: User
        cashier, a POS manager...), with an email: Odoo posts the session's messages
        in the user's name."""
        user = cls._create_user(login, *groups)
        user.write(
            {
                "company_id": cls.company.id,
                "company_ids": [(6, 0, cls.company.ids)],
                "email": f"{login}@example.com",
            }
        )
        return user

    def _open_till(self, user):
        """`user` opens the till, as from the Point of Sale dashboard."""
        self.config.with_user(user).open_ui()
        self.pos_session = self.config.current_session_id
        self.currency = self.pos_session.currency_id
        self.pricelist = self.config.pricelist_id
        self.pos_session.set_opening_control(0, None)

    def _order(self, lines, customer=False, uuid=None):
        """UI order data; `lines` is a list of (product, [serials])."""
        data = self.create_ui_order_data(
            [(product, len(serials) or 1) for product, serials in lines],
            customer=customer,
            uuid=uuid,
        )
        for (_cmd, _id, line), (_product, serials) in zip(
            data["lines"], lines, strict=True
        ):
            line["pack_lot_ids"] = [[0, 0, {"lot_name": serial}] for serial in serials]
        return data

    def _refund_data(self, sale, customer=False):
        """UI data refunding the one line of `sale`, with its serials, in full."""
        line = sale.lines
        data = self._order(
            [(line.product_id, line.pack_lot_ids.mapped("lot_name"))],
            customer=customer,
        )
        amount = -line.price_unit
        data["lines"][0][2].update(
            {
                "qty": -1,
                "refunded_orderline_id": line.id,
                "price_subtotal": amount,
                "price_subtotal_incl": amount,
            }
        )
        data.update({"amount_total": amount, "amount_paid": amount})
        data["payment_ids"][0][2]["amount"] = amount
        return data

    def _sync(self, *orders):
        result = self.env["pos.order"].sync_from_ui(list(orders))
        return self.env["pos.order"].browse(
            [order["id"] for order in result["pos.order"]]
        )
