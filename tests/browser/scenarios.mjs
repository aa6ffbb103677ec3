// The scenarios of the browser test, in order: they share one browser profile, two users
// (alice in the browser, bob as "another client" over REST) and one organization. Each
// asserts outcomes with generous deadlines and records what it measured. Every mutation
// request the browser sends is logged (`s.watch`), so "lands once" also means "sent once".
// The races and failure paths follow in scenarios-races.mjs.
import assert from 'node:assert/strict';
import { sleep, sqlValue, waitFor } from './harness.mjs';
import { rename, setOffline, shot, shownName, status, waitShown, waitStatus, watchMutations } from './browser.mjs';
import {
  PASSWORD, assertSent, bobRename, bobWrite, client, outbox, pagePath, rand, s, serverName, signUp,
} from './common.mjs';
import { raceScenarios } from './scenarios-races.mjs';
import { schemaScenarios } from './scenarios-schema.mjs';
import { shapeScenarios } from './scenarios-shapes.mjs';
import { reactScenarios } from './scenarios-react.mjs';
import { scaleScenarios } from './scenarios-scale.mjs';
import { adoptScenarios } from './scenarios-adopt.mjs';
import { inviteScenarios } from './scenarios-invite.mjs';
import { mergeScenarios } from './scenarios-merge.mjs';
import { presenceScenarios } from './scenarios-presence.mjs';

async function staticRoutes(env) {
  const js = await env.rest.call('GET', '/client/syncline.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type'), /^text\/javascript; charset=utf-8/);
  assert.match(js.body, /export class SynclineClient/);
  for (const f of ['syncline-hlc.js', 'syncline-idb.js', 'syncline-leader.js'])
    assert.equal((await env.rest.call('GET', `/client/${f}`)).status, 200, f);
  assert.equal((await env.rest.call('GET', '/client/openapi.json')).status, 404);
  assert.equal((await env.rest.call('GET', '/client/app.js')).status, 404);
  const app = await env.rest.call('GET', '/app');
  assert.equal(app.status, 200);
  assert.match(app.headers.get('content-type'), /^text\/html/);
  assert.match(app.headers.get('content-security-policy'), /script-src 'self'/);
  assert.equal((await env.rest.call('GET', '/app/app.js')).status, 200);
  assert.equal((await env.rest.call('GET', '/app/app.css')).status, 200);
  assert.equal((await env.rest.call('GET', '/app/syncline.js')).status, 404);
  // SEC-049: every HTML/JS answer carries a policy and nosniff; /docs (Scalar's reference,
  // JS-005: scripts from this origin only) renders every operation of the generated document
  // without a single violation and without a request to another origin.
  for (const path of ['/client/syncline.js', '/app', '/docs', '/docs/scalar.js', '/openapi.json', '/health']) {
    const r = await env.rest.call('GET', path);
    assert.equal(r.headers.get('x-content-type-options'), 'nosniff', path);
    assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/, path);
  }
  const docs = await env.ctx.newPage();
  const violations = [], elsewhere = [];
  docs.on('console', (m) => { if (/Content.Security.Policy/i.test(m.text())) violations.push(m.text()); });
  docs.on('request', (r) => { if (new URL(r.url()).origin !== new URL(env.server.base).origin) elsewhere.push(r.url()); });
  await docs.goto(`${env.server.base}/docs`);
  await docs.getByRole('heading', { name: 'Syncline API' }).first().waitFor({ timeout: 20000 });
  // The sidebar lists every operation (docs-init.js opens every tag) as "<summary> HTTP
  // Method: <METHOD>": each operation of the generated document must be there.
  const doc = await env.rest.expect(200, 'GET', '/openapi.json');
  const ops = [];
  for (const item of Object.values(doc.paths))
    for (const [m, o] of Object.entries(item))
      if (['get', 'post', 'put', 'patch', 'delete', 'head'].includes(m)) ops.push(`${o.summary}|${m.toUpperCase()}`);
  const expected = ops.length;
  const listed = async () => {
    const texts = await docs.evaluate(() => [...document.querySelectorAll('li')]
      .map((li) => li.textContent.replace(/\s+/g, ' ').trim()));
    const missing = ops.filter((o) => {
      const [summary, method] = o.split('|');
      const badge = new RegExp(`HTTP Method: ${method === 'DELETE' ? 'DEL(ETE)?' : method}$`); // Scalar shows "DEL"
      return !texts.some((t) => t.startsWith(summary) && badge.test(t));
    });
    listed.missing = missing;
    return ops.length - missing.length;
  };
  await waitFor(`the docs list all ${expected} operations`, async () => (await listed()) === expected, 20000)
    .catch(async (e) => { throw new Error(`${e.message}: ${await listed()} listed; missing ${listed.missing}`); });
  const seen = { size: await listed() };
  // ADOPT-008: one Scalar instance (the bundle mounts a stray one on any #api-reference), and
  // an operation's name is on the first screen, on top (no skeleton laid over it).
  const summaries = ops.map((o) => o.split('|')[0]);
  const firstScreen = async () => docs.evaluate((names) => {
    for (const el of document.querySelectorAll('body *')) {
      if (el.children.length || !names.includes(el.textContent.trim())) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || r.bottom <= 0 || r.top >= innerHeight || r.right <= 0 || r.left >= innerWidth) continue;
      const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
      if (top && (top === el || el.contains(top) || top.contains(el))) return el.textContent.trim();
    }
    return null;
  }, summaries);
  await waitFor('an operation name visible on the first screen of /docs', async () => (await firstScreen()) !== null, 20000);
  assert.equal(await docs.evaluate(() => document.getElementById('api-reference')), null,
    'a second, unconfigured Scalar mount point');
  env.measured['docs: operation on the first screen'] = await firstScreen();
  assert.deepEqual(violations, []);
  assert.deepEqual(elsewhere, [], 'the docs page fetched from another origin');
  await shot(docs, env.opt.out, '00-docs-scalar');
  env.measured['docs operations rendered (Scalar, under CSP)'] = `${seen.size} of ${expected}`;
  await docs.close();
}

