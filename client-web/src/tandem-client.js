// Tandem protocol v1 client: one connection to any node of a list, sessions joined on it,
// automatic reconnect with exponential backoff and jitter, resume with `since` + `epoch`,
// de-duplication by `seq`. Runs in browsers and in Node 20 (pass `WebSocket` from `ws`).
// The contract is ../../shared/protocol-v1.md; docs/client.md explains the API with examples.

import { Encoder, decode as cborDecode } from 'cbor-x';
import { colourFor } from './colours.js';
import { SERVER_FRAME_TYPES, CLIENT_FRAME_TYPES, ERROR_CODES, CLOSE_CODES } from './protocol-tables.js';

export const PROTOCOL_VERSION = 1;

/** Subprotocol names of section 1. */
export const SUBPROTOCOLS = Object.freeze({ json: 'tandem.v1.json', cbor: 'tandem.v1.cbor' });

/**
 * Every frame type a server sends (section 2 onwards); each is also an event name. Like the error
 * and close codes below, generated from the server's Java enums (./protocol-tables.js).
 */
export { SERVER_FRAME_TYPES, CLIENT_FRAME_TYPES, ERROR_CODES, CLOSE_CODES };

/**
 * Whether the client reconnects on its own after close `code`: the server's rule (CLOSE_CODES);
 * codes the server never sends (1006 when the network drops, the client's own 4000 after a ping
 * went unanswered) are worth a reconnect. 4401 (token refused) only with a token provider.
 */
/** What a client may send: a request of another type is refused here, before it counts as malformed. */
const SENDABLE = new Set(CLIENT_FRAME_TYPES);

export function reconnectsAfter(code, tokenRefreshable = false) {
  if (code === 4401) return tokenRefreshable;
  const rule = CLOSE_CODES[code];
  return rule ? rule.reconnect : true;
}

/** Connection states, in the `state` event and `client.state`. */
export const States = Object.freeze({
  IDLE: 'idle',
  CONNECTING: 'connecting',
  OPEN: 'open',
  RECONNECTING: 'reconnecting',
  CLOSED: 'closed',
});

/**
 * An error from the server (`error` frame) or from the client itself. `code` is a protocol code
 * (`forbidden`, `conflict`, ...) or one of the client's own: `timeout` (no reply in time),
 * `disconnected` (sent while not connected), `connection_lost` (the socket closed before the
 * reply came: the request may or may not have been applied, the resumed deltas will tell),
 * `closed` (the client was closed), `gap` (a seq was skipped; the session is rejoined).
 */
export class TandemError extends Error {
  constructor(code, message, frame = undefined) {
    super(`${code}: ${message}`);
    this.name = 'TandemError';
    this.code = code;
    this.frame = frame;
    this.session = frame?.session;
    this.ref = frame?.ref;
  }
}

/** A tiny typed event emitter: `on` returns a function that unsubscribes. */
class Emitter {
  #listeners = new Map();

  on(type, fn) {
    if (!this.#listeners.has(type)) this.#listeners.set(type, new Set());
    this.#listeners.get(type).add(fn);
    return () => this.off(type, fn);
  }

  once(type, fn) {
    const off = this.on(type, (e) => {
      off();
      fn(e);
    });
    return off;
  }

  off(type, fn) {
    this.#listeners.get(type)?.delete(fn);
  }

  listenerCount(type) {
    return this.#listeners.get(type)?.size ?? 0;
  }

  /** Waits for the next `type` event that passes `test`, or rejects after `timeoutMs`. */
  next(type, test = () => true, timeoutMs = 10000) {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new TandemError('timeout', `no ${type} event within ${timeoutMs} ms`));
      }, timeoutMs);
      const off = this.on(type, (e) => {
        if (!test(e)) return;
        clearTimeout(timer);
        off();
        resolve(e);
      });
    });
  }

  emit(type, event) {
    const set = this.#listeners.get(type);
    if (!set) return false;
    for (const fn of [...set]) {
      try {
        fn(event);
      } catch (e) {
        // a throwing listener must not break the protocol state machine, nor vanish
        queueMicrotask(() => {
          throw e;
        });
      }
    }
    return set.size > 0;
  }
}

// ------------------------------------------------------------------ encodings

const cbor = new Encoder({ useRecords: false, mapsAsObjects: true, tagUint8Array: false });

function toBase64(bytes) {
  if (typeof Buffer !== 'undefined') return Buffer.from(bytes).toString('base64');
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return btoa(s);
}

function fromBase64(text) {
  if (typeof Buffer !== 'undefined') return new Uint8Array(Buffer.from(text, 'base64'));
  const s = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/** JSON has no byte strings: `bytes` travels as base64 there (section 1). */
function encodeFrame(encoding, frame) {
  if (encoding === 'cbor') return cbor.encode(frame);
  const bytes = frame.payload?.bytes;
  if (bytes instanceof Uint8Array) {
    frame = { ...frame, payload: { ...frame.payload, bytes: toBase64(bytes) } };
  }
  return JSON.stringify(frame);
}

function decodeFrame(data, lazyParts = false) {
  if (typeof data === 'string') {
    const frame = JSON.parse(data);
    const p = frame?.payload;
    if (p && typeof p.bytes === 'string') p.bytes = fromBase64(p.bytes);
    return frame;
  }
  const bytes =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : Array.isArray(data) // ws may hand over fragments
        ? concatBytes(data)
        : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (lazyParts) {
    const part = undecodedPart(bytes);
    if (part) return part;
  }
  return cborDecode(bytes);
}

// ------------------------------------------------------------------ snapshot parts, undecoded
//
// With `lazySnapshotParts`, a binary `snapshot.part` is not decoded when it arrives: only its
// envelope (`session`, `seq`, `part`) is read, by walking the CBOR items without building them, and
// its `entries` are decoded the first time they are read (the session's `entries`, or the
// payload's `entries`). A page that builds its own view of a large snapshot elsewhere (the graph
// page, straight into typed arrays from `payload.raw`) never pays for the objects.

/** The item at `o`: `{major, n, indefinite, o}` (`o` after its head). Throws past the end. */
function cborHead(b, o) {
  if (o >= b.length) throw new RangeError('truncated');
  const ib = b[o++];
  const major = ib >> 5;
  const info = ib & 31;
  let n = info;
  if (info === 24) n = b[o++];
  else if (info === 25) { n = (b[o] << 8) | b[o + 1]; o += 2; }
  else if (info === 26) { n = b[o] * 16777216 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]); o += 4; }
  else if (info === 27) {
    n = (b[o] * 16777216 + ((b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3])) * 4294967296
      + b[o + 4] * 16777216 + ((b[o + 5] << 16) | (b[o + 6] << 8) | b[o + 7]);
    o += 8;
  } else if (info === 31) return { major, n: 0, indefinite: true, o };
  else if (info > 27) throw new RangeError('bad item');
  if (o > b.length) throw new RangeError('truncated');
  return { major, n, indefinite: false, o };
}

