// Measures a map's late join on loopback: a publisher puts a seeded graph of NODES nodes and
// EDGES edges (durable, one entry per node and per edge), then a viewer joins with a raw
// WebSocket and counts the snapshot's frames and bytes until the last part.
// Usage: TANDEM_URL=http://127.0.0.1:8080 NODES=50000 EDGES=200000 node scripts/map-snapshot-bench.mjs (in client-web/)
import WebSocket from 'ws';
import { TandemClient } from '../src/tandem-client.js';

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const ws = base.replace(/^http/, 'ws') + '/v1/ws';
const NODES = Number(process.env.NODES ?? 50000);
const EDGES = Number(process.env.EDGES ?? 200000);
const PER_PUT = Number(process.env.PER_PUT ?? 1000);

async function token(sub, scope) {
  const r = await fetch(`${base}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, scope, ttlSeconds: 3600 }),
  });
  return (await r.json()).token;
}

let seed = 42;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

const id = `map:bench-${Date.now().toString(36)}`;
const c = new TandemClient({ urls: [ws], token: await token('producer', 'map:*:publish'), WebSocket, client: { name: 'bench', kind: 'producer' } });
await c.connect();
const pub = await c.join(id, { role: 'publisher' });
const t0 = Date.now();
let batch = {};
let n = 0;
const flush = async () => {
  if (n > 0) await pub.put(batch);
  batch = {};
  n = 0;
};
for (let i = 0; i < NODES; i++) {
  batch[`n/${i}`] = { x: +(rnd() * 100).toFixed(3), y: +(rnd() * 100).toFixed(3), g: i % 12 };
  if (++n === PER_PUT) await flush();
}
for (let e = 0; e < EDGES; e++) {
  batch[`e/${e}`] = [Math.floor(rnd() * NODES), Math.floor(rnd() * NODES)];
  if (++n === PER_PUT) await flush();
}
await flush();
console.log(`put ${NODES} nodes + ${EDGES} edges in ${Date.now() - t0} ms (seq ${pub.seq})`);

const viewerToken = await token('viewer', 'map:*:read');
for (const encoding of ['tandem.v1.json', 'tandem.v1.cbor']) {
  const sock = new WebSocket(ws, [encoding]);
  sock.binaryType = 'nodebuffer';
  await new Promise((r) => sock.once('open', r));
  const decode = (d) => (encoding.endsWith('json') ? JSON.parse(d.toString()) : null);
  let frames = 0, bytes = 0, parts = null, started = 0, maxFrame = 0;
  const done = new Promise((resolve) => {
    sock.on('message', (data) => {
      const text = encoding.endsWith('json') ? data.toString() : null;
      if (!started) {
        // welcome
        started = -1;
        sock.send(JSON.stringify({ version: 1, type: 'join', ref: 2, session: id, payload: { role: 'viewer' } }));
        started = Date.now();
        return;
      }
      frames++;
      bytes += data.length;
      maxFrame = Math.max(maxFrame, data.length);
      if (parts === null) {
        // the snapshot: its `parts` (JSON: parsed; CBOR: found as text key)
        if (text) parts = JSON.parse(text).payload.parts;
        else {
          const i = data.indexOf('parts');
          parts = data[i + 5] < 24 ? data[i + 5] : data[i + 5] === 24 ? data[i + 6] : data.readUInt16BE(i + 6);
        }
      }
      if (frames === parts) resolve();
    });
  });
  // hello is JSON even on a CBOR socket? no: send in the socket's encoding
  const hello = { version: 1, type: 'hello', ref: 1, payload: { token: viewerToken, client: { name: 'v', kind: 'bot' } } };
  if (encoding.endsWith('json')) sock.send(JSON.stringify(hello));
  else {
    const { encode } = await import('cbor-x');
    sock.send(encode(hello));
    sock.send = ((orig) => (s) => orig.call(sock, encode(JSON.parse(s))))(sock.send);
  }
  await done;
  console.log(`${encoding}: join to last part ${Date.now() - started} ms, ${frames} frames, ${(bytes / 1048576).toFixed(1)} MiB, largest frame ${maxFrame} bytes`);
  sock.close();
}
c.close();