async function twoTabsOneStream(env) {
  const { rest, ctx, opt } = env;
  s.watch = watchMutations(ctx);
  s.alice = await signUp(rest, 'alice');
  s.bob = await signUp(rest, 'bob');
  s.org = await rest.expect(201, 'POST', '/organizations', { name: 'Browser test org', slug: `browser-${rand()}` }, s.alice.token);
  await rest.addMember(s.org.id, s.alice, s.bob);
  s.seed = 'seed-page';
  await rest.expect(201, 'POST', pagePath(), {
    data: { id: s.seed, name: 'Seed page' },
    tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: null, expectedTransactionId: null },
  }, s.bob.token);

  s.a = ctx.pages()[0] ?? (await ctx.newPage());
  await s.a.goto(`${env.server.base}/app`);
  await s.a.locator('#sign-in-view').waitFor({ state: 'visible' });
  await s.a.fill('#email', s.alice.email);
  await s.a.fill('#password', PASSWORD);
  await shot(s.a, opt.out, '01-sign-in');
  await s.a.click('#sign-in-form button[type=submit]');
  await waitStatus(s.a, 'tab A to lead a live stream', (x) => x.leader && x.stream === 'live' && x.hydrated);
  await waitShown(s.a, s.seed, 'Seed page');

  s.b = await ctx.newPage(); // same profile: the session cookie, locks, channel and IndexedDB are shared
  await s.b.goto(`${env.server.base}/app`);
  await waitShown(s.b, s.seed, 'Seed page');
  await waitStatus(s.b, 'tab B to follow', (x) => !x.leader && x.stream === 'live');
  assert.equal((await status(s.a)).leader, true);
  assert.equal((await status(s.b)).leader, false);
  // Exactly one stream connection on the server, and it stays one.
  await waitFor('one subscriber', async () => (await rest.metric('syncline_stream_subscribers')) === 1);
  await sleep(2000);
  assert.equal(await rest.metric('syncline_stream_subscribers'), 1, 'a second tab opened a second stream');
  await shot(s.a, opt.out, '02-tab-a-leader');
  await shot(s.b, opt.out, '03-tab-b-follower');
}

