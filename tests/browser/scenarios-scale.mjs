// Real data at real size in the browser (DESIGN §18, DATA-SCALE-003): an org of 100,000 pages
// the app inserted with one statement. The leader tab hydrates it once from a snapshot (a
// streamed fetch into IndexedDB in batches, `progress` events), a second tab of the profile
// gets it from IndexedDB without a second snapshot, a change made afterwards reaches both, and
// so does the app's bulk insert of 20,000 more (a refetch marker: the leader loads again).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { sqlValue, waitFor } from './harness.mjs';
import { client, rand, signUp } from './common.mjs';

const ROWS = 100000;
const big = {}; // the org the first scenario made, for the next

async function hydrateABigOrg(env) {
  const erin = await signUp(env.rest, 'erin');
  const org = (await env.rest.expect(201, 'POST', '/organizations',
    { name: 'Big', slug: `big-${rand()}` }, erin.token)).id;
  Object.assign(big, { erin, org });
  await sqlValue(env.dbUrl, `INSERT INTO pages (id, organization_id, name, description, status,
    display_order, created_by) SELECT 'p' || g, '${org}', 'Page ' || g, repeat('words ', 20),
    'published', g, '${erin.id}' FROM generate_series(1, ${ROWS}) g`);
  // The worker logs the bulk insert (one refetch marker) before the tabs open.
  await waitFor('the bulk insert logged', async () =>
    Number(await sqlValue(env.dbUrl, `SELECT count(*) FROM activities WHERE organization_id = '${org}' AND action = 'refetch'`)) === 1,
  180000, 500);
  const snapshotRows = () => env.rest.metric('syncline_snapshot_rows_total');
  const before = await snapshotRows();
  const dbName = `big-${rand()}`;
  const open = async (name) => {
    const page = await env.ctx.newPage();
    await page.route('**/me', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: '{}' }));
    await page.goto(`${env.server.base}/app`);
    const ms = await client(page, async (o) => {
      const { SynclineClient } = await import('/client/syncline.js');
      const c = new SynclineClient({ org: o.org, dbName: o.dbName, tokenProvider: () => o.token });
      window.sc = c;
      window.progress = [];
      c.addEventListener('progress', (e) => window.progress.push(e.detail));
      const t0 = performance.now();
      await c.start();
      await new Promise((resolve) => {
        const check = () => (c.status.hydrated ? resolve() : setTimeout(check, 20));
        check();
      });
      return performance.now() - t0;
    }, { org, dbName, token: erin.token });
    return { page, ms };
  };
  const a = await open('the leader tab');
  assert.equal(await client(a.page, () => window.sc.status.leader), true);
  assert.equal(await client(a.page, () => window.sc.list('page').length), ROWS);
  const progress = await client(a.page, () => window.progress);
  assert.ok(progress.length >= 10, `progress events: ${progress.length}`);
  assert.equal(progress.at(-1).done, true);
  assert.equal(progress.at(-1).rows, ROWS);
  env.measured[`browser hydrate of ${ROWS} rows (leader: snapshot → IndexedDB → hydrated)`] = `${Math.round(a.ms)} ms`;

  const b = await open('a second tab');
  assert.equal(await client(b.page, () => window.sc.status.leader), false);
  assert.equal(await client(b.page, () => window.sc.list('page').length), ROWS);
  env.measured[`second tab of a ${ROWS}-row org (from IndexedDB)`] = `${Math.round(b.ms)} ms`;
  assert.equal(await snapshotRows() - before, ROWS, 'one snapshot for both tabs');

  // Live after it, in both tabs.
  const cur = await env.rest.expect(200, 'GET', `/organizations/${org}/pages/p777`, undefined, erin.token);
  await env.rest.expect(200, 'PATCH', `/organizations/${org}/pages/p777`, {
    data: { name: 'after hydration' },
    tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: 'name', expectedTransactionId: cur.fieldTx.name ?? null },
  }, erin.token);
  for (const t of [a, b])
    await waitFor('the change in the tab', () => client(t.page, () => window.sc.list('page').find((p) => p.id === 'p777')?.name === 'after hydration'));
  // The app's own bulk insert while both tabs are live: one refetch marker (DESIGN §18); the
  // leader loads the org again and both tabs hold the table.
  const more = 20000;
  const t0 = Date.now();
  await sqlValue(env.dbUrl, `INSERT INTO pages (id, organization_id, name) SELECT 'q' || g,
    '${org}', 'bulk ' || g FROM generate_series(1, ${more}) g`);
  for (const t of [a, b])
    await waitFor('the bulk insert in the tab', () => client(t.page, (n) => window.sc.list('page').length === n, ROWS + more), 60000);
  env.measured[`a bulk insert of ${more} rows → both tabs hold it`] = `${Date.now() - t0} ms`;
  for (const t of [a, b]) {
    await client(t.page, () => window.sc.stop());
    await t.page.close();
  }
}

