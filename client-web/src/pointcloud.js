// The point-cloud page's pure logic (no DOM, no WebGL; Node's tests use it too): which shards make
// the current cloud of a recording (protocol 4.3) and how one PLY shard becomes positions and
// colours.
//
// A reconstruction publishes one shard per batch (`bytes`: a PLY file; `events[0]` describes it,
// `{image, shard, refetch?}`). A full refetch re-publishes every shard, its first batch marked
// `checkpoint`: the cloud is cleared there and reloaded from the batches that follow. A late
// joiner's snapshot starts at the latest checkpoint, so it is the whole current cloud. A shard
// whose id comes again replaces the earlier one; static batches are never cleared.

import { BufferGeometry, Color, Float32BufferAttribute, SRGBColorSpace, Uint8BufferAttribute } from 'three';
import { PLYLoader } from 'three/examples/jsm/loaders/PLYLoader.js';

/** A batch's payload as bytes: CBOR gives a byte string, JSON base64 (section 1); null when none. */
export function batchBytes(batch) {
  const b = batch?.bytes;
  if (b === undefined || b === null) return null;
  if (b instanceof Uint8Array) return b;
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (typeof b === 'string') {
    if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(b, 'base64'));
    const s = atob(b.replace(/-/g, '+').replace(/_/g, '/'));
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }
  return null;
}

/** The id of the shard a batch carries: `events[0].shard` when given, else its first seq. */
export function shardKey(batch) {
  const shard = batch?.events?.[0]?.shard;
  if (typeof shard === 'number' || (typeof shard === 'string' && shard !== '')) return `shard:${shard}`;
  return `seq:${batch?.fromSeq}`;
}

const loader = new PLYLoader();
const MAGIC = [0x70, 0x6c, 0x79]; // "ply"

// The layout reconstruction tools write most (and the example producer writes): little-endian
// binary, one vertex element of float x y z and optionally uchar red green blue, nothing else.
const PLAIN_HEADER =
  /^ply\r?\nformat binary_little_endian 1\.0\r?\n(?:comment [^\n]*\n|obj_info [^\n]*\n)*element vertex (\d+)\r?\nproperty float x\r?\nproperty float y\r?\nproperty float z\r?\n(property uchar red\r?\nproperty uchar green\r?\nproperty uchar blue\r?\n)?end_header\r?\n/;

let srgbToLinear = null;

/** What PLYLoader makes of a uchar colour channel (sRGB to linear, back to a byte), per value. */
function colourTable() {
  if (!srgbToLinear) {
    const c = new Color();
    srgbToLinear = new Uint8Array(256);
    // the loader's own arithmetic, so that every value comes out the same
    const scale = 1 / 255;
    const inverse = 1 / scale;
    for (let i = 0; i < 256; i++) srgbToLinear[i] = Math.round(c.setRGB(i * scale, 0, 0, SRGBColorSpace).r * inverse);
  }
  return srgbToLinear;
}

/**
 * The plain layout read in one pass: the same geometry PLYLoader makes of it (positions bit for
 * bit, colours through the same conversion), several times faster; null for any other layout.
 */
