// The React example (issue 15, DESIGN §15): the demo's pages through TanStack DB collections fed
// by a SynclineClient — a live query per collection and one joining them, edits that go through
// the outbox (offline too), a dialog for conflicts, one stream shared by the browser's tabs.
// Bundled with esbuild (package.json `build`) and served by the binary at /examples/react.
import { StrictMode, useEffect, useState, useSyncExternalStore } from 'react';
import { createRoot } from 'react-dom/client';
import { createCollection, eq } from '@tanstack/db';
import { useLiveQuery } from '@tanstack/react-db';
import { SynclineClient, api } from '@syncline/client';
import { SynclineConflictError, synclineCollectionOptions } from '@syncline/client/tanstack-db';

const net = { baseUrl: '', forcedOffline: false, report() {} }; // requests before a client exists (sign-in, orgs)

function useClientState(client, read) {
  return useSyncExternalStore((notify) => {
    for (const ev of ['change', 'status', 'mutation']) client.addEventListener(ev, notify);
    return () => { for (const ev of ['change', 'status', 'mutation']) client.removeEventListener(ev, notify); };
  }, () => JSON.stringify(read(client)));
}

function SignIn({ onDone }) {
  const [error, setError] = useState('');
  const submit = async (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const r = await api(net, 'POST', '/auth/sign-in', { email: f.get('email'), password: f.get('password') });
    if (r.status === 200) onDone(r.body.user);
    else setError(r.body?.error?.message ?? `sign-in failed (${r.status})`);
  };
  return (
    <form id="sign-in" onSubmit={submit}>
      <input name="email" placeholder="email" /> <input name="password" type="password" placeholder="password" />
      <button>Sign in</button> <span className="error">{error}</span>
    </form>
  );
}

// The first conflict waiting for a decision (kept for the user: the client runs with manual).
function ConflictDialog({ client }) {
  const conflicts = JSON.parse(useClientState(client, (c) => c.conflicts()));
  const [merged, setMerged] = useState('');
  const c = conflicts[0];
  if (!c) return null;
  const show = (v) => (typeof v === 'string' ? v : JSON.stringify(v));
  return (
    <dialog open id="conflict">
      <p>{c.type} {c.id}: <b>{c.field}</b> was changed elsewhere.</p>
      <p>Yours: <span id="mine">{show(c.mine)}</span> — the server's: <span id="server">{show(c.server)}</span></p>
      <button id="keep-mine" onClick={() => client.resolve(c.seq, 'mine')}>Keep mine</button>
      <button id="keep-server" onClick={() => client.resolve(c.seq, 'server')}>Keep the server's</button>
      <input id="merged" value={merged} onChange={(e) => setMerged(e.target.value)} />
      <button id="merge" onClick={() => client.resolve(c.seq, 'merge', merged)}>Merge</button>
    </dialog>
  );
}

// Its own component: the client's status changes with every edit (pending count) and must not
// re-render the tables.
function Status({ client }) {
  const status = JSON.parse(useClientState(client, (c) => c.status));
  return (
    <p id="status" data-stream={status.stream} data-pending={status.pending} data-hydrated={String(status.hydrated)}>
      stream {status.stream} · {status.hydrated ? 'hydrated' : 'loading'} · {status.pending} pending ·{' '}
      <label><input id="offline" type="checkbox" checked={status.forcedOffline}
        onChange={(e) => client.setForcedOffline(e.target.checked)} /> offline</label>
    </p>
  );
}

function Pages({ client, pages, attachments }) {
  const { data: rows = [] } = useLiveQuery((q) => q.from({ p: pages }).orderBy(({ p }) => p.name), [pages]);
  const { data: files = [] } = useLiveQuery((q) => q.from({ a: attachments })
    .join({ p: pages }, ({ a, p }) => eq(a.groupId, p.id), 'inner')
    .select(({ a, p }) => ({ id: a.id, file: a.name, page: p.name })), [pages, attachments]);
  const [name, setName] = useState('');
  // A conflict rejects the edit's promise: the dialog (from the client's conflicts) takes it.
  const quiet = (tx) => tx.isPersisted.promise.catch((e) => { if (!(e instanceof SynclineConflictError)) console.warn(e); });
  return (
    <main>
      <Status client={client} />
      <form onSubmit={(e) => { e.preventDefault(); if (name) quiet(pages.insert({ id: crypto.randomUUID().slice(0, 12), name })); setName(''); }}>
        <input id="new-name" value={name} onChange={(e) => setName(e.target.value)} placeholder="new page" /> <button>Add</button>
      </form>
      <table id="pages"><tbody>
        {rows.map((p) => (
          <tr key={p.id} data-id={p.id}>
            <td><input className="name" defaultValue={p.name} key={p.name}
              onBlur={(e) => { if (e.target.value !== p.name) quiet(pages.update(p.id, (d) => { d.name = e.target.value; })); }} /></td>
            <td className="status">{p.status}</td>
            <td><button className="delete" onClick={() => quiet(pages.delete(p.id))}>delete</button></td>
          </tr>
        ))}
      </tbody></table>
      <h2>Attachments by page</h2>
      <ul id="files">{files.map((f) => <li key={f.id} data-id={f.id}>{f.file} — <span className="page">{f.page}</span></li>)}</ul>
      <ConflictDialog client={client} />
    </main>
  );
}

function App() {
  const [user, setUser] = useState(undefined);
  const [ctx, setCtx] = useState(null);
  useEffect(() => { api(net, 'GET', '/me').then((r) => setUser(r.status === 200 ? r.body.user : null)); }, []);
  useEffect(() => {
    if (!user) return undefined;
    let client = null, gone = false; // an effect cleaned up before its client started stops it
    (async () => {
      const orgs = (await api(net, 'GET', '/organizations')).body?.items ?? [];
      const wanted = new URLSearchParams(location.search).get('org');
      const org = orgs.find((o) => o.id === wanted || o.slug === wanted) ?? orgs[0];
      if (!org || gone) return;
      client = new SynclineClient({ org: org.id, dbName: `react-${user.id}`, manual: true });
      await client.start();
      if (gone) return;
      const pages = createCollection(synclineCollectionOptions({ client, type: 'page' }));
      const attachments = createCollection(synclineCollectionOptions({ client, type: 'attachment' }));
      window.syncExample = { client, pages, attachments };
      setCtx({ client, pages, attachments });
    })();
    return () => { gone = true; client?.stop(); };
  }, [user]);
  if (user === undefined) return <p>…</p>;
  if (user === null) return <SignIn onDone={setUser} />;
  return ctx ? <Pages {...ctx} /> : <p id="loading">opening the organization…</p>;
}

createRoot(document.getElementById('root')).render(<StrictMode><App /></StrictMode>);
