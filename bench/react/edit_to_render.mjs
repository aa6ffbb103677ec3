// bench/react (issue 15; by hand only: scripts/bench-react, never in CI): an edit in tab A until
// tab B shows it, through the React + TanStack DB example vs through the plain module, in the
// same run, browser and server. Plain: A's client.update() → B's client 'change' event carrying
// the value (no DOM), and the demo (web/app: the plain module rendering the same table into the
// DOM). React: A's collection.update() → the value rendered in B's DOM (a MutationObserver). Both ends on performance.timeOrigin + now() (one machine clock). Prints
// p50/p99 of each, the difference and the ratio. Goal (DESIGN §15): the adapter adds < 2 ms.
// Usage: node bench/react/edit_to_render.mjs --binary build/syncline --source . [--edits N]
import { parseArgs } from 'node:util';
import path from 'node:path';

const { values: opt } = parseArgs({ options: {
  binary: { type: 'string' }, source: { type: 'string' }, edits: { type: 'string', default: '60' } } });
const source = path.resolve(opt.source ?? '.');
const browserDir = path.join(source, 'tests/browser');
const { Rest, cleanup, startCluster, startServer, txMinter, waitFor } = await import(path.join(browserDir, 'harness.mjs'));
const { launch } = await import(path.join(browserDir, 'browser.mjs'));
const edits = Number(opt.edits);

