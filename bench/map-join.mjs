// A map's late join as the node serves it, without a browser (issue 14): RUNS joins of an existing
// map (MAP=<name>, e.g. the one client-web/scripts/graph-producer.mjs publishes) over raw CBOR
// WebSockets, one after another, each reading every frame as fast as it comes. Per join, in ms:
// `join` sent to `snapshot` received, `snapshot` to the last `snapshot.part`; the frames and MiB.
// With NODE_PID=<jvm pid>, the node's CPU time (utime + stime from /proc) per join over the runs.
// Usage (dev-mode node):
//   TANDEM_URL=http://127.0.0.1:8080 MAP=fp50k RUNS=10 [NODE_PID=<pid>] node bench/map-join.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const clientWeb = fileURLToPath(new URL('../client-web/', import.meta.url));
const requireWeb = createRequire(join(clientWeb, 'package.json'));
const WebSocket = requireWeb('ws');
const { encode, decode } = requireWeb('cbor-x');

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const RUNS = Number(process.env.RUNS ?? 10);
const GAP_MS = Number(process.env.GAP_MS ?? 1500);
const session = `map:${process.env.MAP ?? 'graph'}`;
const pid = process.env.NODE_PID;
// clock ticks of the process (USER_HZ is 100 on Linux)
const cpuTicks = () => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return Number(f[11]) + Number(f[12]);
};
const token = async () => {
  const r = await fetch(`${base}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: `joiner-${Math.random().toString(36).slice(2)}`, scope: 'map:*:read', ttlSeconds: 600 }),
  });
  return (await r.json()).token;
};

const rows = [];
const cpu0 = pid ? cpuTicks() : 0;
for (let run = 1; run <= RUNS; run++) {
  const t = await token();
  const sock = new WebSocket(`${base.replace(/^http/, 'ws')}/v1/ws`, ['tandem.v1.cbor']);
  sock.binaryType = 'nodebuffer';
  const row = await new Promise((resolve, reject) => {
    let joinAt = 0, snapAt = 0, parts = 0, frames = 0, bytes = 0;
    sock.on('error', reject);
    sock.on('open', () => sock.send(encode({ version: 1, type: 'hello', ref: 1, payload: { token: t, client: { name: 'map-join', kind: 'bot' } } })));
    sock.on('message', (data) => {
      const f = decode(data);
      if (f.type === 'welcome') {
        joinAt = performance.now();
        sock.send(encode({ version: 1, type: 'join', ref: 2, session, payload: { role: 'viewer' } }));
      } else if (f.type === 'error') {
        reject(new Error(`${f.payload.code}: ${f.payload.message}`));
      } else if (f.type === 'snapshot' && f.session === session) {
        snapAt = performance.now();
        parts = f.payload.parts ?? 1;
        frames = 1;
        bytes = data.length;
        if (parts <= 1) resolve({ joinToSnapshot: snapAt - joinAt, snapshotToLastPart: 0, frames, bytes });
      } else if (f.type === 'snapshot.part' && f.session === session) {
        frames++;
        bytes += data.length;
        if (frames === parts) resolve({ joinToSnapshot: snapAt - joinAt, snapshotToLastPart: performance.now() - snapAt, frames, bytes });
      }
    });
  });
  sock.close();
  rows.push(row);
  console.log(JSON.stringify({ run, joinToSnapshot: Math.round(row.joinToSnapshot), snapshotToLastPart: Math.round(row.snapshotToLastPart), frames: row.frames, mib: +(row.bytes / 1048576).toFixed(2) }));
  await new Promise((r) => setTimeout(r, GAP_MS));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const cpu = pid ? `; node CPU ${Math.round(((cpuTicks() - cpu0) * 10) / RUNS)} ms per join (the gaps of ${GAP_MS} ms included)` : '';
console.log(`${session}: ${RUNS} joins, median join to snapshot ${Math.round(median(rows.map((r) => r.joinToSnapshot)))} ms, snapshot to last part ${Math.round(median(rows.map((r) => r.snapshotToLastPart)))} ms${cpu}`);
