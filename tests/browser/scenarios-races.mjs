// Races and failure paths of the browser client (issue 7 review), run after scenarios.mjs on
// the same profile: tab B leads, bob writes over REST. Where the race is a matter of timing,
// the test widens its window (a held response, a delayed IndexedDB write or tab message, a
// blocked stream step), so each check fails without its fix instead of flaking.
import assert from 'node:assert/strict';
import { sleep, sqlValue, waitFor } from './harness.mjs';
import { rename, setVisibility, shot, shownName, status, waitShown, waitStatus } from './browser.mjs';
import {
  assertSent, bobCreate, bobDelete, bobRename, bobWrite, client, outbox, pagePath, rand, s, serverName, settled,
} from './common.mjs';

const cdpOffline = async (cdp, offline) =>
  cdp.send('Network.emulateNetworkConditions', { offline, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });

/**
 * A route that holds the answer to the first PATCH of `path` until release(): the server has
 * applied (or refused) it, the tab has not heard back.
 */
function holdAnswer(page, path) {
  const match = (url) => url.pathname === path;
  let release;
  const released = new Promise((r) => { release = r; });
  const held = {};
  held.got = new Promise((resolve) => {
    held.handler = async (route) => {
      if (route.request().method() !== 'PATCH' || held.taken) return route.continue();
      held.taken = true;
      held.txId = JSON.parse(route.request().postData()).tx.transactionId;
      const resp = await route.fetch(); // the server applies it now
      held.status = resp.status();
      resolve();
      await released;
      await route.fulfill({ response: resp });
    };
  });
  held.release = release;
  held.install = () => page.route(match, held.handler);
  held.remove = () => page.unroute(match, held.handler);
  return held;
}

// H: a tab that starts while the leader applies a change either reads it from IndexedDB or
// receives it: the leader forwards only after the write committed. Here the write is slowed.
async function startingTabMissesNothing(env) {
  const b = s.b;
  await client(b, () => {
    const db = window.synclineDemo.client.db;
    const write = db.writeEntities.bind(db);
    let once = true;
    db.writeEntities = async (...a) => { // one slow disk write
      if (once) { once = false; await new Promise((r) => setTimeout(r, 4000)); }
      return write(...a);
    };
  });
  const value = `While a tab starts ${rand()}`;
  await bobWrite(env, s.seed, 'description', value);
  const desc = (p) => client(p, (id) => window.synclineDemo.client?.entity('page', id)?.data?.description ?? null, s.seed);
  await waitFor('the leader to apply the change (in memory)', async () => (await desc(b)) === value);
  const t0 = Date.now();
  const c = await env.ctx.newPage(); // starts while the write is pending
  await c.goto(`${env.server.base}/app`);
  await waitStatus(c, 'tab C loaded', (x) => x.hydrated);
  const early = Date.now() - t0 < 4000;
  await waitFor('tab C to have the change', async () => (await desc(c)) === value, 15000);
  env.measured['tab started during a slow cache write → has the change'] = `${Date.now() - t0} ms (loaded before the write: ${early})`;
  await client(b, () => { delete window.synclineDemo.client.db.writeEntities; });
  await c.close();
}

// G: a barrier step queued for an older connection must not open the flush of a newer one.
async function staleBarrierStep() {
  const r = await client(s.b, async () => {
    const L = window.synclineDemo.client.leader;
    const wait = async (pred) => {
      const end = Date.now() + 15000;
      while (!pred() && Date.now() < end) await new Promise((x) => setTimeout(x, 20));
      return pred();
    };
    let open;
    const gate = new Promise((x) => { open = x; });
    L.chain = L.chain.then(() => gate); // hold the stream steps
    L.stream.h.onCaughtUp([], L.offset); // a barrier step of the current connection, queued
    let probe = null;
    L.chain = L.chain.then(() => { probe = { ready: L.ready, live: L.stream.live }; });
    L.stream.close(); // reconnect: the queued step is now stale
    L.stream.open();
    const live = await wait(() => L.stream.live); // the new barrier passed; its step waits
    open();
    const ready = await wait(() => L.ready);
    return { live, probe, ready };
  });
  assert.equal(r.live, true);
  assert.equal(r.probe?.live, true, 'the new connection was live when the stale step ran');
  assert.equal(r.probe.ready, false, 'a stale barrier step opened the flush before the new connection caught up');
  assert.equal(r.ready, true, 'the new connection\'s own barrier opens it');
}

