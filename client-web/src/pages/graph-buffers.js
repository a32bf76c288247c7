import { decode as cborDecode } from 'cbor-x';

// The graph page's buffers (graph.js), without the DOM or three.js so that they can be unit tested:
// node slots (position and colour) and edge slots (two node slots each), filled from the map's
// entries as the producer client-web/scripts/graph-producer.mjs writes them: nodes' values `n/<id>`
// or blocks of them `nb/<b>` = {first, attrs: {<name>: [value of node first, of first + 1, ...]}},
// edges `e/<j>` = [from, to] or blocks of them `eb/<b>` = [from, to, from, to, ...], positions
// `p/<id>` = [x, y, ...] or blocks of them `pb/<b>` = {first, dims, values} (nodes first,
// first + 1, ... with `dims` numbers each), and `layout`. A snapshot is
// applied frame by frame as it arrives (`applyAll` of the snapshot's entries, then of each part's);
// the result is the same as applying the assembled entries in any order.

/** An sRGB colour as three.js's `new Color(hex)` holds it: linear components (its colour management). */
function linear(hex) {
  const lin = (c) => (c < 0.04045 ? c * 0.0773993808 : Math.pow(c * 0.9478672986 + 0.0521327014, 2.4));
  return { r: lin(((hex >> 16) & 255) / 255), g: lin(((hex >> 8) & 255) / 255), b: lin((hex & 255) / 255) };
}

// colours of groups 0..11 (any other group takes group % 12); nodes outside the filter are dimmed
const PALETTE = [0x60a5fa, 0xf97316, 0x34d399, 0xf472b6, 0xfacc15, 0xa78bfa, 0x22d3ee, 0xf87171, 0xa3e635, 0xfb923c, 0x818cf8, 0x2dd4bf]
  .map(linear);
const DIMMED = linear(0x273449);
const UNKNOWN = linear(0x94a3b8);

/**
 * The whole number written plainly ("0", "17", not "017") in `text` from index `from` on (a node
 * id, or the id of a key `p/<id>`, without slicing it out), as a number; else -1.
 */
export function plainIndex(text, from = 0) {
  const n = text.length - from;
  if (n <= 0 || n > 9 || (n > 1 && text.charCodeAt(from) === 48)) return -1;
  let v = 0;
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * A value as text for comparisons. Over CBOR, integers beyond 32 bits (a timestamp) decode as
 * BigInt, which JSON.stringify refuses: they are written as numbers here.
 */
export function stableText(value) {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? Number(v) : v));
}

/** A node id as a slot number: a whole number in [0, 1e9) or its plain text; else -1. */
function endIndex(v) {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v < 1e9 ? v : -1;
  return typeof v === 'string' ? plainIndex(v) : -1;
}

/**
 * A snapshot frame's entries (a decoded object) packed for `GraphBuffers.applyPacked` (the
 * reference for `packCbor`, which reads the same from CBOR; tests compare the two): positions `p/<n>` with an
 * array value as `pIds` (n) and `pXyz` (3 floats each), edges `e/<j>` = [from, to] with plain
 * whole-number ends as `eIds` (j) and `eEnds` (2 each), blocks of edges `eb/<b>` whose ends are
 * all whole numbers as `blocks` ({key, ends}), nodes' values `n/<n>` as `nIds` and `nValues`, blocks
 * of them `nb/<b>` as `nodeBlocks` ({key, block}: nodeBlockOf), and every other entry as it is in `rest`.
 * Applying the result gives the same graph as applying the entries one by one.
 */
export function packEntries(entries) {
  let np = 0;
  let ne = 0;
  const keys = [];
  for (const k in entries) keys.push(k);
  const pIds = new Int32Array(keys.length);
  const pXyz = new Float32Array(keys.length * 3);
  const eIds = new Int32Array(keys.length);
  const eEnds = new Int32Array(keys.length * 2);
  const blocks = [];
  const nodeBlocks = [];
  const nIds = [];
  const nValues = [];
  const rest = {};
  let restCount = 0;
  for (const k of keys) {
    const v = entries[k];
    if (k.length > 2 && k.charCodeAt(0) === 110 && k.charCodeAt(1) === 47) {
      const n = plainIndex(k, 2);
      if (n >= 0) {
        nIds.push(n);
        nValues.push(v);
        continue;
      }
    }
    if (isNodeBlockKey(k)) {
      const block = nodeBlockOf(v);
      if (block) {
        nodeBlocks.push({ key: k, block });
        continue;
      }
    }
    if (isBlockKey(k) && Array.isArray(v)) {
      const ends = blockEnds(v);
      if (ends) {
        blocks.push({ key: k, ends });
        continue;
      }
    }
    const short = k.length > 2 && k.charCodeAt(1) === 47;
    const c0 = k.charCodeAt(0);
    if (short && c0 === 112 && Array.isArray(v)) {
      const n = plainIndex(k, 2);
      if (n >= 0) {
        pIds[np] = n;
        pXyz[np * 3] = Number(v[0]) || 0;
        pXyz[np * 3 + 1] = Number(v[1]) || 0;
        pXyz[np * 3 + 2] = Number(v[2]) || 0;
        np++;
        continue;
      }
    } else if (short && c0 === 101 && Array.isArray(v)) {
      const j = plainIndex(k, 2);
      const from = endIndex(v[0]);
      const to = endIndex(v[1]);
      if (j >= 0 && from >= 0 && to >= 0) {
        eIds[ne] = j;
        eEnds[ne * 2] = from;
        eEnds[ne * 2 + 1] = to;
        ne++;
        continue;
      }
    }
    rest[k] = v;
    restCount++;
  }
  return {
    pIds: pIds.slice(0, np),
    pXyz: pXyz.slice(0, np * 3),
    eIds: eIds.slice(0, ne),
    eEnds: eEnds.slice(0, ne * 2),
    blocks,
    nodeBlocks,
    nIds: Int32Array.from(nIds),
    nValues,
    rest: restCount ? rest : null,
  };
}