// The pure parts, run inside the page on its own IndexedDB database: the HLC (DATA-020..026)
// and the outbox rules (OFFLINE-001..009).
async function moduleUnits() {
  const r = await client(s.a, async () => {
    const { Hlc, makeSourceId, compareTransactionIds } = await import('/client/syncline-hlc.js');
    const { LocalDb, mergeEntity } = await import('/client/syncline-idb.js');
    const out = {};
    let now = 1700000000000;
    const h = new Hlc('abcdefghijkl', () => now);
    out.first = h.createTransactionId();
    let last;
    for (let i = 0; i < 9999; i++) last = h.createTransactionId();
    out.last = last;
    out.borrowed = h.createTransactionId();
    now = 1699999999000; // the wall clock goes back: ids keep increasing
    out.back = h.createTransactionId();
    h.receive('1700000005000.0042.otherSource1');
    out.received = h.createTransactionId();
    out.ordered = compareTransactionIds(out.first, out.borrowed) < 0 && compareTransactionIds(out.borrowed, out.received) < 0;
    out.sourceId = makeSourceId();

    const name = `outbox-rules-${Math.random()}`;
    const db = await LocalDb.open(name);
    const p1 = { org: 'o', type: 'page', id: 'p1' }, p2 = { org: 'o', type: 'page', id: 'p2' };
    await db.queueCreate(p1, { id: 'p1', name: 'a' }, 't1', 's');
    out.merge = [await db.queueUpdate(p1, 'name', 'b', 't2', null, 's'), await db.queueUpdate(p1, 'description', 'd', 't3', null, 's')];
    out.afterMerge = await db.outbox('o');
    out.deleteOfCreate = await db.queueDelete(p1, 't4', null, 's');
    out.afterDelete = await db.outbox('o');
    await db.queueUpdate(p2, 'name', 'x', 'u1', 'E0', 's');
    out.squash = await db.queueUpdate(p2, 'name', 'y', 'u2', 'E1', 's');
    out.squashed = (await db.outbox('o'))[0];
    await db.patchEntry(out.squashed.seq, { state: 'sent' });
    out.behindSent = await db.queueUpdate(p2, 'name', 'z', 'u3', 'E0', 's');
    out.deleteBehindSent = await db.queueDelete(p2, 'u4', null, 's');
    out.final = await db.outbox('o');

    // A same-field edit squashes into a conflicted entry, which stays conflicted (native rule).
    const p3 = { org: 'o3', type: 'page', id: 'p3' };
    await db.queueUpdate(p3, 'name', 'm1', 'c1', 'E5', 's');
    await db.patchEntry((await db.outbox('o3'))[0].seq, { state: 'conflicted', conflict: { serverValue: 'srv', serverTransactionId: 'S1', via: '409' } });
    out.squashConflicted = await db.queueUpdate(p3, 'name', 'm2', 'c2', 'E9', 's');
    out.afterSquashConflicted = await db.outbox('o3');
    await db.queueUpdate(p3, 'description', 'd1', 'c3', null, 's');
    // A delete removes conflicted and queued edits alike, then queues itself.
    out.deleteConflicted = await db.queueDelete(p3, 'c4', null, 's');
    out.afterDeleteConflicted = await db.outbox('o3');

    // The expected txId comes from the cache, read in the queueing transaction; settle()
    // removes an entry and stores the entity it produced in one transaction.
    const p4 = { org: 'o4', type: 'page', id: 'p4' };
    await db.writeEntities('o4', [{ type: 'page', id: 'p4', data: { id: 'p4', name: 'n' }, fieldTx: { name: 'F1' } }]);
    out.fromCache = await db.queueUpdate(p4, 'name', 'v', 'w1', undefined, 's');
    const [w1] = await db.outbox('o4');
    out.w1 = w1;
    await db.settle(w1.seq, null, 'o4', { type: 'page', id: 'p4', data: { id: 'p4', name: 'v' }, fieldTx: { name: 'w1' } });
    out.afterSettle = { outbox: await db.outbox('o4'), entities: await db.entities('o4') };
    await db.queueUpdate(p4, 'name', 'v2', 'w2', undefined, 's');
    out.next = (await db.outbox('o4'))[0];

    // Resolving is atomic: of two concurrent resolutions one acts, the other finds nothing;
    // keep mine rebases on the cache's fieldTx when it is newer than the conflict's.
    const p5 = { org: 'o5', type: 'page', id: 'p5' };
    await db.writeEntities('o5', [{ type: 'page', id: 'p5', data: { id: 'p5', name: 'later' }, fieldTx: { name: 'S6' } }]);
    await db.queueUpdate(p5, 'name', 'mine', 'k0', 'E0', 's');
    const [k0] = await db.outbox('o5');
    await db.patchEntry(k0.seq, { state: 'conflicted', conflict: { serverValue: 'srv', serverTransactionId: 'S5', via: '409' } });
    out.resolved = await Promise.all([
      db.resolveConflict(k0.seq, 'mine', undefined, 'k1'), db.resolveConflict(k0.seq, 'merge', 'merged', 'k2')]);
    out.afterResolve = await db.outbox('o5');

    // A late representation never regresses a field: per field the higher txId wins.
    out.merged = mergeEntity(
      { data: { id: 'x', name: 'new', d: 'old-d' }, fieldTx: { name: '1700000000002.0000.aaaaaaaaaaaa', d: '1700000000001.0000.aaaaaaaaaaaa' } },
      { data: { id: 'x', name: 'old', d: 'new-d' }, fieldTx: { name: '1700000000001.0009.bbbbbbbbbbbb', d: '1700000000003.0000.bbbbbbbbbbbb' } });
    // An edit made while the stream is not live is flagged: its conflict waits for the user
    // even on a field that is not manual (as the native SDK).
    const p6 = { org: 'o6', type: 'page', id: 'p6' };
    await db.queueUpdate(p6, 'name', 'off', 'f1', 'E0', 's', true);
    await db.queueUpdate(p6, 'description', 'on', 'f2', 'E0', 's');
    out.offlineFlags = (await db.outbox('o6')).map((e) => e.offline);
    db.close();
    indexedDB.deleteDatabase(name);
    return out;
  });
  assert.deepEqual(r.offlineFlags, [true, false], 'offline edits are flagged');
  assert.equal(r.first, '1700000000000.0000.abcdefghijkl');
  assert.equal(r.first.length, 31);
  assert.equal(r.last, '1700000000000.9999.abcdefghijkl');
  assert.equal(r.borrowed, '1700000000001.0000.abcdefghijkl', 'past 9999 the counter borrows the next ms');
  assert.equal(r.back, '1700000000001.0001.abcdefghijkl');
  assert.equal(r.received, '1700000005000.0043.abcdefghijkl', 'receive rule');
  assert.ok(r.ordered);
  assert.match(r.sourceId, /^[A-Za-z0-9_-]{12}$/);

  assert.deepEqual(r.merge, ['merged', 'merged']);
  assert.equal(r.afterMerge.length, 1);
  assert.deepEqual(r.afterMerge[0].value, { id: 'p1', name: 'b', description: 'd' });
  assert.deepEqual(r.afterMerge[0].txIds, ['t1', 't2', 't3']);
  assert.equal(r.afterMerge[0].txId, 't1');
  assert.deepEqual(r.deleteOfCreate, { cancelled: ['t1', 't2', 't3'], queued: false });
  assert.equal(r.afterDelete.length, 0, 'a delete of a queued create leaves nothing to send');
  assert.equal(r.squash, 'squashed');
  assert.equal(r.squashed.value, 'y');
  assert.equal(r.squashed.txId, 'u2');
  assert.equal(r.squashed.expected, 'E0', 'squash keeps the original expectedTransactionId');
  assert.equal(r.behindSent, 'queued');
  assert.deepEqual(r.deleteBehindSent, { cancelled: ['u3'], queued: true });
  assert.deepEqual(r.final.map((e) => [e.kind, e.field, e.state, e.txId, e.expected]),
    [['update', 'name', 'sent', 'u2', 'E0'], ['delete', '', 'queued', 'u4', null]]);

  assert.equal(r.squashConflicted, 'squashed-conflicted');
  assert.deepEqual(r.afterSquashConflicted.map((e) => [e.state, e.value, e.txId, e.txIds, e.expected, e.conflict?.serverTransactionId]),
    [['conflicted', 'm2', 'c2', ['c1', 'c2'], 'E5', 'S1']], 'squash into a conflicted entry: newest value and txId, original expectation, still conflicted');
  assert.deepEqual(r.deleteConflicted, { cancelled: ['c1', 'c2', 'c3'], queued: true }, 'a delete drops conflicted edits too');
  assert.deepEqual(r.afterDeleteConflicted.map((e) => [e.kind, e.txId]), [['delete', 'c4']]);

  assert.equal(r.fromCache, 'queued');
  assert.equal(r.w1.expected, 'F1', 'the expected txId is read from the cache');
  assert.equal(r.afterSettle.outbox.length, 0);
  assert.deepEqual(r.afterSettle.entities.map((e) => [e.data.name, e.fieldTx.name]), [['v', 'w1']]);
  assert.equal(r.next.expected, 'w1', 'after settle() the next edit expects the settled write');

  assert.equal(r.resolved.filter(Boolean).length, 1, `exactly one of two concurrent resolutions acts: ${JSON.stringify(r.resolved)}`);
  assert.deepEqual(r.afterResolve.map((e) => [e.state, e.txId, e.txIds, e.expected, e.value, e.conflict]),
    [['queued', 'k1', ['k1'], 'S6', 'mine', null]], 'keep mine rebases on the newer cached fieldTx');
  assert.deepEqual(r.merged.data, { id: 'x', name: 'new', d: 'new-d' });
  assert.deepEqual(r.merged.fieldTx, { name: '1700000000002.0000.aaaaaaaaaaaa', d: '1700000000003.0000.bbbbbbbbbbbb' });
}