/** The offset after the item at `o`. */
function cborSkip(b, o) {
  const h = cborHead(b, o);
  o = h.o;
  switch (h.major) {
    case 2:
    case 3:
      if (!h.indefinite) return o + h.n;
      while (b[o] !== 0xff) o = cborSkip(b, o);
      return o + 1;
    case 4:
    case 5: {
      if (h.indefinite) {
        while (b[o] !== 0xff) o = cborSkip(b, o);
        return o + 1;
      }
      const items = h.major === 5 ? h.n * 2 : h.n;
      for (let i = 0; i < items; i++) o = cborSkip(b, o);
      return o;
    }
    case 6:
      return cborSkip(b, o);
    default:
      return o; // integers, simple values and floats: their head is all of them
  }
}

/** A short ASCII text item at `o` (a key): `{text, o}`, or null when it is not one. */
function cborText(b, o) {
  const h = cborHead(b, o);
  if (h.major !== 3 || h.indefinite || h.n > 64) return null;
  let text = '';
  for (let i = 0; i < h.n; i++) text += String.fromCharCode(b[h.o + i]);
  return { text, o: h.o + h.n };
}

/** An integer item at `o`: `{value, o}`, or null. */
function cborInt(b, o) {
  const h = cborHead(b, o);
  if (h.major === 0) return { value: h.n, o: h.o };
  if (h.major === 1) return { value: -1 - h.n, o: h.o };
  return null;
}

/**
 * Calls `each(key, offset of the value)` for the definite or indefinite map at `o`, in order,
 * until `each` returns true (the rest is not walked); the offset after the map, or -1 when `each`
 * stopped the walk.
 */
function cborMap(b, o, each) {
  const h = cborHead(b, o);
  if (h.major !== 5) throw new RangeError('not a map');
  o = h.o;
  for (let i = 0; h.indefinite ? b[o] !== 0xff : i < h.n; i++) {
    const key = cborText(b, o);
    if (!key) throw new RangeError('not a text key');
    if (each(key.text, key.o) === true) return -1;
    o = cborSkip(b, key.o);
  }
  return h.indefinite ? o + 1 : o;
}

const PART_TYPE = [0x6d, ...'snapshot.part'].map((c) => (typeof c === 'number' ? c : c.charCodeAt(0)));

/** Whether the text `snapshot.part` appears among the first bytes (a frame's envelope). */
function mentionsPart(b) {
  const end = Math.min(b.length, 96) - PART_TYPE.length;
  outer: for (let i = 0; i <= end; i++) {
    for (let j = 0; j < PART_TYPE.length; j++) if (b[i + j] !== PART_TYPE[j]) continue outer;
    return true;
  }
  return false;
}

/**
 * A binary `snapshot.part` with its entries left undecoded: the frame (`type`, `session`, `v`, and
 * `payload` with `seq`, `part`, `raw`: `{bytes, start, end}` where `bytes.subarray(start, end)` is
 * the CBOR of `entries`, and `entries` itself decoded on first read); null for any other frame,
 * or when the envelope is not as expected (the caller decodes it whole).
 */
function undecodedPart(bytes) {
  if (!mentionsPart(bytes)) return null;
  try {
    const frame = {};
    let payload = null;
    // the server writes `payload` after the envelope's other fields and `entries` after `seq` and
    // `part`: the walk stops there, and the entries (a part's thousands of items) are not walked
    // at all until their end is asked for (a decode); in any other order every item is walked
    cborMap(bytes, 0, (key, o) => {
      if (key === 'payload') payload = o;
      else if (key === 'type' || key === 'session') frame[key] = cborText(bytes, o)?.text;
      else if (key === 'v') frame.v = cborInt(bytes, o)?.value;
      return payload !== null && frame.type !== undefined && frame.session !== undefined;
    });
    if (frame.type !== 'snapshot.part' || payload === null || typeof frame.session !== 'string') return null;
    const p = {};
    let start = -1;
    cborMap(bytes, payload, (key, o) => {
      if (key === 'seq' || key === 'part') p[key] = cborInt(bytes, o)?.value;
      else if (key === 'entries') start = o;
      return start >= 0 && p.seq !== undefined && p.part !== undefined;
    });
    if (start < 0 || !Number.isInteger(p.seq) || !Number.isInteger(p.part)) return null;
    if (cborHead(bytes, start).major !== 5) return null;
    let end = -1;
    const raw = {
      bytes,
      start,
      // where the entries end: walked on first use (a page that reads them in one pass needs only the start)
      get end() {
        if (end < 0) end = cborSkip(bytes, start);
        return end;
      },
    };
    let decoded = null;
    Object.defineProperty(p, 'raw', { value: raw, enumerable: false });
    // not enumerable: spreading the payload (`{...payload}`) does not decode it
    Object.defineProperty(p, 'entries', {
      enumerable: false,
      get: () => (decoded ??= cborDecode(raw.bytes.subarray(raw.start, raw.end)) ?? {}),
    });
    frame.payload = p;
    return frame;
  } catch {
    return null;
  }
}

/** The entries of an undecoded `snapshot.part` payload, kept until they are read. */
class UndecodedEntries {
  constructor(payload) {
    this.payload = payload;
  }
}

/**
 * Copies a decoded object's entries into `map` (and returns it): a large map snapshot has
 * hundreds of thousands, and `Object.entries` would first build an array of pairs of them.
 */
function entriesInto(map, object) {
  if (!object) return map;
  for (const k in object) map.set(k, object[k]);
  return map;
}

function concatBytes(chunks) {
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), at);
    at += c.byteLength;
  }
  return out;
}

// ------------------------------------------------------------------ room documents

/** Applies doc ops the way the server does (protocol.md, "Doc ops"); returns the new doc. */
export function applyOps(doc, ops) {
  const root = structuredClone(doc ?? {});
  for (const op of ops) {
    const keys = String(op.path).split('.');
    let node = root;
    for (let i = 0; i < keys.length - 1; i++) {
      const k = keys[i];
      if (op.op === 'del') {
        if (node[k] === null || typeof node[k] !== 'object') {
          node = undefined;
          break;
        }
      } else if (node[k] === null || typeof node[k] !== 'object' || Array.isArray(node[k])) {
        node[k] = {};
      }
      node = node[k];
    }
    const last = keys[keys.length - 1];
    if (op.op === 'set') node[last] = op.value;
    else if (op.op === 'del' && node) delete node[last];
  }
  return root;
}

/** Reads a dot-separated path from a doc; undefined when missing. */
export function getPath(doc, path) {
  let node = doc;
  for (const k of String(path).split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = node[k];
  }
  return node;
}

// ------------------------------------------------------------------ sessions

/**
 * One joined session. Keeps its `seq`, `epoch`, state (rooms: `{doc, objects}`; recordings:
 * the snapshot state and events as they come) and `members`, survives reconnects (the client
 * rejoins it with `since`), and emits `snapshot`, `delta`, `presence`, `events`, `ended`,
 * `resync`, `poses`, `change` (any durable change, after it was applied), `members`, `error`.
 */
/** Errors after which a change with an idempotency key is sent again. */
const RETRYABLE = new Set(['unavailable', 'connection_lost', 'timeout', 'disconnected']);

