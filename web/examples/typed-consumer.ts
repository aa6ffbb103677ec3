// A typed consumer of @syncline/client (DESIGN §15, JS-001/002): the row types come from
// `syncline schema typescript` (./syncline-types.ts, generated next to it by the package test).
// `tsc --noEmit` must accept it, and each @ts-expect-error must be an error: the types are strict.
import { SynclineClient, makeId, type Conflict, type Shape } from '@syncline/client';
import type { Page, SynclineInserts, SynclineTypes } from './syncline-types.js';

const shape: Shape<SynclineTypes> = { page: { status: ['published', 'archived'], parentId: null } };
const client = new SynclineClient<SynclineTypes, SynclineInserts>({ org: 'org_1', shapes: [shape] });

export async function demo(): Promise<string[]> {
  await client.start();
  const pages: Page[] = client.list('page');
  const first: Page | null = client.get('page', pages[0]?.id ?? '');
  const status: 'unpublished' | 'published' | 'archived' = first?.status ?? 'unpublished';
  const tx: string = await client.create('page', { id: makeId(), name: 'Typed', status });
  const txs: string[] = await client.update('page', 'p1', { name: 'Renamed', displayOrder: 2 });
  client.addEventListener('mutation', (e) => {
    const state: string = e.detail.state;
    void state;
  });
  const conflicts: Array<Conflict<SynclineTypes>> = client.conflicts();
  if (conflicts[0]) await client.resolve(conflicts[0].seq, 'merge', 'both');

  // @ts-expect-error: no such entity type in the schema
  client.list('task');
  // @ts-expect-error: displayOrder is a number
  await client.update('page', 'p1', { displayOrder: 'two' });
  // @ts-expect-error: status is one of the enum's values
  await client.update('page', 'p1', { status: 'deleted' });
  // @ts-expect-error: a create needs the schema's required fields (name)
  await client.create('page', { status: 'published' });
  // @ts-expect-error: server-set fields are read-only
  pages[0]!.createdAt = 'now';
  return [tx, ...txs];
}

// The TanStack DB collection of a type is typed by the same map.
import { createCollection } from '@tanstack/db';
import { SynclineConflictError, synclineCollectionOptions } from '@syncline/client/tanstack-db';

export const pages = createCollection(
  synclineCollectionOptions<SynclineTypes, 'page', SynclineInserts>({ client, type: 'page' }),
);
// Inserts take the generated PageInsert (ADOPT-006): the server's fields are its own.
export function add(name: string) {
  const ok = pages.insert({ id: makeId(), name });
  // @ts-expect-error: a create needs the schema's required fields (name)
  pages.insert({ id: makeId(), status: 'published' });
  // @ts-expect-error: server-set fields are not inserted
  pages.insert({ id: makeId(), name, createdAt: 'now' });
  const pending: number = pages.utils.pending().length + pages.utils.conflicts().length;
  void pending;
  return ok;
}
export function rename(id: string, name: string): Promise<unknown> {
  const tx = pages.update(id, (draft) => {
    draft.name = name;
    // @ts-expect-error: status is one of the enum's values
    draft.status = 'deleted';
  });
  return tx.isPersisted.promise.catch(async (e: unknown) => {
    if (e instanceof SynclineConflictError) await e.keepMine();
  });
}
export const one: Page | undefined = pages.get('p1');

// Invitations (SEC-050): an admin invites, the invitee accepts with the token when asked for it.
import {
  NetworkStatus, SynclineRequestError, acceptInvitation, invite, myInvitations,
  type Membership,
} from '@syncline/client';

export async function join(net: NetworkStatus, code: string): Promise<Membership | null> {
  const sent = await invite(net, 'org_1', { email: 'grace@example.com' }, 'member');
  const token: string = sent.token;
  // @ts-expect-error: the role is admin or member
  await invite(net, 'org_1', { userId: 'usr_1' }, 'owner');
  for (const inv of await myInvitations(net)) {
    try {
      return await acceptInvitation(net, inv.id, inv.tokenRequired ? code : undefined);
    } catch (e) {
      if (e instanceof SynclineRequestError && e.code === 'INVITATION_TOKEN') continue;
      throw e;
    }
  }
  void token;
  return null;
}
