// Invitations in the demo (DESIGN §20, SEC-050): an org's admin invites an address from the
// page and is shown the code; the person who then signs up with it
// sees the invitation, cannot accept it without the code, accepts it with the code and has the
// organization open, live; an invitation they decline leaves them outside that organization.
import assert from 'node:assert/strict';
import { waitStatus } from './browser.mjs';
import { PASSWORD, rand, signUp } from './common.mjs';

async function signIn(page, email) {
  await page.locator('#sign-in-view').waitFor({ state: 'visible' });
  await page.fill('#email', email);
  await page.fill('#password', PASSWORD);
  await page.click('#sign-in-form button[type=submit]');
}

const invitationRows = (page) => page.locator('#invitations li.invitation');
const waitRows = (page, n) => page.waitForFunction((k) => document.querySelectorAll('#invitations li.invitation').length === k, n, { timeout: 20000 });

// In a browser of its own (set up here, so `--only invitations` runs it alone): frank, an org's
// admin, invites erin's address; frank signs out and erin, who signs up afterwards, signs in.
async function inviteInTheDemo(env) {
  const { rest } = env;
  const frank = await signUp(rest, 'frank');
  const org = await rest.expect(201, 'POST', '/organizations', { name: 'Invited org', slug: `invited-${rand()}` }, frank.token);
  const dave = await signUp(rest, 'dave');
  const other = await rest.expect(201, 'POST', '/organizations', { name: 'Declined org', slug: `declined-${rand()}` }, dave.token);
  const email = `erin-${rand()}@example.test`;

  const ctx2 = await env.launchOther();
  const e = ctx2.pages()[0] ?? (await ctx2.newPage());
  try {
    await e.goto(`${env.server.base}/app`);
    await signIn(e, frank.email);
    await waitStatus(e, 'frank to have his org open', (x) => x.hydrated);
    await e.locator('#invite-form').waitFor({ state: 'visible' }); // frank is the org's admin
    await e.fill('#invite-email', email);
    await e.selectOption('#invite-role', 'member');
    await e.click('#invite-form button[type=submit]');
    const code = (await e.locator('#invite-code').textContent({ timeout: 20000 })).trim();
    assert.match(code, /^[A-Za-z0-9_-]{40,}$/, 'the code to pass on is shown');
    await e.click('#sign-out');

    // Erin signs up after the invitation was sent: the code is needed (SEC-050). Dave's org
    // invites her by user id, and she declines that one.
    const erin = await rest.expect(201, 'POST', '/auth/sign-up', { email, password: PASSWORD, name: 'Erin' });
    await rest.expect(201, 'POST', `/organizations/${other.id}/invitations`, { userId: erin.user.id, role: 'member' }, dave.token);
    await signIn(e, email);
    await waitRows(e, 2);
    const mine = invitationRows(e).filter({ hasText: 'Invited org' });
    const declined = invitationRows(e).filter({ hasText: 'Declined org' });
    assert.equal(await e.locator('#org-select option').count(), 0, 'invited is not a member');
    assert.equal(await declined.locator('.code').isVisible(), false, 'an invitation by user id needs no code');

    await declined.locator('button.decline').click();
    await waitRows(e, 1);
    assert.equal((await rest.call('GET', `/organizations/${other.id}`, undefined, erin.token)).status, 403);

    await mine.locator('button.accept').click(); // without the code
    await mine.locator('.error').filter({ hasText: /token/ }).waitFor({ timeout: 20000 });
    assert.equal((await rest.call('GET', `/organizations/${org.id}`, undefined, erin.token)).status, 403);
    await mine.locator('.code').fill(code);
    await mine.locator('button.accept').click();
    await waitStatus(e, 'erin to have the org open, live', (x) => x.hydrated && x.stream === 'live');
    assert.equal(await e.locator('#org-select').inputValue(), org.id);
    assert.equal(await e.locator('#invitations-view').isHidden(), true, 'no invitation left');
    assert.equal(await e.locator('#invite-form').isHidden(), true, 'members do not invite');
    const members = await rest.expect(200, 'GET', `/organizations/${org.id}/memberships`, undefined, frank.token);
    assert.ok(members.items.some((m) => m.userId === erin.user.id && m.role === 'member'));
  } catch (err) {
    await e.screenshot({ path: `${env.opt.out}/failure-invitations.png`, fullPage: true }).catch(() => {});
    console.log(`invitee page text: ${(await e.locator('body').innerText().catch(() => '')).slice(0, 800)}`);
    throw err;
  } finally {
    await ctx2.close();
  }
}

export const inviteScenarios = [
  ['invitations in the demo: invite by email, decline one, accept with the code (SEC-050)', inviteInTheDemo],
];
