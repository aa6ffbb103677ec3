// The React + TanStack DB example (issue 15, DESIGN §15, JS-004) in two tabs of the profile:
// an edit in one shows in the other; a live query joining pages and attachments follows either
// side; an offline edit lands once after reconnect (requests counted per txId); a conflicting
// edit shows the dialog and keep mine / keep the server's / merge each end as documented; the
// peers' regressions — an update that rewrote a colleague's field (TanStack DB #1817), an
// outbox replayed twice after a reload (#921), a closed leader's outbox never replayed by a
// follower (#865); a reset (new sync epoch) truncates the collections and reloads them — a
// page deleted where the stream never saw it is gone afterwards.
import assert from 'node:assert/strict';
import { sleep, sqlValue, waitFor } from './harness.mjs';
import { bobRename, client, pagePath, rand, s, serverName } from './common.mjs';

const ex = (page, fn, arg) => client(page, fn, arg);
const names = (page) => ex(page, () => [...document.querySelectorAll('#pages tr')]
  .map((tr) => `${tr.dataset.id}=${tr.querySelector('.name').value}`));
const shown = (page, id) => ex(page, (i) => document.querySelector(`#pages tr[data-id="${i}"] .name`)?.value ?? null, id);
async function edit(page, id, value) {
  await page.fill(`#pages tr[data-id="${id}"] .name`, value);
  await page.locator(`#pages tr[data-id="${id}"] .name`).blur();
}
const example = (page) => ex(page, () => {
  const st = document.querySelector('#status');
  return st && { stream: st.dataset.stream, pending: Number(st.dataset.pending), hydrated: st.dataset.hydrated === 'true' };
});

