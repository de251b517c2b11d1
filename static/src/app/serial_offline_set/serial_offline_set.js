/**
 * The till's offline set of sellable serials (tools/serial_offline_set.py): the sorted
 * 64-bit hashes of (product, serial), 8 bytes each, and each unit's expiry (2 bytes:
 * days since 1970-01-01, 0 for none), decoded from base64 once; a lookup is a binary
 * search. Units sold or leased elsewhere are dropped, and units received since are
 * added, in two small overlays: the sorted arrays are never copied.
 *
 * No Odoo import: bench/offline_set.py runs this file alone in Chromium.
 */

// MD5 (RFC 1321) of bytes, as 16 bytes: the hash is its first 8 (PostgreSQL's md5())
const MD5_S = [
    7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 7, 12, 17, 22, 5, 9, 14, 20, 5, 9, 14, 20, 5, 9,
    14, 20, 5, 9, 14, 20, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 4, 11, 16, 23, 6, 10, 15,
    21, 6, 10, 15, 21, 6, 10, 15, 21, 6, 10, 15, 21,
];
const MD5_K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) >>> 0);

export function md5(bytes) {
    const length = bytes.length;
    const blocks = ((length + 8) >>> 6) + 1;
    const words = new Uint32Array(blocks * 16);
    for (let i = 0; i < length; i++) {
        words[i >>> 2] |= bytes[i] << ((i % 4) * 8);
    }
    words[length >>> 2] |= 0x80 << ((length % 4) * 8);
    words[blocks * 16 - 2] = (length * 8) >>> 0;
    words[blocks * 16 - 1] = Math.floor(length / 0x20000000);
    let a0 = 0x67452301;
    let b0 = 0xefcdab89;
    let c0 = 0x98badcfe;
    let d0 = 0x10325476;
    for (let block = 0; block < blocks * 16; block += 16) {
        let [a, b, c, d] = [a0, b0, c0, d0];
        for (let i = 0; i < 64; i++) {
            let f, g;
            if (i < 16) {
                f = (b & c) | (~b & d);
                g = i;
            } else if (i < 32) {
                f = (d & b) | (~d & c);
                g = (5 * i + 1) % 16;
            } else if (i < 48) {
                f = b ^ c ^ d;
                g = (3 * i + 5) % 16;
            } else {
                f = c ^ (b | ~d);
                g = (7 * i) % 16;
            }
            const sum = (a + f + MD5_K[i] + words[block + g]) | 0;
            a = d;
            d = c;
            c = b;
            b = (b + ((sum << MD5_S[i]) | (sum >>> (32 - MD5_S[i])))) | 0;
        }
        a0 = (a0 + a) | 0;
        b0 = (b0 + b) | 0;
        c0 = (c0 + c) | 0;
        d0 = (d0 + d) | 0;
    }
    const digest = new Uint8Array(16);
    [a0, b0, c0, d0].forEach((word, i) => {
        for (let j = 0; j < 4; j++) {
            digest[i * 4 + j] = (word >>> (j * 8)) & 0xff;
        }
    });
    return digest;
}

const encoder = new TextEncoder();

/** The unit's hash as [high, low] 32-bit halves (unsigned). */
export function serialHash(productId, serial) {
    const digest = md5(encoder.encode(`${productId}:${serial}`));
    const view = new DataView(digest.buffer);
    return [view.getUint32(0), view.getUint32(4)];
}

/** The hash in hex (16 digits), as the server's deltas send it. */
export function serialHashHex(productId, serial) {
    return serialHash(productId, serial)
        .map((half) => half.toString(16).padStart(8, "0"))
        .join("");
}

function fromBase64(text) {
    const binary = atob(text || "");
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) {
        bytes[i] = binary.charCodeAt(i);
    }
    return bytes;
}

/** "YYYY-MM-DD" of expiry days (0: none, null). */
export function expiryDate(days) {
    return days ? new Date(days * 86400000).toISOString().slice(0, 10) : null;
}

export class OfflineSerialSet {
    /** `encoded`: {hashes, expiries} in base64, as the server sends them. */
    constructor(encoded = {}) {
        const bytes = fromBase64(encoded.hashes);
        this.size = bytes.length >>> 3;
        this.hashes = new DataView(bytes.buffer);
        const days = fromBase64(encoded.expiries);
        this.days = days.length ? new DataView(days.buffer) : null;
        // hex hash: expiry days (0: none) of units added since, and units dropped
        this.added = new Map();
        this.removed = new Set();
    }

    /** The index of the hash in the sorted hashes, or -1. */
    indexOf([high, low]) {
        let lo = 0;
        let hi = this.size - 1;
        while (lo <= hi) {
            const mid = (lo + hi) >>> 1;
            const midHigh = this.hashes.getUint32(mid * 8);
            const midLow = this.hashes.getUint32(mid * 8 + 4);
            if (midHigh === high && midLow === low) {
                return mid;
            }
            if (midHigh < high || (midHigh === high && midLow < low)) {
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        return -1;
    }

    /** The unit by its hex hash: {expiry: "YYYY-MM-DD" or null}, or null when absent. */
    findHex(hex) {
        if (this.removed.has(hex)) {
            return null;
        }
        if (this.added.has(hex)) {
            return { expiry: expiryDate(this.added.get(hex)) };
        }
        const index = this.indexOf([
            parseInt(hex.slice(0, 8), 16),
            parseInt(hex.slice(8), 16),
        ]);
        if (index < 0) {
            return null;
        }
        return { expiry: this.days ? expiryDate(this.days.getUint16(index * 2)) : null };
    }

    /** The sellable unit of that product and serial ({expiry}), or null. */
    find(productId, serial) {
        return this.findHex(serialHashHex(productId, serial));
    }

    has(productId, serial) {
        return Boolean(this.find(productId, serial));
    }

    addHex(hex, days = 0) {
        this.removed.delete(hex);
        this.added.set(hex, days || 0);
    }

    removeHex(hex) {
        this.added.delete(hex);
        this.removed.add(hex);
    }
}