async function editsCrossTabs(env) {
  const from = s.watch.list.length;
  // Create in the leader tab: shows in the follower.
  let t = Date.now();
  await s.a.fill('#new-name', 'Created in A');
  await s.a.press('#new-name', 'Enter');
  s.created = await waitFor('the created page in tab B', () => client(s.b, () =>
    window.synclineDemo.client.list('page').find((p) => p.name === 'Created in A')?.id));
  await waitShown(s.b, s.created, 'Created in A');
  env.measured['create A → shown in B'] = `${Date.now() - t} ms`;
  t = Date.now();
  await rename(s.a, s.created, 'Renamed in A');
  await waitShown(s.b, s.created, 'Renamed in A');
  env.measured['edit in A (leader) → shown in B'] = `${Date.now() - t} ms`;
  // Edit in the follower: its outbox entry is flushed by the leader at once.
  t = Date.now();
  await rename(s.b, s.created, 'Renamed in B');
  await waitShown(s.a, s.created, 'Renamed in B');
  await waitFor('the server to have the follower edit', async () => (await serverName(env, s.created)) === 'Renamed in B');
  env.measured['edit in B (follower) → on server and in A'] = `${Date.now() - t} ms`;
  await waitStatus(s.b, 'nothing pending', (x) => x.pending === 0);
  // Lifecycle: every mutation tab B made ends confirmed (the stream echoed it).
  await waitFor('B\'s mutations confirmed', () => client(s.b, () => {
    const c = window.synclineDemo.client;
    const mine = [...c.states.entries()].filter(([t]) => t.endsWith(c.sourceId));
    return mine.length > 0 && mine.every(([, st]) => st === 'confirmed');
  }));
  // Sent once each: the create, A's rename, B's rename.
  const sent = s.watch.list.slice(from);
  assert.deepEqual(sent.map((x) => x.method), ['POST', 'PATCH', 'PATCH'], JSON.stringify(sent));
  assert.equal(new Set(sent.map((x) => x.txId)).size, 3, 'each entry is sent exactly once');
}

