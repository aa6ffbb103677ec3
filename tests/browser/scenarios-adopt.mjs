// Beside an existing app (DESIGN §19, issue 24): the TanStack DB collection against the real
// SynclineClient, not a fake (ADOPT-006). A whole typed row inserts (the server's fields are not
// sent: no READ_ONLY_FIELD); an offline edit that a colleague's write overtook rejects with a
// SynclineConflictError naming type, id, field, mine and the server's value, and keepMine()
// lands mine on the server. The module on the app's own origin (ADOPT-005): a page of another
// origin (a server of its own) listed with --cors-origin loads the module from the server's origin,
// streams, writes, works offline and resolves a conflict; a page of an origin not listed cannot
// even load the module.
import assert from 'node:assert/strict';
import { waitFor } from './harness.mjs';
import { client, rand, signUp } from './common.mjs';
import { tanstackBundle } from './scenarios-scale.mjs';

async function tanstackAgainstTheRealClient(env) {
  const dana = await signUp(env.rest, 'dana');
  const org = (await env.rest.expect(201, 'POST', '/organizations',
    { name: 'Adopt', slug: `adopt-${rand()}` }, dana.token)).id;
  const pagePath = (id = '') => `/organizations/${org}/pages${id ? `/${id}` : ''}`;
  const page = await env.ctx.newPage();
  const bundle = tanstackBundle(env.opt.source);
  await page.route('**/me', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: '{}' }));
  await page.route('**/test/tanstack-db.js', (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body: bundle }));
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(`${env.server.base}/app`);

  // A whole row, as a Page typed from the generated types has it (server fields included).
  const inserted = await client(page, async (o) => {
    const { SynclineClient } = await import('/client/syncline.js');
    const T = await import('/test/tanstack-db.js');
    const c = new SynclineClient({ org: o.org, dbName: o.dbName, tokenProvider: () => o.token });
    await c.start();
    const until = (cond, what) => new Promise((resolve, reject) => {
      const end = performance.now() + 30000;
      const check = () => (cond() ? resolve() : performance.now() > end ? reject(new Error(`timed out: ${what}`)) : setTimeout(check, 20));
      check();
    });
    await until(() => c.status.hydrated && c.status.stream === 'live', 'hydrated and live');
    const pages = T.createCollection(T.synclineCollectionOptions({ client: c, type: 'page' }));
    await pages.preload();
    Object.assign(window, { c, pages, until });
    const tx = pages.insert({
      id: 'whole', organizationId: o.org, name: 'Whole row', description: null, keywords: null,
      status: 'published', parentId: null, displayOrder: 1, createdAt: '2026-01-01T00:00:00Z',
      createdBy: 'someone', modifiedAt: '2026-01-01T00:00:00Z', modifiedBy: 'someone',
    });
    try {
      await tx.isPersisted.promise;
      return { ok: true };
    } catch (e) {
      return { ok: false, error: String(e), detail: e.detail ?? null };
    }
  }, { org, dbName: `adopt-${rand()}`, token: dana.token });
  assert.deepEqual(inserted, { ok: true }, 'a whole-row insert persists');
  const row = await env.rest.expect(200, 'GET', pagePath('whole'), undefined, dana.token);
  assert.equal(row.data.name, 'Whole row');
  assert.equal(row.data.createdBy, dana.id, 'the server set its own fields');

  // Offline, dana renames; meanwhile a colleague's write lands; back online it conflicts.
  await client(page, async () => {
    await window.c.setForcedOffline(true);
    window.pending = window.pages.update('whole', (d) => { d.name = 'Mine'; });
    window.outcome = window.pending.isPersisted.promise.then(() => ({ ok: true }), (e) => ({
      ok: false, name: e.name, type: e.type, id: e.id, field: e.field, mine: e.mine,
      server: e.server, kept: e.conflict !== null,
    }));
    window.conflictError = window.pending.isPersisted.promise.catch((e) => e);
  });
  await env.rest.expect(200, 'PATCH', pagePath('whole'), {
    data: { name: 'Theirs' },
    tx: { transactionId: env.mint(), sourceId: 'adoptRestCl1', changedField: 'name', expectedTransactionId: row.fieldTx.name },
  }, dana.token);
  const outcome = await client(page, async () => {
    await window.c.setForcedOffline(false);
    return window.outcome;
  });
  assert.deepEqual(outcome, {
    ok: false, name: 'SynclineConflictError', type: 'page', id: 'whole', field: 'name',
    mine: 'Mine', server: 'Theirs', kept: true,
  });
  assert.equal((await env.rest.expect(200, 'GET', pagePath('whole'), undefined, dana.token)).data.name, 'Theirs',
    'the server value stands until resolved');
  const resolvedTx = await client(page, async () => (await window.conflictError).keepMine());
  assert.ok(resolvedTx, 'keepMine() minted a txId');
  await waitFor('keepMine landed on the server', async () =>
    (await env.rest.expect(200, 'GET', pagePath('whole'), undefined, dana.token)).data.name === 'Mine', 20000);
  await waitFor('the collection shows mine, nothing conflicted', () => client(page, () =>
    window.pages.get('whole')?.name === 'Mine' && window.c.conflicts().length === 0), 20000);
  await page.close();
}

