// Presence in the browser (DESIGN §21, COLLAB): bob, another client (REST), says he is editing
// the seed page's name; both tabs of alice — the leader, whose stream carries it, and a follower,
// to which the leader forwards it — show it on that page's row; alice focusing a page's name is
// seen by bob (GET …/presence) with her tab's clientId; bob leaving clears the rows.
import assert from 'node:assert/strict';
import { waitFor } from './harness.mjs';
import { shot, waitStatus } from './browser.mjs';
import { client, s } from './common.mjs';

const presencePath = () => `/organizations/${s.org.id}/presence`;
const shownPresence = (page, id) => page.locator(`#pages li[data-id="${id}"] .present`).textContent();

async function presenceAcrossTabs(env) {
  const b = s.b;
  const f = await env.ctx.newPage(); // a follower tab
  await f.goto(`${env.server.base}/app`);
  await waitStatus(f, 'the new tab to follow', (x) => !x.leader && x.stream === 'live');
  const t0 = Date.now();
  await env.rest.expect(200, 'PUT', presencePath(), {
    clientId: 'bobs-laptop', entityType: 'page', entityId: s.seed, state: { name: 'bob', editing: 'name' },
  }, s.bob.token);
  for (const [page, which] of [[b, 'the leader tab'], [f, 'the follower tab']])
    await waitFor(`${which} to show bob on the seed page`, async () => (await shownPresence(page, s.seed)) === 'bob editing name');
  env.measured['presence PUT → shown in both tabs'] = `${Date.now() - t0} ms`;
  assert.match(await b.textContent('#here'), /bob/);
  await shot(b, env.opt.out, '11-presence');

  // Alice focuses the created page's name in the follower: bob sees where her tab is.
  const mine = await client(f, () => window.synclineDemo.client.presence.clientId);
  await f.locator(`#pages li[data-id="${s.created}"] input.name`).focus();
  const seen = await waitFor('bob to see alice editing', async () => {
    const r = await env.rest.expect(200, 'GET', presencePath(), undefined, s.bob.token);
    return r.items.find((p) => p.clientId === mine && p.entityId === s.created) ?? null;
  });
  assert.equal(seen.state.editing, 'name');
  assert.equal(seen.userId, s.alice.id);
  await f.locator('#new-name').focus(); // away from the page: in the org, on no page
  await waitFor('alice back to org-level', async () => {
    const r = await env.rest.expect(200, 'GET', presencePath(), undefined, s.bob.token);
    return r.items.some((p) => p.clientId === mine && p.entityId === null);
  });

  await env.rest.expect(204, 'DELETE', `${presencePath()}/bobs-laptop`, undefined, s.bob.token);
  for (const page of [b, f])
    await waitFor('bob gone from the row', async () => (await shownPresence(page, s.seed)) === '');
  // The tab goes away (a navigation: Playwright's close() fires no pagehide): its presence goes
  // with it, by a keep-alive DELETE, not 30 s later.
  await f.goto('about:blank');
  await f.close();
  await waitFor('the closed tab\'s presence to go', async () => {
    const r = await env.rest.expect(200, 'GET', presencePath(), undefined, s.bob.token);
    return !r.items.some((p) => p.clientId === mine);
  });
}

export const presenceScenarios = [
  ['presence: another client on a page shows in every tab; a tab\'s focus is seen by others (COLLAB)', presenceAcrossTabs],
];