/** A fresh idempotency key: random, 128 bits where crypto is there. */
function newKey(random) {
  if (globalThis.crypto?.randomUUID) return globalThis.crypto.randomUUID();
  return Array.from({ length: 4 }, () => Math.floor(random() * 2 ** 32).toString(16)).join('-');
}

export class Session extends Emitter {
  constructor(client, id, options) {
    super();
    this.client = client;
    this.id = id;
    this.role = options.role ?? 'viewer';
    this.seq = -1; // nothing seen yet
    this.epoch = undefined;
    this.state = null;
    this.members = {};
    this.joined = false;
    this.left = false;
    this.recovered = false;
    this.myPresence = options.presence;
    /** Changes (`op`, `object`) sent or kept for sending and not answered yet. */
    this.pendingChanges = 0;
    /** A room's settings (`{tickHz}`) from its snapshot and later `settings` frames; null otherwise. */
    this.settings = null;
    /**
     * The node's per-room level-of-detail recommendation (XR clients, Tandem addition):
     * `{ lod, objects: {<id>: 'high'|'low'}, order: [<id>...] }` with `order` the receiver's gaze
     * order (closest to its centre first), or null before the first one.
     */
    this.detail = null;
    /** Counters a caller (or a test) can read. */
    this.stats = { duplicatesDropped: 0, gaps: 0, resumes: 0, recoveredResumes: 0, snapshots: 0, parts: 0 };
    this.#entries = new Map();
    /** A map snapshot whose parts are still arriving: `{frame, seq, parts, got, objects, resuming}`. */
    this.assembling = null;
  }

  // A map's entries; or null while they are still the decoded objects of a snapshot's frames
  // (#entryObjects), copied into the Map on first use: a page that builds its own view of a large
  // snapshot from the frames as they arrive (the `frame` event) does not pay for the copy of
  // hundreds of thousands of entries before its first paint.
  #entries;
  #entryObjects = null;

  /**
   * A map's entries (maps only, section 4.5): key to value, durable and ephemeral alike, kept
   * current by `changes`. A `Map`, so that hundreds of thousands of keys stay cheap. After a
   * snapshot it is assembled from the snapshot's frames the first time it is read (or changed).
   */
  get entries() {
    if (this.#entryObjects !== null) {
      const objects = this.#entryObjects;
      this.#entryObjects = null;
      const map = new Map();
      for (const o of objects) entriesInto(map, o instanceof UndecodedEntries ? o.payload.entries : o);
      this.#entries = map;
    }
    return this.#entries;
  }

  set entries(map) {
    this.#entries = map;
    this.#entryObjects = null;
  }

  get kind() {
    return this.id.split(':')[0];
  }

  /** The room document (rooms only). */
  get doc() {
    return this.state?.doc ?? {};
  }

  /**
   * The level of detail to load object `id` at: the per-room recommendation, else `fallback`
   * (by default the connection's level, `client.lod`).
   */
  levelOf(id, fallback = this.client.lod) {
    return this.detail?.objects?.[id] ?? fallback;
  }

  /** A per-room `quality` frame: which objects to load at high detail, in gaze order. */
  onDetail(frame) {
    const p = frame.payload ?? {};
    const objects = p.objects ?? {};
    // `order` keeps the gaze order; a JS object would put integer-like ids first
    const order = Array.isArray(p.order) ? p.order.filter((id) => id in objects) : Object.keys(objects);
    this.detail = { lod: p.lod, objects, order };
    this.emit('detail', { session: this, frame, ...this.detail });
  }

  /** The shared objects (rooms only). */
  get objects() {
    return this.state?.objects ?? {};
  }

  /**
   * Sends doc ops as one atomic change; resolves with the `ok` payload (`{seq}`) once `doc`
   * shows the change. The change carries an idempotency key: if its answer is lost (connection dropped, node failed, or
   * `unavailable`), it is sent again with the same key once the session is back, and the server
   * applies it at most once. `options.key` sets the key; `options.retries` (default the client's
   * `changeRetries`, 5) bounds the attempts.
   */
  op(ops, options = {}) {
    return this.#change('op', { ops }, options);
  }

  set(path, value) {
    return this.op([{ op: 'set', path, value }]);
  }

  del(path) {
    return this.op([{ op: 'del', path }]);
  }

  /**
   * `action` is spawn, grab, move, release or remove; `rest` holds `asset`, `transform` (and
   * optionally `key`). Retried like {@link op}.
   */
  object(action, id, rest = {}) {
    const { key, retries, ...fields } = rest;
    return this.#change('object', { action, id, ...fields }, { key, retries });
  }

