from odoo import fields, models


class SerialRecallNotice(models.Model):
    """The notice to one customer of a recall, grouping their units, queued through
    Odoo's mail queue, with the unguessable token of their acknowledgement page."""

    _name = "serial.recall.notice"
    _description = "Serial Recall Notice"
    _order = "recall_id, id"
    _check_company_auto = True

    recall_id = fields.Many2one(
        "serial.recall", required=True, index=True, ondelete="cascade"
    )
    company_id = fields.Many2one(
        "res.company", related="recall_id.company_id", store=True, index=True
    )
    partner_id = fields.Many2one("res.partner", string="Customer", required=True)
    line_ids = fields.One2many("serial.recall.line", "notice_id", string="Units")
    access_token = fields.Char(copy=False, groups="base.group_system")

    def _queue_recall_notices(self, recalls):
        raise NotImplementedError
