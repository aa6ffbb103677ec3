// Scenarios of the declared schema and external identity (issue 12), after the demo's: a client
// whose bearer tokens come from the app's identity provider, and a node serving another schema.
import assert from 'node:assert/strict';
import path from 'node:path';
import { Rest, hs256, onCleanup, run, sleep, sqlValue, startServer, waitFor } from './harness.mjs';
import { client, pagePath, rand, signUp } from './common.mjs';

// JWT-008: a client whose tokens come from the app's identity provider (a callback). Tokens
// live 3 s: the stream ends with token_expired and resumes with a fresh one, requests answered
// 401 are sent again with one; the org exists only in the token's claim (alice's session
// cookie, also sent, is not a member: only the JWT can have opened the stream).
async function jwtTokenProvider(env) {
  const org = `idp-${rand()}`;
  const sub = `idp-user-${rand()}`;
  const token = (ttl) => hs256(env.jwtSecret, {
    sub, exp: Math.floor(Date.now() / 1000) + ttl, syncline_orgs: { [org]: 'admin' },
  });
  const page = await env.ctx.newPage();
  let issued = 0;
  await page.exposeFunction('nextToken', () => { issued++; return token(3); });
  await page.goto(`${env.server.base}/app`);
  await client(page, async (o) => {
    const { SynclineClient } = await import('/client/syncline.js');
    const c = new SynclineClient({ org: o, dbName: `jwt-${o}`, tokenProvider: () => window.nextToken() });
    window.jwtClient = c;
    await c.start();
  }, org);
  await waitFor('the JWT client live', () => client(page, () => window.jwtClient.status.stream === 'live'));
  const writeAsIdp = (id, name) => env.rest.expect(201, 'POST', pagePath('', org),
    { data: { id, name }, tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: null, expectedTransactionId: null } }, token(60));
  await writeAsIdp('j1', 'Before expiry');
  await waitFor('j1 in the JWT client', () => client(page, () => window.jwtClient.get('page', 'j1')));
  await sleep(4000); // past the first token's exp
  await writeAsIdp('j2', 'After expiry');
  await waitFor('j2 in the JWT client after its stream resumed with a fresh token',
    () => client(page, () => window.jwtClient.get('page', 'j2')), 20000);
  const tx = await client(page, () => window.jwtClient.create('page', { id: 'j3', name: 'From the browser' }));
  await waitFor('the browser\'s write confirmed', () => client(page, (t) => window.jwtClient.state(t) === 'confirmed', tx));
  const j3 = await env.rest.expect(200, 'GET', pagePath('j3', org), undefined, token(60));
  assert.equal(j3.data.createdBy, sub);
  assert.ok(issued >= 2, `the provider was asked ${issued} times`);
  env.measured['JWT tokens issued to the browser client'] = issued;
  await client(page, () => window.jwtClient.stop());
  await page.close();
}

