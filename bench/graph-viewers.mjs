// A map under a moving 50,000-node graph with many viewers (issue 14): the producer
// (client-web/scripts/graph-producer.mjs) publishes NODES/EDGES and puts every node's position at HZ;
// VIEWERS viewers join over raw WebSockets (ENCODING cbor or json) and count what they receive for
// SECONDS. One more viewer stops reading its socket for PAUSE seconds in the middle (TCP backpressure
// reaches the node's outbound queue), then reads again: it reports the frames, bytes and position
// entries it got from resuming until it was current again (a frame of this second's tick), against
// the backlog (what a live viewer got over the pause). The node's CPU comes from /proc/<pid>/stat
// (utime + stime) over the window, NODE_PID the JVM's pid; the producer's likewise.
// Usage: TANDEM_URL=http://127.0.0.1:8080 NODE_PID=<jvm pid> VIEWERS=10 SECONDS=30 PAUSE=10 \
//   node bench/graph-viewers.mjs   (the node needs tandem.ws.max-bytes-per-second >= 16MiB: the
//   producer sends about 11 MB/s; see docs/benchmarks.md)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const clientWeb = fileURLToPath(new URL('../client-web/', import.meta.url));
const requireWeb = createRequire(join(clientWeb, 'package.json'));
const WebSocket = (await import(pathToFileURL(requireWeb.resolve('ws')).href)).default;
const { decode, encode } = await import(pathToFileURL(requireWeb.resolve('cbor-x')).href);

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const wsUrl = base.replace(/^http/, 'ws') + '/v1/ws';
const NODES = Number(process.env.NODES ?? 50000);
const EDGES = Number(process.env.EDGES ?? 200000);
const HZ = Number(process.env.HZ ?? 10);
const VIEWERS = Number(process.env.VIEWERS ?? 10);
const SECONDS = Number(process.env.SECONDS ?? 30);
const PAUSE = Number(process.env.PAUSE ?? 10);
const ENCODING = process.env.ENCODING ?? 'cbor';
const NODE_PID = process.env.NODE_PID;
const TICKS = Number(readFileSync('/proc/self/stat', 'utf8') && 100); // USER_HZ on Linux

const cpuOf = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / TICKS; // utime + stime, seconds
};

