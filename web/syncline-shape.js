// Shapes in the browser (DESIGN §16): the parts of an org a tab shows. A shape is the server's
// JSON object, entity type → field → value, [values] (IN) or null (IS NULL); `{}` is every
// entity of the type and types not named are not in it. A list of shapes is their union; no
// shapes is the whole org. The tabs of a browser record theirs in IndexedDB; the leader streams
// the union of all of them and each tab shows only its own (SynclineClient.list).

const MAX_SHAPE_BYTES = 4096; // the server's bounds
const MAX_SHAPE_UNION = 32;

function same(a, b) {
  return typeof a === 'number' && typeof b === 'number' ? a === b : JSON.stringify(a) === JSON.stringify(b);
}

/** Whether an entity of `type` with `data` is in `shape`, as the server decides it. */
export function inShape(shape, type, data) {
  const filters = shape?.[type];
  if (!filters || typeof filters !== 'object' || Array.isArray(filters)) return false;
  for (const [field, want] of Object.entries(filters)) {
    const v = data?.[field];
    const isNull = v === undefined || v === null;
    if (want === null) {
      if (!isNull) return false;
      continue;
    }
    if (isNull) return false;
    if (!(Array.isArray(want) ? want.some((w) => same(v, w)) : same(v, want))) return false;
  }
  return true;
}

/** In any of them; everything when there are none. */
export function inAny(shapes, type, data) {
  return !shapes.length || shapes.some((s) => inShape(s, type, data));
}

/**
 * A shape no entity is in (`id` is never null): what the stream of a browser whose tabs all
 * load on demand carries until they ask for something (the org's offsets, its own writes'
 * deletes; no rows). One type named: the server refuses a shape naming none.
 * @param {string} type any declared entity type
 */
export function nothingText(type) {
  return JSON.stringify({ [type]: { id: null } });
}

/**
 * The `shape` query value for the union of these shape texts ('*' = the whole org): '' when
 * the stream must take the whole org (one tab does, or the server would refuse the union as
 * too large), `nothing` when there are none (on-demand tabs that asked for nothing yet), else
 * one object or an array of them, as JSON.
 * @param {string[]} texts
 * @param {string} [nothing] the text for no shapes (default '': the whole org)
 */
export function unionText(texts, nothing = '') {
  if (!texts.length) return nothing;
  if (texts.includes('*') || texts.length > MAX_SHAPE_UNION) return '';
  const text = texts.length === 1 ? texts[0] : `[${texts.join(',')}]`;
  return text.length > MAX_SHAPE_BYTES ? '' : text;
}

/** The entity types a `shape` value names; null for '' (every type). */
export function typesOf(text) {
  if (!text) return null;
  const v = JSON.parse(text);
  return new Set((Array.isArray(v) ? v : [v]).flatMap((o) => Object.keys(o)));
}
