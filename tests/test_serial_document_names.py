from lxml import etree

from odoo.tools.safe_eval import safe_eval

from .common import SerialTrackingCommon

CERTIFICATE = "report.pos_serial_tracking.report_stock_lot_certificate"


class TestSerialDocumentNames(SerialTrackingCommon):
    """The source document of each event of a unit is named the same on the unit's
    form, in its history and on its certificate."""

    def _history_documents(self, lot, user):
        """The document each event shows in the History tab of the unit's form, as
        the web client renders the tab for `user`: the list's document columns shown
        by default and not hidden for that line."""
        lot = lot.with_user(user)
        arch = etree.fromstring(
            lot.get_views([(False, "form")])["views"]["form"]["arch"]
        )
        [history] = arch.xpath("//field[@name='audit_line_ids']/list")
        columns = [
            node
            for node in history.xpath("./field")
            if node.get("name") in ("reference", "document_ref")
            and node.get("optional") != "hide"
            and node.get("column_invisible") not in ("1", "True")
        ]
        shown = []
        for line in lot.audit_line_ids.sorted("chain_index"):
            values = {"reference": line.reference, "document_ref": line.document_ref}
            texts = [
                line.document_ref.display_name
                if node.get("name") == "document_ref"
                else line.reference
                for node in columns
                if values[node.get("name")]
                and not safe_eval(node.get("invisible") or "False", values)
            ]
            shown.append(" ".join(text for text in texts if text))
        return shown

    def test_same_document_names_on_form_history_and_certificate(self):
        lot = self._receive_by_receipt(self.phone, ["DOC-0001"], self.vendor)
        delivery = self._deliver(lot, self.customer, origin="SO-DOC1")
        self._return(delivery)
        # a manager, who may open the pickings: the history links them
        manager = self.serial_manager
        certificate = (
            self.env[CERTIFICATE]
            .with_user(manager)
            ._get_report_values(lot.ids)["certificates"][0]
        )
        on_certificate = [event.document for event in certificate.events]
        history = self._history_documents(lot, manager)
        self.assertEqual(history, on_certificate)
        # the sale: the sale order the customer knows, on the form as everywhere
        lines = lot.audit_line_ids.sorted("chain_index")
        sold = lines.filtered(lambda line: line.event == "sold")
        position = lines.ids.index(sold.id)
        self.assertEqual(lot.with_user(manager).serial_source_ref, "SO-DOC1")
        self.assertEqual(history[position], "SO-DOC1")
        self.assertEqual(on_certificate[position], "SO-DOC1")
        # the delivery itself stays one click away, in the line's note and link
        self.assertEqual(sold.note, delivery.name)
        self.assertEqual(sold.with_user(manager).document_ref, delivery)