async function leaderHandoff(env) {
  // Cut the leader tab's network (only that tab's, through the DevTools protocol), so the
  // next change reaches neither tab before the handoff: the new leader can only get it by
  // resuming from the stored offset.
  const cdp = await env.ctx.newCDPSession(s.a);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: true, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await waitStatus(s.a, 'tab A\'s stream to drop', (x) => x.stream !== 'live');
  await bobWrite(env, s.seed, 'description', 'Missed by the old leader');
  await sleep(1000);
  const description = () => client(s.b, (id) => window.synclineDemo.client.get('page', id)?.description ?? null, s.seed);
  assert.equal(await description(), null, 'the change must not have reached the tabs yet');
  // The follower edits meanwhile: its entry waits in the shared outbox (the leader cannot send).
  await rename(s.b, s.created, 'Edited in B during handoff');
  const [pending] = await waitFor('B\'s queued edit', async () => {
    const o = await outbox(s.b);
    return o.length === 1 && o[0].value === 'Edited in B during handoff' ? o : null;
  });
  await sleep(500);
  assert.equal(s.watch.sent(pending.txId), 0, 'the cut-off leader must not have sent the follower\'s edit');
  const streams = [];
  s.b.on('request', (r) => { if (r.url().includes('/live?')) streams.push(new URL(r.url()).searchParams.get('offset')); });
  const t0 = Date.now();
  await s.a.close(); // the leader goes away: its lock is released
  // Another client writes while the tabs hand over: the new leader must not miss it either.
  await bobRename(env, s.seed, 'Changed during handoff');
  const st = await waitStatus(s.b, 'tab B to take over the stream', (x) => x.leader && x.stream === 'live');
  env.measured['handoff (leader tab closed → follower streaming)'] = `${Date.now() - t0} ms`;
  await waitShown(s.b, s.seed, 'Changed during handoff');
  await waitFor('the change the old leader missed', async () => (await description()) === 'Missed by the old leader');
  env.measured['handoff → both changes made meanwhile shown'] = `${Date.now() - t0} ms`;
  assert.equal(st.leader, true);
  assert.match(streams[0] ?? '', /^\d+$/, `the new leader must resume from the stored offset, opened ${streams}`);
  // The follower's edit, queued before the handoff, is flushed by the new leader, once.
  await waitFor('the follower edit on the server', async () => (await serverName(env, s.created)) === 'Edited in B during handoff');
  env.measured['handoff → follower edit queued before it landed'] = `${Date.now() - t0} ms`;
  await waitStatus(s.b, 'nothing pending', (x) => x.pending === 0);
  assertSent(pending.txId, 1, 'the follower edit queued across the handoff');
  assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM activities WHERE tx->>'transactionId' = '${pending.txId}'`), '1');
  await bobRename(env, s.seed, 'After handoff');
  await waitShown(s.b, s.seed, 'After handoff');
  // The server notices the closed connection at its next write at the latest.
  await waitFor('one subscriber after handoff', async () => (await env.rest.metric('syncline_stream_subscribers')) === 1, 45000, 200);
  env.measured['handoff → server back to 1 subscriber'] = `${Date.now() - t0} ms`;
  // A tab opened now follows the new leader.
  const c = await env.ctx.newPage();
  await c.goto(`${env.server.base}/app`);
  await waitShown(c, s.seed, 'After handoff');
  assert.equal((await waitStatus(c, 'tab C loaded', (x) => x.hydrated)).leader, false);
  await c.close();
}

async function offlineEditLandsOnce(env) {
  const b = s.b;
  await setOffline(b, true);
  await waitStatus(b, 'stream closed', (x) => x.stream === 'closed' && !x.online);
  let requests = 0;
  const count = (r) => { if (r.url().startsWith(env.server.base)) requests++; };
  b.on('request', count);
  await rename(b, s.seed, 'Offline draft');
  await waitStatus(b, 'one pending', (x) => x.pending === 1);
  await rename(b, s.seed, 'Offline final');
  const entries = await waitFor('the squashed entry', async () => {
    const o = await client(b, () => window.synclineDemo.client.outboxEntries());
    return o.length === 1 && o[0].value === 'Offline final' ? o : null;
  });
  const [e] = entries;
  assert.equal(e.txIds.length, 2, 'same-field squash keeps both txIds on one entry');
  assert.equal(e.txId, e.txIds[1], 'squash keeps the newest txId');
  await waitShown(b, s.seed, 'Offline final');
  await shot(b, env.opt.out, '04-offline-pending');
  assert.equal(await serverName(env, s.seed), 'After handoff', 'nothing may leave while offline');
  b.off('request', count);
  assert.equal(requests, 0, 'requests were made while forced offline');

  const replays = await env.rest.metric('syncline_mutations_replayed_total');
  const t0 = Date.now();
  await setOffline(b, false);
  await waitFor('the offline edit on the server', async () => (await serverName(env, s.seed)) === 'Offline final');
  env.measured['offline → online → landed on server'] = `${Date.now() - t0} ms`;
  await waitFor('its activity', async () => (await sqlValue(env.dbUrl, `SELECT count(*) FROM activities WHERE tx->>'transactionId' = '${e.txId}'`)) === '1');
  env.measured['offline → online → activity written'] = `${Date.now() - t0} ms`;
  // Both txIds of the squashed entry share its lifecycle.
  await waitFor('confirmed', () => client(b, (ts) => ts.map((t) => window.synclineDemo.client.state(t)), e.txIds)
    .then((x) => x.every((st) => st === 'confirmed')));
  await waitStatus(b, 'nothing pending', (x) => x.pending === 0);
  await sleep(1500); // a duplicate would have landed by now
  assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM activities WHERE tx->>'transactionId' = '${e.txId}'`), '1');
  assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM applied_transactions WHERE transaction_id = '${e.txId}'`), '1');
  assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM activities WHERE tx->>'transactionId' = '${e.txIds[0]}'`), '0', 'the squashed txId was never sent');
  assertSent(e.txId, 1, 'the squashed entry');
  assertSent(e.txIds[0], 0, 'the txId squashed away');
  assert.equal(await env.rest.metric('syncline_mutations_replayed_total'), replays, 'nothing was sent twice (no replay answered)');
}

