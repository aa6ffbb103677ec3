// Shapes in the browser (issue 14, DESIGN §16, SHAPE-016): two tabs of one profile with
// different shapes share the browser's one stream (it carries their union), each tab shows only
// its own shape, a move between shapes shows in both, a leave drops the entity, and a shape
// added at runtime is hydrated. The oracle is the server's own list with the same shape.
import assert from 'node:assert/strict';
import { sleep, waitFor } from './harness.mjs';
import { client, rand, signUp } from './common.mjs';

async function twoTabsTwoShapes(env) {
  const dana = await signUp(env.rest, 'dana');
  const org = (await env.rest.expect(201, 'POST', '/organizations',
    { name: 'Shapes', slug: `shapes-${rand()}` }, dana.token)).id;
  const pages = `/organizations/${org}/pages`;
  const tx = () => ({ transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: null, expectedTransactionId: null });
  const create = (id, status) => env.rest.expect(201, 'POST', pages, { data: { id, name: id, status }, tx: tx() }, dana.token);
  const setStatus = async (id, status) => {
    const cur = await env.rest.expect(200, 'GET', `${pages}/${id}`, undefined, dana.token);
    await env.rest.expect(200, 'PATCH', `${pages}/${id}`, {
      data: { status }, tx: { ...tx(), changedField: 'status', expectedTransactionId: cur.fieldTx.status ?? null },
    }, dana.token);
  };
  const serverIds = async (shape) => {
    const r = await env.rest.expect(200, 'GET', `${pages}?shape=${encodeURIComponent(JSON.stringify(shape))}`, undefined, dana.token);
    return r.items.map((p) => p.data.id).sort();
  };
  for (const [id, st] of [['s1', 'published'], ['s2', 'archived'], ['s3', 'unpublished'], ['s4', 'published']])
    await create(id, st);

  const published = { page: { status: 'published' } };
  const archived = { page: { status: 'archived' } };
  const before = await env.rest.metric('syncline_stream_subscribers');
  const dbName = `shapes-${rand()}`;
  const open = async (shape, name) => {
    const page = await env.ctx.newPage();
    // The demo page's origin and policy, but not its own client: /me says "signed out".
    await page.route('**/me', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: '{}' }));
    await page.goto(`${env.server.base}/app`);
    await client(page, async (o) => {
      const { SynclineClient } = await import('/client/syncline.js');
      const c = new SynclineClient({ org: o.org, dbName: o.dbName, tokenProvider: () => o.token, shapes: [o.shape] });
      window.sc = c;
      await c.start();
    }, { org, dbName, token: dana.token, shape });
    await waitFor(`${name} hydrated`, () => client(page, () => window.sc.status.hydrated), 30000);
    return page;
  };
  const ids = (page) => client(page, () => window.sc.list('page').map((p) => p.id).sort());
  const showsExactly = async (page, shape, what) =>
    waitFor(what, async () => JSON.stringify(await ids(page)) === JSON.stringify(await serverIds(shape)), 30000);

  const tabP = await open(published, 'the published tab');
  const tabA = await open(archived, 'the archived tab');
  await showsExactly(tabP, published, 'the published tab shows exactly the published pages');
  await showsExactly(tabA, archived, 'the archived tab shows exactly the archived pages');
  const leaders = await Promise.all([tabP, tabA].map((p) => client(p, () => window.sc.status.leader)));
  assert.equal(leaders.filter(Boolean).length, 1, `one leader: ${leaders}`);
  await waitFor('one stream for both tabs', async () => (await env.rest.metric('syncline_stream_subscribers')) === before + 1);

  // Moves between the shapes, out of both, a new one, a delete.
  await setStatus('s1', 'archived');
  await setStatus('s2', 'published');
  await setStatus('s4', 'unpublished');
  await create('s5', 'archived');
  await env.rest.expect(200, 'DELETE', `${pages}/s3`, { tx: tx() }, dana.token);
  await showsExactly(tabP, published, 'the published tab follows the moves');
  await showsExactly(tabA, archived, 'the archived tab follows the moves');
  assert.deepEqual(await ids(tabP), ['s2']);
  assert.deepEqual(await ids(tabA), ['s1', 's5']);

  // A shape added at runtime in the follower: hydrated by the leader, then streamed.
  const follower = leaders[0] ? tabA : tabP;
  const unpublished = { page: { status: 'unpublished' } };
  await client(follower, (sh) => window.sc.addShape(sh), unpublished);
  await waitFor('the added shape hydrated', () => client(follower, () => window.sc.status.hydrated), 30000);
  const union = { page: { status: leaders[0] ? ['archived', 'unpublished'] : ['published', 'unpublished'] } };
  await showsExactly(follower, union, 'the follower shows its two shapes');
  await create('s6', 'unpublished');
  await showsExactly(follower, union, 'and what comes after');
  await sleep(500);
  assert.equal(await env.rest.metric('syncline_stream_subscribers'), before + 1, 'still one stream');
  env.measured['shape tabs: pages shown (published / other)'] = `${(await ids(tabP)).length} / ${(await ids(tabA)).length}`;
  for (const p of [tabP, tabA]) {
    await client(p, () => window.sc.stop());
    await p.close();
  }
}

export const shapeScenarios = [
  ['two tabs with different shapes share one stream; each shows only its shape (SHAPE-016)', twoTabsTwoShapes],
];
