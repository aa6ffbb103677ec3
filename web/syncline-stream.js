// The live stream of one org (DESIGN §6) over EventSource, with the hydration barrier: after
// every (re)connect the server replays changes above our offset and then sends
// `event: offset`; until that event, change messages are collected, and then handed over in
// one batch (`onCaughtUp`), so the caller can apply them in order and run the upstream-first
// checks before anything is flushed. Live messages after the barrier go to `onLive` one by
// one, in order. Connection errors close the EventSource and reopen it from the caller's
// current offset with a backoff of 1 s doubling to 30 s (the browser's own retry would resume
// the same way, but could not be paused while offline). The session cookie authenticates
// (EventSource cannot send headers), so the page must be same-origin with the API.
//
// With a token source (JWT-008: the app's identity provider), the stream is read with fetch
// instead (FetchEventSource below: the subset of EventSource used here), so the token goes in
// the Authorization header and HTTP statuses are known; `event: error {"code":"token_expired"}`
// (the server ends the stream at the token's exp) reconnects at once with a fresh token.
//
// EventSource hides HTTP statuses: a connection that fails before it opened may be a refusal.
// Then one JSON request (`GET …/live?offset=now`, through `probe`) tells: 403 (not a member)
// ends streaming (state 'forbidden', onFatal('forbidden'), no more reconnects); 401 (no
// session) is state 'unauthorized' and onFatal('unauthorized'), retried with the backoff;
// anything else is retried as a network error. `conn` counts connections, so a caller can
// tell a step queued for an older one.

const MAX_BACKOFF_MS = 30000;

/**
 * @typedef {object} StreamHandlers
 * @property {(batch: object[], cursor: number) => void} onCaughtUp the barrier passed
 * @property {(msg: object) => void} onLive one change after the barrier
 * @property {(cursor: number) => void} onOffset a keep-alive moved the scanned position
 * @property {() => void} onReset the offset predates the sync epoch: drop the cache, reload
 * @property {(code: 'forbidden'|'unauthorized') => void} onFatal refused: 'forbidden' (by
 *   `event: error` or a 403) stops streaming; 'unauthorized' (401) is retried
 * @property {() => Promise<number>} probe the HTTP status of the JSON form of /live (0 = none)
 * @property {(state: StreamState) => void} onState
 * @property {(stale: boolean) => Promise<string>} [token] bearer tokens (see syncline-net.js)
 * @property {() => string} [shape] the `shape` of the next connection ('' = the whole org)
 */

/** @typedef {'connecting'|'catching-up'|'live'|'closed'|'unauthorized'|'forbidden'} StreamState */

export class LiveStream {
  /**
   * @param {string} baseUrl @param {string} org
   * @param {() => (number|null)} offsetNow where to resume (null = 'now')
   * @param {StreamHandlers} h
   */
  constructor(baseUrl, org, offsetNow, h) {
    this.baseUrl = baseUrl;
    this.org = org;
    this.offsetNow = offsetNow;
    this.h = h;
    /** @type {EventSource|null} */ this.es = null;
    this.batch = null; // non-null while catching up
    this.backoff = 1000;
    this.retryTimer = null;
    this.wanted = false;
    this.conn = 0; // bumped by every open()
    this.unauthorized = false; // the last attempt got a 401 (reported once until one opens)
    this.stale = false; // the next connection asks the token source for a fresh token
  }

