// Debian's chromium driven by playwright-core (never a downloaded browser): one persistent
// context (one profile), so its pages share Web Locks, BroadcastChannel, IndexedDB and the
// session cookie like the tabs of one browser window. Plus helpers that read the demo page.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup, tempDir, waitFor } from './harness.mjs';

export const CHROMIUM = '/usr/bin/chromium';
const here = path.dirname(fileURLToPath(import.meta.url));

/** Loads playwright-core from tests/browser/node_modules, failing with the fix when absent. */
async function playwright() {
  const entry = path.join(here, 'node_modules/playwright-core/index.mjs');
  if (!fs.existsSync(entry))
    throw new Error(`playwright-core is not installed in ${here}/node_modules: run scripts/browser-deps (make deps)`);
  return import(entry);
}

/**
 * @param {{home?: string}} opt home: the browser process's HOME (its NSS trust store)
 * @returns {Promise<import('playwright-core').BrowserContext>}
 */
export async function launch(opt = {}) {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: run scripts/browser-deps (make deps) to install Debian's chromium`);
  const { chromium } = await playwright();
  const profile = tempDir('syncline-browser-profile');
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
    viewport: { width: 1000, height: 720 },
    env: opt.home ? { ...process.env, HOME: opt.home } : process.env,
  });
  onCleanup(() => ctx.close()); // before the profile dir is removed (cleanups run newest first)
  return ctx;
}

/** The demo client's status in a page (null before an org is open). */
export function status(page) {
  return page.evaluate(() => window.synclineDemo?.client?.status ?? null);
}

/** Waits until the page's status satisfies `pred`. */
export function waitStatus(page, what, pred, timeout = 20000) {
  return waitFor(what, async () => {
    const s = await status(page);
    return s && pred(s) ? s : null;
  }, timeout);
}

/** The name shown in a page's row, or null when the row is absent. */
export function shownName(page, id) {
  return page.evaluate((id) => {
    const li = [...document.querySelectorAll('#pages li')].find((l) => l.dataset.id === id);
    return li ? li.querySelector('.name').value : null;
  }, id);
}

/** Waits until a page's row shows `name`. */
export function waitShown(page, id, name, timeout = 20000) {
  return waitFor(`page ${id} to show "${name}"`, async () => (await shownName(page, id)) === name, timeout);
}

/** Types a new name into a row and commits it with Enter (the demo saves on blur). */
export async function rename(page, id, name) {
  const input = page.locator(`#pages li[data-id="${id}"] input.name`);
  await input.fill(name);
  await input.press('Enter');
}

/** Sets the demo's "Work offline" toggle. */
export async function setOffline(page, on) {
  const box = page.locator('#offline-toggle');
  if ((await box.isChecked()) !== on) await box.click();
  await waitStatus(page, `forcedOffline=${on}`, (s) => s.forcedOffline === on);
}

/** Saves a screenshot of the page under `dir`. */
export async function shot(page, dir, name) {
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Records every mutation request (POST/PATCH/DELETE under /organizations/…/pages|attachments)
 * that any page of the context sends, as the browser sends it (also when a route then
 * fails or fakes the answer): {method, path, txId, expected, at}.
 * @returns {{list: object[], sent: (txId: string) => number, stop: () => void}}
 */
export function watchMutations(ctx) {
  const list = [];
  const on = (r) => {
    const method = r.method();
    if (!['POST', 'PATCH', 'DELETE'].includes(method)) return;
    const url = new URL(r.url());
    if (!/^\/organizations\/[^/]+\/(pages|attachments)(\/|$)/.test(url.pathname)) return;
    let tx = null;
    try { tx = JSON.parse(r.postData() ?? 'null')?.tx ?? null; } catch { /* not JSON */ }
    list.push({ method, path: url.pathname, txId: tx?.transactionId ?? null, expected: tx?.expectedTransactionId ?? null, at: Date.now() });
  };
  ctx.on('request', on);
  return {
    list,
    sent: (txId) => list.filter((x) => x.txId === txId).length,
    stop: () => ctx.off('request', on),
  };
}

/**
 * Makes a page look hidden or visible to its scripts (document.visibilityState and the
 * visibilitychange event): headless pages are always visible, so the test stands in for
 * the window manager.
 */
export function setVisibility(page, state) {
  return page.evaluate((st) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => st });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => st === 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  }, state);
}
