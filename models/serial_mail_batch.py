"""Mails from a mail.template for many records at once, left in Odoo's mail queue.

mail.template.send_mail_batch renders a QWeb body by compiling the template again for
every record (mail.render.mixin._render_template_qweb parses and compiles the raw source
per record): about 100 ms a customer here, too slow for a recall reaching thousands.
Here the body is compiled once per language for all the records of a batch (the
template's own source inside a t-foreach), everything else is rendered by the template
itself (_generate_template: subject, sender, recipients, language), and the mail.mail
rows are created in batches. The `mail` cron sends them (triggered to run at once);
nothing is sent here."""

from lxml import etree, html
from markupsafe import Markup

from odoo import fields
from odoo.tools import split_every

BATCH = 500  # records rendered and mails created at once
# what a queued mail takes from its template: send_mail_batch's list, less the body
# (rendered below) and the attachments (none in these templates)
MAIL_FIELDS = (
    "auto_delete",
    "email_cc",
    "email_from",
    "email_to",
    "mail_server_id",
    "model",
    "partner_to",
    "reply_to",
    "res_id",
    "scheduled_date",
    "subject",
)
RECORD_WRAPPER = (
    '<t t-foreach="objects" t-as="object">'
    '<div t-att-data-o-mail-res-id="object.id">%s</div>'
    "</t>"
)


def queue_template_mails(template, records):
    """One outgoing mail.mail per record of `records` from `template` (whose model
    is theirs), rendered as the user, in the records' languages. Returns the mails
    in the order of `records`."""
    records.check_access("read")  # as send_mail_batch does
    env = records.env
    # the author and default sender each mail would compute for itself, once
    author_id, email_from = env["mail.thread"]._message_compute_author(
        raise_on_email=False
    )
    sender = {"author_id": author_id, "email_from": email_from}
    Mail = env["mail.mail"].sudo()
    mails = Mail
    for res_ids in split_every(BATCH, records.ids, list):
        values = template._generate_template(res_ids, MAIL_FIELDS)
        bodies = render_bodies(template, res_ids)
        mails |= Mail.create(
            [_mail_values(values[res_id], bodies[res_id], sender) for res_id in res_ids]
        )
    if mails:
        # out with the mail queue's next run, right after this transaction (the
        # queue otherwise runs hourly): never sent inside the request
        env.ref("mail.ir_cron_mail_scheduler_action").sudo()._trigger()
    return mails


def render_bodies(template, res_ids):
    """{res_id: body} of the template's QWeb body, compiled once per language."""
    bodies = {}
    for localized, lang_res_ids in template._classify_per_lang(res_ids).values():
        source = RECORD_WRAPPER % localized.body_html
        values = localized._render_eval_context()
        values["objects"] = localized.env[localized.model].browse(lang_res_ids)
        rendered = localized.env["ir.qweb"]._render(
            html.fragment_fromstring(source, create_parent="div"), values
        )
        lang_bodies = {}
        for node in html.fromstring(str(rendered)):
            lang_bodies[int(node.get("data-o-mail-res-id"))] = Markup(
                (node.text or "")
                + "".join(
                    etree.tostring(child, encoding="unicode", method="html")
                    for child in node
                )
            )
        # local links made absolute, as the template's own rendering does
        bodies.update(
            localized._render_template_postprocess(localized.model, lang_bodies)
        )
    return bodies


def _mail_values(rendered, body, sender):
    values = dict(rendered, body_html=body)
    values["recipient_ids"] = [
        fields.Command.link(pid) for pid in values.pop("partner_ids", [])
    ]
    if not values.get("email_from"):
        values.pop("email_from", None)  # the sending user's, as send_mail does
    return {**sender, **values}
