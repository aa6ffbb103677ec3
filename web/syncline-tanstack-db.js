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
//
// On demand (`syncMode: 'on-demand'`, DESIGN §18; the client made with `onDemand: true`): the
// collection holds what its live queries asked for. A query's `where`, when it is an `and` of
// eq / inArray / isNull on filterable fields (or `id`), becomes a shape; with a `limit` in
// ascending key order (orderBy `id` asc, or none) only its first rows load (a window: 50 rows
// of a 1,000,000-row org load about 50 rows), a cursor or an offset widening the window.
// Anything else loads the shape of the conjuncts that map (the whole type when none does) and
// TanStack DB filters, orders and limits the rest locally. The stream carries each shape, so
// what was loaded stays live. Subsets are not unloaded: what a tab loaded stays in its cache.

import { inShape } from './syncline-shape.js';

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
 * An edit someone else's write overtook (OFFLINE-020..024). `type`, `id`, `field`, `mine` and
 * `server` name it. When the conflict was kept (an offline edit, a manual field) the value stays
 * the server's until `keepMine()`, `keepServer()` or `merge(value)` resolves it through the
 * client; when the server won at once, `keepMine()` / `merge(value)` write that value over the
 * server's as a new edit and `keepServer()` has nothing to do. Each returns the new txId, or
 * null when nothing was written (resolved elsewhere meanwhile, or keepServer after server-wins).
 */
export class SynclineConflictError extends Error {
  constructor(client, txId, conflict, detail = null) {
    const c = conflict ?? detail ?? {};
    super(`syncline: ${c.type ? `${c.type} ${c.id} ${c.field ?? ''}` : txId} conflicts with a newer write`);
    this.name = 'SynclineConflictError';
    this.txId = txId;
    this.conflict = conflict ?? null;
    this.type = c.type ?? null;
    this.id = c.id ?? null;
    this.field = c.field ?? null;
    this.mine = c.mine ?? null;
    this.server = c.server ?? null;
    // Server-wins: a new edit of the field, expecting the server's value now in the cache.
    const rewrite = async (value) => {
      if (!this.type || !this.field) return null;
      const [t] = await client.update(this.type, this.id, { [this.field]: value });
      return t ?? null;
    };
    this.keepMine = () => (conflict ? client.resolve(conflict.seq, 'mine') : rewrite(this.mine));
    this.keepServer = () => (conflict ? client.resolve(conflict.seq, 'server') : Promise.resolve(null));
    this.merge = (value) => (conflict ? client.resolve(conflict.seq, 'merge', value) : rewrite(value));
  }
}

// The kept conflict of `txId`, if the client holds one.
function keptConflict(client, txId) {
  const entry = client.outboxEntries().find((o) => o.state === 'conflicted' && o.txIds.includes(txId));
  return entry ? client.conflicts().find((c) => c.seq === entry.seq) ?? null : null;
}

// The kept conflict of `txId`: at once, or after the outbox changes when the event said one was
// kept (detail.seq) but this tab's outbox copy is behind; null when the server won.
function conflictOf(client, txId, detail) {
  const now = keptConflict(client, txId);
  if (now || detail?.seq == null) return Promise.resolve(now);
  return new Promise((resolve) => {
    const done = () => {
      const c = keptConflict(client, txId);
      if (!c && Date.now() < deadline) return;
      client.removeEventListener('change', done);
      clearTimeout(timer);
      resolve(c);
    };
    const deadline = Date.now() + 2000;
    const timer = setTimeout(() => { client.removeEventListener('change', done); resolve(keptConflict(client, txId)); }, 2000);
    client.addEventListener('change', done);
  });
}

// Resolves when the stream confirmed `txId`; rejects when it failed or conflicted.
function settled(client, txId) {
  return new Promise((resolve, reject) => {
    const decide = (state, detail) => {
      if (state === 'confirmed') resolve(txId);
      else if (state === 'failed') reject(new SynclineMutationError(txId, detail));
      else if (state === 'conflicted') {
        // Another tab's conflict reaches this one as a state first, its outbox a moment later.
        conflictOf(client, txId, detail).then((c) => reject(new SynclineConflictError(client, txId, c, detail)));
      } else return false;
      client.removeEventListener('mutation', onMutation);
      return true;
    };
    const onMutation = (e) => { if (e.detail.txId === txId) decide(e.detail.state, e.detail.detail); };
    client.addEventListener('mutation', onMutation);
    decide(client.state(txId));
  });
}

// What a create sends: the row without the fields the server sets (createdAt, …) and its org,
// which a row typed as the whole entity may carry (e.g. copied from another row); the server
// would refuse them (400 READ_ONLY_FIELD). Anything else goes as given.
function insertable(schema, row) {
  const fields = schema?.fields ?? {};
  const out = {};
  for (const [k, v] of Object.entries(row)) {
    if (k === 'organizationId' || fields[k]?.writable === false) continue;
    out[k] = v;
  }
  return out;
}

