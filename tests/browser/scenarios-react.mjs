// The React + TanStack DB example (issue 15, DESIGN §15, JS-004) in two tabs of the profile:
// an edit in one shows in the other; a live query joining pages and attachments follows either
// side; an offline edit lands once after reconnect (requests counted per txId); a conflicting
// edit shows the dialog and keep mine ends with mine on the server; a reset (new sync epoch)
// truncates the collections and reloads them — a page deleted where the stream never saw it is
// gone afterwards.
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
  assert.equal(await serverName(env, id), name);

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

  // Reset: a page deleted where the stream never sees it (pages out of the publication), then
  // a new sync epoch: the collections are truncated and reloaded, and the page is gone.
  const doomed = `doomed-${rand()}`;
  await env.rest.expect(201, 'POST', pagePath(), { data: { id: doomed, name: 'Doomed' },
    tx: { transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField: null, expectedTransactionId: null } }, s.bob.token);
  await waitFor('the doomed page in both tabs', async () => (await shown(a, doomed)) && (await shown(b, doomed)));
  await sqlValue(env.dbUrl, 'ALTER PUBLICATION syncline_pub DROP TABLE pages');
  try {
    await sqlValue(env.dbUrl, `DELETE FROM pages WHERE id = '${doomed}'`);
    await sqlValue(env.dbUrl, `WITH e AS (INSERT INTO sync_epochs(first_activity_id)
      SELECT nextval(pg_get_serial_sequence('activities', 'id')) + 1 RETURNING id)
      SELECT pg_notify('syncline_epoch', id::text) FROM e`);
    await waitFor('the reset truncated it away in both tabs',
      async () => (await shown(a, doomed)) === null && (await shown(b, doomed)) === null, 30000);
  } finally {
    await sqlValue(env.dbUrl, 'ALTER PUBLICATION syncline_pub ADD TABLE pages');
  }
  assert.ok((await names(a)).some((n) => n.startsWith(`${id}=`)), 'the other pages were reloaded');
  for (const p of [a, b]) await p.close();
}

export const reactScenarios = [
  ['the React + TanStack DB example: two tabs, a join, offline, a conflict, a reset (JS-004)', reactExample],
];
