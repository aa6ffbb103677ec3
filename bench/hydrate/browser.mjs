// The browser half of scripts/bench-hydrate (DESIGN §18): Debian's chromium (tests/browser's
// launcher) opens the demo page of a running node, a SynclineClient of the big org hydrates
// from an empty IndexedDB (the leader: snapshot → IndexedDB → `hydrated`), then a second tab
// of the profile (from IndexedDB). Usage: node browser.mjs --base URL --token T --org ORG.
// Prints one JSON object.
import { launch } from '../../tests/browser/browser.mjs';
import { cleanup } from '../../tests/browser/harness.mjs';

const a = Object.fromEntries(process.argv.slice(2).reduce((o, v, i, all) =>
  (i % 2 ? o : [...o, [all[i].replace(/^--/, ''), all[i + 1]]]), []));
const ctx = await launch();
const open = async (dbName) => {
  const page = await ctx.newPage();
  await page.route('**/me', (r) => r.fulfill({ status: 401, contentType: 'application/json', body: '{}' }));
  await page.goto(`${a.base}/app`);
  const r = await page.evaluate(async (o) => {
    const { SynclineClient } = await import('/client/syncline.js');
    const c = new SynclineClient({ org: o.org, dbName: o.dbName, tokenProvider: () => o.token });
    const t0 = performance.now();
    await c.start();
    await new Promise((resolve) => {
      const check = () => (c.status.hydrated ? resolve() : setTimeout(check, 10));
      check();
    });
    return { ms: performance.now() - t0, rows: c.list('page').length };
  }, { org: a.org, token: a.token, dbName });
  return { page, ...r };
};
let out;
try {
  const leader = await open('bench');
  const second = await open('bench');
  out = JSON.stringify({ browser_hydrate_s: leader.ms / 1e3, browser_rows: leader.rows,
    second_tab_s: second.ms / 1e3 });
} finally {
  await cleanup();
}
// (process.exit would drop what a pipe has not taken yet)
process.stdout.write(`${out}\n`, () => process.exit(0));