// The JavaScript type a value of each field kind has, as the server checks it first.
const KIND_CHECKS = {
  text: (v) => typeof v === 'string',
  enum: (v) => typeof v === 'string',
  id: (v) => typeof v === 'string',
  ref: (v) => typeof v === 'string',
  integer: (v) => Number.isInteger(v),
  number: (v) => typeof v === 'number' && Number.isFinite(v),
  boolean: (v) => typeof v === 'boolean',
  timestamp: (v) => typeof v === 'string' && !Number.isNaN(Date.parse(v)),
  json: () => true,
};

/**
 * A Standard Schema (v1) of one synced type, from the schema the client holds (GET /schema):
 * TanStack DB refuses at once, with SchemaValidationError, an insert missing a required field
 * or a value of the wrong kind; bounds (lengths, ranges, enum values) stay the server's to judge
 * (a refusal rolls back with SynclineMutationError). Before the client has the schema it
 * accepts everything.
 */
export function synclineSchema(client, type) {
  return {
    '~standard': {
      version: 1,
      vendor: 'syncline',
      validate: (value) => {
        const issues = schemaIssues(client.schema?.[type], value);
        return issues.length ? { issues } : { value };
      },
    },
  };
}

function schemaIssues(spec, row) {
  if (!spec?.fields) return [];
  if (row === null || typeof row !== 'object') return [{ message: 'a row is an object' }];
  const issues = [];
  for (const [name, f] of Object.entries(spec.fields)) {
    if (f.writable === false) continue; // the server's own; rows from the server carry them
    const v = row[name];
    if (v === undefined || v === null) {
      if (f.required) issues.push({ message: `'${name}' is required`, path: [name] });
      continue;
    }
    const ok = KIND_CHECKS[f.kind];
    if (ok && !ok(v)) issues.push({ message: `'${name}' must be a ${f.kind}`, path: [name] });
  }
  return issues;
}

const FILTERABLE = new Set(['text', 'enum', 'id', 'ref', 'integer', 'number', 'boolean']);
const MAX_IN = 100; // the server's bound per IN list

// A property of the collection's row, as a query names it: its field name, else null.
function fieldOf(e) {
  if (e?.type !== 'ref' || !Array.isArray(e.path)) return null;
  const p = e.sourceAlias && e.path[0] === e.sourceAlias ? e.path.slice(1) : e.path;
  return p.length === 1 ? p[0] : null;
}

const scalar = (v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));

// One conjunct as [field, filter] (value, [values] or null), or null when it does not map.
function conditionOf(e) {
  if (e?.type !== 'func') return null;
  const [a, b] = e.args ?? [];
  if (e.name === 'isNull' || e.name === 'isUndefined') return fieldOf(a) ? [fieldOf(a), null] : null;
  if (e.name === 'eq') {
    const [ref, val] = fieldOf(a) ? [a, b] : [b, a];
    return fieldOf(ref) && val?.type === 'val' && scalar(val.value) ? [fieldOf(ref), val.value] : null;
  }
  if (e.name === 'in' && fieldOf(a) && b?.type === 'val' && Array.isArray(b.value)) {
    const vs = b.value;
    return vs.length && vs.length <= MAX_IN && vs.every(scalar) ? [fieldOf(a), [...vs]] : null;
  }
  return null;
}

// Whether a row passes a shape's filters, as the server decides it.
const matches = (r, filters) => inShape({ row: filters }, 'row', r);

const conjuncts = (e) => (e?.type === 'func' && e.name === 'and' ? e.args.flatMap(conjuncts) : e ? [e] : []);

/**
 * What one `loadSubset` asks of the client (exported for tests): `shape` (the conjuncts that
 * map; `{[type]: {}}` when none does) and `limit` (0: the whole shape), honoured only when the
 * whole `where` mapped and the order is the key's, ascending.
 * @param {object} schemaType GET /schema's entry of the type ({fields: {name: {kind}}})
 * @param {string} type
 * @param {object} o LoadSubsetOptions
 * @param {object[]} held the rows the collection holds (a cursor counts those before it)
 */