const token = async (sub, scope) => {
  const r = await fetch(`${base}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, scope, ttlSeconds: 3600 }) });
  return (await r.json()).token;
};

const map = `map:viewers-${Date.now().toString(36)}`;
const t0 = Date.now();
const producer = spawn(process.execPath, [join(clientWeb, 'scripts', 'graph-producer.mjs')], {
  env: { ...process.env, TANDEM_URL: base, MAP: map.slice(4), NODES: String(NODES), EDGES: String(EDGES), HZ: String(HZ), SECONDS: 'Infinity' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let producerOut = '';
let stopping = false;
producer.stderr.on('data', (d) => { producerOut += d; });
await new Promise((resolve, reject) => {
  producer.stdout.on('data', (d) => {
    producerOut += d;
    if (/publishing map:/.test(producerOut)) resolve();
  });
  producer.on('exit', (c) => reject(new Error(`producer exited ${c}: ${producerOut}`)));
});
producer.on('exit', (c) => {
  if (!stopping) {
    console.log(`the producer stopped (${c}):\n${producerOut.slice(-3000)}`);
    process.exit(1);
  }
});
console.log(`producer: ${NODES} nodes, ${EDGES} edges published in ${Date.now() - t0} ms; positions at ${HZ} Hz`);

const viewerToken = await token('viewer-bench', 'map:*:read');
const enc = (frame) => (ENCODING === 'cbor' ? encode(frame) : JSON.stringify(frame));
const dec = (data) => (ENCODING === 'cbor' ? decode(data) : JSON.parse(data.toString()));

/** A viewer: joins, waits for the last part, then counts; `inspect` decodes every frame after `since`. */
function viewer(i) {
  const v = { i, ws: new WebSocket(wsUrl, [`tandem.v1.${ENCODING}`]), frames: 0, bytes: 0, joined: false, parts: null, got: 0, counting: false, inspect: false, log: [] };
  v.ws.binaryType = 'nodebuffer';
  v.ready = new Promise((resolve, reject) => {
    v.ws.on('open', () => v.ws.send(enc({ version: 1, type: 'hello', ref: 1, payload: { token: viewerToken, client: { name: `v${i}`, kind: 'bot' } } })));
    v.ws.on('error', reject);
    v.ws.on('message', (data) => {
      if (!v.joined) {
        const f = dec(data);
        if (f.type === 'welcome') v.ws.send(enc({ version: 1, type: 'join', ref: 2, session: map, payload: { role: 'viewer' } }));
        else if (f.type === 'snapshot') {
          v.parts = f.payload.parts;
          v.got = 1;
        } else if (f.type === 'snapshot.part') v.got++;
        else if (f.type === 'error') reject(new Error(JSON.stringify(f.payload)));
        if (v.parts !== null && v.got >= v.parts) {
          v.joined = true;
          resolve();
        }
        return;
      }
      if (v.counting) {
        v.frames++;
        v.bytes += data.length;
      }
      if (v.inspect) {
        const f = dec(data);
        const n = f.payload?.entries ? Object.keys(f.payload.entries).length : 0;
        v.log.push({ at: Date.now(), type: f.type, bytes: data.length, entries: n, seq: f.payload?.seq });
      }
    });
  });
  return v;
}

const viewers = Array.from({ length: VIEWERS }, (_, i) => viewer(i));
const paused = viewer('paused');
const joinStart = Date.now();
await Promise.all([...viewers, paused].map((v) => v.ready));
console.log(`${VIEWERS + 1} viewers joined (snapshot of ${viewers[0].parts} frames each) in ${Date.now() - joinStart} ms`);

// the window
for (const v of [...viewers, paused]) v.counting = true;
const cpu0 = NODE_PID ? cpuOf(NODE_PID) : null;
const pcpu0 = cpuOf(producer.pid);
const start = Date.now();
const pauseAt = start + ((SECONDS - PAUSE) / 2) * 1000;
await new Promise((r) => setTimeout(r, pauseAt - Date.now()));
paused.ws._socket.pause();
const liveAtPause = viewers.map((v) => ({ frames: v.frames, bytes: v.bytes }));
const pausedAtPause = { frames: paused.frames, bytes: paused.bytes };
await new Promise((r) => setTimeout(r, PAUSE * 1000));
const backlog = viewers.map((v, k) => ({ frames: v.frames - liveAtPause[k].frames, bytes: v.bytes - liveAtPause[k].bytes }));
const liveAtResume = viewers.map((v) => ({ frames: v.frames, bytes: v.bytes }));
const pausedAtResume = paused.frames;
const resumedAt = Date.now();
paused.inspect = true;
paused.ws._socket.resume();
await new Promise((r) => setTimeout(r, Math.max(0, start + SECONDS * 1000 - Date.now())));
const elapsed = (Date.now() - start) / 1000;
const cpu1 = NODE_PID ? cpuOf(NODE_PID) : null;
const pcpu1 = cpuOf(producer.pid);
stopping = true;
producer.kill();

const perViewer = viewers.map((v) => v.bytes / elapsed).sort((a, b) => a - b);
const framesPer = viewers.map((v) => v.frames / elapsed).sort((a, b) => a - b);
const med = (xs) => xs[Math.floor(xs.length / 2)];
console.log(`window ${elapsed.toFixed(1)} s: node CPU ${cpu0 === null ? 'n/a (NODE_PID unset)' : `${(((cpu1 - cpu0) / elapsed) * 100).toFixed(0)} % of one core`}, producer CPU ${(((pcpu1 - pcpu0) / elapsed) * 100).toFixed(0)} %`);
console.log(`live viewers: ${(med(perViewer) / 1048576).toFixed(2)} MiB/s each (median; min ${(perViewer[0] / 1048576).toFixed(2)}, max ${(perViewer[perViewer.length - 1] / 1048576).toFixed(2)}), ${med(framesPer).toFixed(1)} frames/s`);

// the paused viewer after resuming, against a live viewer over the same time: what it got beyond
// the live stream is its catch-up (a backlog would make it about as large as the backlog)
const after = paused.log;
const bl = { frames: med(backlog.map((b) => b.frames)), bytes: med(backlog.map((b) => b.bytes)) };
const liveAfter = viewers.map((v, k) => ({ frames: v.frames - liveAtResume[k].frames, bytes: v.bytes - liveAtResume[k].bytes }));
const la = { frames: med(liveAfter.map((x) => x.frames)), bytes: med(liveAfter.map((x) => x.bytes)) };
const sum = (xs, key) => xs.reduce((acc, f) => acc + f[key], 0);
const within = (ms) => after.filter((f) => f.at - resumedAt <= ms);
const types = {};
for (const f of after) types[f.type] = (types[f.type] ?? 0) + 1;
const mib = (x) => (x / 1048576).toFixed(1);
console.log(`paused ${PAUSE} s: the backlog (what a live viewer got meanwhile) ${bl.frames} frames, ${mib(bl.bytes)} MiB`);
console.log(`paused viewer, between pausing and resuming: ${pausedAtResume - pausedAtPause.frames} frames (already read by the client library's socket before the pause took hold)`);
for (const ms of [500, 1000, 2000]) {
  const w = within(ms);
  console.log(`paused viewer, first ${ms} ms after resuming: ${w.length} frames, ${mib(sum(w, 'bytes'))} MiB, ${sum(w, 'entries')} entries`);
}
console.log(`after resuming (${((Date.now() - resumedAt) / 1000).toFixed(1)} s): paused viewer ${after.length} frames, ${mib(sum(after, 'bytes'))} MiB; a live viewer ${la.frames} frames, ${mib(la.bytes)} MiB; catch-up beyond the live stream ${after.length - la.frames} frames, ${mib(sum(after, 'bytes') - la.bytes)} MiB (backlog ${mib(bl.bytes)} MiB); frame types ${JSON.stringify(types)}`);
for (const v of [...viewers, paused]) v.ws.terminate();
process.exit(0);