/** Whether `key` names a block of node values, `nb/<b>`. */
function isNodeBlockKey(key) {
  return key.length > 3 && key.charCodeAt(0) === 110 && key.charCodeAt(1) === 98 && key.charCodeAt(2) === 47;
}

/**
 * A block of node values `{first, attrs: {<name>: [...]}}` as the buffers keep it: `{first, count,
 * attrs}`, where node `first + i` has attribute `name` = `attrs[name][i]` (an array, or a typed
 * array as packCbor reads a column of numbers) unless that is null or past the column's end, and
 * `count` is the longest column's length. Null when `v` is not such a block.
 */
function nodeBlockOf(v) {
  const first = v?.first;
  const given = v?.attrs;
  if (!Number.isInteger(first) || first < 0 || typeof given !== 'object' || given === null || Array.isArray(given)) return null;
  const attrs = Object.create(null);
  let count = 0;
  for (const name in given) {
    const column = given[name];
    if (!Array.isArray(column)) return null;
    attrs[name] = column;
    if (column.length > count) count = column.length;
  }
  return { first, count: Math.min(count, 1e9 - first), attrs };
}

/** Whether `key` names a block of positions, `pb/<b>`. */
function isPositionBlockKey(key) {
  return key.length > 3 && key.charCodeAt(0) === 112 && key.charCodeAt(1) === 98 && key.charCodeAt(2) === 47;
}

// at most this many numbers per node in a block of positions (the producer's k is 2 to 8)
const MAX_BLOCK_DIMS = 64;

/** Whether `key` names a block of edges, `eb/<b>`. */
function isBlockKey(key) {
  return key.length > 3 && key.charCodeAt(0) === 101 && key.charCodeAt(1) === 98 && key.charCodeAt(2) === 47;
}

/** A block's flat [from, to, from, to, ...] as whole-number ends (a trailing odd one dropped), or null when one is not. */
function blockEnds(v) {
  const ends = new Int32Array(v.length & ~1);
  for (let i = 0; i < ends.length; i++) {
    const n = endIndex(v[i]);
    if (n < 0) return null;
    ends[i] = n;
  }
  return ends;
}

// ------------------------------------------------------------------ CBOR straight into typed arrays

const latin = (b, from, to) => {
  let t = '';
  for (let i = from; i < to; i++) t += String.fromCharCode(b[i]);
  return t;
};
const utf8 = typeof TextDecoder === 'undefined' ? null : new TextDecoder();

/** The head of the item at `o`: [major, argument, offset after the head]; argument -1: indefinite, -2: 8 bytes. */
function head(b, o) {
  const ib = b[o];
  const info = ib & 31;
  if (info < 24) return [ib >> 5, info, o + 1];
  if (info === 24) return [ib >> 5, b[o + 1], o + 2];
  if (info === 25) return [ib >> 5, (b[o + 1] << 8) | b[o + 2], o + 3];
  if (info === 26) return [ib >> 5, b[o + 1] * 16777216 + ((b[o + 2] << 16) | (b[o + 3] << 8) | b[o + 4]), o + 5];
  if (info === 27) return [ib >> 5, -2, o + 9];
  if (info === 31) return [ib >> 5, -1, o + 1];
  throw new RangeError('bad CBOR item');
}

/** The offset after the item at `o`. */
function skip(b, o) {
  const [major, n, at] = head(b, o);
  if (major <= 1 || major === 7) return at;
  if (major === 6) return skip(b, at);
  if (n === -2) throw new RangeError('CBOR item too long');
  o = at;
  if (n === -1) {
    while (b[o] !== 0xff) o = skip(b, o);
    return o + 1;
  }
  if (major === 2 || major === 3) return o + n;
  const items = major === 5 ? n * 2 : n;
  for (let i = 0; i < items; i++) o = skip(b, o);
  return o;
}

/**
 * The value of the plain item at `o` as cbor-x decodes it ([value, offset after it]), or
 * undefined for what this reader leaves to `fallback` (tags, byte strings, 64-bit integers, half
 * floats, indefinite lengths, maps with keys that are not text).
 */
function plainItem(b, view, o) {
  const ib = b[o];
  const major = ib >> 5;
  if (major === 7) {
    if (ib === 0xfb) return [view.getFloat64(o + 1), o + 9];
    if (ib === 0xfa) return [view.getFloat32(o + 1), o + 5];
    if (ib === 0xf4) return [false, o + 1];
    if (ib === 0xf5) return [true, o + 1];
    if (ib === 0xf6) return [null, o + 1];
    if (ib === 0xf7) return [undefined, o + 1];
    return undefined;
  }
  const [, n, at] = head(b, o);
  if (n < 0) return undefined;
  switch (major) {
    case 0:
      return [n, at];
    case 1:
      return [-1 - n, at];
    case 3: {
      let ascii = n <= 64;
      for (let i = at; ascii && i < at + n; i++) if (b[i] > 127) ascii = false;
      return [ascii ? latin(b, at, at + n) : utf8.decode(b.subarray(at, at + n)), at + n];
    }
    case 4: {
      const a = new Array(n);
      let p = at;
      for (let i = 0; i < n; i++) {
        const r = plainItem(b, view, p);
        if (!r) return undefined;
        a[i] = r[0];
        p = r[1];
      }
      return [a, p];
    }
    case 5: {
      const m = {};
      let p = at;
      for (let i = 0; i < n; i++) {
        if (b[p] >> 5 !== 3) return undefined;
        const k = plainItem(b, view, p);
        if (!k) return undefined;
        const v = plainItem(b, view, k[1]);
        if (!v) return undefined;
        m[k[0]] = v[0];
        p = v[1];
      }
      return [m, p];
    }
    default:
      return undefined;
  }
}