  async #change(type, payload, { key, retries } = {}) {
    const body = { ...payload, key: key ?? newKey(this.client.random) };
    const limit = retries ?? this.client.changeRetries;
    const keptUntil = Date.now() + this.client.holdChangesMs;
    this.pendingChanges++;
    try {
      for (let failures = 0; ; ) {
        if (this.left) throw new TandemError('closed', `${this.id} was left before ${type} was applied`);
        if (!this.joined || this.client.state !== States.OPEN) {
          // disconnected: the change is kept (with its key) and sent once the session is back;
          // waiting is no attempt, so a long outage does not use up the retries
          await this.#rejoined(keptUntil, type);
          continue;
        }
        try {
          const ok = await this.client.request(type, this.id, body);
          await this.#applied(ok.seq);
          return ok;
        } catch (e) {
          if (!RETRYABLE.has(e.code) || this.left) throw e;
          // connection_lost / disconnected: the answer (or the frame) was lost with the socket;
          // the key makes the resend after the resume apply at most once. Only answers that came
          // (unavailable) or never came on a live socket (timeout) count as attempts.
          if (e.code === 'connection_lost' || e.code === 'disconnected') continue;
          if (++failures > limit) throw e;
          await this.#back(failures - 1);
        }
      }
    } finally {
      this.pendingChanges--;
    }
  }

  /**
   * Resolves once this session holds change `seq`. The `ok` and the sender's own `delta` travel
   * separate paths on the server and may arrive in either order; waiting here means that when
   * `op()` resolves, `doc` shows the change. Never fails: a leave, a closed connection or a
   * request timeout without the delta resolves too (the resume will bring the change).
   */
  #applied(seq) {
    if (typeof seq !== 'number' || this.seq >= seq) return undefined;
    return new Promise((resolve) => {
      const offs = [];
      const done = () => {
        clearTimeout(timer);
        for (const off of offs) off();
        resolve();
      };
      const timer = setTimeout(done, this.client.requestTimeoutMs);
      const check = () => {
        if (this.seq >= seq) done();
      };
      offs.push(this.on('change', check), this.on('snapshot', check), this.once('left', done), this.client.on('close', done));
    });
  }

  /**
   * Resolves once the session is joined again (its next snapshot); rejects when the client closes
   * for good, the session is left, or `until` (epoch ms) passes first.
   */
  #rejoined(until, type) {
    return new Promise((resolve, reject) => {
      const offs = [];
      let timer = null;
      const done = (err) => {
        clearTimeout(timer);
        for (const off of offs) off();
        if (err) reject(err);
        else resolve();
      };
      offs.push(this.once('snapshot', () => done()));
      offs.push(this.once('left', () => done(new TandemError('closed', `${type} not sent: ${this.id} was left`))));
      offs.push(
        this.client.on('close', (e) => {
          if (!e.willReconnect) {
            const code = e.code === 4401 ? 'unauthorized' : e.code === 4403 ? 'forbidden' : 'closed';
            done(new TandemError(code, `${type} not sent: the connection closed for good (${e.code} ${e.reason})`));
          }
        }),
      );
      if (this.client.state === States.CLOSED) {
        done(new TandemError('closed', `${type} not sent: the client is closed`));
        return;
      }
      const left = until - Date.now();
      if (Number.isFinite(left)) {
        timer = setTimeout(
          () => done(new TandemError('disconnected', `${type} not sent: still disconnected after ${this.client.holdChangesMs} ms`)),
          Math.max(0, left),
        );
      }
    });
  }

  /** Resolves after a short backoff (the server asked us to retry, or an answer timed out). */
  #back(attempt) {
    const delay = Math.min(2000, 100 * 2 ** attempt) * (0.5 + this.client.random());
    return new Promise((resolve) => setTimeout(resolve, delay));
  }

  /**
   * Sets this member's presence (cursor, selection, name, colour...). Never acknowledged; kept
   * and sent again with the join after a reconnect. Dropped silently only while disconnected.
   */
  presence(presence) {
    this.myPresence = presence;
    if (this.joined && this.client.state === States.OPEN) {
      this.client.send('presence', this.id, presence);
    }
  }

  /**
   * Gives the room its own tick rate (Tandem addition; needs the editor role): `poses` and
   * `presence` batches at `tickHz` (1 to 90) a second. Resolves with the `ok` payload (no seq);
   * every member then gets a `settings` event.
   */
  setTickRate(tickHz) {
    return this.client.request('settings', this.id, { tickHz });
  }

  onSettings(frame) {
    this.settings = { tickHz: frame.payload.tickHz };
    this.emit('settings', { session: this, frame, ...frame.payload });
  }

  /** XR pose `{t, head, left, right}`; never acknowledged, delivered to others as `poses`. */
  pose(pose) {
    this.client.send('pose', this.id, pose);
  }

  /**
   * Publishes a batch to a recording (protocol 4.3; needs the publisher role). Each event takes
   * one seq; resolves with `{seq}` of the batch's last event. `checkpoint` marks a full state
   * (where a late joiner starts), `static` a batch every joiner gets.
   */
  publish(events, { checkpoint = false, static: isStatic = false, bytes } = {}) {
    const payload = { events, checkpoint, static: isStatic };
    if (bytes) payload.bytes = bytes;
    return this.client.request('publish', this.id, payload);
  }

  /**
   * Puts entries into a map (section 4.5; needs the publisher role): `entries` is an object or a
   * `Map` of key to value, `null` deleting the key. Durable (the default) resolves with `{seq}`;
   * `{durable: false}` puts ephemeral values (latest value wins, sent at the map's tick) and
   * resolves with `{}`.
   */
  put(entries, { durable = true } = {}) {
    const e = entries instanceof Map ? Object.fromEntries(entries) : entries;
    return this.client.request('put', this.id, { entries: e, durable });
  }

  /**
   * Sends a small object to the map's publishers (any member may); resolves with `{}`, or
   * rejects with `unavailable` when no publisher is joined. Publishers get it as a `control`
   * event `{by, ...}`.
   */
  control(payload) {
    return this.client.request('control', this.id, payload ?? {});
  }

  /** Ends a recording (publisher only); resolves with `{seq}` of the end. */
  end() {
    return this.client.request('end', this.id, {});
  }

  /** Starts a replay of this session; see {@link TandemClient#replay}. */
  replay(options) {
    return this.client.replay(this.id, options);
  }

  /** Leaves the session; it is not rejoined after reconnects any more. */
  async leave() {
    this.left = true;
    this.client.sessions.delete(this.id);
    this.emit('left', { session: this });
    if (!this.joined || this.client.state !== States.OPEN) return {};
    this.joined = false;
    return this.client.request('leave', this.id, {});
  }

  // -------------------------------------------------- called by the client

  joinPayload() {
    const p = { role: this.role };
    if (this.seq >= 0 && this.epoch !== undefined) {
      p.since = this.seq;
      p.epoch = this.epoch;
    }
    if (this.myPresence !== undefined) p.presence = this.myPresence;
    return p;
  }

  /**
   * A map's snapshot: with `parts` > 1 the entries arrive in `snapshot.part` frames first, and
   * the session shows the state only once all are in (true: the snapshot is complete now).
   */
  onMapSnapshot(frame, resuming) {
    const p = frame.payload;
    if (p.recovered || !(p.parts > 1)) {
      if (!p.recovered) this.#entryObjects = [p.state?.entries ?? {}];
      this.onSnapshot(frame, resuming);
      return true;
    }
    this.assembling = {
      frame,
      seq: p.seq,
      parts: p.parts,
      got: 1,
      objects: [p.state?.entries ?? {}],
      resuming,
    };
    return false;
  }

  /** One part of a map's snapshot; true when it was the last (the snapshot is applied then). */
  onSnapshotPart(frame) {
    const a = this.assembling;
    const p = frame.payload;
    if (!a || p.seq !== a.seq) return false;
    // an undecoded part (lazySnapshotParts) is decoded when the entries are first read
    a.objects.push(p.raw ? new UndecodedEntries(p) : p.entries ?? {});
    a.got++;
    this.stats.parts++;
    this.emit('snapshot.part', { session: this, frame, part: p.part, parts: a.parts });
    if (a.got < a.parts) return false;
    this.assembling = null;
    this.#entryObjects = a.objects;
    this.onSnapshot(a.frame, a.resuming);
    return true;
  }

  /**
   * A map's `changes`: durable ones (with `seq`) once each and in order, ephemeral ones (no
   * `seq`) as they come. Emits `changes` with `{entries, seq, durable}`.
   */
  onChanges(frame) {
    const p = frame.payload;
    const durable = p.seq !== undefined;
    if (durable) {
      if (!this.accept(p.seq, p.seq, frame)) return;
      this.seq = p.seq;
    }
    const entries = p.entries ?? {};
    const map = this.entries;
    for (const k in entries) {
      const v = entries[k];
      if (v === null) map.delete(k);
      else map.set(k, v);
    }
    this.emit('changes', { session: this, frame, entries, seq: p.seq, by: p.by, ts: p.ts, durable });
    if (durable) this.emit('change', { session: this, frame, seq: p.seq });
  }

  onSnapshot(frame, resuming) {
    const p = frame.payload;
    this.stats.snapshots++;
    if (resuming) this.stats.resumes++;
    if (p.recovered && this.seq >= 0) {
      this.stats.recoveredResumes++;
      this.recovered = true;
      // state stays; the missed changes follow, each checked against this.seq
      this.seq = Math.min(this.seq, p.seq);
    } else {
      this.recovered = false;
      this.seq = p.seq;
      this.state = p.state ?? (this.kind === 'room' ? { doc: {}, objects: {} } : null);
      // a map's state lives in `entries` (assembled from the parts)
      if (this.kind === 'map') {
        const session = this;
        this.state = {
          get entries() {
            return session.entries;
          },
        };
      }
    }
    this.epoch = p.epoch ?? this.epoch;
    this.resuming = false;
    this.members = { ...(p.members ?? {}) };
    if (p.settings) this.settings = { ...p.settings };
    this.joined = true;
    this.emit('snapshot', { session: this, frame, recovered: !!p.recovered, resuming });
    this.emit('members', { session: this, members: this.members });
  }

  /** Applies a durable change once: by its seq, never twice, never past a gap. */
  accept(firstSeq, lastSeq, frame) {
    if (lastSeq <= this.seq) {
      this.stats.duplicatesDropped++;
      this.client.stats.duplicatesDropped++;
      return false;
    }
    if (firstSeq > this.seq + 1 && this.seq >= 0) {
      this.stats.gaps++;
      const err = new TandemError(
        'gap',
        `${this.id}: expected seq ${this.seq + 1}, got ${firstSeq}; rejoining`,
        frame,
      );
      this.emit('error', err);
      this.client.reportError(err);
      this.client.rejoin(this);
      return false;
    }
    return true;
  }

  onDelta(frame) {
    const p = frame.payload;
    if (!this.accept(p.seq, p.seq, frame)) return;
    this.seq = p.seq;
    if (this.kind === 'room') {
      const state = this.state ?? { doc: {}, objects: {} };
      let { doc, objects } = state;
      if (p.ops) doc = applyOps(doc, p.ops);
      if (p.objects) {
        objects = { ...objects };
        for (const [id, value] of Object.entries(p.objects)) {
          if (value === null) delete objects[id];
          else objects[id] = value;
        }
      }
      this.state = { ...state, doc, objects };
    }
    this.emit('delta', { session: this, frame, seq: p.seq, by: p.by, ts: p.ts, ops: p.ops, objects: p.objects });
    this.emit('change', { session: this, frame, seq: p.seq });
  }

  onEvents(frame) {
    const p = frame.payload;
    const count = Math.max(1, p.events?.length ?? 0);
    const last = p.fromSeq + count - 1;
    if (!this.accept(p.fromSeq, last, frame)) return;
    let events = p.events ?? [];
    if (p.fromSeq <= this.seq) {
      // part of the batch was seen already: keep only the new tail
      events = events.slice(this.seq - p.fromSeq + 1);
      this.stats.duplicatesDropped++;
    }
    this.seq = last;
    this.emit('events', { session: this, frame, fromSeq: p.fromSeq, events, checkpoint: !!p.checkpoint, static: !!p.static, bytes: p.bytes });
    this.emit('change', { session: this, frame, seq: last });
  }

  onEnded(frame) {
    const p = frame.payload;
    if (!this.accept(p.seq, p.seq, frame)) return;
    this.seq = p.seq;
    this.emit('ended', { session: this, frame, seq: p.seq });
    this.emit('change', { session: this, frame, seq: p.seq });
  }

  onPresence(frame) {
    const changed = frame.payload.members ?? {};
    const members = { ...this.members };
    for (const [id, entry] of Object.entries(changed)) {
      if (entry === null) delete members[id];
      else members[id] = entry;
    }
    this.members = members;
    this.emit('presence', { session: this, frame, changed });
    this.emit('members', { session: this, members });
  }
}

