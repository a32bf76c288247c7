// A large map's recovery (issue 14). MODE=fill: a publisher builds map:<MAP> of ENTRIES entries
// with durable puts of PER_PUT entries (IN_FLIGHT puts pipelined), keys `k/<i>`, values {x, y, g}.
// MODE=join: a viewer joins over a raw WebSocket (retrying `unavailable` and timeouts, as the
// pages do) and reports the time from its first join to the snapshot's last part, the frames, the
// bytes, the largest frame against limits.maxFrameBytes (from `welcome`), and the entry count.
// bench/map-recovery.sh runs fill, kill -9 of the node, restart, join.
// Usage: TANDEM_URL=http://127.0.0.1:8080 MODE=fill|join MAP=big ENTRIES=1000000 node bench/map-recovery.mjs
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const clientWeb = fileURLToPath(new URL('../client-web/', import.meta.url));
const requireWeb = createRequire(join(clientWeb, 'package.json'));
const WebSocket = (await import(pathToFileURL(requireWeb.resolve('ws')).href)).default;
const { TandemClient } = await import(pathToFileURL(join(clientWeb, 'src', 'tandem-client.js')).href);

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const wsUrl = base.replace(/^http/, 'ws') + '/v1/ws';
const MAP = `map:${process.env.MAP ?? 'big'}`;
const ENTRIES = Number(process.env.ENTRIES ?? 1000000);
const PER_PUT = Number(process.env.PER_PUT ?? 1000);
const IN_FLIGHT = Number(process.env.IN_FLIGHT ?? 4);

const token = async (sub, scope) => {
  const r = await fetch(`${base}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, scope, ttlSeconds: 3600 }) });
  return (await r.json()).token;
};

if ((process.env.MODE ?? 'fill') === 'fill') {
  const c = new TandemClient({ urls: [wsUrl], token: await token('filler', 'map:*:publish'), WebSocket, client: { name: 'filler', kind: 'producer' }, requestTimeoutMs: 60000 });
  await c.connect();
  let m;
  for (let attempt = 1; !m; attempt++) {
    try {
      m = await c.join(MAP, { role: 'publisher' });
    } catch (e) {
      if (attempt > 20) throw e;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  const t0 = Date.now();
  let next = 0;
  let lastSeq = 0;
  const worker = async () => {
    while (next < ENTRIES) {
      const from = next;
      next = Math.min(ENTRIES, next + PER_PUT);
      const batch = {};
      for (let i = from; i < next; i++) batch[`k/${i}`] = { x: (i % 1000) / 10, y: Math.floor(i / 1000) / 10, g: i % 12 };
      for (let attempt = 1; ; attempt++) {
        try {
          lastSeq = Math.max(lastSeq, (await m.put(batch)).seq);
          break;
        } catch (e) {
          if ((e.code !== 'unavailable' && e.code !== 'timeout') || attempt > 10) throw e;
        }
      }
      if (next % 100000 === 0) console.log(`  ${next} entries, ${Date.now() - t0} ms`);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  console.log(`fill: ${ENTRIES} entries in ${Math.ceil(ENTRIES / PER_PUT)} durable puts in ${Date.now() - t0} ms, last seq ${lastSeq}`);
  c.close();
} else {
  const viewer = await token('recovery-viewer', 'map:*:read');
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    const r = await new Promise((resolve) => {
      const ws = new WebSocket(wsUrl, ['tandem.v1.json']);
      let maxFrame = 0;
      let frames = 0;
      let bytes = 0;
      let parts = null;
      let entries = 0;
      let joinedAt = 0;
      let seq;
      const timer = setTimeout(() => { ws.terminate(); resolve({ error: 'no snapshot within 120 s' }); }, 120000);
      ws.on('open', () => ws.send(JSON.stringify({ version: 1, type: 'hello', ref: 1, payload: { token: viewer, client: { name: 'rv', kind: 'bot' } } })));
      ws.on('error', (e) => { clearTimeout(timer); resolve({ error: e.message }); });
      let limit = 0;
      ws.on('message', (data) => {
        const f = JSON.parse(data.toString());
        if (f.type === 'welcome') {
          limit = f.payload.limits?.maxFrameBytes ?? 0;
          joinedAt = Date.now();
          ws.send(JSON.stringify({ version: 1, type: 'join', ref: 2, session: MAP, payload: { role: 'viewer' } }));
          return;
        }
        if (f.type === 'error') {
          clearTimeout(timer);
          ws.close();
          resolve({ error: f.payload.code });
          return;
        }
        if (f.type !== 'snapshot' && f.type !== 'snapshot.part') return;
        frames++;
        bytes += data.length;
        maxFrame = Math.max(maxFrame, data.length);
        entries += Object.keys(f.type === 'snapshot' ? f.payload.state.entries : f.payload.entries).length;
        if (f.type === 'snapshot') {
          parts = f.payload.parts;
          seq = f.payload.seq;
        }
        if (parts !== null && frames >= parts) {
          clearTimeout(timer);
          ws.close();
          resolve({ ms: Date.now() - joinedAt, frames, bytes, maxFrame, limit, entries, seq });
        }
      });
    });
    if (r.error) {
      console.log(`  join attempt ${attempt} at +${Date.now() - started} ms: ${r.error}`);
      if (attempt >= 60) process.exit(1);
      await new Promise((res) => setTimeout(res, 1000));
      continue;
    }
    console.log(`join: first join to last part ${Date.now() - started} ms (${attempt} attempts; the answered one ${r.ms} ms); ${r.entries} entries at seq ${r.seq} in ${r.frames} frames, ${(r.bytes / 1048576).toFixed(1)} MiB, largest frame ${r.maxFrame} bytes (limit ${r.limit})`);
    process.exit(r.maxFrame <= r.limit && r.entries === ENTRIES ? 0 : 2);
  }
}
