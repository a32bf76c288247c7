// One room, many pipelining writers (issue: one room's durable throughput). Each writer keeps at
// most `window` ops unanswered (a client library's pipeline); a reader member checks that it gets
// every delta exactly once and in order; optionally one more member joins and never reads (paused).
// Prints acknowledged ops/s, refusals by code, the longest wait of any writer between two oks, and
// what the reader got.
//   node bench/room-writers.mjs <token> [writers=16] [opsPerWriter=1000] [window=64] [paused=0|1] [ws://127.0.0.1:8080/v1/ws]
// The node needs a per-connection frame rate above the writers' (TANDEM_WS_MAX_FRAMES_PER_SECOND).
import { connect } from './tandem-ws.mjs';

const [token, wArg = '16', nArg = '1000', winArg = '64', pausedArg = '0', url = 'ws://127.0.0.1:8080/v1/ws'] = process.argv.slice(2);
if (!token) throw new Error('usage: room-writers.mjs <token> [writers] [opsPerWriter] [window] [paused] [url]');
if (!['127.0.0.1', 'localhost'].includes(new URL(url.replace(/^ws/, 'http')).hostname)) throw new Error('loopback only');
const writers = Number(wArg), perWriter = Number(nArg), windowSize = Number(winArg), paused = pausedArg === '1';
setTimeout(() => { console.error('time limit'); process.exit(2); }, 300_000).unref();
const room = 'room:writers-' + Date.now();

const reader = await connect(url);
await reader.req('hello', undefined, { token, client: { name: 'reader', kind: 'bot' } });
let lastSeq = -1, deltas = 0, gaps = 0;
reader.onFrame((f) => {
  if (f.type !== 'delta' || f.session !== room) return;
  if (lastSeq >= 0 && f.payload.seq !== lastSeq + 1) gaps++;
  lastSeq = f.payload.seq; deltas++;
});
await reader.req('join', room, { role: 'viewer' });
if (paused) {
  const p = await connect(url);
  await p.req('hello', undefined, { token, client: { name: 'paused', kind: 'bot' } });
  await p.req('join', room, { role: 'viewer' });
  p.ws._socket.pause(); // reads nothing more: the server's outbound bound for it fills up
}
const clients = [];
for (let i = 0; i < writers; i++) {
  const c = await connect(url);
  await c.req('hello', undefined, { token, client: { name: `w${i}`, kind: 'bot' } });
  await c.req('join', room, { role: 'editor' });
  clients.push(c);
}
const refused = {};
let oks = 0, maxGapMs = 0;
const t0 = performance.now();
await Promise.all(clients.map(async (c, i) => {
  let sent = 0, lastOk = performance.now();
  const one = async () => {
    while (sent < perWriter) {
      const k = sent++;
      const r = await c.req('op', room, { ops: [{ op: 'set', path: `w${i}`, value: k }], key: `w${i}-${k}` });
      const now = performance.now();
      if (r.type === 'ok') { oks++; maxGapMs = Math.max(maxGapMs, now - lastOk); lastOk = now; }
      else refused[r.payload.code] = (refused[r.payload.code] || 0) + 1;
    }
  };
  await Promise.all([...Array(windowSize).keys()].map(one));
}));
const seconds = (performance.now() - t0) / 1000;
const deadline = performance.now() + 10_000;
while (deltas < oks && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
console.log(JSON.stringify({
  writers, opsPerWriter: perWriter, window: windowSize, pausedMember: paused,
  acknowledged: oks, seconds: +seconds.toFixed(2), okPerSecond: Math.round(oks / seconds),
  refused, longestWaitBetweenOksMs: Math.round(maxGapMs),
  readerDeltas: deltas, readerGaps: gaps,
}, null, 1));
process.exit(0);
