// Syncline browser client: one org's synced view for a page, dependency-free ES2020 module
// served at /client/syncline.js (DESIGN §8 in browser form; see web/README.md).
//
// Every tab holds the org's entities in memory (from IndexedDB, then kept current by the
// leader's forwarded stream messages) and shows them with the shared outbox laid over them.
// Mutations are optimistic: they go to the IndexedDB outbox first (pending) and the leader
// tab flushes it. Lifecycle per txId: pending → sent (the server accepted it) → confirmed
// (the stream echoed it) | failed (rejected, or cancelled by a delete of a queued create) |
// conflicted (409 FIELD_CONFLICT, or an upstream change seen on reconnect).
//
// Threads: everything runs on the page's event loop; methods may be called at any time after
// start() resolved. Events (EventTarget): 'change' (the view changed), 'status' (network,
// leader, stream, counts), 'replace' (the whole cache was replaced: a snapshot, a reset's reload,
// a reload from IndexedDB), 'progress' ({rows, bytes, done}: a snapshot loading, in every tab), 'mutation' ({txId, state, detail}), 'conflict' (an entry needs a
// decision), 'error' ({code}: 'forbidden' = not (or no longer) a member: the stream stays
// closed; 'unauthorized' = the session is gone: the stream keeps retrying until it is back).

import { Hlc, makeId, makeSourceId } from './syncline-hlc.js';
import { LocalDb, mergeEntity } from './syncline-idb.js';
import { NetworkStatus, api, getLines, tokenSource } from './syncline-net.js';
import { inAny } from './syncline-shape.js';
import { TabCoordinator } from './syncline-tabs.js';
import { Leader } from './syncline-leader.js';
import { Presence } from './syncline-presence.js';

export { Hlc, makeId, makeSourceId, parseTransactionId, compareTransactionIds } from './syncline-hlc.js';
export { NetworkStatus, api } from './syncline-net.js';
export {
  SynclineRequestError, invite, orgInvitations, myInvitations, acceptInvitation, discardInvitation,
} from './syncline-invitations.js';

const STREAMED_MAX = 5000; // txIds remembered as echoed (a response may come after its echo)

const keyOf = (type, id) => `${type}\u0000${id}`;

// The options and the shapes of what it returns are typed in syncline.d.ts (the package's types).

export class SynclineClient extends EventTarget {
  /** @param {import('./syncline.d.ts').ClientOptions} o */
  constructor(o) {
    super();
    if (!o || !o.org) throw new TypeError('SynclineClient: options.org is required');
    this.org = o.org;
    this.baseUrl = o.baseUrl ?? '';
    this.dbName = o.dbName ?? 'syncline';
    this.token = o.tokenProvider ? tokenSource(o.tokenProvider) : o.token;
    this.manual = o.manual ?? false;
    this.entityTypes = o.entityTypes ?? [];
    this.requestedTypes = o.entityTypes ?? null;
    this.shapes = o.shapes ?? [];
    this.onDemand = o.onDemand ?? false;
    /** GET /schema's `types`: entityType → {plural, fields} (SCHEMA-020). */
    this.schema = {};
    this.sourceId = makeSourceId();
    this.hlc = new Hlc(this.sourceId);
    this.net = new NetworkStatus(this.baseUrl, o.probeIntervalMs ?? 30000);
    /** @type {Map<string, {type: string, id: string, data: object, fieldTx: object}>} */
    this.entities = new Map();
    /** @type {import('./syncline-idb.js').OutboxEntry[]} */
    this.outbox = [];
    this.states = new Map();
    this.folded = new Map(); // txId sent → txIds squashed or merged into it
    this.streamed = new Set();
    this.hydrated = false;
    this.stopped = false;
    this.leader = null;
    this.leaderStream = 'unknown'; // the leader's stream state, as a follower last heard it
    this.tabBuffer = null; // tab messages held while the cache reloads from IndexedDB
    this.reloading = Promise.resolve();
    this.onHide = () => {
      if (!this.leader) return;
      this.leader.persistOffset();
      this.tabs.post({ type: 'status', stream: 'closed' }); // until the next leader says otherwise
    };
    this.onVisibility = () => { if (document.visibilityState === 'hidden') this.leader?.persistOffset(); };
    /** Who else is here, and where (DESIGN §21): set(), list(), leave(); `presence` events. */
    this.presence = new Presence(this);
  }

