// One stream per browser and org (TAB-001..022): the tabs of an origin elect a leader with the
// Web Lock `syncline-sync-leader:<org>` and talk over the BroadcastChannel `syncline-sync:<org>`
// (the names of DESIGN §8's lock file and socket, scoped by org because the stream is). The
// lock is held for the tab's lifetime: the browser releases it when the tab closes or
// crashes, and the oldest waiting tab gets it (TAB handoff). Visible tabs are preferred: a tab
// that starts hidden waits 300 ms before queueing for the lock (the native SDK's priority
// delay), so a visible tab starting at the same time queues first. Once queued, order is
// first come, first served; a leader that becomes hidden keeps the lock (moving the stream
// would cost a reconnect and buys nothing: hidden tabs still run timers and network).

const HIDDEN_DELAY_MS = 300;

export class TabCoordinator {
  /**
   * @param {string} org
   * @param {(msg: object) => void} onMessage messages of the other tabs, in send order per tab
   */
  constructor(org, onMessage) {
    this.lockName = `syncline-sync-leader:${org}`;
    this.channel = new BroadcastChannel(`syncline-sync:${org}`);
    this.channel.onmessage = (e) => onMessage(e.data);
    this.abort = new AbortController();
    this.release = null;
    this.leader = false;
  }

  /**
   * Queues for the leader lock; `onLeader` runs once this tab holds it (maybe never).
   * @param {() => Promise<void>|void} onLeader
   */
  async elect(onLeader) {
    if (document.visibilityState === 'hidden')
      await new Promise((r) => setTimeout(r, HIDDEN_DELAY_MS));
    if (this.abort.signal.aborted) return;
    navigator.locks
      .request(this.lockName, { signal: this.abort.signal }, async () => {
        this.leader = true;
        const held = new Promise((r) => { this.release = r; });
        await onLeader();
        await held; // hold the lock until stop() or the tab goes away
      })
      .catch(() => { /* aborted by stop() */ });
  }

  /** Sends to every other tab of this org (never to this one). @param {object} msg */
  post(msg) {
    try {
      this.channel.postMessage(msg);
    } catch { /* closed during stop() */ }
  }

  /** Releases the lock (or leaves the queue) and closes the channel. */
  stop() {
    this.abort.abort();
    if (this.release) this.release();
    this.leader = false;
    this.channel.close();
  }
}
