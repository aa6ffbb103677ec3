// `merge: text` through the browser's offline outbox (DESIGN §21, COLLAB): the demo's page
// description. Tab B edits one paragraph offline while bob, online, edits another: back online,
// the edit is sent (no local conflict mark: the server decides), merged, and both paragraphs
// show in the tab, with no dialog. Edits of the same paragraph go to the dialog, which then
// shows the three sides (the base both started from) with the parts both changed marked.
import assert from 'node:assert/strict';
import { sqlValue, waitFor } from './harness.mjs';
import { setOffline, shot, waitStatus } from './browser.mjs';
import { bobWrite, client, outbox, s, settled } from './common.mjs';

const paragraphs = (a, c) => `${a}\n\nThe middle paragraph stays as it was.\n\n${c}\n`;
const base = paragraphs('Opening paragraph.', 'Closing paragraph.');

const description = (page, id) =>
  client(page, (x) => window.synclineDemo.client.entity('page', x)?.data?.description ?? null, id);

async function serverDescription(env, id) {
  return (await env.rest.expect(200, 'GET', `/organizations/${s.org.id}/pages/${id}`, undefined, s.bob.token))
    .data.description;
}

// Tab B edits the description offline (as the demo's editor would: one update of the field).
async function editOffline(env, value) {
  const b = s.b;
  await setOffline(b, true);
  await client(b, ([id, v]) => window.synclineDemo.client.update('page', id, { description: v }), [s.seed, value]);
  await waitStatus(b, 'one pending', (x) => x.pending === 1);
  const [{ txId }] = await outbox(b);
  return txId;
}

async function differentParagraphsMerge(env) {
  const b = s.b;
  await bobWrite(env, s.seed, 'description', base);
  await waitFor('tab B to hold the base', async () => (await description(b, s.seed)) === base);
  const txId = await editOffline(env, paragraphs('Opening paragraph.', 'Closing paragraph, written on the train.'));
  await bobWrite(env, s.seed, 'description', paragraphs('Opening paragraph, edited at the desk.', 'Closing paragraph.'));
  const both = paragraphs('Opening paragraph, edited at the desk.', 'Closing paragraph, written on the train.');
  const merged = await env.rest.metric('syncline_mutations_merged_total');
  const t0 = Date.now();
  await setOffline(b, false);
  await waitFor('the server to hold both edits', async () => (await serverDescription(env, s.seed)) === both);
  await waitFor('tab B to show both edits', async () => (await description(b, s.seed)) === both);
  env.measured['offline text edit → merged with another paragraph\'s edit, shown'] = `${Date.now() - t0} ms`;
  await settled(b);
  assert.equal(await b.locator('#conflict-dialog[open]').count(), 0, 'no dialog for a merged edit');
  assert.equal(await env.rest.metric('syncline_mutations_merged_total'), merged + 1);
  // The merged write carries the edit's own txId (the sender sees it confirmed).
  await waitFor('confirmed', async () => (await client(b, (t) => window.synclineDemo.client.state(t), txId)) === 'confirmed');
  assert.equal(await sqlValue(env.dbUrl,
    `SELECT field_tx->>'description' FROM pages WHERE organization_id = '${s.org.id}' AND id = '${s.seed}'`), txId);
}

async function sameParagraphGoesToTheDialog(env) {
  const b = s.b;
  const start = await serverDescription(env, s.seed);
  const [first, , last] = start.split('\n\n');
  await editOffline(env, `${first} Mine.\n\nThe middle paragraph stays as it was.\n\n${last}`);
  await bobWrite(env, s.seed, 'description', `${first} Theirs.\n\nThe middle paragraph stays as it was.\n\n${last}`);
  await setOffline(b, false);
  const dialog = b.locator('#conflict-dialog[open]');
  await dialog.waitFor({ state: 'visible', timeout: 20000 });
  const [found] = await client(b, () => window.synclineDemo.client.conflicts());
  assert.equal(found.via, '409', 'a merge: text edit is judged by the server, not marked locally');
  assert.equal(found.base, start, 'the conflict carries the base both edits started from');
  assert.ok(found.ranges?.length >= 1, `ranges: ${JSON.stringify(found.ranges)}`);
  assert.equal(await b.locator('#conflict-base-side').isVisible(), true, 'the dialog shows three sides');
  const marked = await b.locator('#conflict-server mark').allTextContents();
  assert.ok(marked.some((m) => m.includes('Theirs')), `the server's changed part is marked: ${JSON.stringify(marked)}`);
  await shot(b, env.opt.out, '10-text-merge-three-way');
  await b.click('#keep-server');
  await dialog.waitFor({ state: 'hidden' });
  await settled(b);
}

export const mergeScenarios = [
  ['merge: text, offline: edits of different paragraphs merge on the server, no dialog (COLLAB)', differentParagraphsMerge],
  ['merge: text: edits of the same paragraph → the dialog shows base, mine, server marked (COLLAB)', sameParagraphGoesToTheDialog],
];
