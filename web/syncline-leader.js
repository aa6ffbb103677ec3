// What only the leader tab does (TAB-001..022, OFFLINE-001..013, OFFLINE-OFFSET-001..006):
// hold the org's one live stream, write the shared cache and offset, forward every stream
// message and mutation result to the other tabs, and flush the shared outbox.
//
// Invariants:
//   - stream work runs one step at a time (`#serial`), in stream order; a message is applied
//     to memory, written to IndexedDB, then forwarded to the followers (only once committed:
//     a tab starting meanwhile either reads it from IndexedDB or receives it), and only then
//     counted in the offset, so a stored offset never covers a change the stored cache lacks;
//   - the offset is written at most once per 5 s, and at once on pagehide / hidden;
//   - upstream first: after every (re)connect the replayed changes are applied and checked
//     against the outbox before anything is flushed; flushing waits for that barrier, and a
//     barrier step of an older connection (queued before a reconnect) never opens it;
//   - a response never regresses the cache: dropped when the stream already delivered our
//     txId (the stream is ordered, hence at least as new), else merged per field by txId; the
//     entity it leaves and the outbox entry's removal (or conflict) commit in one transaction;
//   - two timers, two jobs: `streamRetryTimer` reopens the stream after a failed step,
//     `flushRetryTimer` retries the flush after a request without a usable answer;
//   - /live refused with 403 (not a member) ends streaming for this leader; 401 keeps retrying;
//   - an entry is marked 'sent' in IndexedDB before its request leaves, and what is sent is
//     the entry as read in that same transaction, so a squash can never change a request in
//     flight; a request without an answer leaves the entry 'sent' and it is retried with the
//     same txId (the server answers a replay with 200);
//   - the server's 409 is the authority: any FIELD_CONFLICT on flush makes a conflict;
//   - shapes (DESIGN §16): the stream carries the union of the tabs' shapes (IndexedDB); when
//     it grows the stream reopens with it at the offset, and each shape not yet hydrated is
//     loaded behind that connection's barrier, then marked hydrated and the tabs reload;
//   - hydration (DESIGN §18) is a snapshot read as a stream of lines and written to IndexedDB
//     in batches (one transaction being written while the next batch is parsed), once for all
//     tabs; a change of the stream at or below its offset is in it already: only its
//     transaction counts, its row (older) is not applied.

import { nothingText, unionText } from './syncline-shape.js';
import { LiveStream } from './syncline-stream.js';

const OFFSET_WRITE_MS = 5000;
const WINDOW_PAGE = 500; // rows per list request of a window (the server's page bound)
const SNAPSHOT_BATCH = 2000; // entities per IndexedDB transaction while a snapshot loads
const FIRST_SENT_MAX = 10000; // bounds firstSentAt (a mutation older than that is confirmed by the stream)

