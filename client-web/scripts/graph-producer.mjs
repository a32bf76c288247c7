// A producer for a map (protocol 4.5): publishes a seeded graph (the nodes' attributes {label,
// group} in blocks of NODE_BLOCK (default 1,000) nodes `nb/<b>` = {first, attrs: {label: [...],
// group: [...]}} (a column per attribute: node first + i's at [i]), or with NODE_BLOCK=0 one key
// per node `n/<i>` = {label, group}; edges in blocks of EDGE_BLOCK (default 1,000) `eb/<b>` =
// [from, to, from, to, ...], or with EDGE_BLOCK=0 one key per edge `e/<j>` = [from, to]; durable), runs a simple force layout and puts every node's
// position at HZ per second (ephemeral; in blocks of POS_BLOCK (default 500) nodes `pb/<b>` =
// {first, dims: k, values: [x, y, ..., x, y, ...]}, or with POS_BLOCK=0 `p/<i>` = [x, y, ...]); answers `control` by recomputing:
// `{method: "force"|"circle"|"grid", k, filter}` (k: the dimensionality, 2..MAX_K (default 8);
// positions get k numbers; filter `{attr: "group"|"label", value}` or null: nodes outside it stay
// where they are and the layout moves only the others). What it is computing now is the durable
// entry `layout` = `{method, k, maxK, methods, filter, by, at}`, put at start and after each
// control (the graph page shows it; a late joiner gets it with the snapshot).
// Usage (in client-web/): TANDEM_URL=http://127.0.0.1:8080 MAP=graph NODES=1000 EDGES=5000 HZ=10
//   node scripts/graph-producer.mjs      (stress: NODES=50000 EDGES=200000; NODE_BLOCK=0: n/<i>, EDGE_BLOCK=0: e/<j>)
import WebSocket from 'ws';
import { TandemClient } from '../src/tandem-client.js';

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const MAP = `map:${process.env.MAP ?? 'graph'}`;
const NODES = Number(process.env.NODES ?? 1000);
const EDGES = Number(process.env.EDGES ?? 5000);
const HZ = Number(process.env.HZ ?? 10);
// nodes per `nb/<b>` entry: their values were 50,000 of a late joiner's 50,300 entries in the
// 50k/200k graph, each a key and an object to read; in columns, a block of 1,000 is about 12 KB
const NODE_BLOCK = Math.max(0, Number(process.env.NODE_BLOCK ?? 1000));
// edges per `eb/<b>` entry: a late joiner's snapshot then has a few hundred edge entries instead of
// one per edge (about a third of the entries and of the bytes of the 50k/200k graph)
const EDGE_BLOCK = Math.max(0, Number(process.env.EDGE_BLOCK ?? 1000));
// nodes per `pb/<b>` entry: a tick is a few hundred entries instead of one per node, which the node
// stores, coalesces and sends for each viewer; 500 nodes of MAX_K (8) numbers stay well inside
// a value's 64 KiB
const POS_BLOCK = Math.max(0, Number(process.env.POS_BLOCK ?? 500));
// the producer's frames: CBOR by default (a position's numbers are 9 bytes each that the node
// reads without parsing text), or json
const ENCODING = process.env.PRODUCER_ENCODING === 'json' ? 'json' : 'cbor';
const SECONDS = Number(process.env.SECONDS ?? Infinity);
const MAX_K = Math.max(2, Number(process.env.MAX_K ?? 8));
const METHODS = ['force', 'circle', 'grid'];

