// The TanStack DB adapter (issue 15, DESIGN §15, JS-003) against the real, pinned @tanstack/db
// (tests/browser/package-lock.json), with a fake SynclineClient standing in for the browser one
// (pure logic: the real client in Chromium is the browser suite's). It checks: not ready until
// the client is hydrated; the client's changes reach the collection as begin/write/commit;
// another tab's queued edit shows at once; insert / update / delete go through the client and resolve when their txIds are confirmed;
// an update sends only the fields it changed (TanStack DB #1817: a whole-row rewrite reverted a
// colleague's field); a refused mutation rolls back with SynclineMutationError, a conflict
// rejects with SynclineConflictError whose keepMine() resolves it; a wholesale replacement of
// the cache (reset) truncates; a live query joining two collections follows both sides; on
// demand, a query's where / orderBy / limit become a shape and a window (DATA-SCALE-003).
// Usage: node tests/js/tanstack_db_test.mjs --source DIR
import assert from 'node:assert/strict';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({ options: { source: { type: 'string' } } });
assert.ok(opt.source, 'usage: tanstack_db_test.mjs --source DIR');
const source = path.resolve(opt.source);
const db = await import(path.join(source, 'tests/browser/node_modules/@tanstack/db/dist/esm/index.js'));
const { synclineCollectionOptions, SynclineConflictError, SynclineMutationError } =
  await import(path.join(source, 'web/syncline-tanstack-db.js'));

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(what, fn, ms = 5000) {
  const end = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

// The parts of SynclineClient the adapter uses, with the test deciding each mutation's fate.
class FakeClient extends EventTarget {
  constructor() {
    super();
    this.org = 'org_1';
    this.hydrated = false;
    this.rows = { page: new Map(), attachment: new Map() };
    this.states = new Map();
    this.outbox = [];
    this.calls = [];
    this.n = 0;
  }
  emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }
  // The server rows with the outbox's unconflicted updates laid over (the real client's list).
  list(type) {
    const view = new Map([...this.rows[type]].map(([k, r]) => [k, { ...r }]));
    for (const o of this.outbox) if (o.type === type && o.state !== 'conflicted' && view.has(o.id)) view.get(o.id)[o.field] = o.value;
    return [...view.values()];
  }
  state(t) { return this.states.get(t); }
  conflicts() {
    return this.outbox.filter((o) => o.state === 'conflicted').map((o) => ({
      seq: o.seq, type: o.type, id: o.id, field: o.field, mine: o.value, server: o.server,
      serverTransactionId: null, via: '409' }));
  }
  outboxEntries() { return this.outbox.map((o) => ({ ...o })); }
  #mint(call) {
    const txId = `tx${++this.n}`;
    this.states.set(txId, 'pending');
    this.calls.push({ ...call, txId });
    return txId;
  }
  async create(type, data) { return this.#mint({ op: 'create', type, data }); }
  async update(type, id, fields) {
    return Object.entries(fields).map(([f, v]) => this.#mint({ op: 'update', type, id, fields: { [f]: v } }));
  }
  async remove(type, id) { return this.#mint({ op: 'delete', type, id }); }
  async resolve(seq, choice, value) { this.calls.push({ op: 'resolve', seq, choice, value }); return 'tx-resolved'; }
  // What the stream would do: the server state changes, then the txId is confirmed.
  apply(type, id, data) {
    if (data) this.rows[type].set(id, { ...(this.rows[type].get(id) ?? {}), ...data, id });
    else this.rows[type].delete(id);
    this.emit('change');
  }
  settle(txId, state, detail) { this.states.set(txId, state); this.emit('mutation', { txId, state, detail }); }
  hydrate() { this.hydrated = true; this.emit('status'); }
}

const client = new FakeClient();
client.rows.page.set('p1', { id: 'p1', name: 'One', status: 'published' });
const pages = db.createCollection(synclineCollectionOptions({ client, type: 'page' }));
const attachments = db.createCollection(synclineCollectionOptions({ client, type: 'attachment' }));

// Ready only once hydrated.
const preloaded = pages.preload();
attachments.preload();
await tick();
assert.notEqual(pages.status, 'ready', 'ready before the client hydrated');
client.hydrate();
await preloaded;
assert.equal(pages.status, 'ready');
assert.deepEqual(pages.toArray.map((r) => r.name), ['One']);

// The stream's changes reach the collection.
client.apply('page', 'p2', { name: 'Two', status: 'archived' });
await until('p2 synced', () => pages.get('p2')?.name === 'Two');

// Another tab's queued edit (in the browser's shared outbox) shows before the stream confirms
// it, and goes when the client drops it (refused).
client.outbox.push({ seq: 3, type: 'page', id: 'p2', field: 'name', value: 'Queued elsewhere', state: 'pending', txIds: ['txOther'] });
client.emit('change');
await until('queued edit shown', () => pages.get('p2')?.name === 'Queued elsewhere');
client.outbox = [];
client.emit('change');
await until('refused edit gone', () => pages.get('p2')?.name === 'Two');

// Insert: through the client, resolved when confirmed. A whole row (the server's fields
// included, as a typed Page has them) sends only what a client may write.
client.schema = { page: { fields: { name: { writable: true }, status: { writable: true }, createdAt: { writable: false } } } };
const ins = pages.insert({ id: 'p3', name: 'Three', status: 'published', organizationId: 'org_1', createdAt: '2026-01-01T00:00:00Z' });
await until('create sent', () => client.calls.some((c) => c.op === 'create'));
assert.equal(pages.get('p3')?.name, 'Three', 'optimistic insert shown');
const create = client.calls.find((c) => c.op === 'create');
assert.deepEqual(create.data, { id: 'p3', name: 'Three', status: 'published' });
delete client.schema;
let persisted = false;
ins.isPersisted.promise.then(() => { persisted = true; });
await tick();
assert.equal(persisted, false, 'resolved before the stream confirmed it');
client.apply('page', 'p3', create.data);
client.settle(create.txId, 'confirmed');
await ins.isPersisted.promise;
assert.equal(pages.get('p3')?.name, 'Three');

// Update: only the changed field is sent (#1817), while a colleague changed another field.
client.apply('page', 'p1', { status: 'archived' }); // the colleague's write
await until('colleague synced', () => pages.get('p1')?.status === 'archived');
const upd = pages.update('p1', (d) => { d.name = 'Uno'; });
await until('update sent', () => client.calls.some((c) => c.op === 'update'));
const update = client.calls.filter((c) => c.op === 'update');
assert.deepEqual(update.map((c) => c.fields), [{ name: 'Uno' }], 'only the edited field is sent');
client.apply('page', 'p1', { name: 'Uno' });
client.settle(update[0].txId, 'confirmed');
await upd.isPersisted.promise;
const { id, name, status } = pages.get('p1'); // (the collection adds its $virtual props)
assert.deepEqual({ id, name, status }, { id: 'p1', name: 'Uno', status: 'archived' });

// Refused: rolled back, SynclineMutationError.
const bad = pages.update('p2', (d) => { d.status = 'bogus'; });
await until('bad update sent', () => client.calls.filter((c) => c.op === 'update').length === 2);
const badCall = client.calls.filter((c) => c.op === 'update')[1];
client.settle(badCall.txId, 'failed', { status: 422, code: 'INVALID_FIELD' });
await assert.rejects(bad.isPersisted.promise, (e) => e instanceof SynclineMutationError && e.detail.code === 'INVALID_FIELD');
await until('rolled back', () => pages.get('p2')?.status === 'archived');

// Conflict: SynclineConflictError with both values; keepMine() resolves it through the client.
const con = pages.update('p2', (d) => { d.name = 'Mine'; });
await until('conflicting update sent', () => client.calls.filter((c) => c.op === 'update').length === 3);
const conCall = client.calls.filter((c) => c.op === 'update')[2];
// As in a tab whose outbox copy lags (another tab's conflict): the state arrives first, the
// outbox a moment later; the error still carries the kept conflict.
client.settle(conCall.txId, 'conflicted', { type: 'page', id: 'p2', field: 'name', mine: 'Mine', server: 'Theirs', seq: 7 });
await tick();
client.outbox.push({ seq: 7, type: 'page', id: 'p2', field: 'name', value: 'Mine', server: 'Theirs', state: 'conflicted', txIds: [conCall.txId] });
client.emit('change');
let conflictError = null;
await con.isPersisted.promise.catch((e) => { conflictError = e; });
assert.ok(conflictError instanceof SynclineConflictError, String(conflictError));
assert.equal(conflictError.field, 'name');
assert.equal(conflictError.mine, 'Mine');
assert.equal(conflictError.server, 'Theirs');
assert.equal(conflictError.conflict?.seq, 7);
assert.equal(await conflictError.keepMine(), 'tx-resolved');
assert.deepEqual(client.calls.at(-1), { op: 'resolve', seq: 7, choice: 'mine', value: undefined });
client.outbox = [];

// Server wins at once (an online edit of an automatic field): nothing kept; the error names the
// edit from the event's detail and keepMine() writes mine anew.
const lost = pages.update('p2', (d) => { d.status = 'published'; });
await until('losing update sent', () => client.calls.filter((c) => c.op === 'update').length === 4);
const lostCall = client.calls.filter((c) => c.op === 'update')[3];
client.settle(lostCall.txId, 'conflicted', { type: 'page', id: 'p2', field: 'status', mine: 'published', server: 'archived', seq: null });
let lostError = null;
await lost.isPersisted.promise.catch((e) => { lostError = e; });
assert.ok(lostError instanceof SynclineConflictError, String(lostError));
assert.equal(lostError.conflict, null);
assert.deepEqual([lostError.type, lostError.id, lostError.field, lostError.mine, lostError.server], ['page', 'p2', 'status', 'published', 'archived']);
assert.equal(await lostError.keepServer(), null);
const rewritten = await lostError.keepMine();
assert.ok(rewritten, 'keepMine after server-wins wrote nothing');
assert.deepEqual(client.calls.at(-1), { op: 'update', type: 'page', id: 'p2', fields: { status: 'published' }, txId: rewritten });
client.settle(rewritten, 'confirmed');

// Delete.
const del = pages.delete('p3');
await until('delete sent', () => client.calls.some((c) => c.op === 'delete'));
client.apply('page', 'p3', null);
client.settle(client.calls.find((c) => c.op === 'delete').txId, 'confirmed');
await del.isPersisted.promise;
assert.equal(pages.get('p3'), undefined);

// A live query joining two collections follows both sides.
const joined = db.createLiveQueryCollection({
  query: (q) => q.from({ a: attachments })
    .join({ p: pages }, ({ a, p }) => db.eq(a.groupId, p.id), 'inner')
    .select(({ a, p }) => ({ id: a.id, file: a.name, page: p.name })),
});
await joined.preload();
client.apply('attachment', 'a1', { name: 'cv.pdf', groupId: 'p1' });
await until('join row', () => joined.toArray.length === 1 && joined.toArray[0].page === 'Uno');
client.apply('page', 'p1', { name: 'Renamed' });
await until('join follows the page', () => joined.toArray[0]?.page === 'Renamed');
client.apply('attachment', 'a1', { groupId: 'p2' });
await until('join follows the attachment', () => joined.toArray[0]?.page === 'Two');

// Reset: the whole cache replaced → truncate (p1 and p2 gone, p9 in).
client.rows.page = new Map([['p9', { id: 'p9', name: 'After reset', status: 'published' }]]);
client.emit('replace');
client.emit('change');
await until('truncated', () => pages.toArray.length === 1 && pages.get('p9')?.name === 'After reset');
await until('join emptied', () => joined.toArray.length === 0);

// ADOPT-006: the schema made from the server's refuses at once an insert missing a required
// field or with a value of the wrong kind (nothing sent); a Standard Schema of the caller's
// replaces it; utils show the type's pending edits and conflicts.
client.schema = { page: { fields: {
  name: { kind: 'text', required: true, writable: true },
  displayOrder: { kind: 'number', writable: true },
  createdAt: { kind: 'timestamp', writable: false },
} } };
const sent = client.calls.length;
assert.throws(() => pages.insert({ id: 'v1', status: 'published' }), (e) => e.name === 'SchemaValidationError' && /name/.test(e.message));
assert.throws(() => pages.insert({ id: 'v2', name: 'V', displayOrder: 'two' }), (e) => e.name === 'SchemaValidationError');
await tick();
assert.equal(client.calls.length, sent, 'a refused insert was sent');
let seen = null;
const strict = { '~standard': { version: 1, vendor: 'test', validate: (v) => { seen = v; return v.name === 'no' ? { issues: [{ message: 'not no' }] } : { value: v }; } } };
const own = db.createCollection(synclineCollectionOptions({ client, type: 'page', id: 'own-schema', schema: strict }));
assert.throws(() => own.insert({ id: 'v3', name: 'no' }), (e) => e.name === 'SchemaValidationError');
assert.deepEqual(seen, { id: 'v3', name: 'no' });
delete client.schema;
client.outbox.push({ seq: 11, type: 'page', id: 'p1', field: 'name', value: 'Q', state: 'pending', txIds: ['txq'] });
client.outbox.push({ seq: 12, type: 'attachment', id: 'a1', field: 'name', value: 'A', state: 'pending', txIds: ['txa'] });
client.outbox.push({ seq: 13, type: 'page', id: 'p2', field: 'name', value: 'C', server: 'S', state: 'conflicted', txIds: ['txc'] });
assert.deepEqual(pages.utils.pending().map((o) => o.seq), [11]);
assert.deepEqual(pages.utils.conflicts().map((c) => c.seq), [13]);
client.outbox = [];

// On demand (DESIGN §18, DATA-SCALE-003): each live query's where / orderBy / limit become one
// loadShape(shape, {limit}) of the client; the fake server holds 40 pages and loadShape copies
// the rows asked for (a window: the first `limit` in key order) into what the client lists.
class OnDemandClient extends FakeClient {
  constructor(server) {
    super();
    this.onDemand = true;
    this.hydrated = true;
    this.server = server;
    this.schema = { page: { fields: { name: { kind: 'text' }, status: { kind: 'enum' }, displayOrder: { kind: 'integer' } } } };
    this.asked = [];
  }
  async loadShape(shape, { limit = 0 } = {}) {
    this.asked.push({ shape, limit });
    const [[type, filters]] = Object.entries(shape);
    const ok = (r) => Object.entries(filters).every(([f, v]) =>
      (v === null ? r[f] == null : Array.isArray(v) ? v.includes(r[f]) : r[f] === v));
    const rows = [...this.server.values()].filter(ok).sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const r of limit ? rows.slice(0, limit) : rows) this.rows[type].set(r.id, { ...r });
    await tick();
  }
}
const server = new Map();
for (let i = 10; i < 50; i++) server.set(`p${i}`, { id: `p${i}`, name: `Page ${i}`, status: i % 2 ? 'draft' : 'published', displayOrder: i });
const od = new OnDemandClient(server);
const lazy = db.createCollection(synclineCollectionOptions({ client: od, type: 'page', syncMode: 'on-demand' }));
await tick();
assert.equal(lazy.size, 0, 'on demand: nothing loads unasked');

// A window: published pages in key order, 3 of them → that shape, limit 3, and 3 rows held.
const win = db.createLiveQueryCollection((q) => q.from({ p: lazy })
  .where(({ p }) => db.eq(p.status, 'published')).orderBy(({ p }) => p.id).limit(3));
await win.preload();
await until('window', () => win.size === 3);
assert.deepEqual(win.toArray.map((r) => r.id), ['p10', 'p12', 'p14']);
assert.deepEqual(od.asked[0], { shape: { page: { status: 'published' } }, limit: 3 });
assert.equal(od.rows.page.size, 3, 'a 3-row window holds 3 rows');
assert.ok(od.asked.every((a) => a.limit === 3), `only the window was asked for: ${JSON.stringify(od.asked)}`);
// The next rows widen the window.
const moved = win.utils.setWindow({ offset: 3, limit: 3 });
if (moved !== true) await moved;
await until('next window', () => win.toArray[0]?.id === 'p16');
assert.deepEqual(win.toArray.map((r) => r.id), ['p16', 'p18', 'p20']);
assert.equal(od.rows.page.size, 6, 'two windows of 3 hold 6 rows');

// A where that maps in part loads the shape of the part that maps; TanStack filters the rest.
const part = db.createLiveQueryCollection((q) => q.from({ p: lazy })
  .where(({ p }) => db.and(db.inArray(p.id, ['p31', 'p32']), db.gt(p.displayOrder, 31))));
await part.preload();
await until('part', () => part.size === 1);
assert.deepEqual(od.asked.at(-1), { shape: { page: { id: ['p31', 'p32'] } }, limit: 0 });
assert.deepEqual(part.toArray.map((r) => r.id), ['p32']);
// An order the server cannot window (name) loads the whole shape; a where with nothing that
// maps, the whole type.
const byName = db.createLiveQueryCollection((q) => q.from({ p: lazy })
  .where(({ p }) => db.eq(p.status, 'draft')).orderBy(({ p }) => p.name, 'desc').limit(2));
await byName.preload();
await until('by name', () => byName.size === 2);
assert.deepEqual(od.asked.at(-1), { shape: { page: { status: 'draft' } }, limit: 0 });
assert.deepEqual(byName.toArray.map((r) => r.id), ['p49', 'p47']);
const wide = db.createLiveQueryCollection((q) => q.from({ p: lazy }).where(({ p }) => db.gt(p.displayOrder, 47)));
await wide.preload();
await until('wide', () => wide.size === 2);
assert.deepEqual(od.asked.at(-1), { shape: { page: {} }, limit: 0 });
assert.equal(od.rows.page.size, 40);

console.log('ok: the TanStack DB adapter syncs, mutates through the outbox, rejects, truncates and joins');
console.log('ok: on demand, a query becomes a shape and a window');
process.exit(0);
