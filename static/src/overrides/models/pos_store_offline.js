import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/store/pos_store";
import { _t } from "@web/core/l10n/translation";
import {
    OfflineSerialSet,
    serialHashHex,
} from "@pos_serial_tracking/app/serial_offline_set/serial_offline_set";

/**
 * The till offline: its set of sellable serials (the server's pos.config
 * _serial_snapshot, decoded once; see serial_offline_set.js), a unit found, dropped or
 * added back (sold here, leased elsewhere, released), and the shop's limit on units
 * sold offline. The refresh of the set and the expiry rules stay in pos_store.js.
 */
patch(PosStore.prototype, {
    /** Offline, against the snapshot: the first serial refused, or null. */
    async refusedSerialOffline(product, names, scannedExpiries = {}) {
        const overLimit = this.serialOfflineLimitReason(names.length);
        if (overLimit) {
            await this.serialAlert(
                _t("A manager must reconnect the till"),
                _t(
                    "This till is offline and has reached the shop's limit on units with a serial sold offline (%s). Serial %s cannot be sold: ask a manager to reconnect the till to the network; it sells them again once the server is reached.",
                    overLimit,
                    names[0]
                ),
                true
            );
            return names[0];
        }
        const units = Object.fromEntries(
            names.map((name) => [name, this.serialOfflineFind(product.id, name)])
        );
        const unknown = names.find((name) => !units[name]);
        if (unknown) {
            await this.serialAlert(
                _t("Serial cannot be checked offline"),
                _t(
                    "The till is offline and serial %s is not in its list of sellable serials. Check the serial, or wait for the connection to come back.",
                    unknown
                )
            );
            return unknown;
        }
        for (const name of names) {
            const refusal = this.serialExpiryRefusal(
                name,
                units[name].expiry,
                scannedExpiries[name]
            );
            if (refusal) {
                await this.serialAlert(refusal.title, refusal.message, refusal.alert);
                return name;
            }
        }
        // sold offline: no other till may sell it from this snapshot's point of view
        for (const name of names) {
            this.serialOfflineRemove(product.id, name);
            this.serialsCheckedOffline.add(name);
        }
        this.serialOfflineSales += names.length;
        return null;
    },

    /**
     * Why the till may not sell `count` more units offline (the shop's limits, pos.config
     * serial_offline_max_sales and serial_offline_max_hours), or null when it may.
     */
    serialOfflineLimitReason(count = 1) {
        const maxSales = this.config.serial_offline_max_sales;
        const maxHours = this.config.serial_offline_max_hours;
        if (maxSales > 0 && this.serialOfflineSales + count > maxSales) {
            return _t("%s units sold offline", maxSales);
        }
        if (maxHours > 0 && Date.now() - this.serialLastContact > maxHours * 3600 * 1000) {
            return _t("%s hours without the server", maxHours);
        }
        return null;
    },

    /** The server answered: the offline limits count again from now. */
    serialServerReached() {
        this.serialOfflineSales = 0;
        this.serialLastContact = Date.now();
    },

    /**
     * The offline snapshot from the server's (pos.config _serial_snapshot): its set of
     * sellable units decoded once, its load time (ms) kept for the tours and the bench.
     */
    setSerialSnapshot(snapshot) {
        const start = performance.now();
        const set = new OfflineSerialSet(snapshot);
        const { hashes, expiries, ...rest } = snapshot;
        this.serialSnapshot = { ...rest, set };
        this.serialSnapshotLoadMs = performance.now() - start;
    },

    /** The unit of the offline set, {expiry: "YYYY-MM-DD" or null}, or null. */
    serialOfflineFind(productId, name) {
        return this.serialSnapshot.set.find(productId, name);
    },

    /**
     * Drops a unit from the offline set (sold here or elsewhere, leased elsewhere).
     * Returns the unit the set had ({expiry}), or null: a lease takes back only a unit
     * it dropped, with its expiry.
     */
    serialOfflineRemove(productId, name) {
        const unit = this.serialOfflineFind(productId, name);
        this.serialSnapshot.set.removeHex(serialHashHex(productId, name));
        return unit;
    },

    /** Adds a unit to the offline set again (released, returned); `expiry` "YYYY-MM-DD". */
    serialOfflineAdd(productId, name, expiry = null) {
        const days = expiry ? Math.round(Date.parse(`${expiry}T00:00:00Z`) / 86400000) : 0;
        this.serialSnapshot.set.addHex(serialHashHex(productId, name), days);
    },

    /** The product of the till whose unit of that serial is in the offline set, or null. */
    serialOfflineProductOf(name) {
        return (
            this.models["product.product"]
                .getAll()
                .find(
                    (product) =>
                        this.isSerialProduct(product) && this.serialOfflineFind(product.id, name)
                ) || null
        );
    },
});
