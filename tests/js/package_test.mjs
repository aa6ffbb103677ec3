// The browser module as an npm package (issue 15, DESIGN §15, JS-001/002), end to end:
//   1. `syncline schema typescript` for the demo schema and for tests/data/tracker.yaml;
//   2. `npm pack web/` makes the tarball;
//   3. an empty project installs it from the file (`--offline`: the core has no dependencies),
//      then @tanstack/db (the adapter's optional peer) from the registry;
//   4. the typed consumer (web/examples/typed-consumer.ts) compiles with the pinned tsc, its
//      @ts-expect-error lines each being an error, and the tracker types compile too;
//   5. the installed package's module graph loads in Node (every file it imports is packed).
// Usage: node tests/js/package_test.mjs --binary build/syncline --source .
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values: opt } = parseArgs({ options: { binary: { type: 'string' }, source: { type: 'string' } } });
assert.ok(opt.binary && opt.source, 'usage: package_test.mjs --binary SYNCLINE --source DIR');
const source = path.resolve(opt.source);
const tsc = path.join(source, 'tests/browser/node_modules/typescript/bin/tsc');
assert.ok(fs.existsSync(tsc), `${tsc} is missing: run scripts/browser-deps (make deps)`);
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'syncline-js-package-'));
try {
  // 1. Types from the schema.
  const demoTypes = run(opt.binary, ['schema', 'typescript']);
  assert.match(demoTypes, /export interface Page \{/);
  assert.match(demoTypes, /status: "unpublished" \| "published" \| "archived";/);
  assert.match(demoTypes, /export interface SynclineTypes \{\n {2}page: Page;\n {2}attachment: Attachment;\n\}/);
  const trackerTypes = run(opt.binary, ['schema', 'typescript', '--schema', path.join(source, 'tests/data/tracker.yaml')]);

  // 2. The tarball.
  const packed = JSON.parse(run('npm', ['pack', path.join(source, 'web'), '--json', '--pack-destination', dir], dir));
  const tarball = path.join(dir, packed[0].filename);
  const files = packed[0].files.map((f) => f.path).sort();
  assert.ok(files.includes('syncline.d.ts') && files.includes('syncline-shape.js'), files.join(' '));
  assert.ok(!files.some((f) => f.startsWith('app/') || f.startsWith('examples/')), `demo files packed: ${files}`);

  // 3. An empty project installs it from the file, without the network.
  const app = path.join(dir, 'app');
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--loglevel=error', tarball], app);
  assert.ok(!fs.existsSync(path.join(app, 'node_modules/@tanstack')), 'the optional peer was installed');
  // The adapter's peer, for the typed TanStack DB consumer (the version the suite pins).
  const tanstack = JSON.parse(fs.readFileSync(path.join(source, 'tests/browser/package-lock.json'), 'utf8'))
    .packages['node_modules/@tanstack/db'].version;
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', `@tanstack/db@${tanstack}`], app);
  const installed = JSON.parse(fs.readFileSync(path.join(app, 'node_modules/@syncline/client/package.json'), 'utf8'));
  assert.equal(installed.dependencies, undefined, 'the core has no dependencies');

  // 4. Typed consumers compile (strict; the expected errors are errors).
  fs.writeFileSync(path.join(app, 'syncline-types.ts'), demoTypes);
  fs.copyFileSync(path.join(source, 'web/examples/typed-consumer.ts'), path.join(app, 'typed-consumer.ts'));
  fs.mkdirSync(path.join(app, 'tracker'));
  fs.writeFileSync(path.join(app, 'tracker/syncline-types.ts'), trackerTypes);
  fs.writeFileSync(path.join(app, 'tracker/use.ts'), [
    "import { SynclineClient } from '@syncline/client';",
    "import type { SynclineInserts, SynclineTypes } from './syncline-types.js';",
    "export const c = new SynclineClient<SynclineTypes, SynclineInserts>({ org: 'o' });",
    "export const types: Array<keyof SynclineTypes> = Object.keys({} as SynclineTypes) as Array<keyof SynclineTypes>;",
  ].join('\n'));
  fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: {
      strict: true, noEmit: true, target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext',
      lib: ['ES2022', 'DOM'], skipLibCheck: false, noUnusedLocals: false,
    },
    include: ['*.ts', 'tracker/*.ts'],
  }));
  try {
    run(process.execPath, [tsc, '-p', app], app);
  } catch (e) {
    throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`);
  }

  // 5. The installed module graph loads (no file left out of the tarball).
  const loaded = run(process.execPath, ['--input-type=module', '-e',
    "const m = await import('@syncline/client'); console.log(typeof m.SynclineClient, typeof m.makeId());"], app);
  assert.equal(loaded.trim(), 'function string');
  console.log(`ok: ${packed[0].filename} (${packed[0].size} bytes, ${files.length} files) installs and type-checks`);
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
