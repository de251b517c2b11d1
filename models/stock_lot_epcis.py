from odoo import api, fields, models

from ..tools import serial_epcis as epcis


class StockLot(models.Model):
    """Units' histories as GS1 EPCIS 2.0 documents (JSON-LD), one ObjectEvent per
    audit line; the vocabulary's tables and the identifiers are in
    tools/serial_epcis.py. Each part of the document is a step a module extends with
    super(): the @context (_epcis_context), a unit's identifier (_epcis_unit_uri) and
    each event (_epcis_object_event)."""

    _inherit = "stock.lot"

    @api.readonly
    def action_download_epcis(self):
        """The units' EPCIS 2.0 document, downloaded as a JSON file
        (controllers/serial_epcis.py)."""
        self.check_access("read")
        self.env["serial.audit.line"].check_access("read")
        return {
            "type": "ir.actions.act_url",
            "url": "/pos_serial_tracking/epcis?lot_ids="
            + ",".join(str(lot_id) for lot_id in self.ids),
            "target": "download",
        }

    @api.readonly
    def epcis_document(self):
        """These units' histories as a GS1 EPCIS 2.0 JSON-LD document (a dict): one
        ObjectEvent per audit line, with the business step and disposition of GS1's
        Core Business Vocabulary (tools/serial_epcis.py). For the users who may read
        the history (Serial Users and Auditors); another company's units are refused.
        Read-only (@api.readonly: a read replica serves it when there is one)."""
        self.check_access("read")
        self.env["serial.audit.line"].check_access("read")
        return self._epcis_document()

    # --- the document's steps (a module may override each) --------------------------
    def _epcis_document(self):
        """The EPCIS 2.0 document (a dict) of these lots' histories, each unit's events
        in its chain's order (_epcis_object_event), read as they are: the caller has
        checked the user's rights (epcis_document). The events are read in one query
        (tools/serial_epcis.py: read_lines). Override it, with super(), to add to the
        document itself (a header, an EPCIS master data body)."""
        database = self.env["ir.config_parameter"].sudo().get_param("database.uuid")
        self.env["serial.audit.line"].flush_model()
        self.env["res.partner"].flush_model(["tz"])
        self.env["stock.location"].flush_model(["usage"])
        lines = self.env["serial.audit.line"].sudo()
        by_lot = epcis.read_lines(self.env.cr, self.ids, records=lines.browse)
        units = self._epcis_unit_uris(database)
        events = []
        for lot in self:
            unit = units[lot.id]
            events.extend(
                lot._epcis_object_event(line, unit=unit, database=database)
                for line in by_lot.get(lot.id, ())
            )
        return {
            "@context": self._epcis_context(),
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": fields.Datetime.now().isoformat(timespec="milliseconds")
            + "Z",
            "epcisBody": {"eventList": events},
        }

    def _epcis_context(self):
        """The document's JSON-LD @context (a list): EPCIS 2.0's, and the namespaces
        of its extension fields ({"pst": ...} for the history's own facts). Override
        it, with super(), to declare the namespace of the fields your module adds to
        each event (_epcis_object_event)."""
        return [epcis.EPCIS_CONTEXT, {"pst": epcis.PST_NAMESPACE}]

    def _epcis_unit_uris(self, database):
        """{lot id: its identifier (_epcis_unit_uri)} of these lots: read in one query
        (tools/serial_epcis.py: read_unit_uris), or lot by lot through
        _epcis_unit_uri when a module overrides it."""
        if type(self)._epcis_unit_uri is not StockLot._epcis_unit_uri:
            return {lot.id: lot._epcis_unit_uri(database) for lot in self}
        self.flush_model(["name", "company_id", "product_id"])
        self.env["product.product"].flush_model(["barcode"])
        return epcis.read_unit_uris(self.env.cr, database, self.ids)

    def _epcis_unit_uri(self, database):
        """This unit's identifier in the events' epcList (one lot): its GS1 Digital
        Link URI when its product's barcode is a GTIN, otherwise a URN of the
        database (`database`: its uuid), company, product and serial. Override it to
        identify units otherwise (an SGTIN URN, say)."""
        self.ensure_one()
        return epcis.unit_uri(
            database,
            self.name,
            gtin=epcis.gtin14(self.product_id.barcode),
            company_id=self.company_id.id,
            product_id=self.product_id.id,
        )

    def _epcis_object_event(self, line, unit, database):
        """The EPCIS ObjectEvent (a dict) of one history line `line` of this unit (one
        lot): `line` is an EpcisLine (tools/serial_epcis.py), the line's fields read in
        one query for the whole document, its serial.audit.line (as sudo) in
        `line.record` for any other field; `unit` is the unit's identifier
        (_epcis_unit_uri), `database` the database's uuid. Its time in the time zone
        of the line's user (else of its company), its business step and disposition
        from the CBV tables, where it was read and the source document, then the
        history's own facts as `pst:` fields. Called once per event: override it,
        with super(), to add an extension field to every event (declare its
        namespace in _epcis_context)."""
        event = {
            "type": "ObjectEvent",
            "eventTime": line.date.isoformat(timespec="milliseconds") + "Z",
            "eventTimeZoneOffset": epcis.timezone_offset(line.date, line.tz),
            "epcList": [unit],
            "action": epcis.action(line.event),
            "bizStep": epcis.BIZ_STEPS[line.event],
            "disposition": epcis.disposition(line.event, line.new_state),
        }
        internal = line.location_dest_usage == "internal"
        read_point = line.location_dest_id if internal else line.location_id
        if read_point:
            event["readPoint"] = epcis.location_uri(database, read_point)
        if internal:
            event["bizLocation"] = epcis.location_uri(database, line.location_dest_id)
        if line.reference or line.res_model:
            transaction = {
                "bizTransaction": epcis.document_uri(
                    database,
                    res_model=line.res_model,
                    res_id=line.res_id,
                    reference=line.reference,
                )
            }
            if line.res_model in epcis.TRANSACTION_TYPES:
                transaction["type"] = epcis.TRANSACTION_TYPES[line.res_model]
            event["bizTransactionList"] = [transaction]
        event.update(
            {
                "pst:event": line.event,
                "pst:stateBefore": line.old_state or None,
                "pst:stateAfter": line.new_state or None,
                "pst:reference": line.reference or None,
                "pst:chainIndex": line.chain_index,
                "pst:previousHash": line.previous_hash or None,
                "pst:hash": line.hash,
            }
        )
        return event
