// The tab-shared local state in IndexedDB (DESIGN §8, OFFLINE-001..013, OFFLINE-OFFSET-*):
// the entity cache with each entity's fieldTx (the field-transaction store), the outbox, the
// last applied activity id per org, and small settings. The cache is two layers: `base`, the
// org's last snapshot as chunk records of up to 2,000 entities ([org, n]: a put per entity is
// ~100 µs in Chromium, 10 s for 100,000; a chunk of 2,000 ~10 ms), and `entities` over it,
// one record per entity written since (stream, responses), a tombstone (data null) for a base
// entity deleted since. An entity is its `entities` record when there is one, else its base
// item; each tab keeps where each base item is (`baseAt`) to read it in a transaction. Every tab of the origin opens the same
// database; IndexedDB runs read-write transactions on the same store one at a time, across
// tabs, so each outbox rule below is atomic without any other lock.
//
// Outbox invariants (the native SDK's, client/src/outbox.cpp):
//   - entries keep creation order (`seq`); entity-level entries (create, delete) use field '';
//   - squash, merge and remove never touch an entry in state 'sent' (its request may be in
//     flight); they touch 'queued' entries and, like the native outbox, 'conflicted' ones:
//   - a same-field update squashes into the newest same-field entry when it is queued or
//     conflicted: newest value and txId, ORIGINAL expectedTransactionId; a conflicted entry
//     stays conflicted (the user is still editing the value the resolution is about);
//   - an update of a queued create merges into the create's data;
//   - a delete removes the entity's queued and conflicted creates and updates; after a queued
//     create it sends nothing;
//   - an update behind an entry already sent expects that entry's txId (its write lands first);
//     otherwise it expects the field's txId in `entities`, read in the same transaction, so
//     it can never miss a write whose entry is gone (settle() removes the entry and stores
//     the written entity atomically);
//   - `txIds` lists every txId folded into an entry, so each gets the entry's final state;
//   - a conflict is resolved in one transaction (resolveConflict): a second resolution of the
//     same entry finds it no longer conflicted and changes nothing.

import { compareTransactionIds } from './syncline-hlc.js';

// 2: the `base` store (an org's snapshot in chunks, DESIGN §18); `entities` holds what changed
// since, a deleted base entity as a tombstone (data null).
const VERSION = 2;

/**
 * Lays an entity representation that may trail the cache (a response can arrive after the
 * stream delivered newer writes) over the cached state: per field the higher txId wins (HLC
 * order), so a late answer never regresses a field; fields without a txId come from `rep`.
 * @param {{data: object, fieldTx: object}|null|undefined} cur the cached state
 * @param {{data: object, fieldTx?: object}} rep
 * @returns {{data: object, fieldTx: object}}
 */
export function mergeEntity(cur, rep) {
  const data = { ...rep.data }, fieldTx = { ...(rep.fieldTx || {}) };
  for (const [f, t] of Object.entries(cur?.fieldTx || {}))
    if (!fieldTx[f] || compareTransactionIds(t, fieldTx[f]) > 0) {
      if (f in cur.data) data[f] = cur.data[f];
      fieldTx[f] = t;
    }
  return { data, fieldTx };
}

/** @template T @param {IDBRequest<T>} r @returns {Promise<T>} */
function req(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** @param {IDBTransaction} tx @returns {Promise<void>} */
function done(tx) {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error || new Error('IndexedDB transaction aborted'));
  });
}

/**
 * @typedef {object} OutboxEntry
 * @property {number} seq creation order
 * @property {string} org @property {string} type @property {string} id
 * @property {string} field the updated field; '' for create and delete
 * @property {'create'|'update'|'delete'} kind
 * @property {*} value update: the field's value; create: the data object; delete: null
 * @property {string} txId sent as tx.transactionId; stable across retries
 * @property {string[]} txIds every txId folded into this entry (squash, merge)
 * @property {string|null} expected tx.expectedTransactionId
 * @property {string} sourceId the tab that made it
 * @property {'queued'|'sent'|'conflicted'} state
 * @property {{serverValue: *, serverTransactionId: string|null, via: string}|null} conflict
 */

