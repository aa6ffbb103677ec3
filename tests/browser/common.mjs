// Shared by the scenario files: the state the scenarios build on (users, org, tabs, pages,
// the mutation-request log) and small helpers acting as "another client" over REST.
import assert from 'node:assert/strict';
import { waitFor } from './harness.mjs';

export const PASSWORD = 'correct horse battery';
export const rand = () => Math.random().toString(36).slice(2, 8);

/**
 * Shared between scenarios: alice/bob, org, tabs (a, b, f), pages (seed, created), `watch`
 * (every mutation request the browser sent) and `resent` (txIds the test made the client
 * send more than once on purpose: txId → exact count, or 0 = any number).
 */
export const s = { resent: new Map() };

export async function signUp(rest, name) {
  const email = `${name}-${rand()}@example.test`;
  const r = await rest.expect(201, 'POST', '/auth/sign-up', { email, password: PASSWORD, name });
  return { ...r.user, email, token: r.token };
}

export function pagePath(id = '', org = s.org.id) {
  return `/organizations/${org}/pages${id ? `/${id}` : ''}`;
}

const bobTx = (env, changedField = null, expectedTransactionId = null) =>
  ({ transactionId: env.mint(), sourceId: 'bobRestClnt1', changedField, expectedTransactionId });

/** bob writes one field as another client would: expecting the txId he last saw for it. */
export async function bobWrite(env, id, field, value) {
  const cur = await env.rest.expect(200, 'GET', pagePath(id), undefined, s.bob.token);
  const tx = bobTx(env, field, cur.fieldTx[field] ?? null);
  await env.rest.expect(200, 'PATCH', pagePath(id), { data: { [field]: value }, tx }, s.bob.token);
  return tx.transactionId;
}

export const bobRename = (env, id, name) => bobWrite(env, id, 'name', name);

/** bob creates a page; returns its id. */
export async function bobCreate(env, name) {
  const id = `p-${rand()}`;
  await env.rest.expect(201, 'POST', pagePath(), { data: { id, name }, tx: bobTx(env) }, s.bob.token);
  return id;
}

/** bob deletes a page he created (members may delete their own). */
export async function bobDelete(env, id) {
  await env.rest.expect(200, 'DELETE', pagePath(id), { tx: bobTx(env) }, s.bob.token);
}

export async function serverName(env, id) {
  return (await env.rest.expect(200, 'GET', pagePath(id), undefined, s.bob.token)).data.name;
}

/** Runs `fn(arg)` in a page. */
export function client(page, fn, arg) {
  return page.evaluate(fn, arg);
}

/** The demo client's outbox entries in a page. */
export function outbox(page) {
  return client(page, () => window.synclineDemo.client.outboxEntries());
}

/** Asserts the browser sent `txId` exactly `n` times (any page of the profile). */
export function assertSent(txId, n, what) {
  const mine = s.watch.list.filter((x) => x.txId === txId);
  assert.equal(mine.length, n, `${what}: ${txId} sent ${mine.length} times, expected ${n}: ${JSON.stringify(mine)}`);
}

/** Waits until a page's client has nothing pending and no conflict. */
export function settled(page, what = 'nothing pending, no conflict') {
  return waitFor(what, () => client(page, () => {
    const st = window.synclineDemo.client.status;
    return st.pending === 0 && st.conflicts === 0;
  }));
}