export function subsetRequest(schemaType, type, o, held = []) {
  const filters = {};
  let exact = true;
  for (const c of conjuncts(o.where)) {
    const m = conditionOf(c);
    const kind = m && (m[0] === 'id' ? 'id' : schemaType?.fields?.[m[0]]?.kind);
    if (!m || !FILTERABLE.has(kind) || m[0] in filters) exact = false;
    else filters[m[0]] = m[1];
  }
  const shape = { [type]: filters };
  const keyOrder = !o.orderBy?.length || (o.orderBy.length === 1 && fieldOf(o.orderBy[0].expression) === 'id'
    && (o.orderBy[0].compareOptions?.direction ?? 'asc') === 'asc');
  if (!o.limit || !exact || !keyOrder) return { shape, limit: 0 };
  // A cursor continues after the key `whereFrom` names: the window grows by the rows before it.
  let before = o.offset ?? 0;
  const from = o.cursor?.whereFrom;
  if (from?.type === 'func' && from.args?.[1]?.type === 'val') {
    const after = from.args[1].value;
    before = held.filter((r) => r.id <= after && matches(r, filters)).length;
  }
  return { shape, limit: before + o.limit };
}

// Whether a shape's filters pin `id` to rows the collection holds, each matching the other
// filters: ids are unique, so the subset is all here (the stream keeps held rows current).
function heldWhole(filters, held) {
  if (!filters || !('id' in filters) || filters.id === null) return false;
  const ids = Array.isArray(filters.id) ? filters.id : [filters.id];
  return ids.every((id) => {
    const r = held.get(id);
    return r !== undefined && matches(r, filters);
  });
}

// Whether shape filters `a` select a subset of what `b` selects: each filter of `b` is in `a`
// with the same values or fewer.
function narrower(a, b) {
  const values = (v) => (Array.isArray(v) ? v : [v]);
  return Object.entries(b).every(([f, v]) => f in a && values(a[f]).every((x) => values(v).includes(x)));
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
 * @param {{client: import('./syncline.js').SynclineClient, type: string, id?: string,
 *   syncMode?: 'eager' | 'on-demand'}} o
 */
export function synclineCollectionOptions({ client, type, id, syncMode = 'eager', schema }) {
  return {
    id: id ?? `syncline:${client.org}:${type}`,
    // Inserts take the type's Insert shape (the server's fields are its own); a Standard Schema
    // of the caller's (zod, valibot, …) replaces the one made from the server's schema.
    schema: schema ?? synclineSchema(client, type),
    utils: {
      /** The client's network, leadership and outbox summary. */
      status: () => client.status,
      /** This type's edits not yet confirmed (not conflicted). */
      pending: () => client.outboxEntries().filter((o) => o.type === type && o.state !== 'conflicted'),
      /** This type's conflicts waiting for a decision (resolve them on the client). */
      conflicts: () => client.conflicts().filter((c) => c.type === type),
    },
    getKey: (row) => row.id,
    rowUpdateMode: 'full',
    syncMode,
    // On demand, a window continues from its last key (a cursor), which TanStack DB expresses
    // only for a lexical string order; the server's key order is bytewise, which lexical
    // (UTF-16 code units) matches exactly: ids are ASCII.
    ...(syncMode === 'on-demand' ? { defaultStringCollation: { stringSort: 'lexical' } } : {}),
    sync: {
      rowUpdateMode: 'full',
      sync: ({ begin, write, commit, markReady, truncate }) => {
        let held = new Map(); // id → the row the collection holds as synced
        let ready = false;
        let receipt = true; // the last commit's (commits apply in order: it covers the earlier)
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
            if (!changes.length) return receipt;
          }
          begin();
          if (replace) {
            truncate({ markReady: false });
            for (const v of now.values()) write({ type: 'insert', value: v });
          } else {
            for (const c of changes) write(c);
          }
          receipt = commit();
          held = now;
          return receipt;
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
        const cleanup = () => {
          client.removeEventListener('change', onChange);
          client.removeEventListener('replace', onReplace);
          client.removeEventListener('status', onStatus);
        };
        if (syncMode !== 'on-demand') {
          // A client loading on demand shows nothing unasked: an eager collection asks for its type.
          if (client.onDemand) client.loadShape({ [type]: {} }).catch(() => { /* retried by the stream */ });
          return cleanup;
        }
        const wholes = []; // the filters of the shapes this collection loaded whole
        const loadSubset = async (o) => {
          const want = subsetRequest(client.schema[type], type, o, [...held.values()]);
          // TanStack DB asks for the rows tied with a window's last key ({…, id}) or with a
          // locally sorted window's last value: held already, or inside a shape loaded whole.
          const filters = want.shape[type];
          if (heldWhole(filters, held) || wholes.some((w) => narrower(filters, w))) return;
          await client.loadShape(want.shape, { limit: want.limit });
          if (!want.limit) wholes.push(filters);
          await publish(false);
        };
        return { cleanup, loadSubset };
      },
    },
    onInsert: async ({ transaction }) => {
      const txIds = [];
      for (const m of transaction.mutations) txIds.push(await client.create(type, insertable(client.schema?.[type], m.modified)));
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
