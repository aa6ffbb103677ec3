// Hybrid logical clock and source ids (DESIGN §8, DATA-020..026), as in client/src/hlc.cpp.
// Invariants: ids minted by one Hlc strictly increase in (wallTime, logical) order even when
// Date.now() goes backwards; the logical counter never exceeds 9999 (it borrows the next
// millisecond); receive() only ever moves the clock forward.

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const TX_RE = /^(\d{13})\.(\d{4})\.([A-Za-z0-9_-]{1,13})$/;

/**
 * A random 12-character source id of [A-Za-z0-9_-] (one per tab: sessionStorage is not used,
 * so a duplicated tab gets its own).
 * @returns {string}
 */
export function makeSourceId() {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  let id = '';
  for (const b of bytes) id += ALPHABET[b & 63]; // 64 symbols: the mask keeps it uniform
  return id;
}

/**
 * Parses `{wallTime 13 digits}.{logical 4 digits}.{node}`; null when malformed.
 * @param {string} id
 * @returns {{wallMs: number, logical: number, node: string} | null}
 */
export function parseTransactionId(id) {
  if (typeof id !== 'string' || id.length > 32) return null;
  const m = TX_RE.exec(id);
  return m ? { wallMs: Number(m[1]), logical: Number(m[2]), node: m[3] } : null;
}

/**
 * Formats the parts of a transaction id.
 * @param {number} wallMs @param {number} logical @param {string} node
 * @returns {string}
 */
export function formatTransactionId(wallMs, logical, node) {
  return `${String(wallMs).padStart(13, '0')}.${String(logical).padStart(4, '0')}.${node}`;
}

/**
 * Orders two transaction ids by (wallTime, logical, node); malformed ids sort first.
 * @param {string} a @param {string} b
 * @returns {number} negative, zero or positive
 */
export function compareTransactionIds(a, b) {
  const pa = parseTransactionId(a), pb = parseTransactionId(b);
  if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0);
  if (pa.wallMs !== pb.wallMs) return pa.wallMs < pb.wallMs ? -1 : 1;
  if (pa.logical !== pb.logical) return pa.logical < pb.logical ? -1 : 1;
  return pa.node < pb.node ? -1 : pa.node === pb.node ? 0 : 1;
}

/** The clock of one tab. */
export class Hlc {
  /**
   * @param {string} sourceId the node part of every id this clock mints
   * @param {() => number} [now] wall clock in ms (injectable for tests)
   */
  constructor(sourceId, now = () => Date.now()) {
    this.sourceId = sourceId;
    this.now = now;
    this.wallMs = 0;
    this.logical = 0;
  }

  /** @returns {string} a new transaction id, greater than every id minted or received. */
  createTransactionId() {
    const now = this.now();
    if (now > this.wallMs) {
      this.wallMs = now;
      this.logical = 0;
    } else if (++this.logical > 9999) { // same or earlier ms: count on, borrowing the next ms
      this.wallMs += 1;
      this.logical = 0;
    }
    return formatTransactionId(this.wallMs, this.logical, this.sourceId);
  }

  /**
   * HLC receive rule: an id from the future advances the clock, so ids minted after seeing
   * it sort after it.
   * @param {string} id
   */
  receive(id) {
    const t = parseTransactionId(id);
    if (!t) return;
    if (t.wallMs > this.wallMs || (t.wallMs === this.wallMs && t.logical > this.logical)) {
      this.wallMs = t.wallMs;
      this.logical = t.logical;
    }
  }
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';

/** @returns {string} a random 16-character entity id of [A-Za-z0-9_-] */
export function makeId() {
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => ID_ALPHABET[x & 63]).join('');
}