async function moduleOnItsOwnOrigin(env) {
  const carol = await signUp(env.rest, 'carol');
  const org = (await env.rest.expect(201, 'POST', '/organizations',
    { name: 'Cross', slug: `cross-${rand()}` }, carol.token)).id;
  const pagePath = (id = '') => `/organizations/${org}/pages${id ? `/${id}` : ''}`;
  const page = await env.ctx.newPage();
  page.on('console', (m) => { if (process.env.SYNCLINE_BROWSER_DEBUG) console.log('page:', m.text()); });
  await page.goto(`${env.appOrigin}/`);
  const B = env.server.base;
  const started = await client(page, async (o) => {
    const { SynclineClient } = await import(`${o.B}/client/syncline.js`);
    const c = new SynclineClient({ org: o.org, baseUrl: o.B, dbName: o.dbName, tokenProvider: () => o.token });
    await c.start();
    window.until = (cond, what) => new Promise((resolve, reject) => {
      const end = performance.now() + 30000;
      const check = () => (cond() ? resolve() : performance.now() > end ? reject(new Error(`timed out: ${what} ${JSON.stringify(c.status)}`)) : setTimeout(check, 20));
      check();
    });
    await window.until(() => c.status.hydrated && c.status.stream === 'live', 'hydrated and live');
    window.c = c;
    const txId = await c.create('page', { id: 'x1', name: 'From another origin' });
    await window.until(() => c.state(txId) === 'confirmed', 'the create confirmed');
    return { origin: location.origin };
  }, { B, org, dbName: `cross-${rand()}`, token: carol.token });
  assert.equal(started.origin, env.appOrigin);
  const row = await env.rest.expect(200, 'GET', pagePath('x1'), undefined, carol.token);
  assert.equal(row.data.name, 'From another origin');
  // The stream: a colleague's write shows.
  const tx = () => ({ transactionId: env.mint(), sourceId: 'crossRestCl1', changedField: 'name' });
  await env.rest.expect(200, 'PATCH', pagePath('x1'), { data: { name: 'Renamed over REST' },
    tx: { ...tx(), expectedTransactionId: row.fieldTx.name } }, carol.token);
  await waitFor('the rename streamed to the other origin', () => client(page, () =>
    window.c.entity('page', 'x1')?.data?.name === 'Renamed over REST'), 20000);
  // Offline, an edit; a colleague's meanwhile; back online: a conflict, resolved as mine.
  const now = await env.rest.expect(200, 'GET', pagePath('x1'), undefined, carol.token);
  await client(page, async () => {
    await window.c.setForcedOffline(true);
    await window.c.update('page', 'x1', { name: 'Mine, offline' });
  });
  await env.rest.expect(200, 'PATCH', pagePath('x1'), { data: { name: 'Theirs' },
    tx: { ...tx(), expectedTransactionId: now.fieldTx.name } }, carol.token);
  const conflict = await client(page, async () => {
    await window.c.setForcedOffline(false);
    await window.until(() => window.c.conflicts().length === 1, 'the conflict');
    const [k] = window.c.conflicts();
    await window.c.resolve(k.seq, 'mine');
    return { field: k.field, mine: k.mine, server: k.server };
  });
  assert.deepEqual(conflict, { field: 'name', mine: 'Mine, offline', server: 'Theirs' });
  await waitFor('mine on the server', async () =>
    (await env.rest.expect(200, 'GET', pagePath('x1'), undefined, carol.token)).data.name === 'Mine, offline', 20000);
  await page.close();

  // An origin not listed: the browser refuses the module (no CORS headers for it).
  const stranger = await env.ctx.newPage();
  await stranger.goto(`${env.strangerOrigin}/`);
  const refused = await client(stranger, async (b) => {
    try {
      await import(`${b}/client/syncline.js`);
      return 'loaded';
    } catch (e) {
      return 'refused';
    }
  }, B);
  assert.equal(refused, 'refused', 'an origin not listed loaded the module');
  await stranger.close();
}

export const adoptScenarios = [
  ['the module on the app\'s own origin: stream, write, offline, conflict; an unlisted origin refused (ADOPT-005)', moduleOnItsOwnOrigin],
  ['TanStack DB against the real client: whole-row insert, offline conflict, keepMine (ADOPT-006)', tanstackAgainstTheRealClient],
];
