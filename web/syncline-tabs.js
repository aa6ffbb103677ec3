// One stream per browser, local database and org (TAB-001..022): the tabs of an origin elect a
// leader with the Web Lock `syncline-sync-leader:<dbName>:<org>` and talk over the
// BroadcastChannel `syncline-sync:<dbName>:<org>` (the names of DESIGN §8's lock file and
// socket, scoped by org because the stream is, and by database because the leader writes one:
// two apps of an origin with their own databases must not follow each other's leader). The
// lock is held for the tab's lifetime: the browser releases it when the tab closes or
// crashes, and the oldest waiting tab gets it (TAB handoff).
//
// Visible tabs are preferred, for as long as a tab waits: a hidden tab queues for the lock
// only after 300 ms (the native SDK's priority delay), so a visible tab starting with it
// queues first; a waiting tab that becomes hidden leaves the queue (AbortSignal) and queues
// again after 300 ms, behind the visible ones; a waiting tab that becomes visible queues again
// at once if it had left. Once queued, order is first come, first served. A leader that
// becomes hidden keeps the lock (moving the stream would cost a reconnect and buys nothing:
// hidden tabs still run timers and network).

const HIDDEN_DELAY_MS = 300;

export class TabCoordinator {
  /**
   * @param {string} dbName the IndexedDB database the tabs share
   * @param {string} org
   * @param {(msg: object) => void} onMessage messages of the other tabs, in send order per tab
   */
  constructor(dbName, org, onMessage) {
    this.lockName = `syncline-sync-leader:${dbName}:${org}`;
    this.channel = new BroadcastChannel(`syncline-sync:${dbName}:${org}`);
    this.channel.onmessage = (e) => onMessage(e.data);
    this.waiting = null; // AbortController of the pending lock request
    this.queueTimer = null;
    this.onLeader = null;
    this.release = null;
    this.leader = false;
    this.stopped = false;
    this.onVisibility = () => {
      if (this.leader || this.stopped || !this.onLeader) return;
      if (document.visibilityState === 'hidden') {
        this.waiting?.abort(); // leave the queue; its catch() clears `waiting`
        this.waiting = null;
        this.#queue(HIDDEN_DELAY_MS);
      } else {
        this.#queue(0); // no-op when still queued
      }
    };
  }

  /**
   * Queues for the leader lock; `onLeader` runs once this tab holds it (maybe never).
   * @param {() => Promise<void>|void} onLeader
   */
  elect(onLeader) {
    this.onLeader = onLeader;
    document.addEventListener('visibilitychange', this.onVisibility);
    this.#queue(document.visibilityState === 'hidden' ? HIDDEN_DELAY_MS : 0);
  }

  /** @returns {boolean} a lock request of this tab is pending */
  get queued() {
    return this.waiting !== null;
  }

  // Requests the lock after `delay` ms, unless this tab leads, waits already, or stopped.
  #queue(delay) {
    clearTimeout(this.queueTimer);
    this.queueTimer = null;
    if (delay > 0) {
      this.queueTimer = setTimeout(() => this.#queue(0), delay);
      return;
    }
    if (this.stopped || this.leader || this.waiting) return;
    const ac = new AbortController();
    this.waiting = ac;
    navigator.locks
      .request(this.lockName, { signal: ac.signal }, async () => {
        if (this.waiting === ac) this.waiting = null;
        if (this.stopped) return; // granted while stopping: hand it on at once
        this.leader = true;
        clearTimeout(this.queueTimer);
        document.removeEventListener('visibilitychange', this.onVisibility);
        const held = new Promise((r) => { this.release = r; });
        await this.onLeader();
        await held; // hold the lock until stop() or the tab goes away
      })
      .catch(() => { if (this.waiting === ac) this.waiting = null; }); // aborted: left the queue
  }

  /** Sends to every other tab of this org (never to this one). @param {object} msg */
  post(msg) {
    try {
      this.channel.postMessage(msg);
    } catch { /* closed during stop() */ }
  }

  /** Releases the lock (or leaves the queue) and closes the channel. */
  stop() {
    this.stopped = true;
    clearTimeout(this.queueTimer);
    document.removeEventListener('visibilitychange', this.onVisibility);
    this.waiting?.abort();
    this.waiting = null;
    if (this.release) this.release();
    this.leader = false;
    this.channel.close();
  }
}