const pct = (v, p) => { const s = [...v].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
try {
  const dbUrl = await startCluster(source);
  const server = await startServer(path.resolve(opt.binary), dbUrl);
  const rest = new Rest(server.base);
  const mint = txMinter('benchReact01');
  const email = `bench-${Date.now()}@example.test`;
  await rest.expect(201, 'POST', '/auth/sign-up', { email, password: 'correct horse battery', name: 'Bench' });
  const { token } = await rest.expect(200, 'POST', '/auth/sign-in', { email, password: 'correct horse battery' });
  const org = (await rest.expect(201, 'POST', '/organizations', { name: 'Bench', slug: `bench-${Date.now()}` }, token)).id;
  await rest.expect(201, 'POST', `/organizations/${org}/pages`, { data: { id: 'p1', name: 'start' },
    tx: { transactionId: mint(), sourceId: 'benchReact01', changedField: null, expectedTransactionId: null } }, token);
  const ctx = await launch({});
  const signIn = await ctx.newPage();
  await signIn.goto(`${server.base}/app`);
  await signIn.evaluate(async (cred) => {
    await fetch('/auth/sign-in', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(cred) });
  }, { email, password: 'correct horse battery' });
  await signIn.close();

  // Plain module: a bare client per tab (its own database), A edits, B's 'change' sees it.
  const plainTab = async (dbName) => {
    const p = await ctx.newPage();
    await p.route('**/me', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: '{}' }));
    await p.goto(`${server.base}/app`);
    await p.evaluate(async ({ o, dbName }) => {
      const { SynclineClient } = await import('/client/syncline.js');
      const c = new SynclineClient({ org: o, dbName });
      window.bc = c;
      await c.start();
    }, { o: org, dbName });
    await waitFor('plain tab live', () => p.evaluate(() => window.bc.status.hydrated && window.bc.status.stream === 'live'), 30000);
    return p;
  };
  // The demo (web/app): the plain module rendering the same pages into the DOM.
  const demoTab = async () => {
    const p = await ctx.newPage();
    await p.goto(`${server.base}/app`);
    await waitFor('demo tab live', () => p.evaluate(() => {
      const c = window.synclineDemo?.client;
      return c && c.status.hydrated && c.status.stream === 'live' && document.querySelector('#pages li[data-id="p1"]');
    }), 30000);
    return p;
  };
  const reactTab = async () => {
    const p = await ctx.newPage();
    await p.goto(`${server.base}/examples/react?org=${org}`);
    await waitFor('react tab live', () => p.evaluate(() => {
      const st = document.querySelector('#status');
      return st && st.dataset.hydrated === 'true' && st.dataset.stream === 'live'
        && document.querySelector('#pages tr[data-id="p1"]');
    }), 30000);
    return p;
  };
  const handover = []; // React: collection.update() → client.update() in tab A
  const inClient = []; // React: … → tab B's client has the value (before TanStack DB and React)
  const inCollection = []; // React: … → tab B's collection has it (the adapter's commit)
  const measure = async (a, b, kind) => {
    const out = [];
    for (let i = 0; i < edits; i++) {
      const value = `${kind}-${i}-${Math.random().toString(36).slice(2, 6)}`;
      const seen = b.evaluate(({ value, kind }) => new Promise((resolve) => {
        const now = () => performance.timeOrigin + performance.now();
        if (kind === 'plain') {
          const on = () => {
            if (window.bc.get('page', 'p1')?.name !== value) return;
            window.bc.removeEventListener('change', on);
            resolve(now());
          };
          window.bc.addEventListener('change', on);
        } else if (kind === 'demo') {
          const check = () => document.querySelector('#pages li[data-id="p1"] .name')?.value === value;
          const mo = new MutationObserver(() => { if (check()) { mo.disconnect(); resolve(now()); } });
          mo.observe(document.querySelector('#pages'), { subtree: true, childList: true, attributes: true, characterData: true });
        } else {
          const c = window.syncExample.client;
          const onChange = () => {
            if (c.get('page', 'p1')?.name !== value) return;
            c.removeEventListener('change', onChange);
            window.__inClient = now();
          };
          c.addEventListener('change', onChange);
          const sub = window.syncExample.pages.subscribeChanges(() => {
            if (window.syncExample.pages.get('p1')?.name !== value) return;
            sub.unsubscribe();
            window.__inCollection = now();
          });
          const check = () => document.querySelector('#pages tr[data-id="p1"] .name')?.value === value;
          const mo = new MutationObserver(() => { if (check()) { mo.disconnect(); resolve(now()); } });
          mo.observe(document.querySelector('#pages'), { subtree: true, childList: true, attributes: true, characterData: true });
        }
      }), { value, kind });
      const start = await a.evaluate(({ value, kind }) => {
        const t = performance.timeOrigin + performance.now();
        if (kind === 'plain') window.bc.update('page', 'p1', { name: value });
        else if (kind === 'demo') window.synclineDemo.client.update('page', 'p1', { name: value });
        else {
          // Where the adapter hands the edit to the client (the outbox), for the breakdown.
          const c = window.syncExample.client;
          if (!c.__timed) {
            const update = c.update.bind(c);
            c.update = (...args) => { window.__handedOver = performance.timeOrigin + performance.now(); return update(...args); };
            c.__timed = true;
          }
          window.syncExample.pages.update('p1', (d) => { d.name = value; });
        }
        return t;
      }, { value, kind });
      out.push((await seen) - start);
      if (kind === 'react') {
        handover.push((await a.evaluate(() => window.__handedOver)) - start);
        inClient.push((await b.evaluate(() => window.__inClient)) - start);
        inCollection.push((await b.evaluate(() => window.__inCollection)) - start);
      }
      await new Promise((r) => setTimeout(r, 30));
    }
    return out;
  };
  // The leader tab holds the stream and the outbox; the follower hands edits to it. Measured
  // with the same roles for both kinds: A (the editor) leads, then B (the viewer) leads.
  const report = [];
  for (const leader of ['A', 'B']) {
    const pair = async (open) => { const first = await open(); const second = await open(); return leader === 'A' ? [first, second] : [second, first]; };
    const [pa, pb] = await pair(() => plainTab(`bench-plain-${leader}`));
    const [da, db] = await pair(demoTab);
    const [ra, rb] = await pair(reactTab);
    handover.length = inClient.length = inCollection.length = 0;
    await measure(pa, pb, 'plain'); // warm-up
    await measure(da, db, 'demo');
    await measure(ra, rb, 'react');
    handover.length = inClient.length = inCollection.length = 0;
    const plain = await measure(pa, pb, 'plain');
    const demo = await measure(da, db, 'demo');
    const react = await measure(ra, rb, 'react');
    report.push({ leader, plain, demo, react, handover: [...handover], inClient: [...inClient], inCollection: [...inCollection] });
    for (const p of [pa, pb, da, db, ra, rb]) await p.close();
  }
  const line = (name, v) => console.log(`  ${name.padEnd(36)} p50 ${pct(v, 0.5).toFixed(2).padStart(7)} ms  p99 ${pct(v, 0.99).toFixed(2).padStart(7)} ms  (${v.length} edits)`);
  console.log(`edit in tab A → shown in tab B, ${edits} edits each, same browser and server:`);
  for (const r of report) {
    console.log(`tab ${r.leader} leads:`);
    line('plain module, no DOM (change event)', r.plain);
    line('plain module, the demo (rendered DOM)', r.demo);
    line('React + TanStack DB (rendered DOM)', r.react);
    line('  of which A: collection → client', r.handover);
    line('  of which … → B\'s client has it', r.inClient);
    line('  of which … → B\'s collection has it', r.inCollection);
    const vs = (name, base) => console.log(`  React − ${name}: p50 ${(pct(r.react, 0.5) - pct(base, 0.5)).toFixed(2)} ms, p99 ${(pct(r.react, 0.99) - pct(base, 0.99)).toFixed(2)} ms;`
      + ` ratio p50 ${(pct(r.react, 0.5) / pct(base, 0.5)).toFixed(2)}`);
    vs('demo (both rendered; goal: the adapter adds < 2 ms)', r.demo);
    vs('no DOM', r.plain);
    console.log(`  adapter + render in B (client has it → rendered): p50 ${(pct(r.react.map((v, i) => v - r.inClient[i]), 0.5)).toFixed(2)} ms`);
  }
  await ctx.close();
} finally {
  await cleanup();
}
