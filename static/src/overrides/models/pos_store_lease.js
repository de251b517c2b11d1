import { patch } from "@web/core/utils/patch";
import { PosStore } from "@point_of_sale/app/store/pos_store";

// the server's bus message: serials an open order of another till took or left
const AVAILABILITY_MESSAGE = "POS_SERIAL_AVAILABILITY";
// the leases are renewed at least this often, and well within their time
const LEASE_RENEW_MAX_MS = 60 * 1000;
const LEASE_RENEW_MIN_MS = 10 * 1000;
// a unit dropped for another till's order is forgotten after this long (sold there, or
// that order long gone): the next refreshed offline list has it as the server does
const HELD_ELSEWHERE_MS = 60 * 60 * 1000;

/**
 * Leases (pos.serial.lease): a serial the server's check accepted for an open order
 * of this till is held by that order; other tills are refused it. The till renews its
 * open orders' leases while they stay open and releases a serial once its line, or
 * its order, is gone. Other tills' leases come over the bus: the offline list drops
 * the units they hold and takes them back when they are released.
 */
patch(PosStore.prototype, {
    async afterProcessServerData() {
        await super.afterProcessServerData(...arguments);
        // {order uuid: Set of serials} this till's checks leased
        this.serialLeases = new Map();
        // {serial: {productId, at}}: dropped from the offline list, another till holds it
        this.serialsHeldElsewhere = new Map();
        this.serialLeaseRenewMs = LEASE_RENEW_MAX_MS;
        this.serialLeaseTimer = null;
        this.serialLeaseSyncTimer = null;
        this.data.connectWebSocket(AVAILABILITY_MESSAGE, (payload) =>
            this.onSerialAvailability(payload)
        );
    },

    /**
     * The bus message {unavailable: [[product id, serial], ...], available: [...]}:
     * units another till's open order took, or left. A unit is taken back only if
     * such a message dropped it from the list (not a unit the list never had), and it
     * is not on one of this till's own orders.
     */
    onSerialAvailability({ unavailable = [], available = [] } = {}) {
        for (const [productId, name] of unavailable) {
            // serialOfflineRemove (pos_store.js): the unit the offline set had, or null
            const unit = this.serialOfflineRemove(productId, name);
            if (unit) {
                this.serialsHeldElsewhere.set(name, {
                    productId,
                    at: Date.now(),
                    expiry: unit.expiry,
                });
            }
        }
        const own = this.serialsOnOwnOrders();
        for (const [productId, name] of available) {
            const held = this.serialsHeldElsewhere.get(name);
            if (held && this.serialsHeldElsewhere.delete(name) && !own.has(name)) {
                this.serialOfflineAdd(productId, name, held.expiry);
            }
        }
    },

    /** A refreshed offline list still leaves out the units other tills hold. */
    async _refreshSerialSnapshot() {
        const result = await super._refreshSerialSnapshot(...arguments);
        for (const [name, { productId, at }] of this.serialsHeldElsewhere) {
            if (Date.now() - at > HELD_ELSEWHERE_MS) {
                this.serialsHeldElsewhere.delete(name);
            } else {
                this.serialOfflineRemove(productId, name);
            }
        }
        return result;
    },

    /** The serials on this till's orders the server has not taken yet. */
    serialsOnOwnOrders() {
        const names = new Set();
        for (const order of this.models["pos.order"].getAll()) {
            if (order.state === "draft" || typeof order.id !== "number") {
                for (const line of order.lines) {
                    for (const lot of line.pack_lot_ids) {
                        names.add(lot.lot_name);
                    }
                }
            }
        }
        return names;
    },

    async refusedSerial(product, names) {
        const order = this.get_order();
        const refused = await super.refusedSerial(...arguments);
        if (!refused && order) {
            // the server's check leased them to this order (those checked offline:
            // nobody holds them)
            const leased = names.filter((name) => !this.serialsCheckedOffline.has(name));
            if (leased.length) {
                const held = this.serialLeases.get(order.uuid) || new Set();
                leased.forEach((name) => held.add(name));
                this.serialLeases.set(order.uuid, held);
                this.startSerialLeaseRenewal();
            }
        }
        // a serial replaced in the popup, or a line given up: released soon
        this.scheduleSerialLeaseSync();
        return refused;
    },

    async deleteOrders() {
        const result = await super.deleteOrders(...arguments);
        this.scheduleSerialLeaseSync();
        return result;
    },

    /** Releases, shortly, the leases whose serial left its order (one call). */
    scheduleSerialLeaseSync() {
        clearTimeout(this.serialLeaseSyncTimer);
        this.serialLeaseSyncTimer = setTimeout(() => this.releaseGoneSerials(), 300);
    },

    /**
     * The leased serials no longer on their open order (the line removed, the serial
     * changed, the order deleted) are released on the server; a paid order's leases
     * end with its sync. Offline, the leases simply expire.
     */
    async releaseGoneSerials() {
        const releases = [];
        for (const [uuid, held] of this.serialLeases) {
            const order = this.models["pos.order"].getBy("uuid", uuid);
            if (order && (order.finalized || order.state !== "draft")) {
                this.serialLeases.delete(uuid);
                continue;
            }
            const current = new Set(
                (order?.lines || []).flatMap((line) => line.pack_lot_ids.map((l) => l.lot_name))
            );
            const gone = [...held].filter((name) => !current.has(name));
            if (!gone.length) {
                continue;
            }
            releases.push([uuid, order ? gone : null]);
            gone.forEach((name) => held.delete(name));
            if (!held.size) {
                this.serialLeases.delete(uuid);
            }
        }
        if (this.data.network.offline) {
            return;
        }
        for (const [uuid, serials] of releases) {
            try {
                await this.data.call("pos.config", "release_pos_serials", [
                    this.config.id,
                    uuid,
                    serials,
                ]);
            } catch (error) {
                // the lease expires by itself
                console.warn("A serial held by this till was not released:", error);
            }
        }
    },

    /** (Re)starts the periodic renewal of this till's leases. */
    startSerialLeaseRenewal() {
        if (this.serialLeaseTimer) {
            return;
        }
        this.serialLeaseTimer = setTimeout(async () => {
            this.serialLeaseTimer = null;
            await this.renewSerialLeases();
            if (this.serialLeases.size) {
                this.startSerialLeaseRenewal();
            }
        }, this.serialLeaseRenewMs);
    },

    /** The open orders holding serials are still open: their leases run again. */
    async renewSerialLeases() {
        await this.releaseGoneSerials();
        if (!this.serialLeases.size || this.data.network.offline) {
            return;
        }
        try {
            const { seconds } = await this.data.call("pos.config", "renew_pos_serials", [
                this.config.id,
                [...this.serialLeases.keys()],
            ]);
            this.serialLeaseRenewMs = Math.min(
                LEASE_RENEW_MAX_MS,
                Math.max(LEASE_RENEW_MIN_MS, (seconds * 1000) / 3)
            );
        } catch (error) {
            console.warn("The serials held by this till were not renewed:", error);
        }
    },
});