let seed = Number(process.env.SEED ?? 7);
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const res = await fetch(`${base}/v1/dev/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sub: 'producer', scope: 'map:*:publish', ttlSeconds: 86400 }),
});
const { token } = await res.json();
const client = new TandemClient({
  urls: [base.replace(/^http/, 'ws') + '/v1/ws'],
  token,
  WebSocket,
  encoding: ENCODING,
  client: { name: 'graph-producer', kind: 'producer' },
});
await client.connect();
// a new map on a busy node may answer its first join, or a put, with `unavailable` (or not in
// time): worth a few more tries; a put of the same values twice changes nothing more
const retrying = async (what, fn) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if ((e.code !== 'unavailable' && e.code !== 'timeout') || attempt >= 20) throw e;
      console.warn(`${what}: ${e.code}; trying again`);
      await new Promise((r) => setTimeout(r, 500 * Math.min(attempt, 6)));
    }
  }
};
const map = await retrying('join', () => client.join(MAP, { role: 'publisher' }));

// the graph, durable; puts of about 1,000 nodes or edges stay within a frame
const edges = new Int32Array(EDGES * 2); // from, to of each edge
let batch = {};
let count = 0;
const flush = async () => {
  const entries = batch;
  if (count) await retrying('put', () => map.put(entries));
  batch = {};
  count = 0;
};
const add = async (k, v, weight = 1) => {
  batch[k] = v;
  count += weight;
  if (count >= 1000) await flush();
};
const labelOf = (i) => `node ${i}`;
const groupOf = (i) => i % 8;
if (NODE_BLOCK === 0) {
  for (let i = 0; i < NODES; i++) await add(`n/${i}`, { label: labelOf(i), group: groupOf(i) });
} else {
  for (let first = 0; first < NODES; first += NODE_BLOCK) {
    const label = [];
    const group = [];
    for (let i = first; i < Math.min(NODES, first + NODE_BLOCK); i++) {
      label.push(labelOf(i));
      group.push(groupOf(i));
    }
    await add(`nb/${first / NODE_BLOCK}`, { first, attrs: { label, group } }, label.length);
  }
}
let block = [];
for (let j = 0; j < EDGES; j++) {
  const e = [Math.floor(rnd() * NODES), Math.floor(rnd() * NODES)];
  edges[j * 2] = e[0];
  edges[j * 2 + 1] = e[1];
  if (EDGE_BLOCK === 0) {
    await add(`e/${j}`, e);
    continue;
  }
  block.push(e[0], e[1]);
  if (block.length === EDGE_BLOCK * 2 || j === EDGES - 1) {
    await add(`eb/${Math.floor(j / EDGE_BLOCK)}`, block, block.length / 2);
    block = [];
  }
}
await flush();

let method = 'force';
let k = 2;
let filter = null;
const inFilter = (i) =>
  !filter || (filter.attr === 'group' ? groupOf(i) === Number(filter.value) : labelOf(i).includes(String(filter.value)));
// node i's MAX_K coordinates at pos[i * MAX_K ...]; flat typed arrays, so that a step of the
// 50,000-node set allocates nothing (the producer has to keep up with HZ on a shared machine)
const pos = new Float64Array(NODES * MAX_K);
for (let i = 0; i < NODES; i++) {
  for (let d = 0; d < MAX_K; d++) pos[i * MAX_K + d] = d < 2 ? rnd() * 2 - 1 : (rnd(), 0);
}
const force = new Float64Array(NODES * MAX_K);
const target = new Float64Array(MAX_K);
// which nodes the layout moves (the filter's): made again when the filter changes
let moving = new Uint8Array(NODES).fill(1);
const refilter = () => {
  moving = new Uint8Array(NODES);
  for (let i = 0; i < NODES; i++) moving[i] = inFilter(i) ? 1 : 0;
};

const putLayout = (by) =>
  retrying('put layout', () => map.put({ layout: { method, k, maxK: MAX_K, methods: METHODS, filter, by: by ?? null, at: Date.now() } }));
await putLayout(null);

/** One step of a cheap layout over the nodes in the filter (the others stay put). */
function step() {
  if (method === 'circle' || method === 'grid') {
    const side = Math.ceil(Math.sqrt(NODES));
    for (let i = 0; i < NODES; i++) {
      if (!moving[i]) continue;
      target.fill(0);
      if (method === 'circle') {
        target[0] = Math.cos((2 * Math.PI * i) / NODES);
        target[1] = Math.sin((2 * Math.PI * i) / NODES);
        // the further dimensions: a small offset per group, so that k shows
        for (let d = 2; d < k; d++) target[d] = ((groupOf(i) + d) % 8) / 8 - 0.5;
      } else {
        target[0] = ((i % side) / side) * 2 - 1;
        target[1] = (Math.floor(i / side) / side) * 2 - 1;
        for (let d = 2; d < k; d++) target[d] = (groupOf(i) / 8 - 0.5) * (d === 2 ? 1 : 0.3);
      }
      for (let d = 0; d < MAX_K; d++) pos[i * MAX_K + d] += (target[d] - pos[i * MAX_K + d]) * 0.3;
    }
    return;
  }
  // force: springs on edges, a pull to the centre, random jitter, in k dimensions
  force.fill(0);
  for (let j = 0; j < EDGES; j++) {
    const a = edges[j * 2] * MAX_K;
    const b = edges[j * 2 + 1] * MAX_K;
    for (let d = 0; d < k; d++) {
      const delta = (pos[b + d] - pos[a + d]) * 0.01;
      force[a + d] += delta;
      force[b + d] -= delta;
    }
  }
  for (let i = 0; i < NODES; i++) {
    if (!moving[i]) continue;
    const o = i * MAX_K;
    for (let d = 0; d < k; d++) pos[o + d] += force[o + d] - pos[o + d] * 0.01 + (rnd() - 0.5) * 0.01;
    for (let d = k; d < MAX_K; d++) pos[o + d] *= 0.5;
  }
}

map.on('control', (c) => {
  if (METHODS.includes(c.method)) method = c.method;
  const wantK = Number(c.k);
  if (Number.isInteger(wantK) && wantK >= 2 && wantK <= MAX_K) k = wantK;
  if ('filter' in c) {
    const f = c.filter;
    filter = f && (f.attr === 'group' || f.attr === 'label') && f.value !== undefined && String(f.value) !== ''
      ? { attr: f.attr, value: String(f.value).slice(0, 100) }
      : null;
    refilter();
  }
  console.log(`control from ${c.by}: method ${method}, k ${k}, filter ${filter ? `${filter.attr}=${filter.value}` : 'none'}`);
  putLayout(c.by).catch((e) => console.warn(e.message));
});

const round = (x) => Math.round(x * 1000) / 1000;
const started = Date.now();
let ticks = 0;
// puts of the positions not answered yet: while the last tick's are in flight the layout moves on
// but sends nothing, so that a node (or a socket) slower than HZ gets the latest positions when it
// is ready instead of a growing queue of stale ones (and the producer no reply timeouts)
let inFlight = 0;
let skipped = 0;
const sent = (p) => {
  inFlight++;
  p.catch((e) => console.warn(e.message)).finally(() => inFlight--);
};
const timer = setInterval(async () => {
  step();
  ticks++;
  if (Date.now() - started > SECONDS * 1000) {
    clearInterval(timer);
    console.log(`done: ${ticks} ticks, ${skipped} of them not sent (the previous one was in flight)`);
    client.close();
    return;
  }
  if (inFlight > 0) {
    skipped++;
    return;
  }
  let out = {};
  let n = 0;
  // about 8 characters per number in JSON: puts of ~110 KB, within a 256 KiB frame, and few of
  // them (50,000 nodes: 10 frames a tick, 100 a second, under the default 200 frames/s). Their
  // bytes (about 9 MB/s for 50,000 nodes at 10 Hz) count against the node's
  // tandem.map.publisher-max-bytes-per-second (32 MiB/s), not the connection's budget.
  const perPut = Math.max(500, Math.floor(10000 / k));
  /** Adds an entry holding `nodes` positions; a put goes out once it holds perPut of them. */
  const queue = (key, value, nodes) => {
    out[key] = value;
    n += nodes;
    if (n >= perPut) {
      sent(map.put(out, { durable: false }));
      out = {};
      n = 0;
    }
  };
  if (POS_BLOCK > 0) {
    // blocks of POS_BLOCK nodes, whole blocks per put
    for (let first = 0; first < NODES; first += POS_BLOCK) {
      const count = Math.min(POS_BLOCK, NODES - first);
      const values = new Array(count * k);
      for (let i = 0; i < count; i++) for (let d = 0; d < k; d++) values[i * k + d] = round(pos[(first + i) * MAX_K + d]);
      queue(`pb/${first / POS_BLOCK}`, { first, dims: k, values }, count);
    }
  } else {
    for (let i = 0; i < NODES; i++) {
      const p = new Array(k);
      for (let d = 0; d < k; d++) p[d] = round(pos[i * MAX_K + d]);
      queue(`p/${i}`, p, 1);
    }
  }
  if (n) sent(map.put(out, { durable: false }));
}, 1000 / HZ);
console.log(`publishing ${MAP}: ${NODES} nodes, ${EDGES} edges, positions at ${HZ} Hz (${ENCODING})`);
