// The graph page's buffers (graph.js), without the DOM or three.js so that they can be unit tested:
// node slots (position and colour) and edge slots (two node slots each), filled from the map's
// entries as the producer client-web/scripts/graph-producer.mjs writes them: nodes `n/<id>`,
// edges `e/<j>` = [from, to], positions `p/<id>` = [x, y, ...], and `layout`. A snapshot is
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
    this.placed = []; // slot -> true once a p/<id> (or x/y in its value) placed it
    this.edgeSlotOf = new Map(); // edge key -> slot (keys that are not e/<plain whole number>)
    this.edgeSlotOfIndex = []; // j of a key e/<j> (a plain whole number) -> slot
    this.freeEdges = [];
    this.edgeTop = 0; // slots in use are below
    this.nodes = 0; // n/ keys
    this.edges = 0; // e/ keys
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
    const a = this.attrs[s];
    let c;
    if (a === undefined) c = UNKNOWN;
    else if (!this.matches(a)) c = DIMMED;
    else c = PALETTE[Math.abs(Math.trunc(Number(a?.group ?? a?.g ?? 0)) || 0) % PALETTE.length];
    this.col[s * 3] = c.r;
    this.col[s * 3 + 1] = c.g;
    this.col[s * 3 + 2] = c.b;
    this.dirty.col = true;
  }

  /** Whether a node's value passes the producer's filter (`layout.filter`). */
  matches(a) {
    const f = this.filter;
    if (!f) return true;
    if (f.attr === 'group') return String(a?.group ?? a?.g) === String(f.value);
    if (f.attr === 'label') return String(a?.label ?? '').includes(String(f.value));
    return String(a?.[f.attr]) === String(f.value);
  }

  #place(s, p) {
    if (!Array.isArray(p)) return;
    const o = s * 3;
    this.pos[o] = Number(p[0]) || 0;
    this.pos[o + 1] = Number(p[1]) || 0;
    this.pos[o + 2] = Number(p[2]) || 0;
    this.placed[s] = true;
    this.dirty.pos = true;
  }

  /** Applies every entry of a decoded object (a snapshot frame's or a part's). */
  applyAll(entries) {
    if (!entries) return;
    for (const k in entries) this.apply(k, entries[k]);
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
    const slash = key.indexOf('/');
    const kind = slash > 0 ? key.slice(0, slash) : key;
    const id = slash > 0 ? key.slice(slash + 1) : '';
    if (kind === 'p' && id) {
      if (value !== null) this.#place(this.slot(id), value);
    } else if (kind === 'n' && id) {
      const s = this.slot(id);
      const had = this.attrs[s] !== undefined;
      if (value === null) {
        if (had) this.nodes--;
        this.attrs[s] = undefined;
      } else {
        if (!had) this.nodes++;
        this.attrs[s] = value;
        // a value with coordinates places a node that has no position of its own yet
        if (!this.placed[s] && typeof value?.x === 'number') this.#place(s, [value.x, value.y ?? 0, value.z ?? 0]);
      }
      this.#colour(s);
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

  /** Every edge's key and slot. */
  *edgeSlots() {
    for (let j = 0; j < this.edgeSlotOfIndex.length; j++) {
      if (this.edgeSlotOfIndex[j] !== undefined) yield [`e/${j}`, this.edgeSlotOfIndex[j]];
    }
    yield* this.edgeSlotOf;
  }

  #edge(key, value) {
    const ends = Array.isArray(value) ? value : value && [value.from ?? value.source, value.to ?? value.target];
    // keys e/<j> (the producer's) find their slot by number, without hashing the key
    const j = key.charCodeAt(0) === 101 && key.charCodeAt(1) === 47 ? plainIndex(key, 2) : -1;
    let e = j >= 0 ? this.edgeSlotOfIndex[j] : this.edgeSlotOf.get(key);
    if (!ends || ends[0] === undefined || ends[1] === undefined) {
      if (e === undefined) return;
      // deleted (or no longer an edge): a zero-length segment until the slot is reused
      this.idx[e * 2] = 0;
      this.idx[e * 2 + 1] = 0;
      if (j >= 0) this.edgeSlotOfIndex[j] = undefined;
      else this.edgeSlotOf.delete(key);
      this.freeEdges.push(e);
      this.edges--;
      this.dirty.idx = true;
      return;
    }
    if (e === undefined) {
      e = this.freeEdges.length ? this.freeEdges.pop() : this.edgeTop++;
      this.#growEdges(e + 1);
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
 * session `snapshot` event that is not `recovered`).
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
      this.g.applyAll(f.payload.entries);
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