/**
 * What the leader needs of its tab, and all it touches of it (as the C++ MachineLink gets its
 * Hooks): built in one place, SynclineClient#leaderHost. Three constants, then functions.
 * @typedef {object} LeaderHost
 * @property {string} org the org it streams: the stream's and snapshot's URLs, every store key
 * @property {string} baseUrl the API's origin, for the stream's URL
 * @property {import('./syncline-net.js').TokenSource|undefined} streamToken the stream's bearer tokens (else the cookie)
 * @property {() => boolean} online whether the network is usable: onNetwork() and flush() ask before opening or sending
 * @property {(method: string, path: string, body?: object) => Promise<{status: number, body: any}>} request
 *   one API request, never throwing: the stream's probe, window pages, a fetch fallback, each send
 * @property {(path: string) => Promise<{status: number, lines: ?AsyncGenerator<string>}>} lines a snapshot, line by line
 * @property {() => import('./syncline-idb.js').LocalDb} db the shared IndexedDB store (offset, shapes, cache, outbox)
 * @property {(msg: object) => void} post to the other tabs: changes, hydrated, progress, stream status, presence
 * @property {(p: object) => void} presence a presence event from the stream, for this tab (then posted)
 * @property {() => void} presenceReset a new connection: this tab's presence starts over (then posted)
 * @property {() => void} statusChanged the stream's state changed: this page's 'status' event
 * @property {(code: string) => void} error /live refused ('forbidden', 'unauthorized'): this page's 'error' event
 * @property {(p: object) => void} progress a snapshot loading ({rows, bytes, done}): this page's 'progress' event
 * @property {(msg: object) => void} apply a change (or a loaded row as one) into memory: stream steps, loads
 * @property {(msg: object) => void} noteTransaction only the transaction of a change the snapshot holds
 * @property {(items: object[]) => void} replace the whole cache in memory: a base snapshot loaded, a reset
 * @property {(type: string, id: string) => ?object} entity the cached server state {data, fieldTx}: conflict checks
 * @property {(type: string, id: string, rep: ?object, version: ?string) => ?object} takeResponse
 *   a 2xx's or 409's entity into memory: the state to store and forward; null when the stream has newer
 * @property {(e: object) => void} postEntity forwards takeResponse's state to the other tabs, once stored
 * @property {() => boolean} hydrated whether this tab shows itself hydrated: a barrier step tells it when not
 * @property {() => void} setHydrated a barrier step loaded what the tabs show
 * @property {(txId: string) => (string|undefined)} state a mutation's lifecycle state: a reset's reload
 * @property {(txId: string) => void} confirm a sent mutation is confirmed by a reset's reload
 * @property {(txId: string) => boolean} echoed whether the stream delivered this txId: a send's answer
 * @property {(e: object, state: string, detail?: object) => Promise<void>} settled an entry left the stored
 *   outbox (confirmed, sent or failed): its txIds take `state`, the outbox is re-read
 * @property {(e: object, detail: object, entity?: ?object) => Promise<void>} conflict records a conflict
 *   (a 409, the catch-up check, a reset's ledger): kept, or the server wins, by the client's rules
 * @property {(type: string) => string} path a type's collection path: window pages, fetch fallbacks, sends
 * @property {(type: string, field: string) => boolean} mergesText whether the server merges the field: catch-up check
 * @property {() => (string|undefined)} anyType a declared type, for a stream shape that names nothing
 */

export class Leader {
  /** @param {LeaderHost} host */
  constructor(host) {
    this.host = host;
    this.offset = null; // highest activity id applied (memory)
    this.snapshotAt = 0; // the offset of the whole snapshot loaded last (changes up to it: in it)
    this.stored = null; // the offset last written to IndexedDB
    this.lastWrite = 0;
    this.offsetTimer = null;
    this.ready = false; // past the barrier of the current connection
    this.streamState = 'closed';
    this.chain = Promise.resolve();
    this.gen = 0; // bumped when a step fails: queued steps of that connection are dropped
    this.flushing = false;
    this.flushAgain = false;
    this.streamRetryTimer = null; // reopens the stream after a failed step
    this.reloads = 0; // reloads after a reset so far (#confirmByReload)
    this.resetPending = false;
    this.firstSentAt = new Map(); // txId of a mutation not yet settled → reloads when first sent
    this.flushRetryTimer = null; // retries the flush after a request without an answer
    this.retryMs = 1000;
    this.fatal = null; // 'forbidden': /live refused for good, the stream stays closed
    this.stopped = false;
    this.shape = ''; // what the stream carries ('' = the whole org)
    this.entries = []; // the shapes it was made of: {text, hydrated}
    this.stream = new LiveStream(host.baseUrl, host.org, () => this.offset, {
      token: host.streamToken,
      shape: () => this.shape,
      onCaughtUp: (batch, cursor) => {
        const conn = this.stream.conn; // the connection whose barrier this is
        this.#serial(() => this.#caughtUp(batch, cursor, conn));
      },
      onLive: (msg) => this.#serial(() => this.#live(msg)),
      onOffset: (cursor) => this.#serial(async () => this.#advance(cursor)),
      onReset: () => this.#serial(() => this.#reset()),
      // Presence (DESIGN §21) is not in the log: applied and forwarded at once, in no queue.
      onPresence: (p) => {
        host.presence(p);
        host.post({ type: 'presence', p });
      },
      onPresenceReset: () => {
        host.presenceReset();
        host.post({ type: 'presence-reset' });
      },
      onFatal: (code) => {
        if (code === 'forbidden') this.fatal = code;
        host.error(code);
      },
      probe: async () => (await host.request('GET',
        `/organizations/${encodeURIComponent(host.org)}/live?offset=now`)).status,
      onState: (s) => {
        this.streamState = s;
        if (s !== 'live') this.ready = false;
        host.post({ type: 'status', stream: s });
        host.statusChanged();
      },
    });
  }