// ------------------------------------------------------------------ the client

/**
 * A connection to Tandem. Options:
 * - `urls` (or `url`): WebSocket URLs of nodes (`ws://host:port/v1/ws`); the client uses the
 *   first and moves to the next one after a failure.
 * - `token` or `getToken({refusedToken})` (may be async; called on every connect, so it can
 *   refresh; `refusedToken` is the token the server last refused with 4401, if any). A provider
 *   that throws an error with `code: 'unauthorized'` closes the client for good (sign in again);
 *   other failures are retried like a failed connection. With a provider, a 4401 (expired token)
 *   reconnects at once with the provider's next token.
 * - `encoding`: `'json'` (default) or `'cbor'`.
 * - `WebSocket`: the implementation (default `globalThis.WebSocket`; in Node 20 pass `ws`).
 * - `client`: `{name, kind}` for `hello` (kind: browser, xr, producer, bot).
 * - `reconnect`: `{initialDelayMs: 250, maxDelayMs: 10000, factor: 2, jitter: 0.5,
 *   maxAttempts: Infinity}`; `false` turns reconnecting off.
 * - `requestTimeoutMs` (10000).
 * - `pingIntervalMs` (2500) and `pingTimeoutMs` (2500): when nothing came from the server for
 *   `pingIntervalMs` the client sends a `ping`; when nothing (no `pong`, no other frame) comes
 *   within `pingTimeoutMs` after it, the socket is taken for dead (open but silent), dropped,
 *   and the client reconnects (state `reconnecting`) and resumes. A dead link is noticed within
 *   about `pingIntervalMs + pingTimeoutMs`. `pingIntervalMs: 0` turns this off. `heartbeatMs`
 *   (default: what `welcome` says) caps the ping interval, so the server always hears from us.
 * - `holdChangesMs` (Infinity): how long a change (`op`, `object`) made while disconnected is
 *   kept, with its idempotency key, to be sent once the session is back; `changeRetries` (5)
 *   bounds the attempts that failed on a live connection (`unavailable`, `timeout`).
 * - `tokenRenewMs` (0: off): with `getToken`, how long before the token's `exp` the client
 *   moves to a fresh token on its own (a quick reconnect and resume) instead of waiting for the
 *   server's 4401 at expiry.
 *   `random` (for tests; default `Math.random`).
 * - `lazySnapshotParts` (false): over CBOR, a map's `snapshot.part` frames are not decoded when
 *   they arrive: their `payload.entries` are decoded on first read (the session's `entries`
 *   reads them), and `payload.raw` (`{bytes, start, end}`) holds the entries' CBOR, for a page
 *   that reads them its own way (the graph page, straight into typed arrays).
 *
 * Events: every server frame type (`welcome`, `snapshot`, `delta`, `presence`, `poses`,
 * `events`, `ended`, `resync`, `ok`, `error`, `pong`, `bye`, `replay.events`, `replay.end`,
 * `quality`: both the connection's level and, with a `session`, a room's per-object levels),
 * plus `frame` (each decoded frame), `state` (`{state, previous}`), `open`, `close`
 * (`{code, reason, willReconnect}`), `reconnecting` (`{attempt, delayMs, url}`),
 * `resumed` (`{session, recovered}`), `rtt` (`{ms}`).
 */
