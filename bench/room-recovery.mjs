// How long a room takes to start again from the journal: ROOMS rooms each get OPS durable ops
// (pipelined, every ok awaited), everyone leaves, the node passivates them (start the node with
// a short `tandem.room.passivate-after`), and one client joins each again and times join ->
// snapshot. The node's own figure is in its log ("<room> recovered at seq <s> in <ms> ms").
//   TANDEM_JAVA_OPTS=-Dtandem.room.passivate-after=2s TANDEM_WS_MAX_FRAMES_PER_SECOND=100000 \
//     TANDEM_WS_BURST_FRAMES=100000 ./run &
//   node bench/room-recovery.mjs <token> [rooms=10] [ops=300] [ws://127.0.0.1:8080/v1/ws]
// PREFIX=<prefix> names the rooms (default: a new prefix per run); with JOIN_ONLY=1 nothing is
// written and the rooms PREFIX0.. are only joined: after a restart of the node, the first join is
// the one a cold JVM answers (every join's time is printed in order).
// Needs Node's `ws` package (client-web/node_modules after a build).
import { createRequire } from 'node:module';
const require = createRequire(new URL('../client-web/package.json', import.meta.url));
const WebSocket = require('ws');
const [token, roomsArg = '10', opsArg = '300', url = 'ws://127.0.0.1:8080/v1/ws'] = process.argv.slice(2);
if (!token) throw new Error('usage: room-recovery.mjs <token> [rooms] [ops] [url]');
const ROOMS = Number(roomsArg);
const OPS = Number(opsArg);

function connect() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    let ref = 1;
    const waiting = new Map();
    ws.on('message', (d) => {
      const f = JSON.parse(d);
      if (f.ref && waiting.has(f.ref)) { waiting.get(f.ref)(f); waiting.delete(f.ref); }
    });
    ws.on('error', reject);
    ws.on('open', () => resolve({
      ws,
      req: (type, session, payload) => new Promise((r) => {
        const id = ref++;
        waiting.set(id, r);
        ws.send(JSON.stringify({ version: 1, type, ref: id, session, payload }));
      }),
    }));
  });
}

const prefix = process.env.PREFIX ?? `room:recovery-${Date.now()}-`;
const joinOnly = process.env.JOIN_ONLY === '1';
const writer = await connect();
await writer.req('hello', undefined, { token });
for (let r = 0; r < (joinOnly ? 0 : ROOMS); r++) {
  const room = prefix + r;
  await writer.req('join', room, { role: 'editor' });
  const oks = [];
  for (let i = 0; i < OPS; i++) oks.push(writer.req('op', room, { ops: [{ op: 'set', path: `k${i % 50}`, value: i }] }));
  const answers = await Promise.all(oks);
  const bad = answers.filter((f) => f.type !== 'ok');
  if (bad.length) throw new Error(`${bad.length} ops not ok in ${room}: ${JSON.stringify(bad[0])}`);
  await writer.req('leave', room, {});
}
writer.ws.close();

if (!joinOnly) {
  // the rooms passivate once they have had no member for passivate-after
  console.log(`${ROOMS} rooms of ${OPS} ops written (${prefix}0..); waiting for them to passivate`);
  await new Promise((r) => setTimeout(r, Number(process.env.WAIT_MS ?? 8000)));
}

const reader = await connect();
await reader.req('hello', undefined, { token });
const times = [];
for (let r = 0; r < ROOMS; r++) {
  const t = performance.now();
  const f = await reader.req('join', prefix + r, { role: 'editor' });
  if (f.type !== 'snapshot') throw new Error(`join answered ${JSON.stringify(f)}`);
  times.push(performance.now() - t);
}
reader.ws.close();
console.log(`join -> snapshot in order (ms): ${times.map((t) => t.toFixed(1)).join(' ')}`);
times.sort((a, b) => a - b);
console.log(`join -> snapshot of a passivated room (ms): p50 ${times[Math.floor(times.length / 2)].toFixed(1)}, min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)}`);