function conflictScenario(choice, shotName, after) {
  return async (env) => {
    const b = s.b;
    const mine = `Mine (${choice})`, server = `Server (${choice})`;
    await setOffline(b, true);
    await rename(b, s.seed, mine);
    await waitStatus(b, 'one pending', (x) => x.pending === 1);
    const [{ txId }] = await outbox(b);
    await bobRename(env, s.seed, server); // the same field, meanwhile, by another user
    const t0 = Date.now();
    await setOffline(b, false);
    const dialog = b.locator('#conflict-dialog[open]');
    await dialog.waitFor({ state: 'visible', timeout: 20000 });
    // Upstream first: found in the replayed changes, before the entry was ever sent.
    assert.equal(s.watch.sent(txId), 0, 'the conflicting entry was sent before the conflict was found');
    const [found] = await client(b, () => window.synclineDemo.client.conflicts());
    assert.equal(found.via, 'catch-up', `detected by ${found.via}, not by the catch-up check`);
    env.measured[`conflict (${choice}): online → dialog, detected by`] = `${Date.now() - t0} ms, ${found.via}`;
    assert.equal(await b.textContent('#conflict-mine'), mine);
    assert.equal(await b.textContent('#conflict-server'), server);
    assert.equal(await client(b, (t) => window.synclineDemo.client.state(t), txId), 'conflicted');
    assert.equal(await serverName(env, s.seed), server, 'the conflicting edit must not have been sent');
    if (shotName) await shot(b, env.opt.out, shotName);
    let expected;
    if (choice === 'keep mine') {
      await b.click('#keep-mine');
      expected = mine;
    } else if (choice === 'keep server') {
      await b.click('#keep-server');
      expected = server;
    } else {
      expected = `Merged: ${mine} + ${server}`;
      await b.fill('#conflict-merge', expected);
      await b.click('#merge');
    }
    await dialog.waitFor({ state: 'hidden' });
    await waitFor(`the server to hold "${expected}"`, async () => (await serverName(env, s.seed)) === expected);
    await waitShown(b, s.seed, expected);
    await waitStatus(b, 'no pending, no conflict', (x) => x.pending === 0 && x.conflicts === 0);
    assertSent(txId, 0, 'the conflicted entry (a resolution sends a new txId)');
    if (choice !== 'keep server') {
      const resent = s.watch.list.filter((x) => x.at >= t0 && x.path === pagePath(s.seed));
      assert.equal(resent.length, 1, `one request for the resolution: ${JSON.stringify(resent)}`);
    }
    if (choice === 'keep server') {
      await sleep(1500); // nothing may be sent later either
      assert.equal(await serverName(env, s.seed), server);
      assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM applied_transactions WHERE transaction_id = '${txId}'`), '0');
    }
    await shot(b, env.opt.out, after);
  };
}

// The request reaches the server but its answer is lost: the entry stays 'sent', and after
// the reconnect it is sent again with the same txId; the server answers the replay with 200.
async function lostResponseRetried(env) {
  const b = s.b;
  const target = pagePath(s.created);
  let lost = null;
  const handler = async (route) => {
    if (route.request().method() !== 'PATCH' || lost) return route.continue();
    const resp = await route.fetch(); // the server applies it...
    lost = { status: resp.status(), txId: JSON.parse(route.request().postData()).tx.transactionId };
    await route.abort('connectionreset'); // ...and the tab never hears back
  };
  const match = (url) => url.pathname === target;
  await b.route(match, handler);
  const replays = await env.rest.metric('syncline_mutations_replayed_total');
  const t0 = Date.now();
  await rename(b, s.created, 'Answer lost');
  await waitFor('the request whose answer is lost', () => lost);
  assert.equal(lost.status, 200);
  await waitFor('the retry to be confirmed', () => client(b, (t) => window.synclineDemo.client.state(t), lost.txId).then((x) => x === 'confirmed'));
  await waitStatus(b, 'nothing pending', (x) => x.pending === 0 && x.stream === 'live');
  env.measured['lost answer → retried and confirmed'] = `${Date.now() - t0} ms`;
  await b.unroute(match, handler);
  assert.equal(await serverName(env, s.created), 'Answer lost');
  assert.equal(await env.rest.metric('syncline_mutations_replayed_total'), replays + 1, 'the retry is answered as a replay');
  assertSent(lost.txId, 2, 'the entry whose answer was lost (first try and one retry, same txId)');
  s.resent.set(lost.txId, 2);
  assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM activities WHERE tx->>'transactionId' = '${lost.txId}'`), '1');
  assert.equal(await sqlValue(env.dbUrl, `SELECT count(*) FROM applied_transactions WHERE transaction_id = '${lost.txId}'`), '1');
}

