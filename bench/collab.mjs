// bench/collab.mjs: working together (DESIGN §21), run by scripts/bench-collab (never in CI).
//   node bench/collab.mjs CONFIG.json
// CONFIG: {a, b: node base URLs, pidA, pidB, org, tokens: [...], seconds, presences}.
// 1. Presence fan-out: `presences` presences (clients of tokens.length users) each PUT every
//    10 s on node A, staggered; one stream on node B. Measured: PUT sent → `event: presence` on
//    B (p50/p99), beside — in the same run, the same stream — a page change's PATCH on A → its
//    `event: change` on B (the baseline), and the CPU of both nodes per presence update against
//    per plain PATCH (each alone for `seconds`, at the same rate).
// 2. Merge cost per KB: for texts of 1, 10 and 100 KB, a stale PATCH that merges three-way,
//    against a plain PATCH of the same field and size (same run).
// Prints one JSON object.
import fs from 'node:fs';

const cfg = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, p) => {
  if (!xs.length) return null;
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
};
let txSeq = 0;
const txId = () => `${Date.now()}.${String(txSeq++ % 10000).padStart(4, '0')}.benchcollab1`;

async function call(base, token, method, path, body) {
  const r = await fetch(base + path, {
    method, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  return { status: r.status, body: text ? JSON.parse(text) : null };
}

function cpuMs(pid) { // utime + stime of a process, in ms (clock ticks of 10 ms)
  const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

// One SSE stream: calls on(event, data) per frame.
async function stream(base, token, path, on) {
  const ctl = new AbortController();
  const r = await fetch(base + path, { headers: { Authorization: `Bearer ${token}` }, signal: ctl.signal });
  const reader = r.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          let event = 'message', data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          on(event, data);
        }
      }
    } catch { /* aborted */ }
  })();
  return () => ctl.abort();
}

const org = `/organizations/${cfg.org}`;
const owner = cfg.tokens[0];

async function createPage(id, fields = {}) {
  const tx = txId();
  const r = await call(cfg.a, owner, 'POST', `${org}/pages`,
    { data: { id, name: id, ...fields }, tx: { transactionId: tx, sourceId: 'benchcollab1', changedField: null, expectedTransactionId: null } });
  if (r.status !== 201) throw new Error(`create ${id}: ${r.status} ${JSON.stringify(r.body)}`);
  return tx;
}

async function patch(id, field, value, expected) {
  const tx = txId();
  const t0 = performance.now();
  const r = await call(cfg.a, owner, 'PATCH', `${org}/pages/${id}`,
    { data: { [field]: value }, tx: { transactionId: tx, sourceId: 'benchcollab1', changedField: field, expectedTransactionId: expected } });
  return { status: r.status, ms: performance.now() - t0, tx, body: r.body };
}

// ---- 1. presence fan-out and CPU ----
async function presenceBench() {
  const n = cfg.presences, seconds = cfg.seconds;
  const presenceLag = [], changeLag = [];
  let measuring = false;
  const stop = await stream(cfg.b, owner, `${org}/live?live=sse&offset=now`, (event, data) => {
    if (!measuring) return;
    const now = Date.now();
    if (event === 'presence') {
      const p = JSON.parse(data);
      if (p.action === 'update' && p.state?.t) presenceLag.push(now - p.state.t);
    } else if (event === 'change') {
      const c = JSON.parse(data);
      const name = c.data?.name;
      if (c.entityId === 'probe' && typeof name === 'string' && name.startsWith('t:')) changeLag.push(now - Number(name.slice(2)));
    }
  });
  await createPage('probe');
  let probeTx = (await call(cfg.a, owner, 'GET', `${org}/pages/probe`)).body.fieldTx.name;
  const put = (i) => call(cfg.a, cfg.tokens[i % cfg.tokens.length], 'PUT', `${org}/presence`,
    { clientId: `bench-${i}`, state: { t: Date.now(), i } });
  // Everyone joins, then each updates every 10 s: n / 10 PUTs a second, staggered.
  for (let i = 0; i < n; i += 50) await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, k) => put(i + k)));
  await sleep(500);
  const perSecond = n / 10;
  const runFor = async (ms, one) => {
    const end = Date.now() + ms;
    let k = 0;
    const pending = [];
    while (Date.now() < end) {
      pending.push(one(k++));
      await sleep(1000 / perSecond);
    }
    await Promise.all(pending);
    return k;
  };
  // (a) presence alone: latency, and CPU per update
  measuring = true;
  let cpu0 = cpuMs(cfg.pidA) + cpuMs(cfg.pidB);
  const updates = await runFor(seconds * 1000, (k) => put(k % n));
  const presenceCpu = (cpuMs(cfg.pidA) + cpuMs(cfg.pidB) - cpu0) / updates;
  await sleep(500);
  // (b) the same rate of plain PATCHes of the probe page: change latency, and CPU per PATCH
  cpu0 = cpuMs(cfg.pidA) + cpuMs(cfg.pidB);
  let chain = Promise.resolve();
  const patches = await runFor(seconds * 1000, () => {
    chain = chain.then(async () => {
      const r = await patch('probe', 'name', `t:${Date.now()}`, probeTx);
      if (r.status === 200) probeTx = r.tx;
    });
    return chain;
  });
  await sleep(1000);
  const patchCpu = (cpuMs(cfg.pidA) + cpuMs(cfg.pidB) - cpu0) / patches;
  stop();
  return {
    presences: n, updates, frames: presenceLag.length,
    presence_p50_ms: pct(presenceLag, 0.5), presence_p99_ms: pct(presenceLag, 0.99),
    change_p50_ms: pct(changeLag, 0.5), change_p99_ms: pct(changeLag, 0.99),
    p99_ratio_presence_to_change: pct(presenceLag, 0.99) / pct(changeLag, 0.99),
    cpu_ms_per_presence_update: presenceCpu, cpu_ms_per_patch: patchCpu,
    cpu_ratio_presence_to_patch: presenceCpu / patchCpu,
  };
}

// ---- 2. merge cost per KB ----
function doc(bytes) {
  const lines = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const l = `line ${i} of a long text that people edit together\n`;
    lines.push(l);
    size += l.length;
  }
  return lines;
}

async function mergeBench() {
  const out = [];
  for (const kb of [1, 10, 100]) {
    const lines = doc(kb * 1000 - 100);
    const base = lines.join('');
    const last = lines.length - 1;
    const edit = (i, s) => lines.map((l, j) => (j === i ? `${s}\n` : l)).join('');
    const plain = [], merged = [];
    for (let round = 0; round < 20; round++) {
      const id = `m-${kb}-${round}`;
      const t0 = await createPage(id, { description: base });
      const p = await patch(id, 'description', edit(0, 'first line, edited'), t0); // current: plain
      const m = await patch(id, 'description', edit(last, 'last line, edited'), t0); // stale: merged
      if (p.status !== 200 || m.status !== 200 || m.body?.merged !== true)
        throw new Error(`merge ${kb} KB: ${p.status} ${m.status} ${JSON.stringify(m.body).slice(0, 200)}`);
      plain.push(p.ms);
      merged.push(m.ms);
    }
    const pm = pct(plain, 0.5), mm = pct(merged, 0.5);
    out.push({ kb, plain_patch_p50_ms: pm, merged_patch_p50_ms: mm, ratio: mm / pm, extra_ms_per_kb: (mm - pm) / kb });
  }
  return out;
}

const presence = await presenceBench();
const merge = await mergeBench();
console.log(JSON.stringify({ presence, merge }, null, 1));
