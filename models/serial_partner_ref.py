from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL


class SerialPartnerRef(models.Model):
    """The pseudonym of a partner (customer, vendor) in the serial history.

    Audit lines are hashed and can never change, so they hold no personal data: they
    name this reference, a number with no meaning of its own, and the link to the
    person lives here, in a normal table. Odoo's partner merge rewrites `partner_id`
    like any other foreign key; deleting the partner (GDPR erasure) empties it and the
    history then points to nobody, while every hash still verifies. References are
    never deleted (audit lines refer to them with ON DELETE RESTRICT). A partner may
    hold several references (one per partner merged into it, or two transactions
    selling to a new customer at once): `partner_id` is deliberately not unique, or a
    merge would have to delete a reference the history needs."""

    _name = "serial.partner.ref"
    _description = "Serial History Partner Reference"
    _log_access = False

    partner_id = fields.Many2one(
        "res.partner",
        readonly=True,
        ondelete="set null",
        index="btree_not_null",
        help="Empty once the partner was deleted: the history keeps no link to them.",
    )

    @api.depends("partner_id")
    def _compute_display_name(self):
        for ref in self:
            ref.display_name = ref.partner_id.display_name or _(
                "Erased partner #%s", ref.id
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_in_history(self):
        raise UserError(
            _(
                "A partner reference of the serial history cannot be deleted: the "
                "history names it. To erase a customer, delete or anonymize the "
                "customer: the reference then points to nobody."
            )
        )

    @api.model
    def _ref_ids(self, partner_ids):
        """{partner id: reference id} for `partner_ids`, creating the missing
        references in one statement (the oldest reference of a partner is reused)."""
        partner_ids = sorted({pid for pid in partner_ids if pid})
        if not partner_ids:
            return {}
        self.env.cr.execute(
            SQL(
                """WITH existing AS (
                       SELECT DISTINCT ON (partner_id) partner_id, id
                         FROM serial_partner_ref WHERE partner_id = ANY(%(ids)s)
                        ORDER BY partner_id, id
                   ), created AS (
                       INSERT INTO serial_partner_ref (partner_id)
                       SELECT wanted FROM unnest(%(ids)s::int[]) AS wanted
                        WHERE wanted NOT IN (SELECT partner_id FROM existing)
                       RETURNING partner_id, id
                   )
                   SELECT partner_id, id FROM existing
                    UNION ALL SELECT partner_id, id FROM created""",
                ids=partner_ids,
            )
        )
        return dict(self.env.cr.fetchall())