/** The item at [vs, ve) decoded: by plainItem when it reads all of it, else by `fallback` (cbor-x). */
function decodeItem(b, view, vs, ve, fallback) {
  const plain = plainItem(b, view, vs);
  return plain && plain[1] === ve ? plain[0] : fallback(b.subarray(vs, ve));
}

/** A plain whole number (as `plainIndex`) written in bytes [from, to), else -1. */
function plainIndexOf(b, from, to) {
  const n = to - from;
  if (n <= 0 || n > 9 || (n > 1 && b[from] === 48)) return -1;
  let v = 0;
  for (let i = from; i < to; i++) {
    const c = b[i] - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** A number item at `o` (an integer up to 32 bits or a float): [number, offset after it], else null. */
function numberAt(b, view, o) {
  const ib = b[o];
  if (ib === 0xfb) return view.getFloat64(o + 1);
  if (ib === 0xfa) return view.getFloat32(o + 1);
  if (ib < 0x1b) return ib < 24 ? ib : ib === 24 ? b[o + 1] : ib === 25 ? (b[o + 1] << 8) | b[o + 2] : b[o + 1] * 16777216 + ((b[o + 2] << 16) | (b[o + 3] << 8) | b[o + 4]);
  if (ib >= 0x20 && ib < 0x3b) {
    const [, n] = head(b, o);
    return -1 - n;
  }
  return null;
}

/**
 * A snapshot part's entries packed as `packEntries` packs them, read straight from their CBOR
 * (`bytes` [start, end): one map) without making a string for a key or an array for a value of
 * the positions and edges: the graph page builds a large snapshot from its parts this way (the
 * client library left them undecoded, lazySnapshotParts). Entries of any other shape are decoded
 * (by a small reader here, or by `fallback`, cbor-x's decode of the item's bytes) and go to `rest`.
 * `end` (where the map ends; the end of `bytes` when null) only sizes an indefinite map's arrays.
 */
export function packCbor(bytes, start, end, fallback) {
  const b = bytes;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const [major, count, first] = head(b, start);
  if (major !== 5) throw new RangeError('the entries are not a CBOR map');
  const cap = count >= 0 ? count : Math.ceil(((end ?? b.length) - start) / 8);
  let pIds = new Int32Array(cap);
  let pXyz = new Float32Array(cap * 3);
  let eIds = new Int32Array(cap);
  let eEnds = new Int32Array(cap * 2);
  let np = 0;
  let ne = 0;
  const blocks = [];
  const positionBlocks = [];
  const nodeBlocks = [];
  const nIds = [];
  const nValues = [];
  let rest = null;
  let o = first;
  // the hot path (a position or an edge per entry, 250,000 of them in a large graph's snapshot)
  // reads heads inline and allocates nothing per entry: no arrays returned, no closures
  for (let i = 0; count >= 0 ? i < count : b[o] !== 0xff; i++) {
    if (np >= pIds.length || ne >= eIds.length) {
      // an indefinite map with more entries than the estimate
      const grow = (a, n) => { const c = new a.constructor(a.length * 2 + n); c.set(a); return c; };
      pIds = grow(pIds, 8); pXyz = grow(pXyz, 24); eIds = grow(eIds, 8); eEnds = grow(eEnds, 16);
    }
    // the key: a text string of up to 255 bytes (longer ones through head())
    const kh = b[o];
    if (kh >> 5 !== 3) throw new RangeError('a key that is not text');
    let klen = kh & 31;
    let ks = o + 1;
    if (klen === 24) {
      klen = b[o + 1];
      ks = o + 2;
    } else if (klen > 24) {
      const [, n, at] = head(b, o);
      if (n < 0) throw new RangeError('a key that is not text');
      klen = n;
      ks = at;
    }
    const vs = ks + klen;
    if (klen > 3 && b[ks] === 101 && b[ks + 1] === 98 && b[ks + 2] === 47 && b[vs] >> 5 === 4 && (b[vs] & 31) < 27) {
      // eb/<b> = [from, to, from, to, ...]: a block of edges, read into one typed array
      const [, len, at] = head(b, vs);
      const ends = new Int32Array(len & ~1);
      let p = at;
      let i = 0;
      for (; i < len; i++) {
        const v = edgeEnd(b, p);
        if (v < 0) break;
        if (i < ends.length) ends[i] = v;
        p = endNext;
      }
      if (i === len) {
        blocks.push({ key: latin(b, ks, vs), ends });
        o = p;
        continue;
      }
    }
    if (klen > 3 && b[ks] === 112 && b[ks + 1] === 98 && b[ks + 2] === 47) {
      // pb/<b> = {first, dims, values}: a block of positions, its numbers read into one typed array
      const read = readPositionBlock(b, view, vs);
      if (read) {
        positionBlocks.push(read[0]);
        o = read[1];
        continue;
      }
    }
    if (klen > 3 && b[ks] === 110 && b[ks + 1] === 98 && b[ks + 2] === 47) {
      // nb/<b> = {first, attrs: {<name>: [...]}}: a block of node values, read a column at a time
      const read = readNodeBlock(b, view, vs);
      if (read) {
        nodeBlocks.push({ key: latin(b, ks, vs), block: read[0] });
        o = read[1];
        continue;
      }
    }
    const c0 = klen > 2 && b[ks + 1] === 47 ? b[ks] : 0;
    const id = c0 === 112 || c0 === 101 || c0 === 110 ? plainIndexOf(b, ks + 2, vs) : -1;
    if (c0 === 110 && id >= 0) {
      // n/<n>: the node's value decoded, its key never made into a string
      const ve = skip(b, vs);
      nIds.push(id);
      nValues.push(decodeItem(b, view, vs, ve, fallback));
      o = ve;
      continue;
    }
    const vh = b[vs];
    if (id >= 0 && vh >= 0x80 && vh <= 0x97) {
      // an array of 0 to 23 items
      const len = vh - 0x80;
      let p = vs + 1;
      if (c0 === 112) {
        // p/<n> = [x, y, z?, ...]: the first three numbers (missing ones 0)
        let x = 0;
        let y = 0;
        let z = 0;
        let ok = true;
        for (let j = 0; j < len; j++) {
          if (j < 3) {
            const v = numberAt(b, view, p);
            if (v === null) { ok = false; break; }
            if (j === 0) x = v || 0;
            else if (j === 1) y = v || 0;
            else z = v || 0;
          }
          p = numberEnd(b, p);
        }
        if (ok) {
          pIds[np] = id;
          pXyz[np * 3] = x;
          pXyz[np * 3 + 1] = y;
          pXyz[np * 3 + 2] = z;
          np++;
          o = p;
          continue;
        }
      } else if (len >= 2) {
        // e/<j> = [from, to, ...] with whole-number ends (numbers, or plain texts)
        const from = edgeEnd(b, p);
        const q1 = endNext;
        const to = from >= 0 ? edgeEnd(b, q1) : -1;
        if (from >= 0 && to >= 0) {
          p = endNext;
          for (let j = 2; j < len; j++) p = skip(b, p);
          eIds[ne] = id;
          eEnds[ne * 2] = from;
          eEnds[ne * 2 + 1] = to;
          ne++;
          o = p;
          continue;
        }
      }
    }
    // anything else: the key as text, the value decoded
    const key = plainItem(b, view, o)[0];
    const ve = skip(b, vs);
    (rest ??= {})[key] = decodeItem(b, view, vs, ve, fallback);
    o = ve;
  }
  return { pIds: pIds.slice(0, np), pXyz: pXyz.slice(0, np * 3), eIds: eIds.slice(0, ne), eEnds: eEnds.slice(0, ne * 2), blocks, positionBlocks, nodeBlocks, nIds: Int32Array.from(nIds), nValues, rest };
}

/**
 * A block of positions `{first, dims, values}` read from its CBOR at `o` when `first` and `dims`
 * are whole numbers and `values` all numbers: [{first, dims, values: Float64Array}, the offset
 * after it], else null (then the entry is decoded whole, and placed or not as a decoded one is).
 */
function readPositionBlock(b, view, o) {
  const [major, n, at] = head(b, o);
  if (major !== 5 || n < 0) return null;
  const block = { first: -1, dims: -1, values: null };
  let p = at;
  for (let i = 0; i < n; i++) {
    const key = b[p] >> 5 === 3 ? plainItem(b, view, p) : undefined;
    if (!key) return null;
    p = key[1];
    if (key[0] === 'values') {
      block.values = readNumbers(b, view, p);
      if (!block.values) return null;
      p = columnEnd;
    } else if (key[0] === 'first' || key[0] === 'dims') {
      const [vm, v, next] = head(b, p);
      if (vm !== 0 || v < 0) return null;
      block[key[0]] = v;
      p = next;
    } else {
      p = skip(b, p);
    }
  }
  return block.first >= 0 && block.dims >= 0 && block.values ? [block, p] : null;
}

/**
 * A block of node values `{first, attrs: {<name>: [...]}}` read from its CBOR at `o`: [the block
 * as nodeBlockOf makes it, the offset after it], or null when it is not one or holds what this
 * reader leaves to cbor-x (then the entry is decoded whole). Other fields are skipped.
 */
function readNodeBlock(b, view, o) {
  const [major, n, at] = head(b, o);
  if (major !== 5 || n < 0) return null;
  let first = -1;
  let attrs = null;
  let count = 0;
  let p = at;
  for (let i = 0; i < n; i++) {
    const key = b[p] >> 5 === 3 ? plainItem(b, view, p) : undefined;
    if (!key) return null;
    p = key[1];
    if (key[0] === 'first') {
      const [vm, v, next] = head(b, p);
      if (vm !== 0 || v < 0) return null;
      first = v;
      p = next;
    } else if (key[0] === 'attrs') {
      const [am, names, next] = head(b, p);
      if (am !== 5 || names < 0) return null;
      attrs = Object.create(null);
      p = next;
      for (let j = 0; j < names; j++) {
        const name = b[p] >> 5 === 3 ? plainItem(b, view, p) : undefined;
        const column = name && readColumn(b, view, name[1]);
        if (!column) return null;
        attrs[name[0]] = column;
        if (column.length > count) count = column.length;
        p = columnEnd;
      }
    } else {
      p = skip(b, p);
    }
  }
  if (first < 0 || !attrs) return null;
  return [{ first, count: Math.min(count, 1e9 - first), attrs }, p];
}

// where readNumbers' or readColumn's array ended (a module-level out-parameter, as endNext)
let columnEnd = 0;

/**
 * The array of definite length at `o` as a Float64Array when its items all are numbers (as
 * numberAt reads them), else null; `columnEnd` is set to the offset after it.
 */
function readNumbers(b, view, o) {
  const [major, n, at] = head(b, o);
  if (major !== 4 || n < 0) return null;
  const numbers = new Float64Array(n);
  let p = at;
  for (let i = 0; i < n; i++) {
    const v = numberAt(b, view, p);
    if (v === null) return null;
    numbers[i] = v;
    p = numberEnd(b, p);
  }
  columnEnd = p;
  return numbers;
}

/**
 * A column of a block of node values at `o` (an array of definite length): its numbers
 * (readNumbers), else an array of its items (short ASCII texts read here, others by plainItem);
 * null for what plainItem leaves to cbor-x. `columnEnd` is set to the offset after it.
 */
function readColumn(b, view, o) {
  const numbers = readNumbers(b, view, o);
  if (numbers) return numbers;
  const [major, n, at] = head(b, o);
  if (major !== 4 || n < 0) return null;
  const items = new Array(n);
  let p = at;
  for (let i = 0; i < n; i++) {
    const h = b[p];
    if (h >= 0x60 && h < 0x78) {
      // a text of up to 23 bytes (a label): made here when it is ASCII, without a pair per item
      const end = p + 1 + (h - 0x60);
      let ascii = true;
      for (let q = p + 1; ascii && q < end; q++) if (b[q] > 127) ascii = false;
      if (ascii) {
        items[i] = latin(b, p + 1, end);
        p = end;
        continue;
      }
    }
    const item = plainItem(b, view, p);
    if (!item) return null;
    items[i] = item[0];
    p = item[1];
  }
  columnEnd = p;
  return items;
}

/** The offset after the item at `o`: a number's without head(), any other's by skip(). */
function numberEnd(b, o) {
  const ib = b[o];
  if (ib === 0xfb) return o + 9;
  if (ib === 0xfa) return o + 5;
  const info = ib & 31;
  if (ib < 0x40 && info < 28) return info < 24 ? o + 1 : o + 1 + (1 << (info - 24));
  return skip(b, o);
}

// where edgeEnd's item ended (a module-level out-parameter: nothing allocated per edge)
let endNext = 0;

/**
 * An edge's end at `q` as a whole number (an unsigned integer below 1e9, or a plain text of
 * digits), else -1; `endNext` is set to the offset after it (to `q` when it is not one).
 */
function edgeEnd(b, q) {
  const h = b[q];
  if (h < 0x1a) {
    endNext = h < 24 ? q + 1 : h === 24 ? q + 2 : q + 3;
    return h < 24 ? h : h === 24 ? b[q + 1] : (b[q + 1] << 8) | b[q + 2];
  }
  if (h === 0x1a) {
    const v = b[q + 1] * 16777216 + ((b[q + 2] << 16) | (b[q + 3] << 8) | b[q + 4]);
    endNext = q + 5;
    return v < 1e9 ? v : -1;
  }
  if (h >= 0x61 && h <= 0x69) {
    endNext = q + 1 + (h - 0x60);
    return plainIndexOf(b, q + 1, endNext);
  }
  endNext = q;
  return -1;
}

/** A stable position in [-1, 1]² for a node that has none yet (from its id), written at `pos[o]`. */
function placeholder(id, pos, o) {
  let h = 2166136261;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 16777619);
  const a = ((h >>> 0) % 100000) / 100000;
  const r = (((h >>> 8) % 1000) / 1000) ** 0.5;
  pos[o] = Math.cos(a * 2 * Math.PI) * r;
  pos[o + 1] = Math.sin(a * 2 * Math.PI) * r;
  pos[o + 2] = 0;
}

/**
 * The graph's buffers: node slots (position and colour, 3 floats each) and edge slots (2 indices
 * into the node slots). Grows by doubling; freed slots are reused. `dirty` says what to upload.
 */
export class GraphBuffers {
  constructor() {
    // node positions written since the buffers were made (a block's count as its nodes; kept
    // across reset(), so that a page can tell how many positions it has followed)
    this.positionsApplied = 0;
    this.reset();
  }

  reset() {
    this.nodeCap = 1024;
    this.edgeCap = 1024;
    this.pos = new Float32Array(this.nodeCap * 3);
    this.col = new Float32Array(this.nodeCap * 3);
    this.idx = new Uint32Array(this.edgeCap * 2);
    this.slotOf = new Map(); // node id -> slot (ids that are not plain whole numbers)
    this.slotOfIndex = []; // node id as a plain whole number -> slot
    this.ids = []; // slot -> node id
    this.attrs = []; // slot -> the node's value (n/<id>), undefined while it has none
    this.inBlock = []; // slot -> the block of node values (nb/<b>) holding its value, if any
    this.blockAt = []; // slot -> its index in that block
    this.nodeBlocks = new Map(); // nb/<b> -> its block (nodeBlockOf)
    this.placed = []; // slot -> true once a p/<id> (or x/y in its value) placed it
    this.edgeSlotOf = new Map(); // edge key -> slot (keys that are not e/<plain whole number>)
    this.edgeSlotOfIndex = []; // j of a key e/<j> (a plain whole number) -> slot
    this.blocks = new Map(); // eb/<b> -> the edge slots of its pairs, in order
    this.freeEdges = [];
    this.edgeTop = 0; // slots in use are below
    this.nodes = 0; // nodes with a value: an n/ key or a place in an nb/ block
    this.edges = 0; // e/ keys and the pairs of eb/ blocks
    this.layout = null;
    this.filter = null;
    this.dirty = { pos: true, col: true, idx: true, grown: true };
  }

  #growNodes(min) {
    if (min <= this.nodeCap) return;
    while (this.nodeCap < min) this.nodeCap *= 2;
    const pos = new Float32Array(this.nodeCap * 3);
    pos.set(this.pos);
    const col = new Float32Array(this.nodeCap * 3);
    col.set(this.col);
    this.pos = pos;
    this.col = col;
    this.dirty.grown = true;
  }

  #growEdges(min) {
    if (min <= this.edgeCap) return;
    while (this.edgeCap < min) this.edgeCap *= 2;
    const idx = new Uint32Array(this.edgeCap * 2);
    idx.set(this.idx);
    this.idx = idx;
    this.dirty.grown = true;
  }

  /** The slot of node `id` (a string), or undefined. */
  find(id) {
    const n = plainIndex(id);
    return n >= 0 ? this.slotOfIndex[n] : this.slotOf.get(id);
  }

  /** The slot of node `id` (a string), made (at a placeholder position) if it has none. */
  slot(id) {
    const n = plainIndex(id);
    if (n >= 0) return this.slotOfNumber(n);
    const s = this.slotOf.get(id);
    return s !== undefined ? s : this.#newSlot(id, -1);
  }

  /** The slot of the node whose id is the whole number `n` written plainly. */
  slotOfNumber(n) {
    const s = this.slotOfIndex[n];
    return s !== undefined ? s : this.#newSlot(String(n), n);
  }

  #newSlot(id, n) {
    const s = this.ids.length;
    this.#growNodes(s + 1);
    this.ids.push(id);
    if (n >= 0) this.slotOfIndex[n] = s;
    else this.slotOf.set(id, s);
    placeholder(id, this.pos, s * 3);
    this.#colour(s);
    this.dirty.pos = true;
    return s;
  }

  /** The slot of an edge's end: a node id as a number or a string. */
  #end(v) {
    if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e9) return this.slotOfNumber(v);
    return this.slot(String(v));
  }

  #colour(s) {
    let c;
    if (!this.#hasValue(s)) c = UNKNOWN;
    else if (!this.matches(s)) c = DIMMED;
    else c = PALETTE[Math.abs(Math.trunc(Number(this.attr(s, 'group') ?? this.attr(s, 'g') ?? 0)) || 0) % PALETTE.length];
    this.col[s * 3] = c.r;
    this.col[s * 3 + 1] = c.g;
    this.col[s * 3 + 2] = c.b;
    this.dirty.col = true;
  }

  #hasValue(s) {
    return this.attrs[s] !== undefined || this.inBlock[s] !== undefined;
  }

  /** Attribute `name` of the node in slot `s`: from its n/<id> when it has one, else from its nb/ block. */
  attr(s, name) {
    const a = this.attrs[s];
    if (a !== undefined) return a?.[name];
    const block = this.inBlock[s];
    return block === undefined ? undefined : block.attrs[name]?.[this.blockAt[s]] ?? undefined;
  }

  /** The value of the node in slot `s` as an object (its n/<id>, or made from its block), or undefined. */
  valueOf(s) {
    if (this.attrs[s] !== undefined) return this.attrs[s];
    const block = this.inBlock[s];
    if (block === undefined) return undefined;
    const value = {};
    for (const name in block.attrs) {
      const v = block.attrs[name][this.blockAt[s]];
      if (v !== undefined && v !== null) value[name] = v;
    }
    return value;
  }

  /** Whether the node in slot `s` passes the producer's filter (`layout.filter`). */
  matches(s) {
    const f = this.filter;
    if (!f) return true;
    if (f.attr === 'group') return String(this.attr(s, 'group') ?? this.attr(s, 'g')) === String(f.value);
    if (f.attr === 'label') return String(this.attr(s, 'label') ?? '').includes(String(f.value));
    return String(this.attr(s, f.attr)) === String(f.value);
  }

  #place(s, p) {
    if (!Array.isArray(p)) return;
    const o = s * 3;
    this.pos[o] = Number(p[0]) || 0;
    this.pos[o + 1] = Number(p[1]) || 0;
    this.pos[o + 2] = Number(p[2]) || 0;
    this.placed[s] = true;
    this.positionsApplied++;
    this.dirty.pos = true;
  }

  /**
   * A block of positions `{first, dims, values}`: node `first + i` is at the first three of
   * `values[i * dims ...]` (an array, or a Float64Array as packCbor reads it; missing ones 0).
   * Anything else (a deleted block included) moves nothing.
   */
  #placeBlock(v) {
    const first = v?.first;
    const dims = v?.dims;
    const values = v?.values;
    if (!Number.isInteger(first) || first < 0 || !Number.isInteger(dims) || dims < 1 || dims > MAX_BLOCK_DIMS) return;
    if (!Array.isArray(values) && !(values instanceof Float64Array)) return;
    const n = Math.min(Math.floor(values.length / dims), 1e9 - first);
    if (n <= 0) return;
    for (let i = 0; i < n; i++) {
      const s = this.slotOfNumber(first + i);
      const o = s * 3;
      const at = i * dims;
      this.pos[o] = Number(values[at]) || 0;
      this.pos[o + 1] = dims > 1 ? Number(values[at + 1]) || 0 : 0;
      this.pos[o + 2] = dims > 2 ? Number(values[at + 2]) || 0 : 0;
      this.placed[s] = true;
    }
    this.positionsApplied += n;
    this.dirty.pos = true;
  }

  /** Applies every entry of a decoded object (a snapshot frame's or a part's). */
  applyAll(entries) {
    if (!entries) return;
    for (const k in entries) this.apply(k, entries[k]);
  }

  /** Applies entries packed by `packEntries` or `packCbor` (a snapshot part read from its bytes). */
  applyPacked(pk) {
    const { pIds, pXyz, eIds, eEnds } = pk;
    for (let i = 0; i < pIds.length; i++) {
      const s = this.slotOfNumber(pIds[i]);
      const o = s * 3;
      this.pos[o] = pXyz[i * 3];
      this.pos[o + 1] = pXyz[i * 3 + 1];
      this.pos[o + 2] = pXyz[i * 3 + 2];
      this.placed[s] = true;
    }
    this.positionsApplied += pIds.length;
    if (pIds.length) this.dirty.pos = true;
    for (let i = 0; i < eIds.length; i++) {
      const j = eIds[i];
      let e = this.edgeSlotOfIndex[j];
      if (e === undefined) {
        e = this.#newEdgeSlot();
        this.edgeSlotOfIndex[j] = e;
        this.edges++;
      }
      const from = this.slotOfNumber(eEnds[i * 2]);
      const to = this.slotOfNumber(eEnds[i * 2 + 1]);
      this.idx[e * 2] = from;
      this.idx[e * 2 + 1] = to;
    }
    if (eIds.length) this.dirty.idx = true;
    for (const { key, ends } of pk.blocks ?? []) this.#edgeBlock(key, ends, true);
    for (const block of pk.positionBlocks ?? []) this.#placeBlock(block);
    for (const { key, block } of pk.nodeBlocks ?? []) this.#nodeBlock(key, block);
    const { nIds, nValues } = pk;
    for (let i = 0; nIds && i < nIds.length; i++) this.#attrs(this.slotOfNumber(nIds[i]), nValues[i]);
    if (pk.rest) this.applyAll(pk.rest);
  }

  /** Applies one entry (a snapshot's or a change's); `null` deletes. */
  apply(key, value) {
    // the producer's keys are one letter, a slash and an id: no slicing of the kind for them
    const c0 = key.charCodeAt(0);
    const short = key.length > 2 && key.charCodeAt(1) === 47;
    if (short && c0 === 112) {
      // p/<id>
      if (value === null) return;
      const n = plainIndex(key, 2);
      this.#place(n >= 0 ? this.slotOfNumber(n) : this.slot(key.slice(2)), value);
      return;
    }
    if (short && c0 === 101) {
      // e/<j>
      this.#edge(key, value);
      return;
    }
    if (isBlockKey(key)) {
      // eb/<b>
      this.#edgeBlock(key, Array.isArray(value) ? value : null, false);
      return;
    }
    if (isPositionBlockKey(key)) {
      // pb/<b>
      this.#placeBlock(value);
      return;
    }
    if (isNodeBlockKey(key)) {
      // nb/<b>
      this.#nodeBlock(key, nodeBlockOf(value));
      return;
    }
    const slash = key.indexOf('/');
    const kind = slash > 0 ? key.slice(0, slash) : key;
    const id = slash > 0 ? key.slice(slash + 1) : '';
    if (kind === 'p' && id) {
      if (value !== null) this.#place(this.slot(id), value);
    } else if (kind === 'n' && id) {
      this.#attrs(this.slot(id), value);
    } else if (kind === 'e' && id) {
      this.#edge(key, value);
    } else if (key === 'layout') {
      this.layout = value;
      const f = value?.filter ?? null;
      if (stableText(f) !== stableText(this.filter)) {
        this.filter = f;
        for (let s = 0; s < this.ids.length; s++) this.#colour(s);
      }
    }
  }

  /** Node slot `s`'s value (n/<id>); `null` deletes it. */
  #attrs(s, value) {
    const had = this.#hasValue(s);
    this.attrs[s] = value === null ? undefined : value;
    this.nodes += this.#hasValue(s) - had;
    // a value with coordinates places a node that has no position of its own yet
    if (value !== null && !this.placed[s] && typeof value?.x === 'number') this.#place(s, [value.x, value.y ?? 0, value.z ?? 0]);
    this.#colour(s);
  }

  /**
   * Block `key` (nb/<b>) now holds `block` (nodeBlockOf), or nothing when it is null: its nodes
   * take their values from it, and the nodes of the block it replaces that it no longer holds lose
   * theirs. A node with an n/<id> of its own keeps that value; where blocks overlap, the last one
   * written holds a node.
   */
  #nodeBlock(key, block) {
    const old = this.nodeBlocks.get(key);
    if (old) {
      for (let i = 0; i < old.count; i++) {
        const s = this.slotOfIndex[old.first + i];
        if (this.inBlock[s] !== old) continue;
        this.inBlock[s] = undefined;
        if (this.attrs[s] === undefined) this.nodes--;
      }
      this.nodeBlocks.delete(key);
    }
    if (block) {
      this.nodeBlocks.set(key, block);
      const { x, y, z } = block.attrs;
      for (let i = 0; i < block.count; i++) {
        const s = this.slotOfNumber(block.first + i);
        if (!this.#hasValue(s)) this.nodes++;
        this.inBlock[s] = block;
        this.blockAt[s] = i;
        // coordinates place a node that has no position of its own yet, as in an n/<id>
        if (!this.placed[s] && this.attrs[s] === undefined && typeof x?.[i] === 'number') this.#place(s, [x[i], y?.[i] ?? 0, z?.[i] ?? 0]);
        this.#colour(s);
      }
    }
    if (old) {
      for (let i = 0; i < old.count; i++) {
        const s = this.slotOfIndex[old.first + i];
        if (this.inBlock[s] === undefined) this.#colour(s);
      }
    }
  }

  /** Every edge's key and slot. */
  *edgeSlots() {
    for (let j = 0; j < this.edgeSlotOfIndex.length; j++) {
      if (this.edgeSlotOfIndex[j] !== undefined) yield [`e/${j}`, this.edgeSlotOfIndex[j]];
    }
    yield* this.edgeSlotOf;
    for (const [key, slots] of this.blocks) {
      for (let i = 0; i < slots.length; i++) yield [`${key}#${i}`, slots[i]];
    }
  }

  #newEdgeSlot() {
    const e = this.freeEdges.length ? this.freeEdges.pop() : this.edgeTop++;
    this.#growEdges(e + 1);
    return e;
  }

  /** A freed edge slot: a zero-length segment until it is reused. */
  #freeEdgeSlot(e) {
    this.idx[e * 2] = 0;
    this.idx[e * 2 + 1] = 0;
    this.freeEdges.push(e);
  }

  /**
   * Block `key` (eb/<b>) now holds the pairs of `ends` ([from, to, from, to, ...]; `numbers`: whole
   * numbers already, as packed), or none when `ends` is null: its slots are reused in order, new
   * ones taken for more pairs, the rest freed.
   */
  #edgeBlock(key, ends, numbers) {
    const old = this.blocks.get(key);
    const pairs = ends ? ends.length >> 1 : 0;
    if (!ends) this.blocks.delete(key);
    if (!old && !ends) return;
    const slots = new Array(pairs);
    for (let i = 0; i < pairs; i++) {
      const e = old && i < old.length ? old[i] : this.#newEdgeSlot();
      slots[i] = e;
      const from = ends[i * 2];
      const to = ends[i * 2 + 1];
      this.idx[e * 2] = numbers ? this.slotOfNumber(from) : this.#end(from);
      this.idx[e * 2 + 1] = numbers ? this.slotOfNumber(to) : this.#end(to);
    }
    if (old) for (let i = pairs; i < old.length; i++) this.#freeEdgeSlot(old[i]);
    if (ends) this.blocks.set(key, slots);
    this.edges += pairs - (old ? old.length : 0);
    this.dirty.idx = true;
  }

  #edge(key, value) {
    const ends = Array.isArray(value) ? value : value && [value.from ?? value.source, value.to ?? value.target];
    // keys e/<j> (the producer's) find their slot by number, without hashing the key
    const j = key.charCodeAt(0) === 101 && key.charCodeAt(1) === 47 ? plainIndex(key, 2) : -1;
    let e = j >= 0 ? this.edgeSlotOfIndex[j] : this.edgeSlotOf.get(key);
    if (!ends || ends[0] === undefined || ends[1] === undefined) {
      if (e === undefined) return;
      // deleted (or no longer an edge)
      this.#freeEdgeSlot(e);
      if (j >= 0) this.edgeSlotOfIndex[j] = undefined;
      else this.edgeSlotOf.delete(key);
      this.edges--;
      this.dirty.idx = true;
      return;
    }
    if (e === undefined) {
      e = this.#newEdgeSlot();
      if (j >= 0) this.edgeSlotOfIndex[j] = e;
      else this.edgeSlotOf.set(key, e);
      this.edges++;
    }
    this.idx[e * 2] = this.#end(ends[0]);
    this.idx[e * 2 + 1] = this.#end(ends[1]);
    this.dirty.idx = true;
  }

  /** The box around every node (`{min, max}`, 3 numbers each), or null. */
  bounds() {
    const min = [Infinity, Infinity, Infinity];
    const max = [-Infinity, -Infinity, -Infinity];
    const p = this.pos;
    for (let o = 0, end = this.ids.length * 3; o < end; o += 3) {
      const x = p[o];
      const y = p[o + 1];
      const z = p[o + 2];
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) continue;
      if (x < min[0]) min[0] = x;
      if (y < min[1]) min[1] = y;
      if (z < min[2]) min[2] = z;
      if (x > max[0]) max[0] = x;
      if (y > max[1]) max[1] = y;
      if (z > max[2]) max[2] = z;
    }
    return min[0] > max[0] ? null : { min, max };
  }
}