// An entry whose expected txId is stale without the replayed changes showing it (here made
// directly in the store): the server's 409 decides, and it becomes a conflict too.
async function conflictFrom409(env) {
  const b = s.b;
  const server = await serverName(env, s.seed);
  await client(b, async (id) => {
    const c = window.synclineDemo.client;
    const tx = c.hlc.createTransactionId();
    await c.db.queueUpdate({ org: c.org, type: 'page', id }, 'name', 'Stale edit', tx, '1700000000000.0000.staleSource1', c.sourceId);
    await c.outboxChanged();
    c.leader.flush();
  }, s.seed);
  await b.locator('#conflict-dialog[open]').waitFor({ state: 'visible' });
  const [found] = await client(b, () => window.synclineDemo.client.conflicts());
  assert.equal(found.via, '409', 'a stale expectation the catch-up cannot see is found by the 409');
  assert.equal(await b.textContent('#conflict-server'), server);
  assert.equal(await b.textContent('#conflict-mine'), 'Stale edit');
  await b.click('#keep-mine');
  await waitFor('keep mine after a 409', async () => (await serverName(env, s.seed)) === 'Stale edit');
  await waitShown(b, s.seed, 'Stale edit');
  assert.equal(await shownName(b, s.seed), 'Stale edit');
  await shot(b, env.opt.out, '09-after-409');
}