export class TandemClient extends Emitter {
  constructor(options = {}) {
    super();
    const urls = options.urls ?? (options.url ? [options.url] : []);
    if (urls.length === 0) throw new TypeError('TandemClient needs url or urls');
    this.urls = [...urls];
    this.encoding = options.encoding ?? 'json';
    if (!SUBPROTOCOLS[this.encoding]) throw new TypeError(`unknown encoding ${this.encoding}`);
    this.WebSocketImpl = options.WebSocket ?? globalThis.WebSocket;
    if (!this.WebSocketImpl) throw new TypeError('no WebSocket implementation: pass options.WebSocket');
    this.getToken = options.getToken ?? (() => options.token);
    // with a token provider a 4401 (expired token) is worth a reconnect: it fetches a fresh one
    this.tokenRefreshable = typeof options.getToken === 'function';
    this.clientInfo = options.client ?? { name: 'tandem-client', kind: 'bot' };
    this.reconnectOptions =
      options.reconnect === false
        ? false
        : { initialDelayMs: 250, maxDelayMs: 10000, factor: 2, jitter: 0.5, maxAttempts: Infinity, ...options.reconnect };
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10000;
    this.changeRetries = options.changeRetries ?? 5;
    this.drainSpreadMs = options.drainSpreadMs ?? 1000;
    this.heartbeatOverride = options.heartbeatMs;
    this.pingIntervalMs = options.pingIntervalMs ?? 2500;
    this.pingTimeoutMs = options.pingTimeoutMs ?? 2500;
    this.holdChangesMs = options.holdChangesMs ?? Infinity;
    this.tokenRenewMs = options.tokenRenewMs ?? 0;
    this.random = options.random ?? Math.random;
    this.lazySnapshotParts = options.lazySnapshotParts === true;

    this.state = States.IDLE;
    /** The connection's level of detail from the last session-less `quality` (XR clients). */
    this.lod = 'high';
    this.sessions = new Map();
    this.welcome = null;
    this.urlIndex = 0;
    this.attempt = 0;
    this.nextRef = 1;
    this.pending = new Map();
    this.socket = null;
    this.timers = { reconnect: null, heartbeat: null, renew: null };
    this.lastFrameAt = 0;
    this.pingSentAt = 0;
    /** The token of the current connection, and one the server refused (4401). */
    this.token = undefined;
    this.refusedToken = undefined;
    this.nextReconnectAt = 0;
    this.stats = { connects: 0, reconnects: 0, duplicatesDropped: 0, framesIn: 0, framesOut: 0 };
    this.#connectedWaiters = [];
  }

  #connectedWaiters;

  /** The URL of the current (or next) connection attempt. */
  get url() {
    return this.urls[this.urlIndex % this.urls.length];
  }

  /** The node this connection is on (`welcome.node`). */
  get node() {
    return this.welcome?.node;
  }