  /** Opens the stream (no-op if open). */
  open() {
    this.wanted = true;
    if (this.es) return;
    clearTimeout(this.retryTimer);
    const offset = this.offsetNow();
    const shape = this.h.shape?.() ?? ''; // the tabs' union (DESIGN §16), '' = the whole org
    // features=refetch: a bulk change of a type comes as `event: refetch` (DESIGN §18), in
    // order with the changes (its data has action 'refetch'), instead of a reset.
    const url = `${this.baseUrl}/organizations/${encodeURIComponent(this.org)}/live?live=sse&features=refetch&offset=${offset ?? 'now'}`
      + (shape ? `&shape=${encodeURIComponent(shape)}` : '');
    const es = this.h.token ? new FetchEventSource(url, this.h.token, this.stale) : new EventSource(url);
    this.stale = false;
    const conn = ++this.conn;
    let opened = false;
    this.es = es;
    this.batch = [];
    this.h.onState('connecting');
    es.onopen = () => {
      if (this.es !== es) return;
      opened = true;
      this.unauthorized = false;
      this.batch = [];
      this.h.onPresenceReset?.(); // the new stream begins with who is here
      this.h.onState('catching-up');
    };
    es.addEventListener('change', (e) => this.#change(es, e));
    es.addEventListener('refetch', (e) => this.#change(es, e));
    es.addEventListener('offset', (e) => this.#offset(es, e));
    es.addEventListener('presence', (e) => {
      if (this.es !== es) return;
      let p;
      try { p = JSON.parse(e.data); } catch { return; } // malformed bytes are skipped
      if (p && typeof p === 'object') this.h.onPresence?.(p);
    });
    es.addEventListener('reset', () => {
      if (this.es !== es) return;
      this.#drop();
      this.h.onReset();
    });
    es.addEventListener('error', (e) => {
      if (this.es !== es) return;
      // A server `event: error` frame has data (a MessageEvent, or FetchEventSource's object);
      // a connection error has none.
      let code = null;
      if (typeof e.data === 'string')
        try { code = JSON.parse(e.data).code; } catch { code = 'unknown'; }
      this.#drop();
      if (code === 'forbidden') return this.#refused(403);
      if (code === 'token_expired') {
        this.stale = true;
        return this.open();
      }
      if (e.status === 401) this.stale = true;
      if (e.status === 401 || e.status === 403) return this.#refused(e.status);
      if (!opened && code === null && e.status === undefined) return this.#probe(conn);
      this.#retryLater();
    });
  }

  /** Closes the stream and stops reconnecting until open() is called again. */
  close() {
    this.wanted = false;
    clearTimeout(this.retryTimer);
    this.#drop();
  }

  /** @returns {boolean} connected and past the barrier */
  get live() {
    return this.es !== null && this.batch === null;
  }

  #change(es, e) {
    if (this.es !== es) return;
    let msg;
    try { msg = JSON.parse(e.data); } catch { return; } // malformed bytes are skipped
    if (!msg || typeof msg !== 'object') return;
    if (this.batch) this.batch.push(msg);
    else this.h.onLive(msg);
  }

  #offset(es, e) {
    if (this.es !== es) return;
    let cursor = Number(e.lastEventId);
    try { cursor = Number(JSON.parse(e.data).cursor); } catch { /* the id is enough */ }
    if (!Number.isFinite(cursor)) return;
    if (this.batch) {
      const batch = this.batch;
      this.batch = null;
      this.backoff = 1000;
      this.h.onState('live');
      this.h.onCaughtUp(batch, cursor);
    } else {
      this.h.onOffset(cursor);
    }
  }

  // The connection failed before it opened: ask the JSON form why (401/403 or the network).
  async #probe(conn) {
    let status = 0;
    try { status = await this.h.probe(); } catch { /* no answer */ }
    if (!this.wanted || this.es || this.conn !== conn) return; // closed or reopened meanwhile
    if (status === 401 || status === 403) this.#refused(status);
    else this.#retryLater();
  }

  #refused(status) {
    if (status === 403) {
      this.wanted = false;
      clearTimeout(this.retryTimer);
      this.h.onState('forbidden');
      this.h.onFatal('forbidden');
      return;
    }
    this.h.onState('unauthorized');
    if (!this.unauthorized) this.h.onFatal('unauthorized');
    this.unauthorized = true;
    this.#retryLater();
  }

  #drop() {
    if (this.es) this.es.close();
    this.es = null;
    this.batch = null;
    this.h.onState('closed');
  }

  #retryLater() {
    if (!this.wanted) return;
    clearTimeout(this.retryTimer);
    const wait = this.backoff * (0.8 + Math.random() * 0.4);
    this.backoff = Math.min(this.backoff * 2, MAX_BACKOFF_MS);
    this.retryTimer = setTimeout(() => { if (this.wanted) this.open(); }, wait);
  }
}

/**
 * The part of EventSource LiveStream uses, over fetch, so a bearer token can be sent: `onopen`,
 * addEventListener(type) with {data, lastEventId} events, an `error` event (with the HTTP
 * `status` when there was an answer, no `data`) when the connection fails or ends, close().
 * The body is parsed as the WHATWG event-stream format; it never reconnects by itself.
 */
export class FetchEventSource {
  constructor(url, token, stale) {
    this.listeners = new Map();
    this.onopen = null;
    this.abort = new AbortController();
    this.#run(url, token, stale);
  }

  addEventListener(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
  }

  close() {
    this.closed = true;
    this.abort.abort();
  }

  #emit(type, event) {
    for (const fn of this.listeners.get(type) ?? []) fn(event);
  }

  async #run(url, token, stale) {
    let status;
    try {
      const r = await fetch(url, {
        headers: { Accept: 'text/event-stream', Authorization: `Bearer ${await token(stale)}` },
        credentials: 'same-origin', cache: 'no-store', signal: this.abort.signal,
      });
      if (r.status !== 200 || !r.body) {
        status = r.status;
        throw new Error('refused');
      }
      if (this.closed) return;
      this.onopen?.();
      const reader = r.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '', data = [], type = '', id = '', lastEventId = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done || this.closed) break;
        buffer += value;
        let nl;
        while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
          const line = buffer.slice(0, nl);
          buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
          if (line === '') { // dispatch
            if (id !== '') lastEventId = id;
            if (data.length) this.#emit(type || 'message', { data: data.join('\n'), lastEventId });
            data = []; type = ''; id = '';
            if (this.closed) return;
            continue;
          }
          if (line.startsWith(':')) continue;
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          let v = colon < 0 ? '' : line.slice(colon + 1);
          if (v.startsWith(' ')) v = v.slice(1);
          if (field === 'data') data.push(v);
          else if (field === 'event') type = v;
          else if (field === 'id' && !v.includes('\0')) id = v;
        }
        if (buffer.length > (16 << 20)) break; // an event over 16 MiB: drop the connection
      }
    } catch { /* the error event below */ }
    if (!this.closed) this.#emit('error', { status });
  }
}
