// The browser's copies of rules shared across languages, against the same vectors the C++
// suites run (issue 27 item 7): shape membership (tests/vectors/shapes.json, SHAPE-001) and
// transaction ids (tests/vectors/transaction_ids.json, DATA-020).
//   node tests/js/vectors_test.mjs --source SOURCE_DIR
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const at = process.argv.indexOf('--source');
const source = at > 0 ? process.argv[at + 1] : path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const load = (f) => JSON.parse(fs.readFileSync(path.join(source, 'tests/vectors', f), 'utf8'));
const { inAny } = await import(pathToFileURL(path.join(source, 'web/syncline-shape.js')));
const { parseTransactionId, formatTransactionId, compareTransactionIds } =
  await import(pathToFileURL(path.join(source, 'web/syncline-hlc.js')));

let n = 0;
for (const c of load('shapes.json').cases) {
  assert.equal(inAny(c.shapes, c.type, c.data), c.in, `${c.why}: ${JSON.stringify(c)}`);
  n++;
}
assert.ok(n >= 20, 'the shape vectors are there');

const ids = load('transaction_ids.json');
for (const id of ids.valid) {
  const p = parseTransactionId(id);
  assert.ok(p, id);
  assert.equal(formatTransactionId(p.wallMs, p.logical, p.node), id);
}
for (const id of ids.invalid) assert.equal(parseTransactionId(id), null, `'${id}'`);
for (const o of ids.order) {
  assert.equal(Math.sign(compareTransactionIds(o.a, o.b)), o.sign, o.why);
  assert.equal(Math.sign(compareTransactionIds(o.b, o.a)), -o.sign || 0, o.why);
}
console.log(`ok: ${n} shape cases, ${ids.valid.length + ids.invalid.length} ids, ${ids.order.length} orderings`);