export class LocalDb {
  /** @param {IDBDatabase} db */
  constructor(db) {
    this.db = db;
    /** @type {Map<string, Map<string, number>>} org → `${type}\u0000${id}` → base chunk n */
    this.baseAt = new Map();
  }

  /**
   * Opens (and creates) the database.
   * @param {string} name
   * @returns {Promise<LocalDb>}
   */
  static async open(name) {
    const r = indexedDB.open(name, VERSION);
    r.onupgradeneeded = (ev) => {
      const db = r.result;
      if (ev.oldVersion < 1) {
        db.createObjectStore('entities', { keyPath: ['org', 'type', 'id'] }).createIndex('org', 'org');
        db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true }).createIndex('org', 'org');
        db.createObjectStore('offsets', { keyPath: 'org' });
        db.createObjectStore('meta', { keyPath: 'key' });
      }
      if (ev.oldVersion < 2) db.createObjectStore('base', { keyPath: ['org', 'n'] });
    };
    const db = await req(r);
    // Another tab upgrading later must not be blocked by this connection forever.
    db.onversionchange = () => db.close();
    return new LocalDb(db);
  }

  close() {
    this.db.close();
  }

  /** @param {string[]} stores @param {IDBTransactionMode} mode */
  tx(stores, mode) {
    return this.db.transaction(stores, mode);
  }

  /**
   * The org's cached entities: the base with what changed since laid over (one read).
   * @param {string} org @returns {Promise<Array<{type: string, id: string, data: object, fieldTx: object}>>}
   */
  async entities(org) {
    const tx = this.tx(['base', 'entities'], 'readonly');
    const [chunks, changed] = await Promise.all([
      req(tx.objectStore('base').getAll(IDBKeyRange.bound([org], [org, []]))),
      req(tx.objectStore('entities').index('org').getAll(org))]);
    const at = new Map(), all = new Map();
    for (const c of chunks)
      for (const e of c.items) {
        const k = `${e.type}\u0000${e.id}`;
        at.set(k, c.n);
        all.set(k, e);
      }
    this.baseAt.set(org, at);
    for (const e of changed) {
      const k = `${e.type}\u0000${e.id}`;
      if (e.data) all.set(k, { type: e.type, id: e.id, data: e.data, fieldTx: e.fieldTx });
      else all.delete(k);
    }
    return [...all.values()];
  }

  /**
   * Stores chunk `n` of the org's snapshot (a first hydration or a reload: after
   * clearEntities). One put, one transaction.
   * @param {string} org @param {number} n
   * @param {Array<{type: string, id: string, data: object, fieldTx: object}>} items
   */
  async writeBase(org, n, items) {
    if (!this.baseAt.has(org)) this.baseAt.set(org, new Map());
    const at = this.baseAt.get(org);
    for (const e of items) at.set(`${e.type}\u0000${e.id}`, n);
    const tx = this.tx(['base'], 'readwrite');
    tx.objectStore('base').put({ org, n, items });
    await done(tx);
  }

  // The entity as the cache holds it, read in `tx` (over `entities` and `base`): its record
  // since the snapshot, else its snapshot item; undefined when absent or deleted.
  async #cached(tx, org, type, id) {
    const rec = await req(tx.objectStore('entities').get([org, type, id]));
    if (rec) return rec.data ? rec : undefined;
    const n = this.baseAt.get(org)?.get(`${type}\u0000${id}`);
    if (n === undefined) return undefined;
    const chunk = await req(tx.objectStore('base').get([org, n]));
    const e = chunk?.items.find((x) => x.type === type && x.id === id);
    return e && { org, type, id, data: e.data, fieldTx: e.fieldTx };
  }

  /**
   * Writes entity states in one transaction; `data: null` deletes.
   * @param {string} org
   * @param {Array<{type: string, id: string, data: object|null, fieldTx: object}>} items
   */
  async writeEntities(org, items) {
    if (!items.length) return;
    const tx = this.tx(['entities'], 'readwrite');
    const s = tx.objectStore('entities');
    for (const e of items) putEntity(s, org, e);
    await done(tx);
  }

  /** Drops an org's cached entities, both layers (before a snapshot replaces them). */
  async clearEntities(org) {
    const tx = this.tx(['entities', 'base'], 'readwrite');
    // Keys start with `org`: every array key starting with it sorts before [org, []].
    tx.objectStore('entities').delete(IDBKeyRange.bound([org], [org, []]));
    tx.objectStore('base').delete(IDBKeyRange.bound([org], [org, []]));
    this.baseAt.delete(org);
    await done(tx);
  }

  /** Drops an org's cache and offset (after `event: reset`); the outbox stays. */
  async clearOrg(org) {
    const tx = this.tx(['entities', 'base', 'offsets', 'meta'], 'readwrite');
    tx.objectStore('entities').delete(IDBKeyRange.bound([org], [org, []]));
    tx.objectStore('base').delete(IDBKeyRange.bound([org], [org, []]));
    this.baseAt.delete(org);
    tx.objectStore('offsets').delete(org);
    // Every shape is listed again by the reload that follows.
    const meta = tx.objectStore('meta');
    const row = await req(meta.get(`shapes:${org}`));
    if (row) meta.put({ key: row.key, value: row.value.map((s) => ({ ...s, hydrated: false })) });
    await done(tx);
  }

  // ---- shapes (DESIGN §16): what the tabs of this browser show of an org ----

  /**
   * @param {string} org
   * @returns {Promise<Array<{text: string, hydrated: boolean, limit?: number}>>} `limit`: a
   *   window (its first rows in key order), else the whole shape
   */
  async shapes(org) {
    return (await this.meta(`shapes:${org}`)) ?? [];
  }

  /**
   * Records a shape text ('*' = the whole org), or a window of it (`limit`: its first rows);
   * one transaction, so tabs never lose one. A shape recorded already only grows: a wider
   * window or the whole shape replaces a narrower one (to be loaded again).
   */
  async addShape(org, text, limit = 0) {
    const tx = this.tx(['meta'], 'readwrite');
    const meta = tx.objectStore('meta');
    const row = await req(meta.get(`shapes:${org}`));
    const list = row?.value ?? [];
    const at = list.findIndex((s) => s.text === text);
    const entry = limit ? { text, hydrated: false, limit } : { text, hydrated: false };
    if (at < 0) list.push(entry);
    else if (list[at].limit && (!limit || limit > list[at].limit)) list[at] = entry;
    meta.put({ key: `shapes:${org}`, value: list });
    await done(tx);
  }

  /** Marks these entries hydrated (loaded into the cache behind a barrier) if unchanged since. */
  async setShapesHydrated(org, entries) {
    const tx = this.tx(['meta'], 'readwrite');
    const meta = tx.objectStore('meta');
    const row = await req(meta.get(`shapes:${org}`));
    const loaded = (s) => entries.some((e) => e.text === s.text && (e.limit ?? 0) === (s.limit ?? 0));
    if (row) meta.put({ key: row.key, value: row.value.map((s) => (loaded(s) ? { ...s, hydrated: true } : s)) });
    await done(tx);
  }

  /** @param {string} org @returns {Promise<number|null>} */
  async offset(org) {
    const row = await req(this.tx(['offsets'], 'readonly').objectStore('offsets').get(org));
    return row ? row.offset : null;
  }

  /** @param {string} org @param {number} offset */
  async setOffset(org, offset) {
    const tx = this.tx(['offsets'], 'readwrite');
    tx.objectStore('offsets').put({ org, offset });
    await done(tx);
  }

  /** @param {string} key @returns {Promise<*>} */
  async meta(key) {
    const row = await req(this.tx(['meta'], 'readonly').objectStore('meta').get(key));
    return row ? row.value : undefined;
  }

  /** @param {string} key @param {*} value */
  async setMeta(key, value) {
    const tx = this.tx(['meta'], 'readwrite');
    tx.objectStore('meta').put({ key, value });
    await done(tx);
  }

  // ---- outbox ----

  /** @param {string} org @returns {Promise<OutboxEntry[]>} every entry, oldest first */
  async outbox(org) {
    const all = await req(this.tx(['outbox'], 'readonly').objectStore('outbox').index('org').getAll(org));
    return all.sort((a, b) => a.seq - b.seq);
  }

  /**
   * Runs `body(entriesOfEntity, outboxStore, cachedEntity)` in one read-write transaction
   * over the outbox and the entity cache.
   * @template T
   * @param {{org: string, type: string, id: string}} key
   * @param {(entries: OutboxEntry[], store: IDBObjectStore, cached: CachedEntity|undefined) => T} body
   * @returns {Promise<T>}
   */
  async #withEntity(key, body) {
    const tx = this.tx(['outbox', 'entities', 'base'], 'readwrite');
    const store = tx.objectStore('outbox');
    const [all, cached] = await Promise.all([
      req(store.index('org').getAll(key.org)), this.#cached(tx, key.org, key.type, key.id)]);
    const mine = all.filter((e) => e.type === key.type && e.id === key.id).sort((a, b) => a.seq - b.seq);
    const out = body(mine, store, cached);
    await done(tx);
    return out;
  }

  /**
   * Queues a create.
   * @param {{org: string, type: string, id: string}} key
   * @param {object} data @param {string} txId @param {string} sourceId
   */
  async queueCreate(key, data, txId, sourceId, offline = false) {
    return this.#withEntity(key, (_, store) => {
      store.add(entry(key, 'create', '', data, txId, null, sourceId, offline));
    });
  }

  /**
   * Queues an update of one field, applying the squash/merge rules.
   * @param {{org: string, type: string, id: string}} key
   * @param {string} field @param {*} value @param {string} txId
   * @param {string|null|undefined} expected the expectedTransactionId to send; undefined (the
   *   normal case) = the field's txId in the cache, read in this transaction
   * @param {string} sourceId
   * @returns {Promise<'merged'|'squashed'|'squashed-conflicted'|'queued'>} 'squashed-conflicted':
   *   folded into a conflicted entry, which stays conflicted (so does `txId`)
   */
  async queueUpdate(key, field, value, txId, expected, sourceId, offline = false) {
    return this.#withEntity(key, (entries, store, cached) => {
      const create = entries.find((e) => e.kind === 'create' && e.state === 'queued');
      if (create) {
        create.value = { ...create.value, [field]: value };
        create.txIds.push(txId);
        store.put(create);
        return 'merged';
      }
      const prev = entries.filter((e) => (e.kind === 'update' && e.field === field) || e.kind === 'create').pop();
      if (prev && prev.kind === 'update' && (prev.state === 'queued' || prev.state === 'conflicted')) {
        prev.value = value;
        prev.txId = txId; // the original expectedTransactionId stays
        prev.txIds.push(txId);
        store.put(prev);
        return prev.state === 'conflicted' ? 'squashed-conflicted' : 'squashed';
      }
      const expect = prev && prev.state === 'sent' ? prev.txId
        : expected !== undefined ? expected : cached?.fieldTx?.[field] ?? null;
      store.add(entry(key, 'update', field, value, txId, expect, sourceId, offline));
      return 'queued';
    });
  }

  /**
   * Queues a delete. The entity's queued and conflicted creates and updates go (their txIds
   * are returned); after a queued create nothing is sent.
   * @param {{org: string, type: string, id: string}} key
   * @param {string} txId @param {string|null} expected @param {string} sourceId
   * @returns {Promise<{cancelled: string[], queued: boolean}>} txIds that will never be sent
   */
  async queueDelete(key, txId, expected, sourceId, offline = false) {
    return this.#withEntity(key, (entries, store) => {
      const cancelled = [];
      const hadCreate = entries.some((e) => e.kind === 'create' && e.state === 'queued');
      // Queued or conflicted edits of an entity that is going away are moot either way.
      for (const e of entries)
        if ((e.state === 'queued' || e.state === 'conflicted') && e.kind !== 'delete') {
          store.delete(e.seq);
          cancelled.push(...e.txIds);
        }
      if (hadCreate) return { cancelled, queued: false };
      store.add(entry(key, 'delete', '', null, txId, expected, sourceId, offline));
      return { cancelled, queued: true };
    });
  }

  /**
   * DESIGN §21: the server merged the write `from` (a `merge: text` field): updates of the field
   * queued behind it, made from what was sent, expect that write's own base `to` instead, so the
   * server merges them too rather than overwrite the merge.
   * @param {{org: string, type: string, id: string}} key @param {string} field
   * @param {string} from @param {string|null} to
   */
  async expectAgain(key, field, from, to) {
    return this.#withEntity(key, (entries, store) => {
      for (const e of entries)
        if (e.kind === 'update' && e.field === field && e.state === 'queued' && e.expected === from) {
          e.expected = to;
          store.put(e);
        }
    });
  }

  /**
   * Changes an entry in place (state, conflict, txId/expected for a rebase); false if gone.
   * @param {number} seq @param {Partial<OutboxEntry>} patch
   * @returns {Promise<OutboxEntry|null>}
   */
  async patchEntry(seq, patch) {
    const tx = this.tx(['outbox'], 'readwrite');
    const store = tx.objectStore('outbox');
    const e = await req(store.get(seq));
    if (e) {
      Object.assign(e, patch);
      if (patch.txId && !e.txIds.includes(patch.txId)) e.txIds.push(patch.txId);
      store.put(e);
    }
    await done(tx);
    return e || null;
  }

  /** Forgets an entry (applied or dropped). @param {number} seq */
  async removeEntry(seq) {
    const tx = this.tx(['outbox'], 'readwrite');
    tx.objectStore('outbox').delete(seq);
    await done(tx);
  }

  /**
   * Settles an entry after its answer, in ONE transaction with the entity state it produced,
   * so no reader sees the entry gone without the field's new txId in the cache.
   * @param {number} seq
   * @param {Partial<OutboxEntry>|null} patch null removes the entry; else patched in place
   * @param {string} org
   * @param {{type: string, id: string, data: object|null, fieldTx: object}|null} entity the
   *   state to store (data null deletes it); null leaves the cache alone
   */
  async settle(seq, patch, org, entity) {
    const tx = this.tx(['outbox', 'entities'], 'readwrite');
    const store = tx.objectStore('outbox');
    if (!patch) store.delete(seq);
    else {
      const e = await req(store.get(seq));
      if (e) store.put(Object.assign(e, patch));
    }
    if (entity) putEntity(tx.objectStore('entities'), org, entity);
    await done(tx);
  }

  /**
   * Resolves a conflicted entry atomically (OFFLINE-020..024). 'server' removes it; 'mine'
   * and 'merge' requeue it with `txId`, the value (mine, or `value`), and expected = the
   * field's txId in the cache now, else the conflict's serverTransactionId.
   * @param {number} seq @param {'mine'|'server'|'merge'} choice @param {*} value
   * @param {string|null} txId the new transaction id (unused for 'server')
   * @returns {Promise<OutboxEntry|null>} the entry as it is now (removed: as it was); null
   *   when it is gone or no longer conflicted (resolved elsewhere): nothing changed
   */
  async resolveConflict(seq, choice, value, txId) {
    const tx = this.tx(['outbox', 'entities', 'base'], 'readwrite');
    const store = tx.objectStore('outbox');
    const e = await req(store.get(seq));
    let out = null;
    if (e && e.state === 'conflicted') {
      if (choice === 'server') {
        store.delete(seq);
        out = e;
      } else {
        const cached = await this.#cached(tx, e.org, e.type, e.id);
        const expected = (e.field ? cached?.fieldTx?.[e.field] : undefined) ?? e.conflict?.serverTransactionId ?? null;
        out = Object.assign(e, {
          state: 'queued', txId, txIds: [txId], expected, conflict: null,
          value: choice === 'merge' ? value : e.value,
        });
        store.put(out);
      }
    }
    await done(tx);
    return out;
  }
}

/** @typedef {{org: string, type: string, id: string, data: object, fieldTx: object}} CachedEntity */

// A deletion is a tombstone: the entity may be in the base below.
function putEntity(store, org, e) {
  store.put({ org, type: e.type, id: e.id, data: e.data || null, fieldTx: e.data ? e.fieldTx || {} : {} });
}

function entry(key, kind, field, value, txId, expected, sourceId, offline) {
  return {
    org: key.org, type: key.type, id: key.id, field, kind, value, txId, txIds: [txId],
    expected: expected ?? null, sourceId, state: 'queued', conflict: null, createdAt: Date.now(),
    offline: !!offline, // made while the stream was not live: its conflict waits for the user
  };
}
