// @tanstack/db collection options for one Syncline entity type (DESIGN §15, JS-003):
//
//   import { createCollection } from '@tanstack/db';
//   import { synclineCollectionOptions } from '@syncline/client/tanstack-db';
//   const pages = createCollection(synclineCollectionOptions({ client, type: 'page' }));
//
// Sync: the collection holds what the client shows of the type (`list`: its cache in this tab's
// shapes with the browser's outbox laid over), fed on every change as one begin/write/commit of
// what differs from what it holds; `markReady` once the client is hydrated; a wholesale
// replacement of the cache (a reset's reload, a follower's reload from IndexedDB) is one
// transaction that truncates and writes everything. The outbox is laid over because it is
// shared by the browser's tabs: another tab's queued edit shows here as soon as the plain
// module shows it (TanStack DB's optimistic state is per tab), and a refused one disappears when
// the client drops it. A conflicted entry is not laid over: the server value shows until resolved.
// Mutations go through the Syncline outbox (so they survive reloads and go offline) and resolve
// when the stream confirms each txId: onInsert creates, onUpdate sends only the fields the
// mutation changed (never a whole row: a colleague's concurrent edit of another field stands),
// onDelete removes. A refused mutation rejects with SynclineMutationError; a conflict with
// SynclineConflictError, carrying mine / server and the resolution calls.
// No import of @tanstack/db: the options are plain data, so the core stays dependency-free.

/** A mutation the server refused for good (400, 403, 404, …): rolled back. */
export class SynclineMutationError extends Error {
  constructor(txId, detail) {
    super(`syncline: mutation ${txId} failed${detail?.code ? ` (${detail.code})` : ''}`);
    this.name = 'SynclineMutationError';
    this.txId = txId;
    this.detail = detail ?? null;
  }
}

/**
 * An edit someone else's write overtook (OFFLINE-020..024): the value stays the server's until
 * resolved; `keepMine()`, `keepServer()` or `merge(value)` decide (each returns the new txId, or
 * null when the conflict was resolved elsewhere meanwhile).
 */
export class SynclineConflictError extends Error {
  constructor(client, txId, conflict) {
    super(`syncline: ${conflict ? `${conflict.type} ${conflict.id} ${conflict.field}` : txId} conflicts with a newer write`);
    this.name = 'SynclineConflictError';
    this.txId = txId;
    this.conflict = conflict ?? null;
    this.mine = conflict?.mine;
    this.server = conflict?.server;
    this.keepMine = () => (conflict ? client.resolve(conflict.seq, 'mine') : Promise.resolve(null));
    this.keepServer = () => (conflict ? client.resolve(conflict.seq, 'server') : Promise.resolve(null));
    this.merge = (value) => (conflict ? client.resolve(conflict.seq, 'merge', value) : Promise.resolve(null));
  }
}

// Resolves when the stream confirmed `txId`; rejects when it failed or conflicted.
function settled(client, txId) {
  return new Promise((resolve, reject) => {
    const decide = (state, detail) => {
      if (state === 'confirmed') resolve(txId);
      else if (state === 'failed') reject(new SynclineMutationError(txId, detail));
      else if (state === 'conflicted') {
        const entry = client.outboxEntries().find((o) => o.state === 'conflicted' && o.txIds.includes(txId));
        reject(new SynclineConflictError(client, txId, entry && client.conflicts().find((c) => c.seq === entry.seq)));
      } else return false;
      client.removeEventListener('mutation', onMutation);
      return true;
    };
    const onMutation = (e) => { if (e.detail.txId === txId) decide(e.detail.state, e.detail.detail); };
    client.addEventListener('mutation', onMutation);
    decide(client.state(txId));
  });
}

// Rows are flat data objects; a field holding an object (json) compares by its serialization.
function same(a, b) {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = a[k];
    const y = b[k];
    if (x === y) continue;
    if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false;
    if (JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/**
 * @param {{client: import('./syncline.js').SynclineClient, type: string, id?: string}} o
 */
export function synclineCollectionOptions({ client, type, id }) {
  return {
    id: id ?? `syncline:${client.org}:${type}`,
    getKey: (row) => row.id,
    rowUpdateMode: 'full',
    sync: {
      rowUpdateMode: 'full',
      sync: ({ begin, write, commit, markReady, truncate }) => {
        let held = new Map(); // id → the row the collection holds as synced
        let ready = false;
        const publish = (replace) => {
          const now = new Map(client.list(type).map((r) => [r.id, r]));
          const changes = [];
          if (!replace) {
            for (const [k, v] of now) {
              const was = held.get(k);
              if (!was) changes.push({ type: 'insert', value: v });
              else if (!same(was, v)) changes.push({ type: 'update', value: v });
            }
            for (const [k, v] of held) if (!now.has(k)) changes.push({ type: 'delete', key: k, value: v });
            if (!changes.length) return;
          }
          begin();
          if (replace) {
            truncate({ markReady: false });
            for (const v of now.values()) write({ type: 'insert', value: v });
          } else {
            for (const c of changes) write(c);
          }
          commit();
          held = now;
        };
        const onChange = () => publish(false);
        const onReplace = () => publish(true);
        const onStatus = () => {
          if (ready || !client.hydrated) return;
          ready = true;
          publish(false);
          markReady();
        };
        client.addEventListener('change', onChange);
        client.addEventListener('replace', onReplace);
        client.addEventListener('status', onStatus);
        publish(false);
        onStatus();
        return () => {
          client.removeEventListener('change', onChange);
          client.removeEventListener('replace', onReplace);
          client.removeEventListener('status', onStatus);
        };
      },
    },
    onInsert: async ({ transaction }) => {
      const txIds = [];
      for (const m of transaction.mutations) txIds.push(await client.create(type, m.modified));
      await Promise.all(txIds.map((t) => settled(client, t)));
    },
    onUpdate: async ({ transaction }) => {
      const txIds = [];
      for (const m of transaction.mutations) {
        const changes = { ...m.changes };
        delete changes.id;
        if (Object.keys(changes).length) txIds.push(...(await client.update(type, m.key, changes)));
      }
      await Promise.all(txIds.map((t) => settled(client, t)));
    },
    onDelete: async ({ transaction }) => {
      const txIds = [];
      for (const m of transaction.mutations) txIds.push(await client.remove(type, m.key));
      await Promise.all(txIds.map((t) => settled(client, t)));
    },
  };
}
