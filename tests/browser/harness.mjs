// Test harness of the browser tests: a private Postgres (scripts/pg) and the real syncline
// binary (`all`: API + CDC worker) on a free port, like tests/support/cluster.cpp; a REST
// helper acting as other clients; psql queries; waiting with deadlines. Everything started
// here is registered for cleanup() and stopped by pid (or pg_ctl), and its temp dir removed.
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const cleanups = [];

/** Registers `fn` to run (in reverse order) at cleanup(). */
export function onCleanup(fn) {
  cleanups.push(fn);
}

/** Runs every registered cleanup once, newest first; never throws. */
export async function cleanup() {
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      await fn();
    } catch (e) {
      console.error(`cleanup: ${e.message}`);
    }
  }
}

/** A temp dir under /tmp reachable by the postgres OS user, removed at cleanup(). */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(`/tmp/${prefix}-`);
  fs.chmodSync(dir, 0o755);
  onCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs a command to completion. @returns {Promise<{code: number, stdout: string, stderr: string}>} */
export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code, sig) => resolve({ code: code ?? 128, stdout, stderr, sig }));
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Polls `fn` until it returns a truthy value; throws `what` after `timeout` ms.
 * @template T @param {() => Promise<T>|T} fn @returns {Promise<T>}
 */
export async function waitFor(what, fn, timeout = 20000, interval = 50) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await sleep(interval);
  }
}

/** Starts a private cluster; returns its libpq URL. */
export async function startCluster(source) {
  const dir = tempDir('syncline-browser-pg');
  const env = { ...process.env, SYNCLINE_PG_FSYNC: 'off' };
  const pg = path.join(source, 'scripts/pg');
  // Registered before starting: a half-started cluster is stopped too.
  onCleanup(() => run(pg, ['stop', dir], { env }));
  const r = await run(pg, ['start', dir], { env });
  if (r.code !== 0) throw new Error(`scripts/pg start failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** Migrates, then runs `syncline all` (with `extra` flags) on a free port. @returns {Promise<{base: string, pid: number, log: string}>} */
export async function startServer(binary, dbUrl, extra = []) {
  const dir = tempDir('syncline-browser-srv');
  const common = ['--database-url', dbUrl, '--log-level', 'warn'];
  const m = await run(binary, [...common, 'migrate']);
  if (m.code !== 0) throw new Error(`syncline migrate failed: ${m.stderr}`);
  // The demo's pages/attachments (and a --schema among `extra`) are app tables: apply creates them.
  const at = extra.indexOf('--schema');
  for (const schema of [[], at >= 0 ? ['--schema', extra[at + 1]] : null].filter(Boolean)) {
    const a = await run(binary, [...common, 'schema', 'apply', ...schema]);
    if (a.code !== 0) throw new Error(`syncline schema apply failed: ${a.stdout}${a.stderr}`);
  }
  const portFile = path.join(dir, 'port');
  const log = path.join(dir, 'server.log');
  const out = fs.openSync(log, 'w');
  const child = spawn(binary, [...common, 'all', '--listen', '127.0.0.1:0', '--port-file', portFile, ...extra],
    // Scenarios sign up many users from 127.0.0.1: past the per-address bucket (SEC-050).
    { stdio: ['ignore', out, out], env: { SYNCLINE_SIGN_UP_BURST: '1000000', SYNCLINE_SIGN_UPS_PER_HOUR: '1000000', ...process.env } });
  fs.closeSync(out);
  let exited = null;
  child.on('exit', (code, sig) => { exited = { code, sig }; });
  onCleanup(async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const t = Date.now();
    while (!exited && Date.now() - t < 10000) await sleep(50);
    if (!exited) child.kill('SIGKILL');
    while (!exited) await sleep(20);
  });
  const port = await waitFor('the server port file', () => {
    if (exited) throw new Error(`syncline exited during start-up: ${fs.readFileSync(log, 'utf8')}`);
    const p = fs.existsSync(portFile) ? Number(fs.readFileSync(portFile, 'utf8').trim()) : 0;
    return p > 0 ? p : null;
  }, 30000);
  return { base: `http://127.0.0.1:${port}`, pid: child.pid, log, alive: () => !exited };
}

/** JSON over HTTP as another client. */
/**
 * An app of its own on another origin (ADOPT-005): a plain page served by Node on a loopback
 * port (a real server, so the browser sees a loopback page calling a loopback API). Returns
 * its origin, `http://127.0.0.1:<port>`.
 */
export async function startAppOrigin() {
  const html = '<!doctype html><meta charset="utf-8"><title>an app of its own</title>';
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(html);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  onCleanup(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}`;
}

export class Rest {
  constructor(base) {
    this.base = base;
  }

  /** @returns {Promise<{status: number, body: any, headers: Headers}>} */
  async call(method, p, body, token) {
    const headers = {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    const r = await fetch(this.base + p, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    let parsed = null;
    try { parsed = text ? JSON.parse(text) : null; } catch { parsed = text; }
    return { status: r.status, body: parsed, headers: r.headers };
  }

  async expect(status, method, p, body, token) {
    const r = await this.call(method, p, body, token);
    if (r.status !== status) throw new Error(`${method} ${p}: expected ${status}, got ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  /** Makes `user` a member as a client does (SEC-050): `admin` invites, `user` accepts. */
  async addMember(orgId, admin, user, role = 'member') {
    const inv = await this.expect(201, 'POST', `/organizations/${orgId}/invitations`, { userId: user.id, role }, admin.token);
    return this.expect(201, 'POST', `/invitations/${inv.id}/accept`, {}, user.token);
  }

  /** The value of one Prometheus gauge/counter at /metrics. */
  async metric(name) {
    const r = await fetch(`${this.base}/metrics`);
    const line = (await r.text()).split('\n').find((l) => l.startsWith(`${name} `));
    if (!line) throw new Error(`metric ${name} missing`);
    return Number(line.split(' ')[1]);
  }
}

/** A client-side HLC for REST writes made "by another client". */
export function txMinter(sourceId) {
  let last = 0, n = 0;
  return () => {
    const now = Date.now();
    if (now > last) { last = now; n = 0; } else if (++n > 9999) { last += 1; n = 0; }
    return `${String(last).padStart(13, '0')}.${String(n).padStart(4, '0')}.${sourceId}`;
  };
}

/** One value from Postgres via psql (the test cluster trusts loopback connections). */
export async function sqlValue(dbUrl, query) {
  const r = await run('psql', [dbUrl, '-X', '-At', '-v', 'ON_ERROR_STOP=1', '-c', query]);
  if (r.code !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

/** An HS256 JWT over `claims`, as the app's identity provider would issue it (JWT-008). */
export function hs256(secret, claims) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