// F: a failed stream step schedules a reconnect; a flush retry (its request got a 503 meanwhile)
// must not cancel it (one timer per job).
async function failedStepAndFlushRetry(env) {
  const b = s.b;
  const target = pagePath(s.created);
  let requestSeen, release;
  const seen = new Promise((r) => { requestSeen = r; });
  const released = new Promise((r) => { release = r; });
  let txId = null;
  const handler = async (route) => {
    if (route.request().method() !== 'PATCH') return route.continue();
    txId = JSON.parse(route.request().postData()).tx.transactionId;
    requestSeen();
    await released;
    await route.fulfill({ status: 503, contentType: 'application/json', body: '{"error":{"code":"UNAVAILABLE","message":"test"}}' });
  };
  const match = (url) => url.pathname === target;
  await b.route(match, handler);
  await rename(b, s.created, 'After a 503');
  await seen;
  // The next stream step fails once (its IndexedDB write): the leader drops the stream and
  // schedules a reconnect in 2 s.
  await client(b, () => {
    const db = window.synclineDemo.client.db;
    db.writeEntities = () => {
      delete db.writeEntities; // once
      return Promise.reject(new Error('test: the disk is full once'));
    };
  });
  await bobWrite(env, s.seed, 'description', `Step fails ${rand()}`);
  await waitStatus(b, 'the stream to drop after the failed step', (x) => x.stream !== 'live');
  const t0 = Date.now();
  release(); // now the held request answers 503: the flush schedules its retry
  await waitStatus(b, 'the stream to reconnect despite the flush retry', (x) => x.stream === 'live', 9000);
  env.measured['failed stream step + 503 on flush → stream live again'] = `${Date.now() - t0} ms`;
  await b.unroute(match, handler);
  await waitFor('the edit to land after the 503s', async () => (await serverName(env, s.created)) === 'After a 503', 30000);
  await settled(b);
  s.resent.set(txId, 0); // 503 answers are retried with the same txId
  assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM activities WHERE tx->>'transactionId' = '${txId}'`), '1');
}

// B: an edit made right after the previous one settled expects that write, even in a tab whose
// memory has not heard of it yet (here: tab F gets the leader's entity messages 1.5 s late).
async function noConflictWithOwnWrite(env) {
  s.f = await env.ctx.newPage();
  await s.f.goto(`${env.server.base}/app`);
  await waitStatus(s.f, 'tab F follows', (x) => x.hydrated && !x.leader && x.stream === 'live');
  await waitShown(s.f, s.seed, await serverName(env, s.seed));
  const r = await client(s.f, async (id) => {
    const c = window.synclineDemo.client;
    const deliver = c.tabs.channel.onmessage;
    c.tabs.channel.onmessage = (e) => {
      if (e.data?.type === 'change' || e.data?.type === 'entity') setTimeout(() => deliver(e), 1500);
      else deliver(e);
    };
    const [first] = await c.update('page', id, { name: 'Own write 1' });
    const end = Date.now() + 15000;
    while (c.outbox.length && Date.now() < end) await new Promise((x) => setTimeout(x, 5));
    const memory = c.entity('page', id)?.fieldTx?.name ?? null; // still the old one
    const [second] = await c.update('page', id, { name: 'Own write 2' });
    const entry = c.outbox.find((o) => o.txId === second);
    await new Promise((x) => setTimeout(x, 1600));
    c.tabs.channel.onmessage = deliver;
    return { first, second, expected: entry?.expected ?? null, memory };
  }, s.seed);
  assert.notEqual(r.memory, r.first, 'the test needs tab F\'s memory to lag the settled write');
  assert.equal(r.expected, r.first, 'the second edit must expect the first (read from IndexedDB)');
  await waitFor('the second edit on the server', async () => (await serverName(env, s.seed)) === 'Own write 2');
  await settled(s.f, 'no conflict against our own write');
  await settled(s.b);
  assertSent(r.first, 1, 'first edit');
  assertSent(r.second, 1, 'second edit');
  assert.equal(s.watch.list.find((x) => x.txId === r.second).expected, r.first);
}

// A: our PATCH lands, another user deletes the page, the stream delivers our echo and the
// delete, and only then our 200 arrives: the answer must not bring the page back. Then the
// same with a 409 whose answer trails a delete.
async function lateAnswerAfterDelete(env) {
  const b = s.b;
  const gone = (p, id) => client(p, async (id) => {
    const c = window.synclineDemo.client;
    const stored = (await c.db.entities(c.org)).some((e) => e.type === 'page' && e.id === id);
    return { memory: c.entity('page', id) !== null, shown: c.get('page', id) !== null, stored };
  }, id);

  const p = await bobCreate(env, 'Deleted while answering');
  await waitShown(b, p, 'Deleted while answering');
  await waitShown(s.f, p, 'Deleted while answering');
  let held = holdAnswer(b, pagePath(p));
  await held.install();
  await rename(b, p, 'Renamed, then deleted');
  await held.got;
  assert.equal(held.status, 200);
  await sleep(200); // the echo first, in the stream's order
  await bobDelete(env, p);
  await waitFor('the echo and the delete in the leader', async () =>
    (await client(b, (t) => window.synclineDemo.client.streamed.has(t), held.txId)) && !(await gone(b, p)).memory);
  held.release(); // the 200 arrives now, after the stream said "deleted"
  await waitStatus(b, 'the answer processed', (x) => x.pending === 0);
  await sleep(500);
  assert.deepEqual(await gone(b, p), { memory: false, shown: false, stored: false }, 'a late 200 brought a deleted page back');
  assert.deepEqual(await gone(s.f, p), { memory: false, shown: false, stored: false }, 'a late 200 brought a deleted page back in the follower');
  assert.equal(await shownName(b, p), null);
  await held.remove();
  assertSent(held.txId, 1, 'the held PATCH');

  // 409: a stale edit's answer, held until the page is gone.
  const q = await bobCreate(env, 'Deleted while conflicting');
  await waitShown(b, q, 'Deleted while conflicting');
  held = holdAnswer(b, pagePath(q));
  await held.install();
  await client(b, async (id) => {
    const c = window.synclineDemo.client;
    await c.db.queueUpdate({ org: c.org, type: 'page', id }, 'name', 'Stale and late', c.hlc.createTransactionId(),
      '1700000000000.0000.staleSource1', c.sourceId);
    await c.outboxChanged();
    c.leader.flush();
  }, q);
  await held.got;
  assert.equal(held.status, 409);
  await bobDelete(env, q);
  await waitFor('the delete in the leader', async () => !(await gone(b, q)).memory);
  held.release();
  await waitStatus(b, 'the 409 processed', (x) => x.conflicts === 1);
  await sleep(300);
  assert.deepEqual(await gone(b, q), { memory: false, shown: false, stored: false }, 'a late 409 brought a deleted page back');
  await held.remove();
  const [c409] = await client(b, () => window.synclineDemo.client.conflicts());
  assert.equal(await client(b, (seq) => window.synclineDemo.client.resolve(seq, 'server'), c409.seq), null);
  await settled(b);
  await b.locator('#conflict-dialog[open]').waitFor({ state: 'hidden' });
}

// E: two tabs resolve the same conflict at once: one acts, the other is told "not a conflict
// any more" (null) and leaves no txId pending; keep mine rebases on the newest server write.
async function concurrentResolve(env) {
  const b = s.b, f = s.f;
  await client(b, async (id) => {
    const c = window.synclineDemo.client;
    await c.db.queueUpdate({ org: c.org, type: 'page', id }, 'name', 'Resolved once', c.hlc.createTransactionId(),
      '1700000000000.0000.staleSource1', c.sourceId);
    await c.outboxChanged();
    c.leader.flush();
  }, s.seed);
  await waitStatus(f, 'the conflict in the follower', (x) => x.conflicts === 1);
  const [conflict] = await client(f, () => window.synclineDemo.client.conflicts());
  // Written after the 409: the resolution must expect this, not the conflict's txId.
  const newer = await bobWrite(env, s.seed, 'name', 'Bob after the 409');
  await waitFor('both tabs to have bob\'s write', async () => (await Promise.all([b, f].map((p) =>
    client(p, (id) => window.synclineDemo.client.entity('page', id)?.data?.name, s.seed)))).every((n) => n === 'Bob after the 409'));
  // Both start at the same instant: a synchronous spin (tabs sharing a renderer thread then
  // start one right after the other, before either's IndexedDB work completes).
  const at = Date.now() + 300;
  const go = (p) => client(p, ({ seq, at }) => {
    while (Date.now() < at) { /* spin */ }
    return window.synclineDemo.client.resolve(seq, 'mine');
  }, { seq: conflict.seq, at });
  const results = await Promise.all([go(b), go(f)]);
  assert.equal(results.filter(Boolean).length, 1, `exactly one tab resolves: ${JSON.stringify(results)}`);
  const txId = results.find(Boolean);
  await waitFor('keep mine on the server', async () => (await serverName(env, s.seed)) === 'Resolved once');
  await settled(b, 'no second conflict (the rebase used the newest write)');
  await settled(f);
  assertSent(txId, 1, 'the resolution');
  assert.equal(s.watch.list.find((x) => x.txId === txId).expected, newer, 'keep mine expects the newest server write');
  await waitFor('no txId left pending in either tab', async () => (await Promise.all([b, f].map((p) => client(p, () =>
    [...window.synclineDemo.client.states.values()].filter((st) => st === 'pending').length)))).every((n) => n === 0));
  await b.locator('#conflict-dialog[open]').waitFor({ state: 'hidden' });
  await f.locator('#conflict-dialog[open]').waitFor({ state: 'hidden' });
}

// I: /live refused. A 401 is shown and retried until the session works again; a 403 (no
// longer a member) is shown and ends reconnecting.
async function refusedStream(env) {
  const { rest } = env;
  const org2 = await rest.expect(201, 'POST', '/organizations', { name: 'Second org', slug: `second-${rand()}` }, s.bob.token);
  await rest.addMember(org2.id, s.bob, s.alice);
  const d = await env.ctx.newPage();
  await d.goto(`${env.server.base}/app`);
  await waitStatus(d, 'tab D loaded', (x) => x.hydrated);
  await d.selectOption('#org-select', org2.id);
  await waitFor('tab D to lead org 2', () => client(d, (o) => {
    const c = window.synclineDemo.client;
    return c?.org === o && c.status.leader && c.status.stream === 'live';
  }, org2.id));
  const lives = [];
  d.on('request', (r) => { if (new URL(r.url()).pathname === `/organizations/${org2.id}/live`) lives.push(Date.now()); });

  // 401 on the stream and its probe: shown, retried, recovered once the answer changes.
  const unauthorized = (route) => route.fulfill({ status: 401, contentType: 'application/json', body: '{"error":{"code":"UNAUTHORIZED","message":"test"}}' });
  const live = (url) => url.pathname === `/organizations/${org2.id}/live`;
  await d.route(live, unauthorized);
  await client(d, () => { const L = window.synclineDemo.client.leader; L.stream.close(); L.stream.open(); });
  await waitStatus(d, 'the stream to be unauthorized', (x) => x.stream === 'unauthorized');
  await waitFor('the demo to say so', async () => /401/.test(await d.textContent('#indicator')) && /401/.test(await d.textContent('#role')));
  await shot(d, env.opt.out, '10-stream-unauthorized');
  const n = lives.length;
  await waitFor('a 401 to be retried', () => lives.length >= n + 2, 10000);
  await d.unroute(live, unauthorized);
  await waitStatus(d, 'the stream back after the 401s', (x) => x.stream === 'live', 20000);
  await waitFor('the demo to drop the 401 notice', async () => !/401/.test(await d.textContent('#role')));

  // 403: the connection fails before it opens (not a member any more).
  const cdp = await env.ctx.newCDPSession(d);
  await cdp.send('Network.enable');
  await cdpOffline(cdp, true);
  await waitStatus(d, 'tab D offline', (x) => x.stream !== 'live');
  await rest.expect(204, 'DELETE', `/organizations/${org2.id}/memberships/${s.alice.id}`, undefined, s.bob.token);
  const t0 = Date.now();
  await cdpOffline(cdp, false);
  await waitStatus(d, 'the stream to be forbidden', (x) => x.stream === 'forbidden', 20000);
  env.measured['403 on /live → shown as forbidden'] = `${Date.now() - t0} ms`;
  assert.equal(await d.getAttribute('#indicator', 'data-state'), 'forbidden');
  assert.match(await d.textContent('#role'), /forbidden/);
  await shot(d, env.opt.out, '11-stream-forbidden');
  const after = lives.length;
  await client(d, () => window.synclineDemo.client.net.dispatchEvent(new Event('change'))); // a network change
  await sleep(3000);
  assert.equal(lives.length, after, 'a 403 must end reconnecting');
  assert.equal((await status(d)).stream, 'forbidden');
  await cdp.detach();
  await d.close();
}

// J: a waiting tab that becomes hidden leaves the queue and queues again 300 ms later, so a
// visible tab that queued after it leads next; visible again, it re-queues at once.
async function hiddenWaitingTabGivesWay(env) {
  const f = s.f;
  const y = await env.ctx.newPage(); // queues behind F
  await y.goto(`${env.server.base}/app`);
  await waitStatus(y, 'tab Y follows', (x) => x.hydrated && !x.leader);
  const queued = (p) => client(p, () => window.synclineDemo.client.tabs.queued);
  assert.equal(await queued(f), true);
  await setVisibility(f, 'hidden');
  assert.equal(await queued(f), false, 'a hidden waiting tab leaves the queue');
  await setVisibility(f, 'visible');
  assert.equal(await queued(f), true, 'visible again: it re-queues at once');
  await setVisibility(f, 'hidden'); // and stays hidden: back in the queue after 300 ms, behind Y
  await waitFor('F to queue again, later', () => queued(f), 2000);
  const t0 = Date.now();
  await s.b.close(); // the leader goes away
  const st = await waitStatus(y, 'the visible tab Y to take over', (x) => x.leader && x.stream === 'live');
  env.measured['handoff to the visible tab (hidden one queued first)'] = `${Date.now() - t0} ms`;
  assert.equal(st.leader, true);
  assert.equal((await status(f)).leader, false, 'the hidden tab must not lead while a visible one waits');
  await bobRename(env, s.seed, 'After the second handoff');
  await waitShown(y, s.seed, 'After the second handoff');
  await waitShown(f, s.seed, 'After the second handoff');
  await setVisibility(f, 'visible');
  s.b = y;
}

// The whole run: every entry the browser sent went out once, except those a scenario made
// the client send again (a lost answer, 503s).
async function everyEntrySentOnce() {
  const counts = new Map();
  for (const x of s.watch.list) counts.set(x.txId, (counts.get(x.txId) ?? 0) + 1);
  assert.ok(counts.size > 10, `too few mutation requests logged: ${counts.size}`);
  assert.ok(!counts.has(null), 'a mutation request without a txId');
  for (const [txId, n] of counts) {
    const allowed = s.resent.get(txId);
    if (allowed === undefined) assert.equal(n, 1, `${txId} was sent ${n} times`);
    else if (allowed > 0) assert.equal(n, allowed, `${txId} was sent ${n} times, expected ${allowed}`);
  }
}

// DEPLOY-041: a write the stream will never carry (after a primary failover the old slot never
// decoded it; the new epoch resets every client) is confirmed by the reload after the reset.
// While pages are out of the publication the rename is answered but never decoded; then a new
// epoch begins, as after a promote, and the leader's stream is reset and reloads.
async function confirmedByResetReload(env) {
  const b = s.b;
  await sqlValue(env.dbUrl, 'ALTER PUBLICATION syncline_pub DROP TABLE pages');
  const name = `Never streamed ${rand()}`;
  const before = s.watch.list.length;
  try {
    await rename(b, s.created, name);
    const sent = await waitFor('the rename sent', () =>
      s.watch.list.slice(before).find((x) => x.method === 'PATCH' && x.path === pagePath(s.created)));
    await waitFor('the rename answered, unconfirmed', () =>
      client(b, (t) => window.synclineDemo.client.states.get(t) === 'sent', sent.txId));
    await sleep(1000);
    assert.equal(await client(b, (t) => window.synclineDemo.client.states.get(t), sent.txId), 'sent');
    await sqlValue(env.dbUrl, `WITH e AS (INSERT INTO sync_epochs(first_activity_id)
      SELECT nextval(pg_get_serial_sequence('activities', 'id')) + 1 RETURNING id)
      SELECT pg_notify('syncline_epoch', id::text) FROM e`);
    const t0 = Date.now();
    await waitFor('the rename confirmed by the reload', () =>
      client(b, (t) => window.synclineDemo.client.states.get(t) === 'confirmed', sent.txId), 30000);
    env.measured['write never streamed → confirmed by the reset\'s reload'] = `${Date.now() - t0} ms`;
    assert.equal(await shownName(b, s.created), name);
  } finally {
    await sqlValue(env.dbUrl, 'ALTER PUBLICATION syncline_pub ADD TABLE pages');
  }
}

export const raceScenarios = [
  ['a tab starting during a slow cache write still gets the change (forwarded after commit)', startingTabMissesNothing],
  ['a barrier step of an older connection does not open the flush', staleBarrierStep],
  ['a failed stream step reconnects although a flush retry is scheduled (two timers)', failedStepAndFlushRetry],
  ['an edit right after the previous one settled expects it: no conflict with our own write', noConflictWithOwnWrite],
  ['a late 200 / 409 after the stream delivered a delete does not bring the page back', lateAnswerAfterDelete],
  ['two tabs resolve one conflict: one acts, the other gets null; rebased on the newest write', concurrentResolve],
  ['/live refused: 401 shown and retried, 403 shown and final', refusedStream],
  ['a waiting tab that becomes hidden gives way to a visible one', hiddenWaitingTabGivesWay],
  ['a write the stream never carries is confirmed by the reload after a new epoch\'s reset (DEPLOY-041)', confirmedByResetReload],
  ['over the whole run every entry was sent exactly once (but the deliberate retries)', everyEntrySentOnce],
];
