import base64

from odoo import Command
from odoo.exceptions import AccessError, UserError

from .common import SerialTrackingCommon
from .test_stock_lot_import import csv_bytes

ONE_MIB = 1 << 20


class TestStockLotImportGuards(SerialTrackingCommon):
    """What the form cannot send but RPC can: another company, a location of another
    company or outside the stock, a file whose bad byte lies past the first MiB."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.company
        cls.company_b, cls.stock_b = cls._create_company_with_stock("Company B")
        cls.phone_b = cls._create_serial_product(
            "Phone B", "PB1", company_id=cls.company_b.id
        )
        cls.data = csv_bytes([["Serial", "Product"], ["SN-B-1", "P1"]])

    def _user_env(self, user, *companies):
        """The environment of an RPC request of `user` with these companies selected
        (Odoo checks them against the user's)."""
        return self.env(
            user=user, context={"allowed_company_ids": [c.id for c in companies]}
        )

    def _create(self, env, **values):
        return env["stock.lot.import"].create(
            {"file": base64.b64encode(self.data), "filename": "serials.csv", **values}
        )

    def assertNothingRegistered(self):
        self.assertFalse(
            self.env["stock.lot"].search([("name", "like", "SN-B-")]),
            "a refused import registers no serial",
        )
        self.assertFalse(
            self.env["stock.lot.import.batch"].search(
                [("company_id", "=", self.company_b.id)]
            )
        )
        self.assertFalse(
            self.env["serial.audit.line"].search([("lot_name", "like", "SN-B-")])
        )

    # --- company --------------------------------------------------------------------
    def test_company_outside_the_users_companies_is_refused(self):
        """A Serial User of company A sends company B's id over RPC (the field is
        readonly in the form only): refused at create and at write, nothing written."""
        user_env = self._user_env(self.serial_user, self.company_a)
        for env in (user_env, self.env(user=self.serial_user)):
            with (
                self.subTest(context=env.context),
                self.assertRaisesRegex(
                    AccessError,
                    r"Serials can only be imported into a company you are working in "
                    r"\(" + self.company_a.name,
                ),
            ):
                self._create(env, company_id=self.company_b.id).action_import()
        wizard = self._create(user_env)
        self.assertEqual(wizard.company_id, self.company_a)
        with self.assertRaisesRegex(AccessError, "company you are working in"):
            wizard.write({"company_id": self.company_b.id})
        self.assertNothingRegistered()

    def test_company_not_selected_in_the_request_is_refused(self):
        """A user of A and B who has only A selected cannot import into B: not at
        create, nor later at the import (checked again when importing)."""
        self.serial_user.company_ids = [Command.link(self.company_b.id)]
        only_a = self._user_env(self.serial_user, self.company_a)
        with self.assertRaisesRegex(AccessError, "company you are working in"):
            self._create(only_a, company_id=self.company_b.id)
        both = self._user_env(self.serial_user, self.company_b, self.company_a)
        wizard = self._create(both, company_id=self.company_b.id)
        for action in ("action_dry_run", "action_import"):
            with (
                self.subTest(action=action),
                self.assertRaisesRegex(AccessError, "company you are working in"),
            ):
                getattr(wizard.with_env(only_a), action)()
        self.assertNothingRegistered()
        wizard.with_env(both).action_import()  # with B selected it works
        self.assertEqual(
            self.env["stock.lot"].search([("name", "=", "SN-B-1")]).company_id,
            self.company_b,
        )

    def test_location_and_product_of_another_company_are_refused(self):
        """The receive location and the default product must be of the wizard's
        company: the lots never land in another company's location."""
        user_env = self._user_env(self.serial_user, self.company_a)
        customers = self.env.ref("stock.stock_location_customers")
        for values, error, message in (
            ({"location_id": self.stock_b.id}, UserError, "company"),
            ({"product_id": self.phone_b.id}, UserError, "company"),
            (
                {"location_id": customers.id},
                UserError,
                "Serials can only be received into an internal location",
            ),
        ):
            with self.subTest(values=values), self.assertRaisesRegex(error, message):
                self._create(user_env, **values).action_import()
        wizard = self._create(user_env, location_id=self.stock_location.id)
        with self.assertRaisesRegex(UserError, "internal location"):
            wizard.write({"location_id": customers.id})
        with self.assertRaisesRegex(UserError, "company"):
            wizard.write({"location_id": self.stock_b.id})
        self.assertNothingRegistered()
        self.assertFalse(
            self.env["stock.quant"].search([("location_id", "=", self.stock_b.id)])
        )

    # --- NUL byte -------------------------------------------------------------------
    def test_nul_byte_after_the_first_mib_is_refused(self):
        """A NUL byte anywhere in a CSV (PostgreSQL stores none in text) gets the
        file's clear message, not a database error from COPY; nothing is imported."""
        rows = "".join(f"SN-B-{i:07d},P1\r\n" for i in range(ONE_MIB // 14 + 10))
        data = ("Serial,Product\r\n" + rows + "SN-B-\x00NUL,P1\r\n").encode()
        self.assertGreater(data.index(b"\x00"), ONE_MIB)
        wizard = self._create(self._user_env(self.serial_user, self.company_a))
        wizard.write({"file": base64.b64encode(data)})
        for action in ("action_dry_run", "action_import"):
            with (
                self.subTest(action=action),
                self.assertRaisesRegex(UserError, "This file is not a CSV text file"),
            ):
                getattr(wizard, action)()
        self.assertNothingRegistered()