  /**
   * Opens the local store, shows what it holds, and joins the tabs of this org: the leader
   * tab streams; this one becomes leader now or when the current leader goes away.
   * @returns {Promise<void>} once the local state is loaded (not necessarily hydrated)
   */
  async start() {
    this.db = await LocalDb.open(this.dbName);
    this.net.forcedOffline = (await this.db.meta('forcedOffline')) === true;
    await this.#learnSchema();
    this.tabs = new TabCoordinator(this.dbName, this.org, (m) => this.#onTab(m));
    // Before the hello: the leader that hears it finds this tab's shapes in IndexedDB.
    if (!this.shapes.length && !this.onDemand) await this.db.addShape(this.org, '*');
    for (const s of this.shapes) await this.db.addShape(this.org, JSON.stringify(s));
    await this.#reload();
    this.net.addEventListener('change', () => {
      this.leader?.onNetwork();
      this.emitStatus();
    });
    this.net.start();
    addEventListener('pagehide', this.onHide);
    document.addEventListener('visibilitychange', this.onVisibility);
    this.tabs.post({ type: 'hello' });
    this.tabs.elect(async () => {
      if (this.stopped) return;
      this.leader = new Leader(this.#leaderHost());
      this.emitStatus();
      await this.leader.start();
    });
    this.presence.load(); // the leader's stream brings changes from here on
  }

  /**
   * Shows one more part of the org (a no-op for a tab showing all of it): the browser's stream
   * takes it and the leader hydrates it; `hydrated` turns false until then.
   * @param {object} shape
   */
  async addShape(shape) {
    if (!this.shapes.length && !this.onDemand) return;
    if (this.shapes.some((s) => JSON.stringify(s) === JSON.stringify(shape))) return;
    await this.#ask(shape, 0);
  }

  /**
   * Loads a part of the org into this tab and resolves once it is here (DESIGN §18, on demand):
   * a shape, or with `limit` a window of a one-type shape — its first `limit` rows in key order
   * (the server's list order), read by list pages, while the stream carries the whole shape's
   * changes (so the window stays current and a row entering it arrives). Asking again for a
   * wider window or the whole shape loads more; a tab showing the whole org has it all already.
   * @param {object} shape
   * @param {{limit?: number}} [o]
   * @returns {Promise<void>}
   */
  async loadShape(shape, { limit = 0 } = {}) {
    if (!this.shapes.length && !this.onDemand) return;
    if (limit && Object.keys(shape).length !== 1) throw new TypeError('loadShape: a window names one type');
    const text = JSON.stringify(shape);
    if (!(await this.#loaded(text, limit))) await this.#ask(shape, limit);
    await new Promise((resolve) => {
      const check = async () => {
        if (!this.hydrated || !(await this.#loaded(text, limit))) return;
        this.removeEventListener('status', check);
        resolve();
      };
      this.addEventListener('status', check);
      check();
    });
  }

  // Whether IndexedDB has this shape loaded (whole, or a window at least `limit` wide).
  async #loaded(text, limit) {
    const e = (await this.db.shapes(this.org)).find((s) => s.text === text);
    return !!e && e.hydrated && (!e.limit || (limit > 0 && e.limit >= limit));
  }

  // Records a shape of this tab (a window when `limit`) and has the leader load it.
  async #ask(shape, limit) {
    const text = JSON.stringify(shape);
    if (!this.shapes.some((s) => JSON.stringify(s) === text)) this.shapes.push(shape);
    await this.db.addShape(this.org, text, limit);
    this.hydrated = await this.#shapesHydrated();
    if (this.leader) this.leader.shapesChanged();
    else this.tabs.post({ type: 'shapes' });
    this.#emit('change');
    this.emitStatus();
  }

  /** Leaves: persists the offset, closes the stream, hands the lock to another tab. */
  stop() {
    this.stopped = true;
    this.presence.leave();
    this.presence.stop();
    this.leader?.stop();
    this.leader = null;
    this.tabs?.stop();
    this.net.stop();
    removeEventListener('pagehide', this.onHide);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.db?.close();
  }

  // ---- reading ----

  /**
   * The entities of a type as this tab should show them: the cache with the outbox laid over
   * (queued creates appear, queued updates win, queued deletes hide). Conflicted entries are
   * not laid over: the server value shows until resolve().
   * @param {string} type
   * @returns {object[]} data objects
   */
  list(type) {
    const view = new Map();
    for (const e of this.entities.values())
      if (e.type === type && this.#shows(type, e.data)) view.set(e.id, { ...e.data });
    for (const o of this.outbox) {
      if (o.type !== type || o.state === 'conflicted') continue;
      if (o.kind === 'create') view.set(o.id, { ...(view.get(o.id) || {}), ...o.value });
      else if (o.kind === 'update' && view.has(o.id)) view.get(o.id)[o.field] = o.value;
      else if (o.kind === 'delete') view.delete(o.id);
    }
    // An edit of this tab may take an entity out of its shapes (or a create may be outside).
    return [...view.values()].filter((d) => this.#shows(type, d));
  }

  // This tab's shapes decide; none: the whole org, or nothing for a tab loading on demand.
  #shows(type, data) {
    return this.shapes.length ? inAny(this.shapes, type, data) : !this.onDemand;
  }

  /** @param {string} type @param {string} id @returns {object|null} */
  get(type, id) {
    return this.list(type).find((d) => d.id === id) ?? null;
  }

  /** The cached server state (data and fieldTx) of one entity. */
  entity(type, id) {
    return this.entities.get(keyOf(type, id)) ?? null;
  }

  /** @returns {{pending: boolean, conflicted: boolean}} outbox state of one entity */
  entityState(type, id) {
    const mine = this.outbox.filter((o) => o.type === type && o.id === id);
    return { pending: mine.some((o) => o.state !== 'conflicted'), conflicted: mine.some((o) => o.state === 'conflicted') };
  }

  /** @param {string} txId @returns {string|undefined} lifecycle state */
  state(txId) {
    return this.states.get(txId);
  }

  /** @returns {Conflict[]} entries waiting for resolve(), oldest first */
  conflicts() {
    return this.outbox.filter((o) => o.state === 'conflicted').map((o) => ({
      seq: o.seq, type: o.type, id: o.id, field: o.field, mine: o.value,
      server: o.conflict?.serverValue ?? null, serverTransactionId: o.conflict?.serverTransactionId ?? null,
      via: o.conflict?.via ?? null, base: o.conflict?.base ?? null, ranges: rangesNow(o),
    }));
  }

  /** @returns {import('./syncline-idb.js').OutboxEntry[]} the shared outbox, oldest first */
  outboxEntries() {
    return this.outbox.map((o) => ({ ...o }));
  }

  /** Network, leadership and outbox summary for an indicator. */
  get status() {
    return {
      online: this.net.usable, verified: this.net.verified, latency: this.net.latency,
      forcedOffline: this.net.forcedOffline, leader: this.leader !== null,
      stream: this.leader ? this.leader.streamState : this.leaderStream,
      hydrated: this.hydrated,
      pending: this.outbox.filter((o) => o.state !== 'conflicted').length,
      conflicts: this.outbox.filter((o) => o.state === 'conflicted').length,
    };
  }

  // ---- writing ----

  /**
   * Creates an entity (optimistic). `data.id` is generated when absent.
   * @param {string} type @param {object} data
   * @returns {Promise<string>} the txId
   */
  async create(type, data) {
    const id = data.id ?? makeId();
    const txId = this.#mint();
    await this.db.queueCreate(this.#key(type, id), { ...data, id }, txId, this.sourceId, this.#offline());
    await this.#queued();
    return txId;
  }

  /**
   * Updates fields, one mutation per field (FE-MUT-010), each expecting the txId the
   * field-tx store holds for it: read from IndexedDB in the transaction that queues the edit
   * (this tab's memory may lag the leader's last answer). An edit of a field whose entry is
   * conflicted folds into that entry, which stays conflicted (so does the returned txId).
   * @param {string} type @param {string} id @param {object} fields
   * @returns {Promise<string[]>} the txIds
   */
  async update(type, id, fields) {
    const txIds = [];
    for (const [field, value] of Object.entries(fields)) {
      const txId = this.hlc.createTransactionId();
      const r = await this.db.queueUpdate(this.#key(type, id), field, value, txId, undefined, this.sourceId,
        this.#offline());
      this.setState(txId, r === 'squashed-conflicted' ? 'conflicted' : 'pending');
      txIds.push(txId);
    }
    await this.#queued();
    return txIds;
  }

  /**
   * Deletes an entity. Its queued and conflicted edits are cancelled; a delete of a
   * never-sent create cancels both: their txIds end 'failed' with detail
   * {reason: 'cancelled'}, the delete's 'confirmed'.
   * @param {string} type @param {string} id
   * @returns {Promise<string>} the txId
   */
  async remove(type, id) {
    const txId = this.#mint();
    const r = await this.db.queueDelete(this.#key(type, id), txId, null, this.sourceId, this.#offline());
    for (const t of r.cancelled) this.setState(t, 'failed', { reason: 'cancelled' });
    if (!r.queued) this.setState(txId, 'confirmed', { reason: 'nothing to send' });
    await this.#queued();
    return txId;
  }

  /**
   * Resolves a conflict (OFFLINE-020..024), atomically: check and change happen in one
   * IndexedDB transaction, so of two tabs resolving the same conflict only the first acts.
   * 'mine' re-sends the local value and 'merge' the given one, each with a new txId and
   * expectedTransactionId = the field's txId in the cache now (else the conflict's server
   * txId); 'server' drops the entry and keeps the server value (already in the cache).
   * @param {number} seq from conflicts()
   * @param {'mine'|'server'|'merge'} choice
   * @param {*} [value] the merged value
   * @returns {Promise<string|null>} the new txId; null for 'server', and when `seq` is not
   *   a conflict (any more): resolved elsewhere, nothing was changed or minted
   */
  async resolve(seq, choice, value) {
    const txId = choice === 'server' ? null : this.hlc.createTransactionId();
    const e = await this.db.resolveConflict(seq, choice, value, txId);
    if (!e) return null;
    if (txId) this.setState(txId, 'pending');
    await this.#queued();
    return txId;
  }

  /**
   * Forces this origin's sync offline (every tab of the org): no requests, stream closed,
   * edits stay in the outbox. Off again: reconnect upstream-first, then flush.
   * @param {boolean} on
   */
  async setForcedOffline(on) {
    await this.db.setMeta('forcedOffline', on);
    this.tabs.post({ type: 'forced-offline', on });
    this.net.setForcedOffline(on);
  }

  // ---- for the leader (syncline-leader.js), through its host ----

  /** All the leader may use of this tab (LeaderHost in syncline-leader.js), read at each call. */
  #leaderHost() {
    return {
      org: this.org, baseUrl: this.baseUrl, streamToken: typeof this.token === 'function' ? this.token : undefined,
      online: () => this.net.usable, db: () => this.db, post: (msg) => this.tabs.post(msg),
      request: (method, path, body) => api(this.net, method, path, body, this.token),
      lines: (path) => getLines(this.net, path, this.token),
      presence: (p) => this.presence.apply(p), presenceReset: () => this.presence.reset(),
      statusChanged: () => this.emitStatus(), error: (code) => this.#emit('error', { code }),
      progress: (p) => this.#emit('progress', p), apply: (msg) => this.applyMessage(msg),
      noteTransaction: (msg) => this.noteTransaction(msg), replace: (items) => this.replaceEntities(items),
      entity: (type, id) => this.entity(type, id), postEntity: (e) => this.postEntity(e),
      takeResponse: (type, id, rep, version) => this.takeResponse(type, id, rep, version),
      hydrated: () => this.hydrated, setHydrated: () => this.setHydrated(),
      state: (txId) => this.states.get(txId), confirm: (txId) => this.setState(txId, 'confirmed'),
      echoed: (txId) => this.streamed.has(txId), conflict: (e, detail, entity) => this.conflict(e, detail, entity),
      settled: async (e, state, detail) => { this.setEntryState(e, state, detail); await this.outboxChanged(); },
      path: (type) => `/organizations/${encodeURIComponent(this.org)}/${this.schema[type]?.plural ?? `${type}s`}`,
      mergesText: (type, field) => this.schema[type]?.fields?.[field]?.merge === 'text',
      anyType: () => this.entityTypes[0],
    };
  }

  /** The declared types come from the server (GET /schema); offline, from the last copy. */
  async #learnSchema() {
    const r = await api(this.net, 'GET', '/schema');
    if (r.status === 200 && r.body?.types && typeof r.body.types === 'object') {
      this.schema = r.body.types;
      await this.db.setMeta('schema', this.schema);
    } else {
      this.schema = (await this.db.meta('schema')) ?? {};
    }
    this.entityTypes = this.requestedTypes ?? Object.keys(this.schema);
  }

  /** Applies one stream message to memory (the field-tx store, the HLC, lifecycles). */
  applyMessage(msg) {
    const k = keyOf(msg.entityType, msg.entityId);
    if (msg.data && typeof msg.data === 'object')
      this.entities.set(k, { type: msg.entityType, id: msg.entityId, data: msg.data, fieldTx: msg.fieldTx || {} });
    else this.entities.delete(k);
    for (const t of Object.values(msg.fieldTx || {})) this.hlc.receive(t);
    this.noteTransaction(msg);
    this.#emit('change');
  }

  /**
   * What a stream message says about transactions, without its row (a snapshot already holds
   * a newer one): the clock, the echo that confirms a sent mutation.
   */
  noteTransaction(msg) {
    const t = msg.tx?.transactionId;
    if (t) {
      this.hlc.receive(t);
      this.streamed.add(t);
      if (this.streamed.size > STREAMED_MAX) this.streamed.delete(this.streamed.values().next().value);
      if (this.states.get(t) === 'sent') this.setState(t, 'confirmed', undefined, false);
    }
  }

  /** Replaces the whole cache (a snapshot, a reset). */
  replaceEntities(items) {
    this.entities = new Map(items.map((e) => [keyOf(e.type, e.id), e]));
    for (const e of items) for (const t of Object.values(e.fieldTx)) this.hlc.receive(t);
    this.#emit('replace'); // the whole cache at once (snapshot, reset, reload from IndexedDB)
    this.#emit('change');
  }

  /**
   * Takes the entity representation of a response (2xx or 409) into memory. When the stream
   * already delivered `version` (our own txId for a 2xx, the row's last txId for a 409), the
   * stream is at least as new (it is ordered) and the representation is dropped: a late
   * answer must not bring back an entity deleted since, nor regress a field. Otherwise it is
   * merged per field, the higher txId winning (mergeEntity).
   * @param {string} type @param {string} id @param {object|null} rep
   * @param {string|null} version
   * @returns {{type: string, id: string, data: object|null, fieldTx: object}|null} the state
   *   to store and forward (data null = gone); null when dropped
   */
  takeResponse(type, id, rep, version) {
    if (version && this.streamed.has(version)) return null;
    const e = this.#putEntity(type, id, rep);
    return { type, id, data: e?.data ?? null, fieldTx: e?.fieldTx ?? {} };
  }

  /** Forwards a state from takeResponse() to the other tabs (after it is stored). */
  postEntity(e) {
    this.tabs.post({ type: 'entity', entityType: e.type, id: e.id, rep: e.data ? { data: e.data, fieldTx: e.fieldTx } : null });
  }

  /** Whether an edit made now is an offline edit: the stream (the leader's) is not live. */
  #offline() {
    return this.status.stream !== 'live';
  }

  /**
   * Records a conflict: kept for resolve() when the edit was made offline or the field is
   * manual (as the native SDK), else server wins (the entry is dropped; the cache holds the
   * server value). Either way 'conflicted'. `entity` (from takeResponse) is stored in the same
   * transaction, then forwarded. The outbox is re-read before the 'mutation' event, so a
   * listener finds the kept conflict in conflicts(); the event's detail names it either way
   * (type, id, field, mine, server, seq: null when the server won).
   */
  async conflict(e, detail, entity = null) {
    const manual = e.offline || this.#isManual(e.type, e.field);
    await this.db.settle(e.seq, manual ? { state: 'conflicted', conflict: detail } : null, this.org, entity);
    if (entity) this.postEntity(entity);
    await this.outboxChanged();
    this.setEntryState(e, 'conflicted', {
      ...detail, type: e.type, id: e.id, field: e.field ?? null, mine: e.value ?? null,
      server: detail?.serverValue ?? null, seq: manual ? e.seq : null,
    });
    if (manual) this.#emit('conflict', { seq: e.seq });
  }

  /** Re-reads the outbox and tells the other tabs to. */
  async outboxChanged() {
    this.outbox = await this.db.outbox(this.org);
    this.tabs.post({ type: 'outbox' });
    this.#emit('change');
    this.emitStatus();
  }

  /**
   * Sets a lifecycle state; forwarded to the other tabs unless it came from one. `folded`
   * names the txIds squashed or merged into `txId`'s entry: they share its states from now
   * on (their own ids never reach the server, so the stream echoes only `txId`).
   */
  setState(txId, state, detail, forward = true, folded = []) {
    if (folded.length) this.folded.set(txId, folded);
    for (const t of [txId, ...(this.folded.get(txId) ?? [])]) {
      this.states.set(t, state);
      this.dispatchEvent(new CustomEvent('mutation', { detail: { txId: t, state, detail } }));
    }
    if (forward) this.tabs.post({ type: 'state', txId, state, detail, folded });
  }

  /** Sets the state of an outbox entry's txId and of every txId folded into it. */
  setEntryState(e, state, detail) {
    this.setState(e.txId, state, detail, true, e.txIds.filter((t) => t !== e.txId));
  }

  setHydrated() {
    this.hydrated = true;
    this.emitStatus();
  }

  emitStatus() {
    this.#emit('status');
  }

  emitPresence(p) {
    this.#emit('presence', p);
  }

  // ---- internals ----

  #key(type, id) {
    return { org: this.org, type, id };
  }

  #mint() {
    const t = this.hlc.createTransactionId();
    this.setState(t, 'pending');
    return t;
  }

  // Lays a representation over memory (per field, the higher txId wins); data null = gone.
  #putEntity(type, id, rep) {
    const k = keyOf(type, id);
    let e = null;
    if (!rep || !rep.data) this.entities.delete(k);
    else {
      e = { type, id, ...mergeEntity(this.entities.get(k), rep) };
      for (const t of Object.values(e.fieldTx)) this.hlc.receive(t);
      this.entities.set(k, e);
    }
    this.#emit('change');
    return e;
  }

  #isManual(type, field) {
    if (this.manual === true) return true;
    // 'text': the server merged what it could; a 409 left is for the user (DESIGN §21).
    if (['manual', 'text'].includes(this.schema[type]?.fields?.[field]?.merge)) return true;
    return !!(this.manual && Array.isArray(this.manual[type]) && this.manual[type].includes(field));
  }

  async #queued() {
    await this.outboxChanged();
    if (this.leader) this.leader.flush();
    else this.tabs.post({ type: 'flush' });
  }

