#!/usr/bin/env node
// Browser tests of web/syncline.js and the /app demo (issue 7; TAB-001..022, OFFLINE-001..024,
// OFFLINE-OFFSET-*, FE-MUT-*, NET-*) in Debian's chromium against a private cluster and the real
// server. Usage (CTest runs it): node run.mjs --binary build/syncline --source . --out DIR
// Scenarios run in order on one browser profile and stop at the first failure; the exit code
// is non-zero on any failure; screenshots go to DIR. Every process started is stopped by pid
// and every temp dir removed, also on failure or SIGINT/SIGTERM.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { cleanup, Rest, startAppOrigin, startCluster, startServer, txMinter } from './harness.mjs';
import { launch } from './browser.mjs';
import { scenarios } from './scenarios.mjs';
import { makeTestCa, startTlsFront, trustingHome } from './tls-front.mjs';

function args() {
  const out = {};
  const a = process.argv.slice(2);
  for (let i = 0; i < a.length; i += 2) out[a[i].replace(/^--/, '')] = a[i + 1];
  for (const k of ['binary', 'source', 'out'])
    if (!out[k]) throw new Error(`usage: node run.mjs --binary SYNCLINE --source SRC_DIR --out SCREENSHOT_DIR (missing --${k})`);
  return out;
}

// An error thrown where no scenario awaits it (a route handler, a timer) still stops what
// was started: nothing is left running after a crash of the runner.
for (const ev of ['uncaughtException', 'unhandledRejection'])
  process.on(ev, async (e) => {
    console.log(`FAIL ${ev}: ${e?.stack || e}\n\n0 passed, 1 failed`);
    await cleanup();
    process.exit(1);
  });

for (const sig of ['SIGINT', 'SIGTERM'])
  process.on(sig, async () => { // (the parent's child gets the same signal from the terminal or CTest's group kill)
    console.error(`\n${sig}: stopping everything started`);
    await cleanup();
    process.exit(130);
  });

async function main() {
  const started = Date.now();
  const opt = args();
  fs.mkdirSync(opt.out, { recursive: true });
  for (const f of fs.readdirSync(opt.out)) if (f.endsWith('.png')) fs.rmSync(`${opt.out}/${f}`); // this run's only
  const dbUrl = await startCluster(opt.source);
  // Sessions and the identity provider's JWTs on the same node (the JWT scenario).
  const jwtSecret = randomBytes(32).toString('hex');
  // An app of its own on another origin, listed; and one not listed (ADOPT-005).
  const appOrigin = await startAppOrigin();
  const strangerOrigin = await startAppOrigin();
  const node = await startServer(opt.binary, dbUrl,
    ['--jwt-secret', jwtSecret, '--trusted-proxy', '127.0.0.1/32', '--cors-origin', appOrigin]);
  // The pages load through nginx over https (HTTP/2, the shipped site) as in a deployment;
  // bob's REST client talks to the node directly.
  const front = await startTlsFront(opt.source, process.env.SYNCLINE_TEST_CA_DIR, Number(new URL(node.base).port));
  const server = { ...node, base: front.base };
  console.log(`server ${front.base} → node ${node.base} (pid ${node.pid}), cluster ${dbUrl}`);
  const rest = new Rest(node.base);
  const home = await trustingHome(front.caFile);
  const ctx = await launch({ home });
  const env = {
    opt, dbUrl, server, rest, ctx, jwtSecret, appOrigin, strangerOrigin, mint: txMinter('bobRestClnt1'), measured: {},
    // A second browser (another person at another machine) when a scenario needs one.
    launchOther: () => launch({ home }),
  };

  // --only REGEX: the scenarios whose names match (those that set up their own data).
  const chosen = opt.only ? scenarios.filter(([name]) => new RegExp(opt.only).test(name)) : scenarios;
  let passed = 0, failed = 0;
  for (const [name, fn] of chosen) {
    const t = Date.now();
    try {
      await fn(env);
      passed++;
      console.log(`ok   ${name} (${Date.now() - t} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${name} (${Date.now() - t} ms)\n     ${e.stack || e}`);
      for (const [i, p] of ctx.pages().entries())
        await p.screenshot({ path: `${opt.out}/failure-${i}.png`, fullPage: true }).catch(() => {});
      console.log(`--- server log (tail) ---\n${fs.readFileSync(server.log, 'utf8').split('\n').slice(-30).join('\n')}`);
      break; // later scenarios build on earlier ones
    }
  }
  const notRun = chosen.length - passed - failed;
  console.log('\nmeasured:');
  for (const [k, v] of Object.entries(env.measured)) console.log(`  ${k}: ${v}`);
  console.log(`  total test time: ${Date.now() - started} ms`);
  console.log(`screenshots: ${fs.readdirSync(opt.out).filter((f) => f.endsWith('.png')).sort().join(', ')} in ${opt.out}`);
  console.log(`\n${passed} passed, ${failed + notRun} failed`);
  return failed + notRun === 0;
}

// The run's CA is made first and the suite runs in a child Node trusting it
// (NODE_EXTRA_CA_CERTS is read at start-up), so what Playwright fetches from the Node side
// (route.fetch) verifies nginx's certificate like Chromium does.
if (!process.env.SYNCLINE_TEST_CA_DIR) {
  const opt = args();
  const caDir = await makeTestCa(opt.source);
  const child = spawn(process.execPath, process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, SYNCLINE_TEST_CA_DIR: caDir, NODE_EXTRA_CA_CERTS: `${caDir}/ca.pem` },
  });
  const code = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
  await cleanup();
  process.exit(code);
}

let ok = false;
try {
  ok = await main();
} catch (e) {
  console.log(`FAIL set-up: ${e.stack || e}\n\n0 passed, 1 failed`);
} finally {
  await cleanup();
}
process.exit(ok ? 0 : 1);
