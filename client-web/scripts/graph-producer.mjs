// A producer for a map (protocol 4.5): publishes a seeded graph (nodes `n/<i>` with attributes,
// edges `e/<j>` as [from, to], durable), runs a simple force layout and puts every node's
// position (`p/<i>` = [x, y], ephemeral) at HZ per second; answers `control` by recomputing:
// `{method: "force"|"circle"|"grid", k}` (k: the dimensionality 2 or 3; positions get k numbers).
// Usage (in client-web/): TANDEM_URL=http://127.0.0.1:8080 MAP=graph NODES=1000 EDGES=5000 HZ=10
//   node scripts/graph-producer.mjs      (stress: NODES=50000 EDGES=200000)
import WebSocket from 'ws';
import { TandemClient } from '../src/tandem-client.js';

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const MAP = `map:${process.env.MAP ?? 'graph'}`;
const NODES = Number(process.env.NODES ?? 1000);
const EDGES = Number(process.env.EDGES ?? 5000);
const HZ = Number(process.env.HZ ?? 10);
const SECONDS = Number(process.env.SECONDS ?? Infinity);

let seed = Number(process.env.SEED ?? 7);
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const res = await fetch(`${base}/v1/dev/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sub: 'producer', scope: 'map:*:publish', ttlSeconds: 86400 }),
});
const { token } = await res.json();
const client = new TandemClient({ urls: [base.replace(/^http/, 'ws') + '/v1/ws'], token, WebSocket, client: { name: 'graph-producer', kind: 'producer' } });
await client.connect();
const map = await client.join(MAP, { role: 'publisher' });

// the graph, durable; puts of 1,000 entries stay within a frame
const edges = [];
let batch = {};
let count = 0;
const flush = async () => {
  if (count) await map.put(batch);
  batch = {};
  count = 0;
};
const add = async (k, v) => {
  batch[k] = v;
  if (++count === 1000) await flush();
};
for (let i = 0; i < NODES; i++) await add(`n/${i}`, { label: `node ${i}`, group: i % 8 });
for (let j = 0; j < EDGES; j++) {
  const e = [Math.floor(rnd() * NODES), Math.floor(rnd() * NODES)];
  edges.push(e);
  await add(`e/${j}`, e);
}
await flush();

let method = 'force';
let k = 2;
const pos = Array.from({ length: NODES }, () => [rnd() * 2 - 1, rnd() * 2 - 1, rnd() * 2 - 1]);

/** One step of a cheap force layout: springs on edges, a pull to the centre, random jitter. */
function step() {
  if (method === 'circle' || method === 'grid') {
    const side = Math.ceil(Math.sqrt(NODES));
    for (let i = 0; i < NODES; i++) {
      const target =
        method === 'circle'
          ? [Math.cos((2 * Math.PI * i) / NODES), Math.sin((2 * Math.PI * i) / NODES), ((i % 10) / 10 - 0.5) * (k === 3 ? 1 : 0)]
          : [((i % side) / side) * 2 - 1, (Math.floor(i / side) / side) * 2 - 1, 0];
      for (let d = 0; d < 3; d++) pos[i][d] += (target[d] - pos[i][d]) * 0.3;
    }
    return;
  }
  const f = pos.map(() => [0, 0, 0]);
  for (const [a, b] of edges) {
    for (let d = 0; d < k; d++) {
      const delta = (pos[b][d] - pos[a][d]) * 0.01;
      f[a][d] += delta;
      f[b][d] -= delta;
    }
  }
  for (let i = 0; i < NODES; i++) {
    for (let d = 0; d < k; d++) pos[i][d] += f[i][d] - pos[i][d] * 0.01 + (rnd() - 0.5) * 0.01;
    if (k === 2) pos[i][2] = 0;
  }
}

map.on('control', (c) => {
  if (['force', 'circle', 'grid'].includes(c.method)) method = c.method;
  if (c.k === 2 || c.k === 3) k = c.k;
  console.log(`control from ${c.by}: method ${method}, k ${k}`);
});

const round = (x) => Math.round(x * 1000) / 1000;
const started = Date.now();
let ticks = 0;
const timer = setInterval(async () => {
  step();
  ticks++;
  let out = {};
  let n = 0;
  for (let i = 0; i < NODES; i++) {
    out[`p/${i}`] = k === 3 ? [round(pos[i][0]), round(pos[i][1]), round(pos[i][2])] : [round(pos[i][0]), round(pos[i][1])];
    if (++n === 2000) {
      map.put(out, { durable: false }).catch((e) => console.warn(e.message));
      out = {};
      n = 0;
    }
  }
  if (n) map.put(out, { durable: false }).catch((e) => console.warn(e.message));
  if (Date.now() - started > SECONDS * 1000) {
    clearInterval(timer);
    console.log(`done: ${ticks} ticks`);
    client.close();
  }
}, 1000 / HZ);
console.log(`publishing ${MAP}: ${NODES} nodes, ${EDGES} edges, positions at ${HZ} Hz`);
