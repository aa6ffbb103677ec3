// Network status (NET-001..010) and the JSON request helper. Online/offline comes from the
// browser's online/offline events, from every request's outcome (any HTTP answer means the
// server is reachable) and from a `HEAD /health` probe every 30 s; `verified` means the last
// probe succeeded within twice the interval. `forcedOffline` (the demo's toggle) wins over
// everything: while it is set no request leaves this module (api() fails at once).

/** @typedef {'fast'|'slow'|'poor'|null} Latency */

export class NetworkStatus extends EventTarget {
  /**
   * @param {string} baseUrl prefix of every request ('' = same origin)
   * @param {number} [intervalMs] probe interval
   */
  constructor(baseUrl, intervalMs = 30000) {
    super();
    this.baseUrl = baseUrl;
    this.intervalMs = intervalMs;
    this.online = navigator.onLine;
    this.forcedOffline = false;
    /** @type {Latency} */ this.latency = null;
    this.lastProbeOk = 0;
    this.timer = null; // null until start() and after stop()
    this.retryTimer = null;
    this.retryMs = 1000;
    this.onOnline = () => this.probe();
    this.onOffline = () => this.#set(false);
  }

  start() {
    addEventListener('online', this.onOnline);
    addEventListener('offline', this.onOffline);
    this.timer = setInterval(() => this.probe(), this.intervalMs);
    this.probe();
  }

  stop() {
    removeEventListener('online', this.onOnline);
    removeEventListener('offline', this.onOffline);
    clearInterval(this.timer);
    clearTimeout(this.retryTimer);
    this.timer = null;
  }

  /** @returns {boolean} true when requests may be attempted */
  get usable() {
    return this.online && !this.forcedOffline;
  }

  /** @returns {boolean} the last probe succeeded within twice the interval */
  get verified() {
    return this.usable && Date.now() - this.lastProbeOk < 2 * this.intervalMs;
  }

  /** @param {boolean} on */
  setForcedOffline(on) {
    if (this.forcedOffline === on) return;
    this.forcedOffline = on;
    this.dispatchEvent(new Event('change'));
    if (!on) this.probe();
  }

  /** Records a request outcome. @param {boolean} reached */
  report(reached) {
    this.#set(reached);
  }

  async probe() {
    if (this.forcedOffline) return;
    const started = performance.now();
    try {
      const r = await fetch(this.baseUrl + '/health', { method: 'HEAD', cache: 'no-store' });
      const ms = performance.now() - started;
      if (!r.ok) return this.#set(false);
      this.lastProbeOk = Date.now();
      this.latency = ms < 200 ? 'fast' : ms < 1000 ? 'slow' : 'poor';
      this.#set(true, true);
    } catch {
      this.#set(false, true);
    }
  }

  #set(online, probed = false) {
    // While offline, probe again soon (1 s doubling up to the interval): one failed request
    // must not cost a whole interval of staying offline.
    clearTimeout(this.retryTimer);
    if (online) this.retryMs = 1000;
    else if (!this.forcedOffline && this.timer !== null) {
      this.retryTimer = setTimeout(() => this.probe(), this.retryMs);
      this.retryMs = Math.min(this.retryMs * 2, this.intervalMs);
    }
    if (this.online === online && !probed) return;
    this.online = online;
    this.dispatchEvent(new Event('change'));
  }
}

/**
 * @typedef {(stale: boolean) => Promise<string>} TokenSource the current bearer token; with
 *   `stale` true (the server said 401) a fresh one from the app's provider (JWT-008)
 */

/**
 * One JSON request. Never throws: `status` 0 means no answer (offline, or forced offline).
 * @param {NetworkStatus} net
 * @param {string} method @param {string} path
 * @param {object} [body]
 * @param {string|TokenSource} [token] bearer token, or where to get one (a 401 is then retried
 *   once with a fresh token); without one the session cookie authenticates
 * @returns {Promise<{status: number, body: any}>}
 */
export async function api(net, method, path, body, token) {
  const first = await once(net, method, path, body, typeof token === 'function' ? await token(false) : token);
  if (first.status !== 401 || typeof token !== 'function') return first;
  return once(net, method, path, body, await token(true));
}

async function once(net, method, path, body, token) {
  if (net.forcedOffline) return { status: 0, body: null };
  const headers = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  let r;
  try {
    r = await fetch(net.baseUrl + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin', cache: 'no-store',
    });
  } catch {
    net.report(false);
    return { status: 0, body: null };
  }
  net.report(true);
  let parsed = null;
  try {
    parsed = r.status === 204 ? null : await r.json();
  } catch {
    parsed = null; // a truncated answer counts as an answer without a body
  }
  return { status: r.status, body: parsed };
}

/**
 * A GET whose body is read as a stream of lines (a snapshot: hundreds of MB, never held whole).
 * Never throws for the request itself: `status` 0 means no answer. `lines` yields each line
 * (without its newline) as the body arrives; it throws when the connection breaks mid-body.
 * @param {NetworkStatus} net @param {string} path @param {string|TokenSource} [token]
 * @returns {Promise<{status: number, lines: AsyncGenerator<string>|null}>}
 */
export async function getLines(net, path, token) {
  const first = await openBody(net, path, typeof token === 'function' ? await token(false) : token);
  if (first.status !== 401 || typeof token !== 'function') return first;
  return openBody(net, path, await token(true));
}

async function openBody(net, path, token) {
  if (net.forcedOffline) return { status: 0, lines: null };
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  let r;
  try {
    r = await fetch(net.baseUrl + path, { headers, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    net.report(false);
    return { status: 0, lines: null };
  }
  net.report(true);
  if (r.status !== 200 || !r.body) {
    r.body?.cancel().catch(() => {});
    return { status: r.status, lines: null };
  }
  return { status: 200, lines: linesOf(r.body) };
}

async function* linesOf(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let partial = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      let start = 0;
      for (let nl = value.indexOf('\n'); nl !== -1; nl = value.indexOf('\n', start)) {
        const line = partial + value.slice(start, nl);
        partial = '';
        start = nl + 1;
        yield line;
      }
      partial += value.slice(start);
    }
    if (partial) yield partial; // a last line without its newline (a cut answer shows as such)
  } finally {
    reader.releaseLock();
  }
}

/** A TokenSource over the app's provider: one token until it is stale, one refresh at a time. */
export function tokenSource(provider) {
  let current = null;
  let pending = null;
  return async (stale) => {
    if (current && !stale) return current;
    if (!pending) pending = Promise.resolve().then(provider).finally(() => { pending = null; });
    current = await pending;
    return current;
  };
}
