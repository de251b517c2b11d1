from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from ..tools.serial_event import SerialEvent
from .stock_lot import SERIAL_READERS
from .stock_lot_portal import PORTAL_UNIT_STATES

REQUEST_STATES = [
    ("draft", "Draft"),
    ("submitted", "To Review"),
    ("confirmed", "Confirmed"),
    ("refused", "Refused"),
]
# what a customer gives (the portal's form, or create over RPC); the rest is the
# server's (the unit found, its company, the state) or the Serial Manager's
CUSTOMER_FIELDS = frozenset(
    {"partner_id", "serial", "purchase_date", "receipt", "receipt_filename"}
)


class SerialRegistrationRequest(models.Model):
    """A customer's request to add a unit bought elsewhere to their units ("My Units"
    in the portal), with its receipt: a Serial Manager confirms it (the unit's buyer
    becomes the customer, an `owner_registered` event in its history) or refuses it
    with a reason the customer reads.

    Portal users create and read their own requests (record rule on the partner);
    the unit is found by the server from the typed serial, and a serial unknown or
    already with another customer gets one sentence that tells nothing of them."""

    _name = "serial.registration.request"
    _inherit = "portal.mixin"
    _description = "Unit Registration Request"
    _order = "id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference", required=True, readonly=True, copy=False, default="/"
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.user.partner_id,
    )
    serial = fields.Char(
        string="Serial Number",
        required=True,
        readonly=True,
        help="The serial number as the customer typed it.",
    )
    lot_id = fields.Many2one(
        "stock.lot",
        string="Unit",
        index="btree_not_null",
        check_company=True,
        domain="[('name', '=', serial)]",
        groups=SERIAL_READERS,
        help="The unit of that serial, found when the request was submitted; choose it "
        "when several products carry the same serial.",
    )
    product_id = fields.Many2one(
        "product.product", related="lot_id.product_id", string="Product"
    )
    serial_state = fields.Selection(
        related="lot_id.serial_state", string="Unit State", groups=SERIAL_READERS
    )
    current_partner_id = fields.Many2one(
        "res.partner",
        related="lot_id.serial_partner_id",
        string="Current Customer",
        groups=SERIAL_READERS,
        help="The unit's buyer as recorded now (confirming makes it this customer).",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        readonly=True,
        default=lambda self: self.env.company,
    )
    purchase_date = fields.Date(
        string="Bought On",
        required=True,
        help="The date on the receipt: the unit's warranty starts on it.",
    )
    receipt = fields.Binary(attachment=True, required=True, readonly=True)
    receipt_filename = fields.Char(readonly=True)
    state = fields.Selection(
        REQUEST_STATES,
        default="submitted",
        required=True,
        readonly=True,
        index=True,
        copy=False,
    )
    refusal_reason = fields.Text(
        help="Why the request is refused: the customer reads it on their page."
    )
    decided_by_id = fields.Many2one("res.users", readonly=True, groups=SERIAL_READERS)
    decision_date = fields.Datetime(string="Decided On", readonly=True)

    def _compute_access_url(self):
        for request in self:
            request.access_url = (
                f"/my/units/registrations/{request.id}" if request.id else "#"
            )

    @api.constrains("purchase_date")
    def _check_purchase_date(self):
        today = fields.Date.context_today(self)
        for request in self:
            if request.purchase_date and request.purchase_date > today:
                raise ValidationError(
                    _(
                        "The purchase date %(date)s is in the future: give the date "
                        "on the receipt.",
                        date=request.purchase_date,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        # the gate before any superuser look-up: this user may create requests, and
        # a customer only for themselves and with only what a customer gives
        self.check_access("create")
        manager = self._is_registration_manager()
        for vals in vals_list:
            partner = self.env["res.partner"].browse(
                vals.get("partner_id") or self.env.user.partner_id.id
            )
            if not manager:
                if set(vals) - CUSTOMER_FIELDS:
                    raise AccessError(
                        _("A customer gives the serial, the date and the receipt only.")
                    )
                if partner.commercial_partner_id != self.env.user.commercial_partner_id:
                    raise AccessError(_("You can register units for yourself only."))
            vals["partner_id"] = partner.id
            vals["serial"] = (vals.get("serial") or "").strip()
            if not vals.get("lot_id") and vals.get("serial"):
                lot = self._find_registration_lot(vals["serial"], partner)
                if lot:
                    vals["lot_id"] = lot.id
                    vals["company_id"] = lot.company_id.id or self.env.company.id
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"]
                    .sudo()
                    .next_by_code("serial.registration.request")
                    or "/"
                )
        return super().create(vals_list)

    # ------------------------------------------------------------------
    # the Serial Manager's decision
    # ------------------------------------------------------------------

    def action_confirm(self):
        """The units become the customers': their buyer, purchase date and the
        warranty's start, through an `owner_registered` event in each unit's history
        (its state does not change). Serial Managers only (write access)."""
        self._check_decidable()
        missing = self.filtered(lambda request: not request.lot_id)
        if missing:
            raise UserError(
                _(
                    "Choose the unit of %(requests)s first: several products, or "
                    "none, carry that serial.",
                    requests=", ".join(missing.mapped("name")),
                )
            )
        for request in self:
            request._register_unit()
        self.write(self._decision_values("confirmed"))
        return True

    def action_refuse(self):
        """Refuse the requests, with the reason written on each (the customer reads
        it). Serial Managers only (write access)."""
        self._check_decidable()
        if any(not (request.refusal_reason or "").strip() for request in self):
            raise UserError(
                _(
                    "Write the reason for the refusal first: the customer reads it "
                    "on their page."
                )
            )
        self.write(self._decision_values("refused"))
        return True

    def _register_unit(self):
        """Give this request's unit to its customer: one `owner_registered` event
        (tools/serial_lifecycle.py) with the purchase date as the sale's moment.
        Override to do more when a unit bought elsewhere is registered."""
        self.ensure_one()
        self.lot_id._apply_serial_events(
            [
                SerialEvent(
                    self.lot_id,
                    "owner_registered",
                    partner_id=self.partner_id.id,
                    res_model=self._name,
                    res_id=self.id,
                    reference=self.name,
                    note=_(
                        "Bought elsewhere on %(date)s (receipt checked).",
                        date=self.purchase_date,
                    ),
                    sale_date=fields.Datetime.to_string(
                        fields.Datetime.to_datetime(self.purchase_date)
                    ),
                )
            ]
        )

    def _check_decidable(self):
        # a Serial Manager's right (the access rights), in their companies
        self.check_access("write")
        if not self._is_registration_manager():
            raise AccessError(
                _("Only a Serial Manager confirms or refuses unit registrations.")
            )
        decided = self.filtered(lambda request: request.state != "submitted")
        if decided:
            raise UserError(
                _(
                    "%(requests)s is already decided: only a request to review can be "
                    "confirmed or refused.",
                    requests=", ".join(decided.mapped("name")),
                )
            )

    def _decision_values(self, state):
        return {
            "state": state,
            "decided_by_id": self.env.uid,
            "decision_date": fields.Datetime.now(),
        }

    @api.model
    def _is_registration_manager(self):
        return self.env.su or self.env.user.has_group(
            "pos_serial_tracking.group_serial_manager"
        )

    # ------------------------------------------------------------------
    # the unit of a typed serial
    # ------------------------------------------------------------------

    @api.model
    def _find_registration_lot(self, serial, partner):
        """The unit of `serial` a request of `partner` is for (as superuser), an empty
        recordset when several products carry it (the Serial Manager chooses), or the
        UserError the customer reads: unknown, already theirs, already with another
        customer (said without a word about them), or already asked for."""
        lots = (
            self.env["stock.lot"]
            .sudo()
            .search([("name", "=", serial), ("product_tracking", "=", "serial")])
        )
        if not lots:
            raise UserError(self._registration_refusal("unknown", serial))
        customer = partner.commercial_partner_id
        states = [state for state in PORTAL_UNIT_STATES if state]
        owned = lots.filtered(
            lambda lot: (
                lot.serial_partner_id
                and (not lot.serial_state or lot.serial_state in states)
            )
        )
        own = owned.filtered(
            lambda lot: lot.serial_partner_id.commercial_partner_id == customer
        )
        if own:
            raise UserError(self._registration_refusal("yours", serial))
        free = lots - owned
        if not free:
            raise UserError(self._registration_refusal("taken", serial))
        pending = self.sudo().search_count(
            [
                ("lot_id", "in", free.ids),
                ("state", "=", "submitted"),
                ("partner_id", "child_of", customer.id),
            ]
        )
        if pending:
            raise UserError(self._registration_refusal("pending", serial))
        return free if len(free) == 1 else free.browse()

    @api.model
    def _registration_refusal(self, reason, serial):
        """The sentence the customer reads when `serial` cannot be asked for
        (`reason`: unknown, yours, taken, pending)."""
        if reason == "yours":
            return _("Unit %(serial)s is already in your units.", serial=serial)
        if reason == "pending":
            return _(
                "You already asked to register unit %(serial)s: we are checking your "
                "receipt.",
                serial=serial,
            )
        if reason == "taken":
            return _(
                "Unit %(serial)s is registered to another customer, so it cannot be "
                "added to your units here. If you bought it from its previous owner, "
                "contact us with your receipt.",
                serial=serial,
            )
        return _(
            "We do not know a unit with serial number %(serial)s. Check the serial "
            "on the unit's label (letters and digits as printed) and try again.",
            serial=serial,
        )