/**
 * Builds a map's buffers from its snapshot frames as they arrive: `onFrame` takes every frame the
 * client receives (its `frame` event, which comes before the library assembles the snapshot), and
 * `finish` is called once the library says the snapshot is complete (the join resolved, or a
 * session `snapshot` event that is not `recovered`). A part that the client library left
 * undecoded (`lazySnapshotParts`: its entries' CBOR in `payload.raw`) is read straight into the
 * buffers (`packCbor`, then `applyPacked`), never decoded into objects.
 */
export class SnapshotBuild {
  constructor(buffers, sessionId) {
    this.g = buffers;
    this.id = sessionId;
    // the seq of the snapshot being built from its frames, null when none is
    this.building = null;
  }

  /**
   * A frame as received: a snapshot of the session (not `recovered`) starts a build afresh (the
   * buffers are reset) and gives 'snapshot'; a part of the snapshot being built is applied and
   * gives 'part'; anything else is left alone (null).
   */
  onFrame(f) {
    if (f.session !== this.id) return null;
    if (f.type === 'snapshot' && !f.payload?.recovered) {
      this.g.reset();
      this.g.applyAll(f.payload?.state?.entries);
      this.building = f.payload?.seq ?? null;
      return 'snapshot';
    }
    if (f.type === 'snapshot.part' && this.building !== null && f.payload?.seq === this.building) {
      const raw = f.payload.raw;
      let packed = null;
      try {
        // the end is not needed (the map says how many entries it has): not walked for it
        packed = raw ? packCbor(raw.bytes, raw.start, null, cborDecode) : null;
      } catch {
        // not as expected: decoded whole below (the payload's entries)
      }
      if (packed) this.g.applyPacked(packed);
      else this.g.applyAll(f.payload.entries);
      return 'part';
    }
    return null;
  }

  /**
   * The snapshot at `seq` is complete and `entries()` gives its state (a Map; a function, so that
   * the client library assembles it only when it is needed): true when the buffers were built from
   * its frames; false when they were not (its first frame was missed, or another snapshot's was
   * built) and have now been rebuilt from the entries.
   */
  finish(seq, entries) {
    const fromFrames = this.building !== null && this.building === seq;
    this.building = null;
    if (fromFrames) return true;
    this.g.reset();
    for (const [k, v] of entries()) this.g.apply(k, v);
    return false;
  }
}