function parsePlain(bytes, head) {
  const m = PLAIN_HEADER.exec(head);
  if (!m) return null;
  const count = Number(m[1]);
  const coloured = !!m[2];
  const stride = coloured ? 15 : 12;
  const start = new TextEncoder().encode(m[0]).length;
  if (count === 0) throw new Error('PLY has no vertices');
  if (bytes.length < start + count * stride) {
    throw new Error(`PLY declares ${count} vertices, holds ${Math.floor((bytes.length - start) / stride)}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset + start, count * stride);
  const positions = new Float32Array(count * 3);
  const colours = coloured ? new Uint8Array(count * 3) : null;
  const table = coloured ? colourTable() : null;
  const base = bytes.byteOffset + start;
  const raw = coloured ? new Uint8Array(bytes.buffer, base, count * stride) : null;
  for (let i = 0, o = 0, p = 0; i < count; i++, o += stride, p += 3) {
    positions[p] = view.getFloat32(o, true);
    positions[p + 1] = view.getFloat32(o + 4, true);
    positions[p + 2] = view.getFloat32(o + 8, true);
    if (coloured) {
      colours[p] = table[raw[o + 12]];
      colours[p + 1] = table[raw[o + 13]];
      colours[p + 2] = table[raw[o + 14]];
    }
  }
  const geometry = new BufferGeometry();
  geometry.setAttribute('position', new Float32BufferAttribute(positions, 3));
  if (coloured) geometry.setAttribute('color', new Uint8BufferAttribute(colours, 3, true));
  return geometry;
}

/**
 * Parses one PLY file into a BufferGeometry with at least a `position` attribute: with three's
 * PLYLoader (ASCII, binary of either endianness, any properties), except the plain layout above,
 * which is read directly into the same geometry unless `{ loader: 'three' }` asks for PLYLoader
 * anyway (tests compare the two). Throws an Error saying why when the bytes are no usable point
 * cloud: not PLY, truncated, no vertices, or coordinates that are not finite numbers.
 */
export function parsePly(bytes, { loader: which = 'auto' } = {}) {
  if (!(bytes instanceof Uint8Array) || bytes.length < 10) throw new Error('no PLY data');
  if (!MAGIC.every((c, i) => bytes[i] === c) || (bytes[3] !== 0x0a && bytes[3] !== 0x0d)) {
    throw new Error('not a PLY file (no "ply" header line)');
  }
  const head = new TextDecoder().decode(bytes.subarray(0, Math.min(bytes.length, 4096)));
  if (!/\nend_header\r?\n/.test(head)) throw new Error('PLY header has no end_header');
  if (!/\nformat (ascii|binary_little_endian|binary_big_endian) /.test(head)) throw new Error('PLY header has no known format');
  const plain = which === 'three' ? null : parsePlain(bytes, head);
  if (plain) return checked(plain, Number(/\nelement vertex (\d+)/.exec(head)[1]));
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength
    ? bytes.buffer
    : bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let geometry;
  try {
    geometry = loader.parse(buffer);
  } catch (e) {
    throw new Error(`PLY could not be read: ${e.message}`);
  }
  return checked(geometry, Number(/\nelement vertex (\d+)/.exec(head)?.[1] ?? NaN));
}

function checked(geometry, declared) {
  const position = geometry.getAttribute('position');
  if (!position || position.count === 0) throw new Error('PLY has no vertices');
  if (declared !== position.count) throw new Error(`PLY declares ${declared} vertices, holds ${position.count}`);
  const a = position.array;
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`PLY vertex ${Math.floor(i / 3)} is not a finite point`);
  }
  return geometry;
}

/**
 * The shards of the current cloud. `apply(batch)` takes one batch (live, or one of a snapshot's)
 * and says what changed: `{cleared, key, bytes}`; the caller parses and draws `bytes` under `key`
 * (replacing what was drawn under it), or removes everything first when `cleared`.
 */
export class ShardBook {
  constructor() {
    /** key -> {seq, points} of the shards drawn now (points 0 until the caller says). */
    this.shards = new Map();
    /** How often a checkpoint (full refetch) cleared the cloud, after the first load. */
    this.reloads = 0;
    /** Shards that failed to parse, each `{key, seq, error}`. */
    this.failed = [];
    this.lastSeq = 0;
  }

  /** Forgets everything (a fresh snapshot replaces the state). */
  reset() {
    this.shards.clear();
    this.failed = [];
    this.lastSeq = 0;
  }

  apply(batch) {
    const count = Math.max(1, batch.events?.length ?? 0);
    this.lastSeq = Math.max(this.lastSeq, (batch.fromSeq ?? 0) + count - 1);
    let cleared = false;
    if (batch.checkpoint && !batch.static) {
      const staticKeys = [...this.shards].filter(([, s]) => s.static).map(([k]) => k);
      cleared = this.shards.size > staticKeys.length;
      for (const k of [...this.shards.keys()]) if (!staticKeys.includes(k)) this.shards.delete(k);
      if (cleared) this.reloads++;
    }
    const bytes = batchBytes(batch);
    return { cleared, key: bytes ? shardKey(batch) : null, bytes, seq: batch.fromSeq, static: !!batch.static };
  }

  /** Records the outcome of drawing a shard: its point count, or the parse error. */
  drawn(key, seq, points, isStatic = false) {
    this.shards.set(key, { seq, points, static: isStatic });
  }

  skipped(key, seq, error) {
    this.failed.push({ key, seq, error });
  }

  get points() {
    let n = 0;
    for (const s of this.shards.values()) n += s.points;
    return n;
  }
}