async function reactExample(env) {
  const open = async () => {
    const page = await env.ctx.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const warnings = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
      if (m.type() === 'warning') warnings.push(m.text());
    });
    await page.goto(`${env.server.base}/examples/react?org=${s.org.id}`);
    await waitFor('the example hydrated and live', async () => {
      const st = await example(page);
      if (errors.length) throw new Error(`the example failed: ${errors.join('; ')}`);
      return st && st.hydrated && st.stream === 'live';
    }, 30000).catch(async (e) => {
      throw new Error(`${e.message}; warnings: ${warnings.slice(0, 5).join('; ')}; at ${page.url()}: ${(await page.content()).slice(0, 1200)}`);
    });
    return page;
  };
  const a = await open();
  const b = await open();
  const id = s.seed;
  await waitFor('the seed page in both tabs', async () => (await shown(a, id)) !== null && (await shown(b, id)) !== null);

  // An edit in A shows in B (through the collection, the outbox and the stream).
  const t0 = Date.now();
  const name = `From React ${rand()}`;
  await edit(a, id, name);
  await waitFor('B shows A\'s edit', async () => (await shown(b, id)) === name);
  env.measured['React example: edit in A → shown in B'] = `${Date.now() - t0} ms`;
  // B may show it from the browser's shared outbox before it lands: the server gets it soon.
  await waitFor('the edit on the server', async () => (await serverName(env, id)) === name);

  // A live query over two collections follows both.
  const att = `att-${rand()}`;
  await env.rest.expect(201, 'POST', `/organizations/${s.org.id}/attachments`, {
    data: { id: att, name: 'cv.pdf', filename: 'cv.pdf', contentType: 'application/pdf', size: 3, public: false, groupId: id },
    tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: null, expectedTransactionId: null },
  }, s.bob.token);
  const joined = (page) => ex(page, (i) => document.querySelector(`#files li[data-id="${i}"] .page`)?.textContent ?? null, att);
  await waitFor('the join shows the attachment with its page', async () => (await joined(b)) === name);
  await bobRename(env, id, 'Renamed by bob');
  await waitFor('the join follows the page', async () => (await joined(a)) === 'Renamed by bob' && (await joined(b)) === 'Renamed by bob');

  // Offline: the edit waits in the outbox, shows at once, lands once after reconnect.
  await a.click('#offline');
  await waitFor('A offline', async () => (await example(a)).stream !== 'live');
  const offline = `Offline ${rand()}`;
  await edit(a, id, offline);
  await waitFor('one edit pending', async () => (await example(a)).pending === 1);
  assert.equal(await shown(a, id), offline, 'the optimistic value shows while offline');
  const txId = await ex(a, () => window.syncExample.client.outboxEntries()[0].txId);
  await sleep(500);
  assert.equal(s.watch.sent(txId), 0, 'sent while offline');
  // The outbox is the browser's: tab B shows A's queued edit before it is sent, as the plain
  // module does (TanStack DB's optimistic state is tab A's only).
  await waitFor('B shows the queued edit', async () => (await shown(b, id)) === offline);
  await a.click('#offline');
  await waitFor('the offline edit landed', async () => (await serverName(env, id)) === offline && (await example(a)).pending === 0);
  await waitFor('B shows it', async () => (await shown(b, id)) === offline);
  await sleep(500);
  assert.equal(s.watch.sent(txId), 1, `the offline edit was sent ${s.watch.sent(txId)} times`);

  // A conflict: offline edit in A, bob changes the same field meanwhile; the dialog shows both
  // values and keep mine ends with mine on the server.
  await a.click('#offline');
  await waitFor('A offline again', async () => (await example(a)).stream !== 'live');
  await edit(a, id, 'Mine in React');
  await bobRename(env, id, 'Theirs');
  await a.click('#offline');
  await a.waitForSelector('#conflict', { timeout: 20000 });
  assert.equal(await a.textContent('#mine'), 'Mine in React');
  assert.equal(await a.textContent('#server'), 'Theirs');
  await a.click('#keep-mine');
  await waitFor('mine on the server', async () => (await serverName(env, id)) === 'Mine in React');
  await waitFor('both tabs show mine', async () => (await shown(a, id)) === 'Mine in React' && (await shown(b, id)) === 'Mine in React');
  assert.equal(await a.$('#conflict'), null, 'the dialog closed');
  // The other two choices: keep the server's (it stays), merge (the merged value lands).
  for (const [choice, expected] of [['keep-server', 'Theirs again'], ['merge', 'Merged in React']]) {
    await a.click('#offline');
    await waitFor(`A offline (${choice})`, async () => (await example(a)).stream !== 'live');
    await edit(a, id, `Mine before ${choice}`);
    await bobRename(env, id, 'Theirs again');
    await a.click('#offline');
    await a.waitForSelector('#conflict', { timeout: 20000 });
    assert.equal(await a.textContent('#server'), 'Theirs again');
    if (choice === 'merge') await a.fill('#merged', 'Merged in React');
    await a.click(`#${choice}`);
    await waitFor(`${choice}: the server ends with ${expected}`, async () => (await serverName(env, id)) === expected
      && (await shown(a, id)) === expected && (await shown(b, id)) === expected);
    await waitFor(`${choice}: the dialog closed`, async () => (await a.$('#conflict')) === null);
  }

  // TanStack DB #1817: an update rewrote the whole row and reverted a colleague's field. Here
  // A renames while its copy still has the old status bob has just changed: only `name` is
  // sent, bob's status stands.
  await a.click('#offline');
  await waitFor('A offline (colleague)', async () => (await example(a)).stream !== 'live');
  await edit(a, id, 'Renamed, status untouched');
  await env.rest.expect(200, 'PATCH', pagePath(id), {
    data: { status: 'archived' },
    tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: 'status',
      expectedTransactionId: (await env.rest.expect(200, 'GET', pagePath(id), undefined, s.bob.token)).fieldTx.status ?? null },
  }, s.bob.token);
  await a.click('#offline');
  await waitFor('both fields on the server', async () => {
    const p = await env.rest.expect(200, 'GET', pagePath(id), undefined, s.bob.token);
    return p.data.name === 'Renamed, status untouched' && p.data.status === 'archived';
  });
  await waitFor('B shows both', async () => (await shown(b, id)) === 'Renamed, status untouched'
    && (await ex(b, (i) => document.querySelector(`#pages tr[data-id="${i}"] .status`)?.textContent, id)) === 'archived');

  // #921: an offline edit must not be replayed twice after a reload; #865: a follower must
  // replay a closed leader's outbox (once). A edits offline, reloads, closes; B leads and
  // sends it exactly once.
  await a.click('#offline');
  await waitFor('A offline (reload)', async () => (await example(a)).stream !== 'live');
  await edit(a, id, 'Edited, reloaded, closed');
  await waitFor('pending before the reload', async () => (await example(a)).pending === 1);
  const queued = await ex(a, () => window.syncExample.client.outboxEntries()[0].txId);
  await a.reload();
  await waitFor('A back after the reload, still pending', async () => (await example(a))?.pending === 1);
  await a.close();
  await waitFor('B took over the stream', () => ex(b, () => window.syncExample.client.status.leader));
  await b.click('#offline'); // forced offline is shared by the tabs: B turns it off
  await waitFor('the closed leader\'s edit landed', async () => (await serverName(env, id)) === 'Edited, reloaded, closed'
    && (await example(b)).pending === 0);
  await sleep(500);
  assert.equal(s.watch.sent(queued), 1, `the reloaded, handed-over edit was sent ${s.watch.sent(queued)} times`);
  const a2 = await open(); // the rest of the scenario uses two tabs again

  // Reset: a page deleted where the stream never sees it (pages out of the publication), then
  // a new sync epoch: the collections are truncated and reloaded, and the page is gone.
  const doomed = `doomed-${rand()}`;
  await env.rest.expect(201, 'POST', pagePath(), { data: { id: doomed, name: 'Doomed' },
    tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: null, expectedTransactionId: null } }, s.bob.token);
  await waitFor('the doomed page in both tabs', async () => (await shown(a2, doomed)) && (await shown(b, doomed)));
  await sqlValue(env.dbUrl, 'ALTER PUBLICATION syncline_pub DROP TABLE pages');
  try {
    await sqlValue(env.dbUrl, `DELETE FROM pages WHERE id = '${doomed}'`);
    await sqlValue(env.dbUrl, `WITH e AS (INSERT INTO sync_epochs(first_activity_id)
      SELECT nextval(pg_get_serial_sequence('activities', 'id')) + 1 RETURNING id)
      SELECT pg_notify('syncline_epoch', id::text) FROM e`);
    await waitFor('the reset truncated it away in both tabs',
      async () => (await shown(a2, doomed)) === null && (await shown(b, doomed)) === null, 30000);
  } finally {
    await sqlValue(env.dbUrl, 'ALTER PUBLICATION syncline_pub ADD TABLE pages');
  }
  assert.ok((await names(a2)).some((n) => n.startsWith(`${id}=`)), 'the other pages were reloaded');
  for (const p of [a2, b]) await p.close();
}

export const reactScenarios = [
  ['the React + TanStack DB example: two tabs, a join, offline, a conflict, a reset (JS-004)', reactExample],
];
