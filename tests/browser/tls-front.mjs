// The browser suite runs through the deployment's front (DESIGN §14, DEPLOY-026): nginx with
// the shipped site (scripts/tls-front) terminating TLS and HTTP/2 for the node, with a CA made
// for the run that Chromium trusts through an NSS database of its own (a HOME for the browser
// process only: the machine's trust store is untouched). Stopped by pid at cleanup().
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import path from 'node:path';
import { onCleanup, run, sleep, tempDir, waitFor } from './harness.mjs';

const CERTUTIL = '/usr/bin/certutil';

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function healthy(base, ca) {
  return new Promise((resolve) => {
    const req = https.get(`${base}/health`, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.setTimeout(2000, () => req.destroy());
  });
}

/** A CA for the run and a certificate for localhost (scripts/tls-front ca); returns its dir. */
export async function makeTestCa(source) {
  const dir = tempDir('syncline-browser-ca');
  const ca = await run(path.join(source, 'scripts/tls-front'), ['ca', dir]);
  if (ca.code !== 0) throw new Error(`scripts/tls-front ca failed: ${ca.stderr}`);
  return dir;
}

/**
 * nginx on a free port in front of `backendPort`, with the certificate of `caDir`.
 * @returns {Promise<{base: string, caFile: string}>}
 */
export async function startTlsFront(source, caDir, backendPort) {
  const dir = tempDir('syncline-browser-tls');
  for (const f of ['ca.pem', 'server.pem', 'server.key']) fs.copyFileSync(path.join(caDir, f), path.join(dir, f));
  const script = path.join(source, 'scripts/tls-front');
  const port = await freePort();
  const child = spawn(script, ['nginx', dir, String(port), String(backendPort)], { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => { exited = true; });
  onCleanup(async () => {
    if (exited) return;
    child.kill('SIGTERM');
    while (!exited) await sleep(20);
  });
  const base = `https://localhost:${port}`;
  const caPem = fs.readFileSync(path.join(dir, 'ca.pem'));
  await waitFor('nginx to answer over https', async () => {
    if (exited) throw new Error(`nginx exited: ${fs.readFileSync(path.join(dir, 'nginx/error.log'), 'utf8')}`);
    return healthy(base, caPem);
  }, 20000);
  return { base, caFile: path.join(dir, 'ca.pem') };
}

/** A HOME whose NSS database trusts `caFile` as a CA for servers (Chromium on Linux reads it). */
export async function trustingHome(caFile) {
  if (!fs.existsSync(CERTUTIL))
    throw new Error(`${CERTUTIL} is missing: run scripts/browser-deps (make deps) to install libnss3-tools`);
  const home = tempDir('syncline-browser-home');
  const db = `sql:${home}/.pki/nssdb`;
  fs.mkdirSync(`${home}/.pki/nssdb`, { recursive: true });
  for (const args of [['-N', '-d', db, '--empty-password'],
    ['-A', '-d', db, '-n', 'Syncline test CA', '-t', 'C,,', '-i', caFile]]) {
    const r = await run(CERTUTIL, args);
    if (r.code !== 0) throw new Error(`certutil ${args[0]} failed: ${r.stderr}`);
  }
  return home;
}