// @tanstack/db and the adapter as one module, bundled by the React example's pinned esbuild
// (served to the page by a route: the app's policy loads scripts from its own origin only).
export function tanstackBundle(source) {
  const dir = path.resolve(source, 'web/examples/react');
  return execFileSync(path.join(dir, 'node_modules/.bin/esbuild'), ['--bundle', '--format=esm', '--log-level=error'], {
    cwd: dir,
    input: "export * from '@tanstack/db';\nexport { synclineCollectionOptions } from '@syncline/client/tanstack-db';\n",
    maxBuffer: 64 << 20,
  }).toString();
}

// TanStack DB on demand (DESIGN §18, DATA-SCALE-003): a live query of 50 published pages of the
// 120,000-row org, in key order, loads about 50 rows (a window: the shape {status} read by list
// pages), follows a colleague's edit of one of them, and a where that maps only in part
// (id = …, displayOrder > …) loads the shape of the part that maps while TanStack filters.
async function onDemandCollection(env) {
  const { erin, org } = big;
  const page = await env.ctx.newPage();
  const bundle = tanstackBundle(env.opt.source);
  await page.route('**/me', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: '{}' }));
  await page.route('**/test/tanstack-db.js', (r) => r.fulfill({ status: 200, contentType: 'text/javascript', body: bundle }));
  page.on('console', (m) => { if (process.env.SYNCLINE_BROWSER_DEBUG) console.log('page:', m.text()); });
  page.on('pageerror', (e) => console.log('page error:', e.message));
  await page.goto(`${env.server.base}/app`);
  await client(page, () => {
    // Waits for `cond` (polled), failing after 60 s with what it waited for and the state.
    window.until = (cond, what, state = () => '') => new Promise((resolve, reject) => {
      const end = performance.now() + 60000;
      const check = () => {
        if (cond()) resolve();
        else if (performance.now() > end) reject(new Error(`timed out: ${what} ${state()}`));
        else setTimeout(check, 20);
      };
      check();
    });
  });
  const snapshotRows = () => env.rest.metric('syncline_snapshot_rows_total');
  const before = await snapshotRows();
  const first50 = (await sqlValue(env.dbUrl, `SELECT string_agg(id, ',' ORDER BY id) FROM (SELECT id FROM pages
    WHERE organization_id = '${org}' AND status = 'published' ORDER BY id LIMIT 50) w`)).split(',');
  const got = await client(page, async (o) => {
    const { SynclineClient } = await import('/client/syncline.js');
    const T = await import('/test/tanstack-db.js');
    const c = new SynclineClient({ org: o.org, dbName: o.dbName, tokenProvider: () => o.token, onDemand: true });
    window.sc = c;
    await c.start();
    await window.until(() => c.status.hydrated, 'hydrated', () => JSON.stringify(c.status));
    const heldAtStart = c.entities.size;
    const pages = T.createCollection(T.synclineCollectionOptions({ client: c, type: 'page', syncMode: 'on-demand' }));
    const t0 = performance.now();
    const q = T.createLiveQueryCollection((b) => b.from({ p: pages })
      .where(({ p }) => T.eq(p.status, 'published')).orderBy(({ p }) => p.id).limit(50));
    await Promise.race([q.preload(), window.until(() => false, 'preload', () => `${q.size} ${c.entities.size}`)]);
    await window.until(() => q.size === 50, '50 rows', () => `${q.size} ${c.entities.size}`);
    const ms = performance.now() - t0;
    window.q = q;
    window.firstId = q.toArray[0].id;
    window.T = T;
    window.pages = pages;
    return { heldAtStart, ms, held: c.entities.size, ids: q.toArray.map((r) => r.id) };
  }, { org, dbName: `ondemand-${rand()}`, token: erin.token });
  assert.equal(got.heldAtStart, 0, 'an on-demand client loads no rows unasked');
  assert.deepEqual(got.ids, first50, 'the first 50 published pages in key order');
  assert.ok(got.held >= 50 && got.held <= 60, `rows loaded for a 50-row view: ${got.held}`);
  assert.equal(await snapshotRows() - before, 0, 'the window came by list pages, not a snapshot');
  env.measured[`on-demand live query: 50 of ${ROWS + 20000} rows loaded`] = `${Math.round(got.ms)} ms, ${got.held} rows held`;

  // Paging: the next 50 widen the window to 100 rows in key order.
  const first100 = (await sqlValue(env.dbUrl, `SELECT string_agg(id, ',' ORDER BY id) FROM (SELECT id FROM pages
    WHERE organization_id = '${org}' AND status = 'published' ORDER BY id LIMIT 100) w`)).split(',');
  const next = await client(page, async () => {
    const { q, sc } = window;
    const moved = q.utils.setWindow({ offset: 50, limit: 50 });
    if (moved !== true) await moved;
    await window.until(() => q.size === 50 && q.toArray[0].id !== window.firstId, 'the next 50', () => `${q.size} ${sc.entities.size}`);
    return { ids: q.toArray.map((r) => r.id), held: sc.entities.size };
  });
  assert.deepEqual(next.ids, first100.slice(50), 'rows 51–100 in key order');
  assert.ok(next.held >= 100 && next.held <= 110, `rows loaded for two pages of 50: ${next.held}`);
  await client(page, async () => {
    const moved = window.q.utils.setWindow({ offset: 0, limit: 50 });
    if (moved !== true) await moved;
  });

  // Live: a colleague's edit of a row in the view.
  const id = first50[7];
  const cur = await env.rest.expect(200, 'GET', `/organizations/${org}/pages/${id}`, undefined, erin.token);
  await env.rest.expect(200, 'PATCH', `/organizations/${org}/pages/${id}`, {
    data: { name: 'edited on demand' },
    tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: 'name', expectedTransactionId: cur.fieldTx.name ?? null },
  }, erin.token);
  await waitFor('the edit in the live query', () => client(page, (i) => window.q.toArray.find((r) => r.id === i)?.name === 'edited on demand', id));

  // A where that maps in part: the shape {id: 'p77'} loads, TanStack filters displayOrder.
  const part = await client(page, async () => {
    const { T, pages } = window;
    const one = T.createLiveQueryCollection((b) => b.from({ p: pages })
      .where(({ p }) => T.and(T.eq(p.id, 'p77'), T.gt(p.displayOrder, 70))));
    const none = T.createLiveQueryCollection((b) => b.from({ p: pages })
      .where(({ p }) => T.and(T.eq(p.id, 'p99999'), T.gt(p.displayOrder, 100000))));
    await Promise.race([Promise.all([one.preload(), none.preload()]),
      window.until(() => false, 'preload', () => `${one.size} ${none.size}`)]);
    await window.until(() => one.size === 1, 'p77', () => `${one.size} ${window.sc.entities.size}`);
    return { one: one.toArray.map((r) => r.id), none: none.size, held: window.sc.entities.size,
      p99999: window.sc.entity('page', 'p99999') !== null };
  });
  assert.deepEqual(part.one, ['p77']);
  assert.equal(part.none, 0, 'TanStack filters what the shape could not');
  assert.ok(part.p99999, 'the shape of the part that maps loaded');
  assert.ok(part.held <= next.held + 2, `two one-row shapes: ${part.held} rows held`);
  await client(page, () => window.sc.stop());
  await page.close();
}

export const scaleScenarios = [
  ['a 100,000-row org hydrates once for two tabs from a snapshot (DATA-SCALE-003)', hydrateABigOrg],
  ['TanStack DB on demand: a 50-row view of the big org loads about 50 rows (DATA-SCALE-003)', onDemandCollection],
];