  /** Resumes from the stored offset (the previous leader's), else from 'now' with a snapshot. */
  async start() {
    this.offset = this.stored = await this.host.db().offset(this.host.org);
    await this.#takeShapes();
    this.onNetwork();
  }

  async #takeShapes() {
    this.entries = await this.host.db().shapes(this.host.org);
    this.shape = this.#union(this.entries);
  }

  // What the stream carries: every tab's shapes, windows included (a window's live changes
  // keep its rows current and bring rows that enter it; only its load is limited).
  #union(entries) {
    return unionText(entries.map((e) => e.text), nothingText(this.host.anyType()));
  }

  // What a snapshot loads: the shapes without a limit (a window loads its first rows by the
  // list endpoint instead, #loadWindow); no rows when there are only windows.
  #base() {
    const full = this.entries.filter((e) => !e.limit);
    return full.length ? this.#union(full) : nothingText(this.host.anyType());
  }

  /** A tab joined or added a shape: when the union grew, reopen the stream with it. */
  shapesChanged() {
    this.#serial(async () => {
      const entries = await this.host.db().shapes(this.host.org);
      const shape = this.#union(entries);
      if (shape === this.shape && entries.every((e) => e.hydrated)) return;
      this.entries = entries;
      this.shape = shape;
      this.stream.close();
      this.onNetwork();
    });
  }

  stop() {
    this.stopped = true;
    this.persistOffset();
    this.stream.close();
    clearTimeout(this.streamRetryTimer);
    clearTimeout(this.flushRetryTimer);
  }

  /** Network or forced-offline change: the stream follows `usable`. */
  onNetwork() {
    if (this.stopped || this.fatal) return;
    if (this.host.online()) {
      if (!this.stream.es) this.stream.open();
      else this.flush();
    } else {
      this.stream.close();
    }
  }

  /** Writes the offset now if it moved (pagehide, hidden, stop). */
  persistOffset() {
    clearTimeout(this.offsetTimer);
    this.offsetTimer = null;
    if (this.offset === null || this.offset === this.stored) return;
    this.stored = this.offset;
    this.lastWrite = Date.now();
    this.host.db().setOffset(this.host.org, this.offset).catch(() => { /* next write retries */ });
  }

  // Runs stream steps one at a time, in arrival order. A step that fails (IndexedDB, or a
  // fetch fallback without an answer) ends its connection: the steps queued behind it are
  // skipped, so the offset never passes the failed message, and the stream reopens from it.
  #serial(step) {
    const gen = this.gen;
    this.chain = this.chain.then(() => (gen === this.gen ? step() : undefined)).catch((e) => {
      if (this.stopped) return;
      console.warn('syncline: stream step failed, reconnecting', e);
      this.gen++;
      this.stream.close();
      clearTimeout(this.streamRetryTimer);
      this.streamRetryTimer = setTimeout(() => this.onNetwork(), 2000);
    });
    return this.chain;
  }

  #advance(id) {
    if (typeof id !== 'number' || (this.offset !== null && id <= this.offset)) return;
    this.offset = id;
    if (this.offsetTimer) return;
    const wait = Math.max(0, this.lastWrite + OFFSET_WRITE_MS - Date.now());
    this.offsetTimer = setTimeout(() => this.persistOffset(), wait);
  }

  async #caughtUp(batch, cursor, conn) {
    const fresh = this.offset === null; // no stored offset (or a reset): the snapshot is the base
    const added = fresh ? [] : this.entries.filter((e) => !e.hydrated);
    let ledgerFrom = 0;
    if (fresh) ({ offset: this.snapshotAt, ledgerFrom } = await this.#loadBase());
    for (const e of added) {
      if (e.limit) await this.#loadWindow(e.text, e.limit);
      else await this.#loadSnapshot(e.text === '*' ? '' : e.text, false);
    }
    if (fresh || added.length) {
      await this.host.db().setShapesHydrated(this.host.org, this.entries);
      for (const e of this.entries) e.hydrated = true;
      if (added.length) this.host.post({ type: 'hydrated' }); // the cache grew under them
    }
    if (fresh && this.resetPending) {
      this.#confirmByReload();
      await this.#reconcileSent(ledgerFrom);
    }
    // A bulk change (refetch) past the snapshot in the batch: everything loads again (below).
    const refetch = batch.some((m) => m.action === 'refetch' && !this.#inSnapshot(m));
    const changes = batch.filter((m) => m.action !== 'refetch');
    const rows = changes.filter((msg) => !this.#inSnapshot(msg));
    for (const msg of changes) if (this.#inSnapshot(msg)) this.host.noteTransaction(msg);
    for (const msg of rows) this.host.apply(msg);
    await this.host.db().writeEntities(this.host.org, rows.map(toWrite));
    if (refetch) await this.#refetch();
    for (const msg of batch) this.host.post({ type: 'change', msg });
    this.#advance(batch.reduce((max, m) => (Number.isFinite(m.activityId) ? Math.max(max, m.activityId) : max), cursor));
    if (fresh || added.length || !this.host.hydrated()) { // loadShape() waits for this tab's status
      this.host.setHydrated();
      this.host.post({ type: 'hydrated' });
    }
    await this.#upstreamFirst(batch);
    // Dropped or reconnected meanwhile: the newer connection has its own barrier, queued
    // behind this step; until it ran, the outbox must wait.
    if (!this.stream.live || this.stream.conn !== conn) return;
    this.ready = true;
    this.retryMs = 1000;
    this.flush();
  }

  /** Whether a change's row is older than the snapshot's (it is at or below its offset). */
  #inSnapshot(msg) {
    return Number.isFinite(msg.activityId) && msg.activityId <= this.snapshotAt;
  }

  // Loads the snapshot of `shape` ('' = all; DESIGN §18): it `replace`s the org's cache (a first
  // load, a reset's reload) or is laid over it (a shape added). Batches go to IndexedDB as
  // they are parsed, one transaction in flight; every tab hears `progress`. Resolves to the
  // snapshot's {offset, ledgerFrom}; throws when it is refused or cut (the step fails, the
  // stream reopens and the load starts over).
  async #loadSnapshot(shape, replace) {
    const h = this.host;
    const path = `/organizations/${encodeURIComponent(h.org)}/snapshot`
      + (shape ? `?shape=${encodeURIComponent(shape)}` : '');
    const r = await h.lines(path);
    if (r.status !== 200) throw new Error(`snapshot: ${r.status}`);
    if (replace) await h.db().clearEntities(h.org);
    // Replacing: chunks of the base layer (one put each). Laid over a hydrated cache (a shape
    // added): entity records, which override the base.
    let chunks = 0;
    const write = (b) => (replace ? h.db().writeBase(h.org, chunks++, b) : h.db().writeEntities(h.org, b));
    const items = [];
    let batch = [], writing = Promise.resolve(), rows = 0, bytes = 0, last = null;
    const progress = (done) => {
      const p = { rows, bytes, done };
      h.progress(p);
      h.post({ type: 'progress', progress: p });
    };
    for await (const line of r.lines) {
      bytes += line.length + 1;
      if (last) throw new Error('snapshot: a line after its last');
      const o = JSON.parse(line);
      if ('offset' in o) {
        last = o;
        continue;
      }
      if (!o.data || typeof o.data.id !== 'string') throw new Error('snapshot: an entity without id');
      const e = { type: o.entityType, id: o.data.id, data: o.data, fieldTx: o.fieldTx || {} };
      items.push(e);
      batch.push(e);
      rows++;
      if (batch.length >= SNAPSHOT_BATCH) {
        await writing; // one transaction in flight: parsing goes on while it commits
        const full = batch;
        batch = [];
        writing = write(full);
        progress(false);
      }
    }
    if (!last || last.rows !== rows) throw new Error('snapshot: cut before its last line');
    await writing;
    if (batch.length) await write(batch);
    if (replace) h.replace(items);
    else for (const e of items) h.apply({ entityType: e.type, entityId: e.id, data: e.data, fieldTx: e.fieldTx });
    progress(true);
    return { offset: last.offset, ledgerFrom: last.ledgerFrom ?? 0 };
  }

  // The base of the cache: the snapshot of the shapes without a limit, replacing the cache,
  // then each window laid over it (read after the snapshot: at least as new).
  async #loadBase() {
    const at = await this.#loadSnapshot(this.#base(), true);
    for (const e of this.entries) if (e.limit) await this.#loadWindow(e.text, e.limit);
    return at;
  }

  // A window of an on-demand tab (DESIGN §18): the first `limit` rows of a one-type shape in
  // key order, by list pages (O(page) on the server), laid over the cache. Read behind the
  // stream's barrier: a change the stream replays over a newer row is followed by the newer
  // one's own change, so the cache converges as it does after a snapshot.
  async #loadWindow(text, limit) {
    const h = this.host;
    const [type] = Object.keys(JSON.parse(text));
    const items = [];
    let cursor = null;
    do {
      const q = `?shape=${encodeURIComponent(text)}&limit=${Math.min(WINDOW_PAGE, limit - items.length)}`
        + (cursor ? `&cursor=${encodeURIComponent(cursor)}` : '');
      const r = await h.request('GET', h.path(type) + q);
      if (r.status !== 200 || !Array.isArray(r.body?.items)) throw new Error(`window ${type}: ${r.status}`);
      for (const rep of r.body.items)
        if (rep?.data?.id) items.push({ type, id: rep.data.id, data: rep.data, fieldTx: rep.fieldTx || {} });
      cursor = r.body.nextCursor;
    } while (cursor && items.length < limit);
    await h.db().writeEntities(h.org, items);
    for (const e of items) h.apply({ entityType: e.type, entityId: e.id, data: e.data, fieldTx: e.fieldTx });
  }

  // After a reset's snapshot (DATA-SCALE-004): an entry sent without an answer whose txId the
  // snapshot holds landed (confirmed); one older than the server's idempotency ledger
  // (`ledgerFrom`) may have landed and been forgotten: sending it again could apply it twice,
  // so it is a conflict kept for the user (outcome unknown), never sent again.
  async #reconcileSent(ledgerFrom) {
    const h = this.host;
    for (const e of await h.db().outbox(h.org)) {
      if (e.state !== 'sent') continue;
      const cur = h.entity(e.type, e.id);
      if (cur && Object.values(cur.fieldTx).includes(e.txId)) {
        await h.db().settle(e.seq, null, h.org, null);
        await h.settled(e, 'confirmed');
      } else if (ledgerFrom > 0 && Number(e.txId.slice(0, 13)) < ledgerFrom) {
        await h.conflict({ ...e, offline: true }, {
          serverValue: cur?.data?.[e.field] ?? null,
          serverTransactionId: cur?.fieldTx?.[e.field] ?? null,
          via: 'ledger',
        });
      }
    }
  }

  // A bulk change of a type (DESIGN §18): the browser loads its whole cache again from a
  // snapshot (its base layer is chunks of every type: replacing them all is one bulk write,
  // where replacing one type's rows would be one write per row), then tells the other tabs.
  async #refetch() {
    ({ offset: this.snapshotAt } = await this.#loadBase());
    this.host.post({ type: 'hydrated' });
  }

  async #live(msg) {
    if (msg.action === 'refetch') {
      if (!this.#inSnapshot(msg)) await this.#refetch();
      this.#advance(msg.activityId);
      return;
    }
    if (this.#inSnapshot(msg)) { // the snapshot holds a row at least as new
      this.host.noteTransaction(msg);
      this.#advance(msg.activityId);
      return;
    }
    // An entity too large for a NOTIFY payload arrives without data: read it (STREAM-040..043);
    // a leave (SHAPE-003) has none by design: the entity is out of the shape.
    if (msg.data == null && msg.action !== 'delete' && msg.action !== 'leave') {
      const r = await this.host.request('GET', `${this.host.path(msg.entityType)}/${encodeURIComponent(msg.entityId)}`);
      if (r.status === 200) msg = { ...msg, data: r.body.data, fieldTx: r.body.fieldTx };
      else if (r.status !== 404) throw new Error(`fetch fallback: ${r.status}`); // reconnect replays it
    }
    this.host.apply(msg);
    await this.host.db().writeEntities(this.host.org, [toWrite(msg)]);
    this.host.post({ type: 'change', msg });
    this.#advance(msg.activityId);
  }

  // A reset means the stream's history broke (a new slot after a primary failover, a
  // truncate): a write the old slot never decoded is never streamed, so its confirmation would
  // never come. Every write acknowledged by then committed either before the new slot's
  // consistent point (the reload, which starts after the epoch became current, read it or
  // something newer) or after it (the stream carries it): the cache reflects it either way.
  // So a mutation first sent before this reload completed is confirmed by the reload if its
  // 2xx came already, else by its 2xx (#send). One first sent later: by the stream, as usual.
  #confirmByReload() {
    this.resetPending = false;
    this.reloads++;
    for (const [txId, at] of this.firstSentAt) {
      const state = this.host.state(txId);
      if (at < this.reloads && state === 'sent') this.host.confirm(txId);
      if (at < this.reloads || (state !== 'sent' && state !== 'pending')) this.firstSentAt.delete(txId);
    }
  }

  async #reset() {
    // The offset predates the sync epoch: drop the org's cache and offset, keep the outbox
    // (the server's 409s decide), and start over from 'now' with a snapshot.
    this.resetPending = true;
    await this.host.db().clearOrg(this.host.org);
    this.offset = this.stored = null;
    this.host.replace([]);
    this.stream.open();
  }

  // Marks conflicted each never-sent update whose field the replayed changes show
  // written by a transaction that is neither the one it expects nor its own (a write of ours
  // whose answer was lost is not a conflict).
  async #upstreamFirst(batch) {
    if (!batch.length) return;
    const upstream = new Map();
    for (const m of batch) {
      if (!m.fieldTx || typeof m.fieldTx !== 'object') continue;
      const fields = m.action === 'update' ? m.changedKeys || [] : Object.keys(m.fieldTx);
      for (const f of fields) {
        const t = m.fieldTx[f] ?? m.tx?.transactionId;
        if (!t) continue;
        const k = `${m.entityType}\u0000${m.entityId}\u0000${f}`;
        if (!upstream.has(k)) upstream.set(k, new Set());
        upstream.get(k).add(t);
      }
    }
    const h = this.host;
    for (const e of await h.db().outbox(h.org)) {
      // A 'sent' entry may have landed: only the server can tell, so it is re-sent as is.
      if (e.kind !== 'update' || e.state !== 'queued') continue;
      if (h.mergesText(e.type, e.field)) continue; // the server merges it (DESIGN §21)
      const seen = upstream.get(`${e.type}\u0000${e.id}\u0000${e.field}`);
      if (seen && [...seen].some((t) => t !== e.expected && !e.txIds.includes(t))) {
        const cur = h.entity(e.type, e.id);
        await h.conflict(e, {
          serverValue: cur?.data?.[e.field] ?? null,
          serverTransactionId: cur?.fieldTx?.[e.field] ?? null,
          via: 'catch-up',
        });
      }
    }
  }

  /** Sends queued entries in order while the stream is past its barrier and the net usable. */
  async flush() {
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = true;
    try {
      do {
        this.flushAgain = false;
        for (;;) {
          if (this.stopped || !this.ready || !this.host.online()) return;
          const next = (await this.host.db().outbox(this.host.org))
            .find((e) => e.state === 'queued' || e.state === 'sent');
          if (!next) break;
          if ((await this.#send(next)) === 'stop') {
            this.#retryLater();
            return;
          }
        }
      } while (this.flushAgain);
    } finally {
      this.flushing = false;
    }
  }

  #retryLater() {
    clearTimeout(this.flushRetryTimer);
    this.flushRetryTimer = setTimeout(() => this.flush(), this.retryMs);
    this.retryMs = Math.min(this.retryMs * 2, 30000);
  }

  /** @returns {Promise<'next'|'stop'>} */
  async #send(entry) {
    const h = this.host;
    const e = await h.db().patchEntry(entry.seq, { state: 'sent' });
    if (!e || e.state !== 'sent') return 'next';
    const tx = {
      transactionId: e.txId, sourceId: e.sourceId,
      changedField: e.kind === 'update' ? e.field : null, expectedTransactionId: e.expected,
    };
    const path = e.kind === 'create' ? h.path(e.type) : `${h.path(e.type)}/${encodeURIComponent(e.id)}`;
    const body = e.kind === 'create' ? { data: e.value, tx }
      : e.kind === 'update' ? { data: { [e.field]: e.value }, tx } : { tx };
    const method = { create: 'POST', update: 'PATCH', delete: 'DELETE' }[e.kind];
    if (!this.firstSentAt.has(e.txId)) {
      if (this.firstSentAt.size >= FIRST_SENT_MAX) this.firstSentAt.delete(this.firstSentAt.keys().next().value);
      this.firstSentAt.set(e.txId, this.reloads);
    }
    const r = await h.request(method, path, body);
    if (r.status === 0 || r.status === 401 || r.status === 429 || r.status >= 500) return 'stop';
    const reloaded = this.firstSentAt.get(e.txId) < this.reloads;
    if (r.status >= 400 || reloaded || h.echoed(e.txId)) this.firstSentAt.delete(e.txId);
    if (r.status >= 200 && r.status < 300) {
      // The answer is at least as new as our own write; if the stream delivered that, the
      // cache is newer still (e.g. a delete after it) and the answer is dropped.
      const entity = h.takeResponse(e.type, e.id, r.body, e.txId);
      await h.db().settle(e.seq, null, h.org, entity);
      if (r.body?.merged === true && e.kind === 'update')
        await h.db().expectAgain({ org: h.org, type: e.type, id: e.id }, e.field, e.txId, e.expected);
      if (entity) h.postEntity(entity);
      await h.settled(e, h.echoed(e.txId) || reloaded ? 'confirmed' : 'sent');
      return 'next';
    }
    const err = r.body?.error;
    if (r.status === 409 && err?.code === 'FIELD_CONFLICT') {
      // The body is the entity as of the row's last write (its `tx`).
      const entity = h.takeResponse(e.type, e.id, r.body, r.body?.tx?.transactionId ?? null);
      // The cache now holds the server's side at least as new as the 409's: show that one.
      const cur = e.field ? h.entity(e.type, e.id) : null;
      const known = cur && cur.fieldTx[e.field] !== undefined;
      await h.conflict(e, {
        serverValue: known ? cur.data[e.field] ?? null : err.serverValue ?? null,
        serverTransactionId: known ? cur.fieldTx[e.field] : err.serverTransactionId ?? null,
        via: '409',
        // merge: text (DESIGN §21): what the server could not merge, three ways.
        base: err.baseValue ?? null, ranges: err.ranges ?? null, mine: err.mineValue ?? null,
      }, entity);
      return 'next';
    }
    // Rejected for good (400, 403, 404, ENTITY_EXISTS, TRANSACTION_ID_REUSED): roll back.
    await h.db().removeEntry(e.seq);
    await h.settled(e, 'failed', { status: r.status, code: err?.code ?? null });
    return 'next';
  }
}

function toWrite(msg) {
  return { type: msg.entityType, id: msg.entityId, data: msg.data ?? null, fieldTx: msg.fieldTx || {} };
}