// SCHEMA-021 in the browser: a node serving the tracker schema (tests/data/tracker.yaml, its own
// CDC slot) and the module on its origin. The client learns the types from /schema, hydrates
// them, writes every kind through the outbox, follows another client's edit, and keeps a
// conflict on the schema's `merge: manual` field (notes) for the user.
async function trackerSchemaInTheBrowser(env) {
  const file = path.join(env.opt.source, 'tests/data/tracker.yaml');
  const applied = await run(env.opt.binary, ['--database-url', env.dbUrl, 'schema', 'apply', '--schema', file]);
  assert.equal(applied.code, 0, applied.stderr);
  // Registered first, so it runs after the node (and its worker) stopped.
  onCleanup(() => sqlValue(env.dbUrl, "SELECT pg_drop_replication_slot('tracker_slot')"));
  const node = await startServer(env.opt.binary, env.dbUrl, ['--schema', file, '--slot', 'tracker_slot',
    '--publication', 'tracker_pub', '--tx-publication', 'tracker_tx_pub']);
  const rest = new Rest(node.base);
  const carol = await signUp(rest, 'carol');
  const org = await rest.expect(201, 'POST', '/organizations', { name: 'Tracker', slug: `tracker-${rand()}` }, carol.token);
  const tasks = `/organizations/${org.id}/tasks`;
  const tx = (changedField = null, expectedTransactionId = null) =>
    ({ transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField, expectedTransactionId });
  await rest.expect(201, 'POST', `/organizations/${org.id}/projects`, { data: { id: 'p1', name: 'Launch' }, tx: tx() }, carol.token);

  const page = await env.ctx.newPage();
  await page.route(`${node.base}/blank`, (r) => r.fulfill({ contentType: 'text/html', body: '<!doctype html><title>tracker</title>' }));
  await page.goto(`${node.base}/blank`);
  await client(page, async (o) => {
    const { SynclineClient } = await import('/client/syncline.js');
    // carol's bearer token (the profile's cookie is alice's): the stream is read with fetch.
    window.tc = new SynclineClient({ org: o.org, dbName: `tracker-${o.org}`, tokenProvider: () => o.token });
    await window.tc.start();
  }, { org: org.id, token: carol.token });
  await waitFor('the tracker client live', () => client(page, () => window.tc.status.stream === 'live' && window.tc.hydrated));
  assert.deepEqual(await client(page, () => Object.keys(window.tc.schema).sort()), ['project', 'task']);
  assert.equal(await client(page, () => window.tc.get('project', 'p1')?.name), 'Launch');

  const created = await client(page, () => window.tc.create('task', {
    id: 't1', title: 'From the browser', points: 3, due: '2026-12-24T10:00:00Z', project: 'p1', done: true, meta: { labels: ['a'] },
  }));
  await waitFor('the task confirmed', () => client(page, (t) => window.tc.state(t) === 'confirmed', created));
  assert.equal(await sqlValue(env.dbUrl, "SELECT title || ':' || points || ':' || project_id || ':' || done || ':' || (meta->'labels'->>0) FROM tracker.tasks WHERE task_id = 't1'"),
    'From the browser:3:p1:true:a');
  // Another client's edit streams in.
  let cur = await rest.expect(200, 'GET', `${tasks}/t1`, undefined, carol.token);
  await rest.expect(200, 'PATCH', `${tasks}/t1`, { data: { title: 'Renamed over REST' }, tx: tx('title', cur.fieldTx.title) }, carol.token);
  await waitFor('the REST rename shown', () => client(page, () => window.tc.get('task', 't1')?.title === 'Renamed over REST'));
  // notes is `merge: manual`: an offline edit someone else overtook waits for the user.
  await client(page, () => window.tc.setForcedOffline(true));
  await client(page, () => window.tc.update('task', 't1', { notes: 'mine' }));
  cur = await rest.expect(200, 'GET', `${tasks}/t1`, undefined, carol.token);
  await rest.expect(200, 'PATCH', `${tasks}/t1`, { data: { notes: 'theirs' }, tx: tx('notes', cur.fieldTx.notes ?? null) }, carol.token);
  await client(page, () => window.tc.setForcedOffline(false));
  const conflicts = await waitFor('the notes conflict', async () => {
    const c = await client(page, () => window.tc.conflicts());
    return c.length ? c : null;
  });
  assert.equal(conflicts[0].field, 'notes');
  assert.equal(conflicts[0].mine, 'mine');
  assert.equal(conflicts[0].server, 'theirs');
  await client(page, () => window.tc.stop());
  await page.close();
}

export const schemaScenarios = [
  ['a token provider: JWTs of 3 s, the stream and requests carry on with fresh ones (JWT-008)', jwtTokenProvider],
  ['the tracker schema in the browser: types from /schema, every kind, a manual-field conflict (SCHEMA-021)', trackerSchemaInTheBrowser],
];