  /** Connects (and keeps reconnecting); resolves with the `welcome` payload. */
  connect() {
    if (this.state === States.CLOSED) this.state = States.IDLE;
    const promise = new Promise((resolve, reject) => this.#connectedWaiters.push({ resolve, reject }));
    if (this.state === States.IDLE) this.#open();
    else if (this.state === States.OPEN) this.#settleConnected(null, this.welcome);
    return promise;
  }

  /** Skips the rest of the backoff wait (a person pressed "retry"); reopens a closed client. */
  retryNow() {
    if (this.state === States.CLOSED || this.state === States.IDLE) {
      this.connect().catch(() => {});
    } else if (this.state === States.RECONNECTING && !this.socket) {
      clearTimeout(this.timers.reconnect);
      this.nextReconnectAt = Date.now();
      this.#open();
    }
  }

  /** Closes for good: no reconnect; pending requests fail with `closed`. */
  close() {
    this.#setState(States.CLOSED);
    clearTimeout(this.timers.reconnect);
    clearInterval(this.timers.heartbeat);
    clearTimeout(this.timers.renew);
    const s = this.socket;
    this.socket = null;
    if (s) {
      detach(s);
      try {
        s.close(1000, 'client closed');
      } catch {
        // already closing
      }
    }
    this.#failPending(new TandemError('closed', 'the client was closed'));
    this.#settleConnected(new TandemError('closed', 'the client was closed'));
    this.emit('close', { code: 1000, reason: 'client closed', willReconnect: false });
  }

  /**
   * Joins a session; resolves with its {@link Session} once the snapshot arrived. The session
   * is rejoined with `since` and `epoch` after every reconnect until `leave()`.
   */
  async join(id, { role = 'viewer', presence } = {}) {
    if (this.sessions.has(id)) throw new TandemError('conflict', `${id} is joined already`);
    const session = new Session(this, id, { role, presence });
    this.sessions.set(id, session);
    if (this.state !== States.OPEN) await this.connect();
    try {
      await this.#sendJoin(session, false);
    } catch (e) {
      this.sessions.delete(id);
      throw e;
    }
    return session;
  }

  /**
   * Replays a persisted session (section 4.4; needs only the read grant, no join). Resolves
   * with the `ok`; the items come as `replay.events` events (`{session, items}`), then
   * `replay.end` (`{session, seq}`). Returns the controls of that replay.
   */
  async replay(id, { from, until, speed } = {}) {
    const p = {};
    if (from !== undefined) p.from = from;
    if (until !== undefined) p.until = until;
    if (speed !== undefined) p.speed = speed;
    await this.request('replay', id, p);
    return {
      pause: () => this.request('replay.pause', id, {}),
      resume: () => this.request('replay.resume', id, {}),
      seek: (seq) => this.request('replay.seek', id, { seq }),
      speed: (x) => this.request('replay.speed', id, { speed: x }),
    };
  }

  /** Sends a ping; resolves with the round trip in ms. */
  async ping() {
    const t = Date.now();
    await this.request('ping', undefined, { t });
    const ms = Date.now() - t;
    this.emit('rtt', { ms });
    return ms;
  }

  /**
   * Sends a request frame with a fresh `ref`; resolves with the direct reply's payload (`ok`,
   * `snapshot`, `pong`) or rejects with a {@link TandemError}.
   */
  request(type, session, payload = {}) {
    if (!SENDABLE.has(type)) {
      // the server would answer unknown_type and count it towards closing us with 1008
      return Promise.reject(new TandemError('unknown_type', `${type} is not a frame type a client sends`));
    }
    if (this.state !== States.OPEN) {
      return Promise.reject(new TandemError('disconnected', `${type} while ${this.state}`));
    }
    const ref = this.nextRef++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref);
        reject(new TandemError('timeout', `no reply to ${type} (ref ${ref}) within ${this.requestTimeoutMs} ms`));
      }, this.requestTimeoutMs);
      this.pending.set(ref, { type, resolve, reject, timer });
      this.#write({ version: PROTOCOL_VERSION, type, ref, ...(session ? { session } : {}), payload });
    });
  }

  /** Sends a frame that has no reply (`presence`, `pose`); false when not connected. */
  send(type, session, payload = {}) {
    if (!SENDABLE.has(type)) throw new TandemError('unknown_type', `${type} is not a frame type a client sends`);
    if (this.state !== States.OPEN) return false;
    this.#write({ version: PROTOCOL_VERSION, type, ...(session ? { session } : {}), payload });
    return true;
  }

  /** Surfaces an error nobody waits for: `error` listeners, or the console when there are none. */
  reportError(err) {
    if (!this.emit('error', err)) console.warn('tandem:', err.message);
  }

  /** Leaves and joins a session again with `since` (after a gap). */
  rejoin(session) {
    if (this.state !== States.OPEN) return;
    session.joined = false;
    this.request('leave', session.id, {})
      .catch(() => {})
      .then(() => this.#sendJoin(session, true))
      .catch((e) => this.reportError(e));
  }

  // ------------------------------------------------------------ connection

  #open() {
    this.#setState(this.stats.connects === 0 && this.attempt === 0 ? States.CONNECTING : States.RECONNECTING);
    const url = this.url;
    let socket;
    try {
      socket = new this.WebSocketImpl(url, [SUBPROTOCOLS[this.encoding]]);
    } catch (e) {
      this.#connectionFailed(1006, `cannot open ${url}: ${e.message}`);
      return;
    }
    socket.binaryType = 'arraybuffer';
    this.socket = socket;
    let helloSent = false;
    socket.onopen = async () => {
      if (this.socket !== socket) return;
      let token;
      try {
        // the provider learns which token the server refused last (4401), to get a fresh one
        token = await this.getToken({ refusedToken: this.refusedToken });
        if (!token) throw new TandemError('unauthorized', 'no token');
        // the provider gave the token the server just refused: a new sign-in is needed
        if (token === this.refusedToken) throw new TandemError('unauthorized', 'the token was refused and no new one came');
      } catch (e) {
        if (this.socket !== socket) return;
        // a provider that says no (an error with code `unauthorized`) is final; one that fails
        // otherwise (its issuer unreachable) is tried again after the usual backoff
        const final = e?.code === 'unauthorized';
        if (final) this.reportError(new TandemError('unauthorized', `no usable token: ${e?.message ?? e}`));
        this.#drop(socket, final ? 4401 : 4000, `no usable token: ${e?.message ?? e}`, final);
        return;
      }
      if (this.socket !== socket) return;
      this.token = token;
      helloSent = true;
      const ref = this.nextRef++;
      this.pending.set(ref, {
        type: 'hello',
        resolve: (welcome) => this.#onWelcome(welcome),
        reject: (err) => this.reportError(err),
        timer: null,
      });
      this.#write({ version: PROTOCOL_VERSION, type: 'hello', ref, payload: { token, client: this.clientInfo } });
    };
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      let frame;
      try {
        frame = decodeFrame(event.data, this.lazySnapshotParts);
      } catch (e) {
        this.reportError(new TandemError('bad_frame', `undecodable frame from the server: ${e.message}`));
        return;
      }
      this.#onFrame(frame);
    };
    socket.onerror = () => {
      // the close event follows with the code; nothing is lost by waiting for it
    };
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const code = event.code ?? 1006;
      if (code === 4401) this.refusedToken = this.token;
      this.#connectionFailed(code, event.reason || (helloSent ? 'connection closed' : 'could not connect'));
    };
  }

  /**
   * Gives up on `socket` at once (a silent link, a token we cannot use): no waiting for a close
   * handshake that a dead link never completes. `final` closes the client for good.
   */
  #drop(socket, code, reason, final = false) {
    if (this.socket !== socket) return;
    this.socket = null;
    detach(socket);
    try {
      socket.close(code === 4401 ? 1000 : 4000, reason.slice(0, 120));
    } catch {
      // closing already
    }
    this.#connectionFailed(code, reason, final);
  }

  #onWelcome(welcome) {
    this.welcome = welcome;
    const wasReconnect = this.stats.connects > 0;
    this.stats.connects++;
    if (wasReconnect) this.stats.reconnects++;
    this.attempt = 0;
    this.lastFrameAt = Date.now();
    this.refusedToken = undefined;
    this.#setState(States.OPEN);
    this.#startLiveness(this.heartbeatOverride ?? welcome.heartbeatMs ?? 15000);
    this.#scheduleRenewal();
    this.emit('open', { welcome, node: welcome.node, url: this.url, reconnect: wasReconnect });
    this.#settleConnected(null, welcome);
    for (const session of this.sessions.values()) {
      // only sessions that had their snapshot: a join still on its way is sent by join() itself
      if (session.left || !wasReconnect || session.stats.snapshots === 0) continue;
      this.#sendJoin(session, true).catch((e) => {
        session.emit('error', e);
        this.reportError(e);
      });
    }
  }

  async #sendJoin(session, resuming) {
    session.resuming = resuming;
    const snapshot = await this.request('join', session.id, session.joinPayload());
    // the snapshot frame itself was applied in #onFrame, before any delta that follows it
    if (resuming) this.emit('resumed', { session, recovered: !!snapshot.recovered });
    return snapshot;
  }

  #connectionFailed(code, reason, forceFinal = false) {
    clearInterval(this.timers.heartbeat);
    clearTimeout(this.timers.renew);
    const wasOpen = this.state === States.OPEN;
    for (const s of this.sessions.values()) s.joined = false;
    this.#failPending(new TandemError('connection_lost', `connection closed (${code} ${reason})`));
    if (this.state === States.CLOSED) return;
    const final = forceFinal || !reconnectsAfter(code, this.tokenRefreshable);
    const rc = this.reconnectOptions;
    const willReconnect = !!rc && !final && this.attempt < rc.maxAttempts;
    this.emit('close', { code, reason, wasOpen, willReconnect });
    if (!willReconnect) {
      const err = new TandemError(code === 4401 ? 'unauthorized' : code === 4403 ? 'forbidden' : 'closed', `connection closed (${code} ${reason})`);
      this.#setState(States.CLOSED);
      this.#settleConnected(err);
      return;
    }
    // a draining node (1012) asks us to go elsewhere soon: within `drainSpreadMs` (random), so
    // that the thousands of clients of one node do not all arrive at the others in the same
    // instant; other failures back off
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    // an expired token (4401) with a provider at hand: straight back with a fresh one
    const delayMs =
      code === 1012 && this.attempt === 0
        ? Math.floor(this.random() * this.drainSpreadMs)
        : code === 4401 && this.attempt === 0
          ? 0
          : this.backoffDelay(this.attempt);
    this.attempt++;
    this.nextReconnectAt = Date.now() + delayMs;
    this.#setState(States.RECONNECTING);
    this.emit('reconnecting', { attempt: this.attempt, delayMs, url: this.url, code, reason });
    clearTimeout(this.timers.reconnect);
    this.timers.reconnect = setTimeout(() => {
      if (this.state !== States.CLOSED) this.#open();
    }, delayMs);
  }

  /** Exponential backoff with jitter: base * factor^attempt, capped, minus up to `jitter` of it. */
  backoffDelay(attempt) {
    const rc = this.reconnectOptions || {};
    const base = Math.min(rc.maxDelayMs, rc.initialDelayMs * rc.factor ** attempt);
    return Math.round(base * (1 - rc.jitter * this.random()));
  }

  /**
   * Keeps checking that the open socket still carries frames: after `pingIntervalMs` (at most the
   * heartbeat) without a frame it sends a `ping`; no frame within `pingTimeoutMs` of that ping and
   * the socket is dropped as dead (an open TCP connection that carries nothing: a sleeping
   * laptop's, one behind a broken proxy) and the client reconnects.
   */
  #startLiveness(heartbeatMs) {
    clearInterval(this.timers.heartbeat);
    const interval = this.pingIntervalMs > 0 ? Math.min(this.pingIntervalMs, heartbeatMs) : heartbeatMs;
    const timeout = this.pingIntervalMs > 0 ? this.pingTimeoutMs : Infinity;
    this.pingSentAt = 0;
    const socket = this.socket;
    const tick = Math.max(50, Math.min(250, Math.floor(Math.min(interval, timeout) / 4)));
    this.timers.heartbeat = setInterval(() => {
      if (this.state !== States.OPEN || this.socket !== socket) return;
      const now = Date.now();
      if (this.pingSentAt > this.lastFrameAt) {
        // a ping is out and nothing came since: wait for its deadline, never ping over it (a new
        // ping would move the deadline, and ticks in step with the interval would never reach it)
        if (now - this.pingSentAt >= timeout) {
          this.emit('silent', { ms: now - this.lastFrameAt });
          this.#drop(socket, 4000, `no answer to a ping within ${timeout} ms`);
        }
        return;
      }
      if (now - this.lastFrameAt >= interval) {
        this.pingSentAt = now;
        this.ping().catch(() => {});
      }
    }, tick);
  }

  /** With `tokenRenewMs` and a provider: move to a fresh token a little before this one expires. */
  #scheduleRenewal() {
    clearTimeout(this.timers.renew);
    if (!this.tokenRefreshable || !(this.tokenRenewMs > 0)) return;
    const exp = tokenExpiry(this.token);
    if (!exp) return;
    const socket = this.socket;
    const wait = Math.max(0, exp - this.tokenRenewMs - Date.now());
    this.timers.renew = setTimeout(async () => {
      let next;
      try {
        next = await this.getToken({});
      } catch {
        return; // nothing fresher to be had: the server's 4401 at expiry decides
      }
      if (this.state !== States.OPEN || this.socket !== socket || !next || next === this.token) return;
      this.emit('renewing', { expiresAt: exp });
      // a planned move: the in-flight changes are resent after the resume with their keys
      this.#drop(socket, 4000, 'moving to a fresh token');
    }, Math.min(wait, 2 ** 31 - 1));
  }

  #setState(state) {
    if (state === this.state) return;
    const previous = this.state;
    this.state = state;
    this.emit('state', { state, previous });
  }

  #settleConnected(err, welcome) {
    const waiters = this.#connectedWaiters;
    this.#connectedWaiters = [];
    for (const w of waiters) (err ? w.reject(err) : w.resolve(welcome));
  }

  #failPending(err) {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      if (p.type !== 'hello') p.reject(err);
    }
    this.pending.clear();
  }

  #write(frame) {
    const s = this.socket;
    if (!s) return;
    this.stats.framesOut++;
    s.send(encodeFrame(this.encoding, frame));
  }

  // ------------------------------------------------------------ incoming frames

  #onFrame(frame) {
    this.stats.framesIn++;
    this.lastFrameAt = Date.now();
    this.emit('frame', frame);
    const session = frame.session ? this.sessions.get(frame.session) : undefined;
    const pending = frame.ref !== undefined ? this.pending.get(frame.ref) : undefined;
    if (pending) {
      this.pending.delete(frame.ref);
      clearTimeout(pending.timer);
    }
    switch (frame.type) {
      case 'welcome':
        pending?.resolve(frame.payload);
        break;
      case 'snapshot':
        if (session && !session.left && session.kind === 'map') {
          // a join resolves once every part is in: the caller paints a complete state
          if (!session.onMapSnapshot(frame, !!session.resuming)) {
            session.pendingJoin = pending;
            break;
          }
        } else if (session && !session.left) {
          session.onSnapshot(frame, !!session.resuming);
        }
        pending?.resolve(frame.payload);
        break;
      case 'snapshot.part':
        if (session && !session.left && session.onSnapshotPart(frame)) {
          const waiting = session.pendingJoin;
          session.pendingJoin = null;
          waiting?.resolve(session.state === null ? {} : { ...frame.payload, parts: true });
        }
        break;
      case 'changes':
        if (session?.joined) session.onChanges(frame);
        break;
      case 'control':
        session?.emit('control', { session, frame, ...frame.payload });
        break;
      // durable changes count only once their session's snapshot is in (joined)
      case 'delta':
        if (session?.joined) session.onDelta(frame);
        break;
      case 'events':
        if (session?.joined) session.onEvents(frame);
        break;
      case 'ended':
        if (session?.joined) session.onEnded(frame);
        break;
      case 'presence':
        session?.onPresence(frame);
        break;
      case 'settings':
        session?.onSettings(frame);
        break;
      case 'resync':
        // a fresh snapshot (no ref) follows; until then changes are held back by seq checks
        session?.emit('resync', { session, frame });
        break;
      case 'quality':
        // with a session: the room's per-object levels; without: the connection's level
        if (frame.session) session?.onDetail(frame);
        else if (frame.payload?.lod) this.lod = frame.payload.lod;
        break;
      case 'poses':
      case 'replay.events':
      case 'replay.end':
        session?.emit(frame.type, { session, frame, ...frame.payload });
        break;
      case 'ping':
        this.send('pong', undefined, { t: frame.payload?.t, serverTime: Date.now() });
        break;
      case 'pong':
      case 'ok':
        pending?.resolve(frame.payload ?? {});
        break;
      case 'bye':
        // the close (1012) follows; the reconnect goes to the next node without waiting
        break;
      case 'error': {
        const p = frame.payload ?? {};
        const err = new TandemError(p.code ?? 'internal', p.message ?? '', frame);
        if (pending) pending.reject(err);
        else {
          session?.emit('error', err);
          this.reportError(err);
        }
        break;
      }
      default:
        pending?.resolve(frame.payload ?? {});
    }
    // `error` frames reach `error` listeners as TandemErrors (above: a request's rejection, or
    // reportError); the raw frame stays on the `frame` event
    if (frame.type !== 'error') this.emit(frame.type, { ...frame, sessionHandle: session });
  }

}

/** The `exp` of a JWT in epoch ms, or undefined (not a JWT, no exp). UTF-8 aware. */
export function tokenExpiry(token) {
  const exp = tokenClaims(token).exp;
  return typeof exp === 'number' ? exp * 1000 : undefined;
}

/** The claims of a JWT (not verified: for display and timing only); {} when it does not decode. */
export function tokenClaims(token) {
  try {
    const bytes = fromBase64(String(token).split('.')[1].replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(new TextDecoder().decode(bytes)) ?? {};
  } catch {
    return {};
  }
}

function detach(socket) {
  socket.onopen = socket.onmessage = socket.onerror = socket.onclose = null;
}

/** Sorted member entries with stable colours, for UIs: `[{id, name, colour, ...entry}]`. */
export function memberList(members) {
  return Object.entries(members)
    .map(([id, m]) => ({ id, ...m, colour: m.presence?.color ?? colourFor(m.name ?? id) }))
    .sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id));
}

export { colourFor };
