// Real data at real size in the browser (DESIGN §18, DATA-SCALE-003): an org of 100,000 pages
// the app inserted with one statement. The leader tab hydrates it once from a snapshot (a
// streamed fetch into IndexedDB in batches, `progress` events), a second tab of the profile
// gets it from IndexedDB without a second snapshot, a change made afterwards reaches both, and
// so does the app's bulk insert of 20,000 more (a refetch marker: the leader loads again).
import assert from 'node:assert/strict';
import { sqlValue, waitFor } from './harness.mjs';
import { client, rand, signUp } from './common.mjs';

const ROWS = 100000;

async function hydrateABigOrg(env) {
  const erin = await signUp(env.rest, 'erin');
  const org = (await env.rest.expect(201, 'POST', '/organizations',
    { name: 'Big', slug: `big-${rand()}` }, erin.token)).id;
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

export const scaleScenarios = [
  ['a 100,000-row org hydrates once for two tabs from a snapshot (DATA-SCALE-003)', hydrateABigOrg],
];
