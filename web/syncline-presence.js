// Presence in the browser (DESIGN §21, COLLAB): who else is here, and where. Each tab is its own
// presence (its clientId is the tab's sourceId): `set(entity, state)` PUTs it at once and every
// 10 s after (the server renews an unchanged PUT without telling anyone; a tab that stops
// renewing is gone 30 s later), `leave()` DELETEs it, and so does a tab being closed (a
// keep-alive request). What others do arrives on the one stream of the origin's tabs: the
// leader tab's stream carries `event: presence`, and the leader forwards each to the other tabs;
// a tab starting meanwhile reads the list once (GET …/presence). `list(entity?)` answers from
// memory; each change is a `presence` event on the client ({action, clientId, userId,
// entityType, entityId, state}).
import { api } from './syncline-net.js';

const HEARTBEAT_MS = 10000;
const key = (p) => `${p.userId}\u0000${p.clientId}`;

export class Presence {
  /** @param {import('./syncline.js').SynclineClient} c */
  constructor(c) {
    this.c = c;
    /** @type {Map<string, PresenceEntry>} */
    this.here = new Map();
    this.mine = null; // the body this tab last set; null: not present
    this.inFlight = null;
    this.dirty = false;
    this.timer = null;
    this.onHide = () => this.#leaveOnClose();
  }

  get path() {
    return `/organizations/${encodeURIComponent(this.c.org)}/presence`;
  }

  /** This tab's presence id (its sourceId). */
  get clientId() {
    return this.c.sourceId;
  }

  /**
   * Says where this tab is and what it does; repeated every 10 s until leave().
   * @param {{type: string, id: string}|null} entity null: in the organization
   * @param {object} [state] ≤ 1 KiB of JSON
   * @returns {Promise<number>} the HTTP status of the PUT (0 offline: the next beat retries)
   */
  set(entity, state = {}) {
    this.mine = {
      clientId: this.clientId, entityType: entity?.type ?? null, entityId: entity?.id ?? null, state,
    };
    if (!this.timer) {
      this.timer = setInterval(() => this.#put(), HEARTBEAT_MS);
      addEventListener('pagehide', this.onHide);
    }
    return this.#put();
  }

  /** Leaves: the others see this tab go at once. */
  async leave() {
    this.#stopBeating();
    if (!this.mine) return;
    this.mine = null;
    // A JSON body: a change signed by the session cookie must be JSON (SEC-050).
    await api(this.c.net, 'DELETE', `${this.path}/${encodeURIComponent(this.clientId)}`, {}, this.c.token);
  }

  /**
   * Who is here (this tab included once the stream echoes it), on one entity or anywhere.
   * @param {{type: string, id: string}} [entity]
   * @returns {PresenceEntry[]}
   */
  list(entity) {
    const all = [...this.here.values()];
    return entity ? all.filter((p) => p.entityType === entity.type && p.entityId === entity.id) : all;
  }

  /** Reads who is here now (a tab that starts while others stream). */
  async load() {
    const r = await api(this.c.net, 'GET', this.path, undefined, this.c.token);
    if (r.status !== 200 || !Array.isArray(r.body?.items)) return;
    for (const p of r.body.items) if (!this.here.has(key(p))) this.apply({ ...p, action: 'join' });
  }

  /** A presence change from the stream (the leader's, or forwarded by it). */
  apply(p) {
    if (!p || typeof p.clientId !== 'string' || typeof p.userId !== 'string') return;
    if (p.action === 'leave') {
      if (!this.here.delete(key(p))) return;
    } else {
      this.here.set(key(p), {
        clientId: p.clientId, userId: p.userId, entityType: p.entityType ?? null, entityId: p.entityId ?? null,
        state: p.state ?? {},
      });
    }
    this.c.emitPresence(p);
  }

  /** The stream starts again (it begins with who is here): forget who was. */
  reset() {
    const gone = [...this.here.values()];
    this.here.clear();
    for (const p of gone) this.c.emitPresence({ ...p, action: 'leave' });
  }

  stop() {
    this.#stopBeating();
    this.here.clear();
  }

  // One PUT at a time; a set() meanwhile is sent right after (the newest state wins).
  async #put() {
    if (this.inFlight) {
      this.dirty = true;
      return this.inFlight;
    }
    let status = 0;
    this.inFlight = (async () => {
      do {
        this.dirty = false;
        if (!this.mine) return 0;
        status = (await api(this.c.net, 'PUT', this.path, this.mine, this.c.token)).status;
      } while (this.dirty);
      return status;
    })();
    try {
      return await this.inFlight;
    } finally {
      this.inFlight = null;
    }
  }

  #stopBeating() {
    clearInterval(this.timer);
    this.timer = null;
    removeEventListener('pagehide', this.onHide);
  }

  // The tab goes away: a request that outlives it (keepalive). With a token provider there is no
  // token to hand synchronously; the presence then expires on its own.
  #leaveOnClose() {
    if (!this.mine || typeof this.c.token === 'function') return;
    const headers = { 'Content-Type': 'application/json' }; // JSON, as every cookie-signed change
    if (this.c.token) headers.Authorization = `Bearer ${this.c.token}`;
    try {
      fetch(`${this.c.baseUrl}${this.path}/${encodeURIComponent(this.clientId)}`, {
        method: 'DELETE', headers, body: '{}', keepalive: true, credentials: 'same-origin',
      });
    } catch { /* the page is going: expiry takes it */ }
  }
}

/**
 * @typedef {object} PresenceEntry
 * @property {string} clientId @property {string} userId
 * @property {string|null} entityType @property {string|null} entityId
 * @property {object} state
 */