export const scenarios = [
  ['static routes: /client/*.js and /app with their types and CSP', staticRoutes],
  ['sign in; two tabs, one leader, exactly one stream (TAB-001..005)', twoTabsOneStream],
  ['in the page: HLC ids, overflow, receive rule; outbox squash/merge/remove rules', moduleUnits],
  ['edits in either tab show in the other; lifecycle ends confirmed (TAB-006..010, FE-MUT)', editsCrossTabs],
  ['leader tab closes: the follower takes over, misses nothing (TAB-011..016)', leaderHandoff],
  ['offline edits squash, then land exactly once after reconnect (OFFLINE-001..013)', offlineEditLandsOnce],
  ['a lost answer: retried with the same txId, lands once (API-030..032)', lostResponseRetried],
  ['conflict after offline edit → keep mine: the server ends with mine (OFFLINE-020..024)', conflictScenario('keep mine', '05-conflict-dialog', '06-after-keep-mine')],
  ['conflict → keep server: the server value stays and shows locally', conflictScenario('keep server', null, '07-after-keep-server')],
  ['conflict → merge: the server ends with the merged value', conflictScenario('merge', null, '08-after-merge')],
  ['a 409 on flush is a conflict too; keep mine rebases on it (API-020..024)', conflictFrom409],
  ...mergeScenarios,
  ...presenceScenarios,
  ...raceScenarios,
  ...schemaScenarios,
  ...shapeScenarios,
  ...reactScenarios,
  ...scaleScenarios,
  ...adoptScenarios,
  ...inviteScenarios,
];