  #emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // Loads the cache and outbox from IndexedDB. Messages from other tabs that arrive
  // meanwhile are held and applied afterwards, in order (they carry whole entities, so
  // applying one the stored cache already has is harmless).
  #reload() {
    this.reloading = this.reloading.then(async () => {
      this.tabBuffer = [];
      try {
        const [rows, outbox, offset] = await Promise.all([
          this.db.entities(this.org), this.db.outbox(this.org), this.db.offset(this.org)]);
        this.replaceEntities(rows);
        this.outbox = outbox;
        if (offset !== null && (await this.#shapesHydrated())) this.hydrated = true;
      } finally {
        const held = this.tabBuffer;
        this.tabBuffer = null;
        for (const m of held) this.#onTab(m);
      }
      this.#emit('change');
      this.emitStatus();
    });
    return this.reloading;
  }

  // Whether IndexedDB has every shape of this tab hydrated (listed by a leader).
  async #shapesHydrated() {
    const mine = this.shapes.length || this.onDemand ? this.shapes.map((s) => JSON.stringify(s)) : ['*'];
    const known = await this.db.shapes(this.org);
    return mine.every((t) => known.some((e) => e.text === t && e.hydrated));
  }

  #onTab(m) {
    if (this.stopped || !m || typeof m !== 'object') return;
    if (this.tabBuffer && (m.type === 'change' || m.type === 'entity')) {
      this.tabBuffer.push(m);
      return;
    }
    switch (m.type) {
      case 'change': this.applyMessage(m.msg); break;
      case 'entity': this.#putEntity(m.entityType, m.id, m.rep); break;
      case 'state': this.setState(m.txId, m.state, m.detail, false, m.folded); break;
      case 'outbox': this.db.outbox(this.org).then((o) => { this.outbox = o; this.#emit('change'); this.emitStatus(); }); break;
      case 'hydrated': this.#reload().then(async () => { if (await this.#shapesHydrated()) this.setHydrated(); }); break;
      case 'shapes': this.leader?.shapesChanged(); break;
      case 'status': this.leaderStream = m.stream; this.emitStatus(); break;
      case 'progress': this.#emit('progress', m.progress); break; // a snapshot loading in the leader
      case 'hello':
        if (!this.leader) break;
        this.tabs.post({ type: 'status', stream: this.leader.streamState });
        this.leader.shapesChanged(); // it may show a shape the stream does not carry yet
        break;
      case 'flush': this.leader?.flush(); break;
      case 'forced-offline': this.net.setForcedOffline(m.on); break;
      case 'presence': this.presence.apply(m.p); break;
      case 'presence-reset': this.presence.reset(); break;
    }
  }
}

// A merge: text conflict's ranges (DESIGN §21); `mine` ranges only while mine is the value the
// server compared (an edit folded into the conflict since moves them).
function rangesNow(o) {
  const ranges = o.conflict?.ranges;
  if (!Array.isArray(ranges)) return null;
  return o.value === o.conflict.mine ? ranges : ranges.map((r) => ({ ...r, mine: null }));
}
