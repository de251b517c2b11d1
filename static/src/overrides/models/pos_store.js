import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { makeAwaitable } from "@point_of_sale/app/store/make_awaitable_dialog";
import { AlertDialog } from "@web/core/confirmation_dialog/confirmation_dialog";
import { ConnectionLostError } from "@web/core/network/rpc";
import { _t } from "@web/core/l10n/translation";
import { deserializeDate, formatDate } from "@web/core/l10n/dates";
import { sprintf } from "@web/core/utils/strings";
import { askSerialCustomer } from "@pos_serial_tracking/app/serial_customer/serial_customer";
import { SerialLotPopup } from "@pos_serial_tracking/app/serial_lot_popup/serial_lot_popup";

const SNAPSHOT_REFRESH_MS = 5 * 60 * 1000;
const { DateTime } = luxon;

patch(PosStore.prototype, {
    async afterProcessServerData() {
        await super.afterProcessServerData(...arguments);
        this.setSerialSnapshot(this.session._serial_snapshot || {});
        // the shop's limit on sales checked offline (pos.config serial_offline_max_*):
        // units sold offline since the till last reached the server, and when
        this.serialOfflineSales = 0;
        this.serialLastContact = Date.now();
        // serials checked against the snapshot (offline), and the server's warranty end
        // of the serials it checked: both reach the lines holding those serials
        this.serialsCheckedOffline = new Set();
        this.serialWarrantyEnds = {};
        // the snapshot is refreshed every SNAPSHOT_REFRESH_MS while the POS runs (Chrome
        // starts and stops the timer); tours shorten it
        this.serialSnapshotRefreshMs = SNAPSHOT_REFRESH_MS;
        this.serialSnapshotTimer = null;
        this.serialSnapshotRefreshing = null;
        // orders whose cashier chose to continue without a customer (asked once)
        this.serialCustomerWaived = new Set();
    },

    isSerialProduct(product) {
        return product?.tracking === "serial" && product.isTracked();
    },

    /**
     * Serials entered for one unit each: the popup, then one server check for all. A
     * refused serial (repeated, or refused by the check) brings the cashier back to
     * the popup, that serial selected, to type the right one.
     */
    async editLots(product, packLotLinesToEdit) {
        if (!this.isSerialProduct(product)) {
            return super.editLots(...arguments);
        }
        const kept = new Set(packLotLinesToEdit.map((item) => item.text));
        const ownIds = new Set(packLotLinesToEdit.filter((i) => i.id).map((i) => i.id));
        let entries = packLotLinesToEdit;
        let refused = null;
        for (;;) {
            const payload = await makeAwaitable(this.dialog, SerialLotPopup, {
                title: _t("Serial Number(s) Required"),
                name: product.display_name,
                isSingleItem: false,
                array: entries,
                ...(refused ? { selectedText: refused } : {}),
            });
            if (!payload) {
                return null;
            }
            const names = payload.map((item) => item.text);
            refused = names.find((name, index) => names.indexOf(name) !== index);
            if (refused) {
                await this.alertSerialInOrder(refused);
            } else {
                const toCheck = names.filter((name) => !kept.has(name));
                refused = await this.refusedSerial(product, toCheck, ownIds);
            }
            if (!refused) {
                return {
                    modifiedPackLotLines: Object.fromEntries(
                        payload.filter((item) => item.id).map((item) => [item.id, item.text])
                    ),
                    newPackLotLines: payload
                        .filter((item) => !item.id)
                        .map((item) => ({ lot_name: item.text })),
                };
            }
            // the popup numbers its entries itself: give it back what was typed
            entries = payload.map(({ id, text }) => (id ? { id, text } : { text }));
        }
    },

    async addLineToOrder(vals, order, opts = {}, configure = true) {
        const product = vals.product_id;
        const serial = opts.code?.type === "lot" && opts.code.code;
        // the expiry of a GS1 code (AI 17), set by ProductScreen._barcodeGS1Action
        const scannedExpiry = serial && opts.code.serial_expiry;
        if (serial && this.isSerialProduct(product)) {
            // a scanned serial (plain or GS1 AI 21): checked like a typed one, with
            // the expiry the code gives
            const expiries = scannedExpiry ? { [serial]: scannedExpiry } : {};
            if (!(await this.checkSerials(product, [serial], new Set(), expiries))) {
                return;
            }
        }
        const line = await super.addLineToOrder(...arguments);
        if (scannedExpiry && this.isSerialProduct(product)) {
            // kept with the serial: the server checks it again at sync
            for (const lot of order.lines.flatMap((l) => l.pack_lot_ids)) {
                if (lot.lot_name === serial) {
                    lot.serial_scanned_expiry = scannedExpiry;
                }
            }
        }
        // Odoo may merge the new line into another one and return the deleted line
        this.markSerialLines(order);
        return line;
    },

    /**
     * Lines whose serials were checked offline are marked so (the server records it
     * with the sale, and on any conflict); each serial keeps the warranty end the
     * server gave with its check, printed on the receipt.
     */
    markSerialLines(order) {
        for (const line of order?.lines || []) {
            if (!this.isSerialProduct(line.product_id)) {
                continue;
            }
            for (const lot of line.pack_lot_ids) {
                if (this.serialsCheckedOffline.has(lot.lot_name)) {
                    line.serial_checked_offline = true;
                }
                const warrantyEnd = this.serialWarrantyEnds[lot.lot_name];
                if (warrantyEnd && lot.serial_warranty_end !== warrantyEnd) {
                    lot.serial_warranty_end = warrantyEnd;
                }
            }
        }
    },

    /**
     * The serials are sellable: not twice in this order, and checked by the server
     * (registered, sellable, in this shop, not sold, not in another open order), or,
     * offline, found in this till's snapshot of sellable serials; not expired, and
     * giving the registered expiry when scanned (`scannedExpiries`: {serial:
     * "YYYY-MM-DD"}, from GS1 codes). Tells the cashier what is wrong and what to do;
     * returns whether all passed.
     */
    async checkSerials(product, names, ownPackLotIds = new Set(), scannedExpiries = {}) {
        return !(await this.refusedSerial(product, names, ownPackLotIds, scannedExpiries));
    },

    /** As checkSerials, returning the first serial refused (null when all passed). */
    async refusedSerial(product, names, ownPackLotIds = new Set(), scannedExpiries = {}) {
        const order = this.get_order();
        const inOrder = new Set(
            order.lines
                .flatMap((line) => line.pack_lot_ids)
                .filter((lot) => !ownPackLotIds.has(lot.id))
                .map((lot) => lot.lot_name)
        );
        const seen = new Set();
        for (const name of names) {
            if (inOrder.has(name) || seen.has(name)) {
                await this.alertSerialInOrder(name);
                return name;
            }
            seen.add(name);
        }
        if (!names.length) {
            return null;
        }
        let verdicts;
        try {
            if (this.data.network.offline) {
                throw new ConnectionLostError();
            }
            verdicts = await this.data.call("pos.config", "check_pos_serials", [
                this.config.id,
                product.id,
                names,
                order.uuid,
                scannedExpiries,
            ]);
        } catch (error) {
            if (!(error instanceof ConnectionLostError)) {
                throw error;
            }
            return this.refusedSerialOffline(product, names, scannedExpiries);
        }
        const refused = verdicts.find((verdict) => !verdict.ok);
        if (refused) {
            await this.serialAlert(refused.title, refused.message, refused.alert);
            return refused.serial;
        }
        this.serialServerReached();
        for (const verdict of verdicts) {
            this.serialsCheckedOffline.delete(verdict.serial);
            if (verdict.warranty_end) {
                this.serialWarrantyEnds[verdict.serial] = verdict.warranty_end;
            }
        }
        return null;
    },

    alertSerialInOrder(name) {
        return this.serialAlert(
            _t("Serial already in this order"),
            _t(
                "Serial %s is already in this order. Each unit has its own serial: scan the next unit.",
                name
            )
        );
    },

    /**
     * Offline, the server's expiry rules (pos_config.py SerialVerdict._refuse_expiry)
     * on the snapshot's registered expiry and the scanned one ("YYYY-MM-DD" each),
     * told with the server's refusals the snapshot holds (in the cashier's language,
     * their placeholders filled here): {title, message, alert} when the unit is
     * refused.
     */
    serialExpiryRefusal(serial, registered, scanned) {
        const day = (date) => formatDate(deserializeDate(date));
        const refusal = (reason, values) => {
            const { title, message, alert } = this.serialSnapshot.refusals?.[reason] || {};
            return title && { title, message: sprintf(message, { serial, ...values }), alert };
        };
        if (scanned && registered && scanned !== registered) {
            return refusal("expiry_mismatch", {
                scanned: day(scanned),
                registered: day(registered),
            });
        }
        const date = registered || scanned;
        if (date && date < this.serialShopToday()) {
            return refusal("expired", { date: day(date) });
        }
        return null;
    },

    /**
     * Today's date ("YYYY-MM-DD") where the server reads expiries (the snapshot's
     * time zone), not the browser's: the day the snapshot was made if the browser
     * does not know that time zone.
     */
    serialShopToday() {
        const { timezone, today } = this.serialSnapshot;
        const now = timezone && DateTime.now().setZone(timezone);
        return now?.isValid ? now.toISODate() : today || DateTime.local().toISODate();
    },

    serialAlert(title, body, isAlert = false) {
        return new Promise((resolve) => {
            this.dialog.add(
                AlertDialog,
                {
                    title,
                    body,
                    confirmLabel: isAlert ? _t("I keep the unit aside") : _t("Ok"),
                    contentClass: isAlert ? "o_pos_serial_alert" : "o_pos_serial_refused",
                },
                { onClose: resolve }
            );
        });
    },

    /** (Re)starts the periodic refresh of the offline snapshot. */
    startSerialSnapshotRefresh() {
        this.stopSerialSnapshotRefresh();
        this.serialSnapshotTimer = setTimeout(async () => {
            await this.refreshSerialSnapshot();
            // the next refresh is planned once this one is over: never two at a time
            if (this.serialSnapshotTimer) {
                this.startSerialSnapshotRefresh();
            }
        }, this.serialSnapshotRefreshMs);
    },

    stopSerialSnapshotRefresh() {
        clearTimeout(this.serialSnapshotTimer);
        this.serialSnapshotTimer = null;
    },

    /**
     * Brings the shop's sellable serials up to date, while online only; one refresh at
     * a time: the changes since the last one (a small delta), or the whole set when the
     * server says so. Serials on this till's orders stay out of the snapshot until the
     * server knows of those orders.
     */
    refreshSerialSnapshot() {
        if (this.data.network.offline) {
            return Promise.resolve();
        }
        if (!this.serialSnapshotRefreshing) {
            this.serialSnapshotRefreshing = this._refreshSerialSnapshot().finally(() => {
                this.serialSnapshotRefreshing = null;
            });
        }
        return this.serialSnapshotRefreshing;
    },

    async _refreshSerialSnapshot() {
        try {
            const delta =
                this.serialSnapshot.cursor &&
                (await this.data.call("pos.config", "get_pos_serial_snapshot_delta", [
                    this.config.id,
                    this.serialSnapshot.cursor,
                ]));
            if (delta && !delta.reload) {
                const set = this.serialSnapshot.set;
                for (const [hex, days] of delta.add) {
                    set.addHex(hex, days);
                }
                for (const hex of delta.remove) {
                    set.removeHex(hex);
                }
                this.serialSnapshot.cursor = delta.cursor;
            } else {
                this.setSerialSnapshot(
                    await this.data.call("pos.config", "get_pos_serial_snapshot", [
                        this.config.id,
                    ])
                );
            }
        } catch (error) {
            // keep the last snapshot: the till may be going offline
            console.warn("The offline list of sellable serials was not refreshed:", error);
            return;
        }
        this.serialServerReached();
        for (const lot of this.models["pos.pack.operation.lot"].getAll()) {
            const line = lot.pos_order_line_id;
            const order = line?.order_id;
            // open here, or paid and not yet synced: the server does not know yet
            const unknownToServer = order?.state === "draft" || typeof order?.id !== "number";
            if (line?.qty > 0 && unknownToServer) {
                this.serialOfflineRemove(line.product_id.id, lot.lot_name);
            }
        }
    },

    /** Lines of serial products whose serials are missing or repeated. */
    serialProblems(order) {
        const problems = [];
        const all = [];
        for (const line of order.lines) {
            if (!this.isSerialProduct(line.product_id)) {
                continue;
            }
            const names = line.pack_lot_ids.map((lot) => lot.lot_name).filter(Boolean);
            all.push(...names);
            const needed = Math.abs(line.qty);
            if (names.length !== needed || new Set(names).size !== names.length) {
                problems.push(
                    _t("%(product)s: %(count)s of %(needed)s serials entered", {
                        product: line.product_id.display_name,
                        count: new Set(names).size,
                        needed,
                    })
                );
            }
        }
        if (new Set(all).size !== all.length) {
            problems.push(_t("the same serial is on two lines"));
        }
        return problems;
    },

    async pay() {
        const problems = this.serialProblems(this.get_order());
        if (problems.length) {
            await this.serialAlert(
                _t("Serial numbers missing"),
                _t(
                    "Every unit needs its own serial before payment (%s). Click the list icon on the line and scan or type the missing serials.",
                    problems.join("; ")
                )
            );
            return;
        }
        if (!(await askSerialCustomer(this, this.get_order()))) {
            return;
        }
        return super.pay(...arguments);
    },
});
