// Fault harness (issue 16): a local cluster on loopback, 200 clients working in 20 rooms and one
// recording, faults injected on a schedule, and a ledger per client checked against the journal.
//
//   nice -n 15 node bench/faults.mjs <kill|cassandra|roll|scale|all> [minutes=10] [--port-base 18600]
//
// Starts `deploy/local-cluster` (3 nodes; 1 for `scale`) with its own data directory and ports
// (HTTP base..base+19, Artery base+20.., Management base+40.., metrics base+60.., Cassandra native
// base+80 and storage base+81), runs the load, injects the scenario's faults, lets the cluster
// settle, checks every ledger and prints the verdict table; then stops the cluster. Everything is on
// 127.0.0.1. The whole run is bounded: about minutes + 15 minutes at most, then it stops the cluster.
//
// Scenarios:
//   kill       SIGKILL of a random node every 30 s (only when all three are ready), restarted at once
//   cassandra  Cassandra stopped for 30 s, then started again; 60 s of steady load between outages
//   roll       rolling restart: SIGTERM one node (drain, bye, 1012), start it again, 10 s, the next
//   scale      1 node, then 3 (two joins), 60 s, then back to 1 (two leaves), 60 s, and again
//
// The clients (the counts are options: --rooms 20 --editors 5 --members 4 --xr 10 --viewers 9):
//   editors   5 per room, one durable `op` per second each with an idempotency key, resent with the
//             same key until it gets its `ok` (after `unavailable`, a timeout or a lost connection)
//   members   4 per room, `presence` every second
//   xr        one in each of the first 10 rooms, a `pose` every 50 ms (client kind xr)
//   recording one publisher (one event per `publish`, 4 a second) and 9 viewers
// Every client applies the `delta`/`events` frames it gets to its own copy, checks their seq (no
// gap, no repeat), reconnects on its own to a ready node (what a load balancer's health check would
// pick: /readyz 200) at once after 1012 and with a short jittered back-off otherwise, and resumes
// with `since` and `epoch`.
//
// Needs Node 18+ and the `ws` package: it is found in client-web/node_modules (there after any
// build) or in FAULTS_WS_DIR. Options: --dir (default /tmp/tandem-faults-<scenario>), --json <file>
// (the verdict as JSON), --stable-after (TANDEM_SBR_STABLE_AFTER, default the node's 10 s).
import { createRequire } from 'node:module';
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, readFileSync, writeFileSync, openSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const requireWs = createRequire(
  process.env.FAULTS_WS_DIR ? path.resolve(process.env.FAULTS_WS_DIR, 'x.js') : path.join(ROOT, 'client-web', 'package.json'),
);
const WebSocket = requireWs('ws');

// ------------------------------------------------------------------ options

const argv = process.argv.slice(2);
const positional = argv.filter((a, i) => !a.startsWith('--') && !(i > 0 && argv[i - 1].startsWith('--')));
const opt = (name, dflt) => {
  const i = argv.indexOf('--' + name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const SCENARIOS = ['kill', 'cassandra', 'roll', 'scale'];
const scenarioArg = positional[0];
if (!scenarioArg || ![...SCENARIOS, 'all'].includes(scenarioArg)) {
  console.error('usage: node bench/faults.mjs <kill|cassandra|roll|scale|all> [minutes=10] [--port-base 18600]');
  process.exit(2);
}
const MINUTES = Number(positional[1] ?? 10);
const PORT_BASE = Number(opt('port-base', process.env.FAULTS_PORT_BASE ?? 18600));
const ROOMS = Number(opt('rooms', 20));
const EDITORS = Number(opt('editors', 5));
const MEMBERS = Number(opt('members', 4));
const XR = Number(opt('xr', 10));
const VIEWERS = Number(opt('viewers', 9));
const OP_INTERVAL_MS = Number(opt('op-interval', 1000));
const STABLE_AFTER = opt('stable-after', '');
const JSON_OUT = opt('json', '');
const HOST = '127.0.0.1';
const MAX_NODES = 3;
const httpPort = (i) => PORT_BASE + i - 1;

const now = () => performance.now();
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const T0 = Date.now();
const stamp = () => `[${((Date.now() - T0) / 1000).toFixed(1).padStart(6)} s]`;
const log = (...a) => console.log(stamp(), ...a);

// ------------------------------------------------------------------ the cluster (deploy/local-cluster)

class Cluster {
  constructor(scenario) {
    this.dir = opt('dir', `/tmp/tandem-faults-${scenario}`);
    this.env = {
      ...process.env,
      TANDEM_LOCAL_DIR: this.dir,
      TANDEM_LOCAL_HTTP_PORT: String(PORT_BASE),
      TANDEM_LOCAL_CLUSTER_PORT: String(PORT_BASE + 20),
      TANDEM_LOCAL_MANAGEMENT_PORT: String(PORT_BASE + 40),
      TANDEM_LOCAL_METRICS_PORT: String(PORT_BASE + 60),
      TANDEM_CASSANDRA_NATIVE_PORT: String(PORT_BASE + 80),
      TANDEM_CASSANDRA_STORAGE_PORT: String(PORT_BASE + 81),
      TANDEM_SKIP_BUILD: 'true',
    };
    if (STABLE_AFTER) this.env.TANDEM_SBR_STABLE_AFTER = STABLE_AFTER;
    delete this.env.TANDEM_CASSANDRA_CONTACT_POINTS;
  }

  async start(n) {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(this.dir, { recursive: true });
    const out = openSync(path.join(this.dir, 'launcher.out'), 'a');
    this.launcher = spawn(path.join(ROOT, 'deploy/local-cluster'), [String(n)], {
      cwd: ROOT, env: this.env, stdio: ['ignore', out, out], detached: true,
    });
    this.launcherExited = new Promise((r) => this.launcher.on('exit', r));
    const deadline = Date.now() + 400_000;
    while (!existsSync(path.join(this.dir, 'run/dev-token'))) {
      if (this.launcher.exitCode !== null) throw new Error('the local cluster did not start: ' + path.join(this.dir, 'launcher.out'));
      if (Date.now() > deadline) throw new Error('the local cluster was not ready in time');
      await sleep(500);
    }
    await sleep(300);
    this.adminToken = readFileSync(path.join(this.dir, 'run/dev-token'), 'utf8').trim();
  }

  /** deploy/local-cluster <args>; resolves with its exit code once it returns. */
  run(...args) {
    return new Promise((resolve) => {
      execFile(path.join(ROOT, 'deploy/local-cluster'), args, { cwd: ROOT, env: this.env, timeout: 400_000 }, (err, stdout, stderr) => {
        if (err) log(`local-cluster ${args.join(' ')} failed: ${String(stderr || err.message).trim().split('\n').slice(-2).join(' | ')}`);
        resolve(err ? 1 : 0);
      });
    });
  }

  async stop() {
    if (!this.launcher || this.launcher.exitCode !== null) return;
    try { process.kill(this.launcher.pid, 'SIGTERM'); } catch { return; }
    await Promise.race([this.launcherExited, sleep(200_000)]);
  }
}

// The load balancer's view: which nodes answer /readyz 200 (polled every 500 ms).
const ready = new Map(); // node index -> boolean
let readyPoller;
async function pollReady() {
  await Promise.all(
    Array.from({ length: MAX_NODES }, (_, k) => k + 1).map(async (i) => {
      let ok = false;
      try {
        const r = await fetch(`http://${HOST}:${httpPort(i)}/readyz`, { signal: AbortSignal.timeout(1500) });
        ok = r.status === 200;
        await r.arrayBuffer();
      } catch { ok = false; }
      ready.set(i, ok);
    }),
  );
}
const readyNodes = () => [...ready.entries()].filter(([, ok]) => ok).map(([i]) => i);
function pickNode(avoid) {
  let candidates = readyNodes().filter((i) => i !== avoid);
  if (!candidates.length) candidates = readyNodes();
  if (!candidates.length) candidates = Array.from({ length: MAX_NODES }, (_, k) => k + 1);
  return candidates[Math.floor(Math.random() * candidates.length)];
}

async function devToken(sub, scope) {
  for (let attempt = 0; ; attempt++) {
    const node = pickNode();
    try {
      const r = await fetch(`http://${HOST}:${httpPort(node)}/v1/dev/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ sub, scope, ttlSeconds: 43200 }),
      });
      if (r.ok) return (await r.json()).token;
    } catch { /* try another node */ }
    if (attempt > 20) throw new Error('no dev token');
    await sleep(500);
  }
}

// ------------------------------------------------------------------ measurements

const M = {
  acks: [], // {t (s since load start), latency ms, kind}
  opErrors: {}, // code -> count
  unavailableLatency: [], // ms until an `unavailable` answer
  unavailable: [], // {t (s since load start, when asked), ms, what, session, node, wallClock}: each one, to find in the nodes' logs
  retries: 0,
  reconnects: [], // {t, ms, code, node}
  reconnectFailures: 0,
  resyncs: 0,
  freshOnResume: 0, // joins with since that got recovered:false
  gaps: 0, repeats: 0, contentMismatch: 0,
  closeCodes: {},
  byes: 0,
  presenceFrames: 0, posesFrames: 0,
  faults: [], // {t, what, until}
  readySamples: [], // {t, ready:[...], conns:{node:count}}
};
let loadStart = 0;
const tLoad = () => (now() - loadStart) / 1000;
/** An `unavailable` answer: how long it took, and when and where it was asked (wall clock, to match the nodes' logs). */
function noteUnavailable(what, session, client, askedAt) {
  const ms = now() - askedAt;
  M.unavailableLatency.push(ms);
  M.unavailable.push({ t: +((askedAt - loadStart) / 1000).toFixed(3), ms: Math.round(ms), what, session, node: client.node, wallClock: new Date(Date.now() - ms).toISOString() });
}
const bump = (obj, key) => { obj[key] = (obj[key] || 0) + 1; };

// the first content seen at each seq per session, to compare what different clients got
const seenContent = new Map(); // session -> Map(seq -> string)
function checkContent(session, seq, content) {
  let m = seenContent.get(session);
  if (!m) seenContent.set(session, (m = new Map()));
  const prev = m.get(seq);
  if (prev === undefined) m.set(seq, content);
  else if (prev !== content) M.contentMismatch++;
}

// ------------------------------------------------------------------ the doc model (room ops)

function applyOps(doc, ops) {
  for (const o of ops) {
    const keys = o.path.split('.');
    let cur = doc;
    for (let k = 0; k < keys.length - 1; k++) {
      if (cur[keys[k]] === null || typeof cur[keys[k]] !== 'object' || Array.isArray(cur[keys[k]])) {
        if (o.op === 'del') { cur = null; break; }
        cur[keys[k]] = {};
      }
      cur = cur[keys[k]];
    }
    if (cur === null) continue;
    const last = keys[keys.length - 1];
    if (o.op === 'set') cur[last] = o.value;
    else if (o.op === 'del') delete cur[last];
  }
}
const stable = (v) =>
  v === null || typeof v !== 'object' ? JSON.stringify(v)
    : Array.isArray(v) ? '[' + v.map(stable).join(',') + ']'
    : '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + stable(v[k])).join(',') + '}';

// ------------------------------------------------------------------ a client

let stopping = false; // no new changes
let finished = false; // no reconnects

class Client {
  constructor(id, kind, sessions, token) {
    this.id = id;
    this.kind = kind; // editor | member | xr | publisher | viewer
    this.token = token;
    // session -> {role, seq, epoch, doc, live}
    this.sessions = new Map(sessions.map(([s, role]) => [s, { role, seq: null, epoch: null, doc: null, live: false }]));
    this.ref = 0;
    this.waiting = new Map();
    this.node = null;
    this.lostAt = null;
    this.failures = 0;
    this.liveWaiters = [];
  }

  get live() { return this.ws && this.ws.readyState === 1 && [...this.sessions.values()].every((s) => s.live); }

  whenLive() {
    if (this.live) return Promise.resolve();
    return new Promise((r) => this.liveWaiters.push(r));
  }

  markLive() {
    if (!this.live) return;
    if (this.lostAt !== null) {
      M.reconnects.push({ t: tLoad(), ms: now() - this.lostAt, code: this.lastClose, node: this.node, kind: this.kind });
      this.lostAt = null;
    }
    this.failures = 0;
    const w = this.liveWaiters;
    this.liveWaiters = [];
    w.forEach((r) => r());
  }

  send(frame) {
    if (this.ws && this.ws.readyState === 1) this.ws.send(JSON.stringify({ version: 1, ...frame }));
  }

  request(type, session, payload, timeoutMs = 15000) {
    return new Promise((resolve) => {
      if (!this.ws || this.ws.readyState !== 1) return resolve({ type: 'closed' });
      const ref = ++this.ref;
      const timer = setTimeout(() => { this.waiting.delete(ref); resolve({ type: 'timeout' }); }, timeoutMs);
      this.waiting.set(ref, (f) => { clearTimeout(timer); resolve(f); });
      this.send({ type, ref, session, payload });
    });
  }

  async connect() {
    while (!finished) {
      const node = pickNode(this.lastClose === 1012 ? this.node : undefined);
      const ok = await this.open(node);
      if (ok) return;
      this.failures++;
      M.reconnectFailures++;
      await sleep(Math.min(2000, 100 * 2 ** Math.min(this.failures, 5)) * (0.5 + Math.random()));
    }
  }

  open(node) {
    return new Promise((resolve) => {
      const ws = new WebSocket(`ws://${HOST}:${httpPort(node)}/v1/ws`, 'tandem.v1.json', { handshakeTimeout: 5000 });
      this.ws = ws;
      this.node = node;
      let settled = false;
      const settle = (v) => { if (!settled) { settled = true; resolve(v); } };
      ws.on('error', () => {});
      ws.on('close', (code) => {
        for (const s of this.sessions.values()) s.live = false;
        const w = this.waiting;
        this.waiting = new Map();
        w.forEach((r) => r({ type: 'closed' }));
        clearInterval(this.pinger);
        if (!settled) return settle(false);
        bump(M.closeCodes, code);
        this.lastClose = code;
        if (finished) return;
        if (this.lostAt === null) this.lostAt = now();
        // 1012 (draining): at once; anything else after a short jittered pause
        const pause = code === 1012 ? 0 : 100 + Math.random() * 400;
        setTimeout(() => this.connect(), pause);
      });
      ws.on('message', (data) => this.onFrame(JSON.parse(data)));
      ws.on('open', async () => {
        const welcome = await this.request('hello', undefined, { token: this.token, client: { name: this.id, kind: this.kind === 'xr' ? 'xr' : 'bot' } }, 8000);
        if (welcome.type !== 'welcome') { ws.terminate(); return; }
        this.lastSeen = now();
        this.pinger = setInterval(() => {
          // a server that went silent (a vanished node) is left after 20 s
          if (now() - this.lastSeen > 20000) ws.terminate();
          else this.send({ type: 'ping', ref: ++this.ref, payload: { t: Date.now() } });
        }, 5000);
        const joined = await Promise.all([...this.sessions.keys()].map((s) => this.join(s)));
        if (!joined.every(Boolean)) return; // the socket closed meanwhile: its close handler goes on
        settle(true);
        this.markLive();
      });
    });
  }

  /**
   * Joins (or resumes) one session on the open connection, again and again with a growing pause
   * while the node answers `unavailable` (Cassandra away, the session moving): a client keeps its
   * connection through an outage rather than reconnecting. False only when the socket closed.
   */
  async join(session) {
    const s = this.sessions.get(session);
    for (let attempt = 0; !finished; attempt++) {
      const payload = { role: s.role };
      if (s.seq !== null) { payload.since = s.seq; payload.epoch = s.epoch; }
      // the node answers a join once the session runs again (its hub retries the entity for up
      // to rejoin-attempts x ask-timeout, 60 s): a shorter wait would send a second join, `conflict`
      const askedAt = now();
      const f = await this.request('join', session, payload, 75000);
      if (f.type === 'snapshot') {
        if (payload.since !== undefined && !f.payload.recovered) M.freshOnResume++;
        return true;
      }
      if (f.type === 'closed') return false;
      if (f.type === 'error') bump(M.opErrors, 'join:' + f.payload.code);
      else bump(M.opErrors, 'join:' + f.type);
      if (f.type === 'error' && f.payload.code === 'unavailable') noteUnavailable('join', session, this, askedAt);
      if (f.type === 'error' && f.payload.code === 'conflict' && s.live) return true;
      await sleep(Math.min(5000, 300 * 2 ** Math.min(attempt, 4)) * (0.5 + Math.random()));
    }
    return false;
  }

  onFrame(f) {
    this.lastSeen = now();
    if (f.ref && this.waiting.has(f.ref)) {
      const r = this.waiting.get(f.ref);
      this.waiting.delete(f.ref);
      // a snapshot is also state: fall through to apply it
      r(f);
    }
    const s = f.session ? this.sessions.get(f.session) : null;
    switch (f.type) {
      case 'snapshot': {
        if (!s) return;
        const p = f.payload;
        if (p.recovered) {
          if (s.seq !== null && p.seq !== s.seq) M.gaps++;
        } else {
          s.seq = p.seq;
          s.epoch = p.epoch;
          if (f.session.startsWith('room:')) s.doc = structuredClone(p.state.doc ?? {});
          else s.doc = null;
        }
        s.epoch = p.epoch ?? s.epoch;
        s.live = true;
        return;
      }
      case 'delta': {
        if (!s || s.seq === null) return;
        const seq = f.payload.seq;
        if (seq === undefined) return;
        if (seq <= s.seq) { M.repeats++; return; }
        if (seq !== s.seq + 1) M.gaps++;
        s.seq = seq;
        if (f.payload.ops) {
          applyOps(s.doc, f.payload.ops);
          checkContent(f.session, seq, stable(f.payload.ops));
        }
        return;
      }
      case 'events': {
        if (!s || s.seq === null) return;
        const from = f.payload.fromSeq;
        const last = from + f.payload.events.length - 1;
        if (last <= s.seq) { M.repeats++; return; }
        if (from !== s.seq + 1) M.gaps++;
        s.seq = last;
        checkContent(f.session, last, stable(f.payload.events));
        return;
      }
      case 'resync': M.resyncs++; return;
      case 'presence': M.presenceFrames++; return;
      case 'poses': M.posesFrames++; return;
      case 'bye': M.byes++; return;
      case 'error':
        if (!f.ref && s) {
          // the session is gone from under this connection (its hub gave up): join it again
          bump(M.opErrors, 'session:' + f.payload.code);
          s.live = false;
          this.join(f.session).then((ok) => { if (ok) this.markLive(); });
        }
        return;
      default:
    }
  }
}

// ------------------------------------------------------------------ workloads

const ledger = {
  rooms: new Map(), // room -> [{value, seq, editor, n}]
  recordingAcked: [], // {n, seq}
  recordingUnknown: new Set(), // n whose outcome is unknown (no ok, no clear refusal)
};
let firstAckAfter = null; // a fault whose end waits for the next ok (its firstOk: seconds after its end)

function recordAck(t0, kind) {
  const lat = now() - t0;
  M.acks.push({ t: tLoad(), latency: lat, kind });
  if (firstAckAfter !== null) {
    firstAckAfter.firstOk = tLoad() - firstAckAfter.until;
    firstAckAfter = null;
  }
}

async function editorLoop(c, room) {
  let n = 0;
  let next = now() + Math.random() * OP_INTERVAL_MS;
  const acked = [];
  ledger.rooms.get(room).push(acked);
  while (!stopping) {
    if (now() < next) await sleep(next - now());
    next += OP_INTERVAL_MS;
    if (stopping) break;
    n++;
    const value = `${c.id}:${n}`;
    const key = `${c.id}-${n}`;
    const sentAt = now();
    // until acknowledged: resend with the same key (the room applies it at most once)
    for (let attempt = 0; ; attempt++) {
      await c.whenLive();
      if (attempt > 0) M.retries++;
      const askedAt = now();
      const r = await c.request('op', room, { key, ops: [{ op: 'set', path: `e.${c.id}`, value }] });
      if (r.type === 'ok' && r.payload.seq !== undefined) {
        recordAck(sentAt, 'op');
        acked.push({ value, seq: r.payload.seq, n });
        break;
      }
      if (r.type === 'error') {
        bump(M.opErrors, 'op:' + r.payload.code);
        if (r.payload.code === 'not_joined') {
          // the node dropped this connection's membership (after an outage): join it again
          const s = c.sessions.get(room);
          s.live = false;
          if (await c.join(room)) c.markLive();
          continue;
        }
        if (r.payload.code === 'unavailable') noteUnavailable('op', room, c, askedAt);
        await sleep(r.payload.code === 'unavailable' ? 200 : 1000);
      } else if (r.type === 'timeout') {
        bump(M.opErrors, 'op:timeout');
      } else if (r.type === 'closed') {
        await sleep(50);
      } else {
        bump(M.opErrors, 'op:' + r.type);
        await sleep(500);
      }
      if (now() - sentAt > 600_000) { bump(M.opErrors, 'op:gave-up'); break; }
    }
    if (now() > next + OP_INTERVAL_MS) next = now();
  }
}

async function memberLoop(c, room) {
  while (!stopping) {
    await sleep(900 + Math.random() * 200);
    if (c.live) c.send({ type: 'presence', session: room, payload: { cursor: [Math.random(), Math.random()], name: c.id } });
  }
}

async function xrLoop(c, room) {
  let a = Math.random() * 6;
  while (!stopping) {
    await sleep(50);
    a += 0.05;
    if (c.live) {
      c.send({ type: 'pose', session: room, payload: { t: Date.now(), head: { p: [Math.cos(a), 1.6, Math.sin(a)], q: [0, Math.sin(a / 2), 0, Math.cos(a / 2)] } } });
    }
  }
}

async function publisherLoop(c, recording) {
  let n = 0;
  while (!stopping) {
    await sleep(250);
    await c.whenLive();
    if (stopping) break;
    n++;
    const sentAt = now();
    const r = await c.request('publish', recording, { events: [{ n }] });
    if (r.type === 'ok' && r.payload.seq !== undefined) {
      recordAck(sentAt, 'publish');
      ledger.recordingAcked.push({ n, seq: r.payload.seq });
    } else {
      // a publish has no idempotency key: sending it again could apply it twice, so its outcome
      // stays unknown (it may or may not be in the journal, but never twice)
      if (r.type === 'error') bump(M.opErrors, 'publish:' + r.payload.code);
      else bump(M.opErrors, 'publish:' + r.type);
      ledger.recordingUnknown.add(n);
      if (r.type === 'error') await sleep(200);
    }
  }
}

// ------------------------------------------------------------------ scenarios

function fault(what) {
  const f = { t: tLoad(), what, until: null };
  M.faults.push(f);
  log('fault:', what);
  return f;
}

async function awaitReady(nodes, ms = 300_000) {
  const deadline = now() + ms;
  while (now() < deadline) {
    await pollReady();
    if (nodes.every((i) => ready.get(i))) return true;
    await sleep(500);
  }
  return false;
}

async function scenarioKill(cluster, endAt) {
  let last = -Infinity;
  while (now() < endAt) {
    const wait = Math.max(0, last + 30000 - now());
    await sleep(wait);
    if (now() >= endAt) break;
    await awaitReady([1, 2, 3], endAt - now());
    if (now() >= endAt) break;
    const victim = 1 + Math.floor(Math.random() * 3);
    last = now();
    const f = fault(`kill -9 node ${victim}`);
    await cluster.run('kill', String(victim));
    cluster.run('restart', String(victim)).then(() => { f.until = tLoad(); log(`node ${victim} ready again`); });
  }
}

async function scenarioCassandra(cluster, endAt) {
  await sleep(20000);
  while (now() + 60000 < endAt) {
    const f = fault('Cassandra stopped');
    await cluster.run('cassandra', 'stop');
    f.stopped = tLoad();
    const allNotReady = (async () => {
      while (readyNodes().length && tLoad() - f.t < 60) await sleep(200);
      f.notReadyAfter = readyNodes().length ? null : tLoad() - f.t;
    })();
    await sleep(30000);
    await allNotReady;
    log('starting Cassandra again');
    await cluster.run('cassandra', 'start');
    f.until = tLoad();
    firstAckAfter = f;
    const back = now();
    await awaitReady([1, 2, 3], 120000);
    f.readyAgainAfter = (now() - back) / 1000;
    log(`all nodes ready ${f.readyAgainAfter.toFixed(1)} s after Cassandra answered`);
    await sleep(60000);
  }
}

async function scenarioRoll(cluster, endAt) {
  await sleep(20000);
  while (now() < endAt) {
    for (const i of [1, 2, 3]) {
      if (now() >= endAt) break;
      const f = fault(`SIGTERM node ${i}`);
      await cluster.run('leave', String(i));
      f.exited = tLoad();
      await cluster.run('restart', String(i));
      f.until = tLoad();
      log(`node ${i} back`);
      await sleep(10000);
    }
  }
}

async function scenarioScale(cluster, endAt) {
  let grown = false;
  await sleep(20000);
  while (now() < endAt) {
    const out = fault('scale 1 -> 3');
    for (const i of [2, 3]) await cluster.run(grown ? 'restart' : 'add', ...(grown ? [String(i)] : []));
    grown = true;
    out.until = tLoad();
    await sleep(60000);
    if (now() >= endAt) break;
    const inn = fault('scale 3 -> 1');
    for (const i of [3, 2]) await cluster.run('leave', String(i));
    inn.until = tLoad();
    await sleep(60000);
  }
}

// ------------------------------------------------------------------ the verdict

function pct(values, p) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
const f1 = (x) => (Number.isFinite(x) ? x.toFixed(1) : '-');
const f0 = (x) => (Number.isFinite(x) ? x.toFixed(0) : '-');

async function history(cluster, session) {
  for (let attempt = 0; attempt < 10; attempt++) {
    try {
      const node = pickNode();
      const r = await fetch(`http://${HOST}:${httpPort(node)}/v1/sessions/${session}/events`, {
        headers: { Authorization: 'Bearer ' + cluster.adminToken },
        signal: AbortSignal.timeout(30000),
      });
      if (r.ok) return (await r.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l));
    } catch { /* again */ }
    await sleep(1000);
  }
  throw new Error('no history for ' + session);
}

async function verdict(cluster, scenario, clients, rooms, recording) {
  const v = { scenario, lost: 0, appliedTwice: 0, outOfOrder: 0, docsDiffer: 0, notLive: 0 };
  // the journal of every room: value -> seqs
  const journalDocs = new Map();
  const journalSeq = new Map();
  for (const room of rooms) {
    const items = (await history(cluster, room)).filter((it) => it.seq !== undefined && it.frame?.type === 'delta');
    const at = new Map();
    const doc = {};
    let prev = 0;
    for (const it of items) {
      if (it.seq !== prev + 1) v.outOfOrder++;
      prev = it.seq;
      applyOps(doc, it.frame.payload.ops ?? []);
      for (const o of it.frame.payload.ops ?? []) {
        if (typeof o.value !== 'string') continue;
        if (!at.has(o.value)) at.set(o.value, []);
        at.get(o.value).push(it.seq);
      }
      checkContent(room, it.seq, stable(it.frame.payload.ops));
    }
    journalDocs.set(room, doc);
    journalSeq.set(room, prev);
    for (const seqs of at.values()) if (seqs.length > 1) v.appliedTwice++;
    for (const acked of ledger.rooms.get(room)) {
      let lastSeq = 0;
      for (const a of acked) {
        const seqs = at.get(a.value);
        if (!seqs || !seqs.includes(a.seq)) v.lost++;
        if (a.seq <= lastSeq) v.outOfOrder++;
        lastSeq = a.seq;
      }
    }
  }
  // the recording: every acknowledged event once, unknown ones at most once
  const recItems = (await history(cluster, recording)).filter((it) => it.frame?.type === 'events');
  const recAt = new Map();
  for (const it of recItems) {
    const p = it.frame.payload;
    p.events.forEach((e, k) => {
      if (!recAt.has(e.n)) recAt.set(e.n, []);
      recAt.get(e.n).push(p.fromSeq + k);
    });
  }
  journalSeq.set(recording, recItems.length ? recItems.at(-1).seq : 0);
  for (const seqs of recAt.values()) if (seqs.length > 1) v.appliedTwice++;
  let lastRec = 0;
  for (const a of ledger.recordingAcked) {
    const seqs = recAt.get(a.n);
    if (!seqs || !seqs.includes(a.seq)) v.lost++;
    if (a.seq <= lastRec) v.outOfOrder++;
    lastRec = a.seq;
  }
  // every client caught up with its journal, then its document compared with the journal's
  const deadline = now() + 60000;
  const caughtUp = (c) => [...c.sessions.entries()].every(([s, st]) => st.seq !== null && st.seq >= journalSeq.get(s));
  while (now() < deadline && !clients.every((c) => c.live && caughtUp(c))) await sleep(500);
  for (const c of clients) {
    if (!c.live || !caughtUp(c)) { v.notLive++; continue; }
    for (const [s, st] of c.sessions) {
      if (!s.startsWith('room:')) continue;
      if (stable(st.doc) !== stable(journalDocs.get(s))) v.docsDiffer++;
    }
  }
  v.outOfOrder += M.gaps + M.repeats + M.contentMismatch;
  v.gaps = M.gaps; v.repeats = M.repeats; v.contentMismatch = M.contentMismatch;
  v.acked = M.acks.length;
  v.publishUnknown = ledger.recordingUnknown.size;
  return v;
}

function report(v, seconds) {
  const lines = [];
  const out = (s = '') => { lines.push(s); console.log(s); };
  const lat = M.acks.map((a) => a.latency);
  const byBucket = new Map();
  for (const a of M.acks) {
    const b = Math.floor(a.t / 30);
    if (!byBucket.has(b)) byBucket.set(b, []);
    byBucket.get(b).push(a.latency);
  }
  const perSecond = new Map();
  for (const a of M.acks) perSecond.set(Math.floor(a.t), (perSecond.get(Math.floor(a.t)) ?? 0) + 1);
  const rec = M.reconnects.map((r) => r.ms);
  out(`### ${v.scenario}: ${(seconds / 60).toFixed(1)} min of faults, ${v.acked} acknowledged changes`);
  out();
  out('| verdict | value |');
  out('|---|---|');
  out(`| acknowledged changes lost | **${v.lost}** |`);
  out(`| applied twice | **${v.appliedTwice}** |`);
  out(`| out of order (journal gaps, client gaps ${v.gaps}, repeats ${v.repeats}, content differing ${v.contentMismatch}) | **${v.outOfOrder}** |`);
  out(`| clients whose document differs from the journal's | **${v.docsDiffer}** (not live or not caught up at the end: ${v.notLive}) |`);
  out(`| acks per second: mean / worst 1 s / best 1 s | ${f1(v.acked / seconds)} / ${Math.min(...Array.from({ length: Math.floor(seconds) }, (_, s) => perSecond.get(s) ?? 0))} / ${Math.max(0, ...perSecond.values())} |`);
  out(`| op latency p50 / p99 / max (ms, send to ok, retries included) | ${f0(pct(lat, 50))} / ${f0(pct(lat, 99))} / ${f0(Math.max(0, ...lat))} |`);
  out(`| reconnects: count / p50 / p99 / max (ms to live again, all sessions joined) | ${rec.length} / ${f0(pct(rec, 50))} / ${f0(pct(rec, 99))} / ${f0(Math.max(0, ...rec))} |`);
  out(`| failed connection attempts | ${M.reconnectFailures} |`);
  out(`| close codes seen | ${Object.entries(M.closeCodes).map(([k, n]) => `${k}: ${n}`).join(', ') || '-'} |`);
  out(`| bye frames | ${M.byes} |`);
  out(`| resyncs / fresh snapshots on resume | ${M.resyncs} / ${M.freshOnResume} |`);
  out(`| retries (same key) / errors | ${M.retries} / ${Object.entries(M.opErrors).map(([k, n]) => `${k} ${n}`).join(', ') || '-'} |`);
  out(`| unavailable answered after p50 / max (ms) | ${f0(pct(M.unavailableLatency, 50))} / ${f0(Math.max(0, ...M.unavailableLatency))} |`);
  out(`| publishes with unknown outcome (no ok; never resent) | ${v.publishUnknown} |`);
  out();
  out('Per fault (window: from the fault to the next one or 60 s):');
  out();
  out('| at (s) | fault | back after (s) | acks | p99 op latency (ms) | worst op (ms) | reconnects | slowest reconnect (ms) | first ok after (s) |');
  out('|---|---|---|---|---|---|---|---|---|');
  M.faults.forEach((f, k) => {
    const end = Math.min(M.faults[k + 1]?.t ?? Infinity, f.t + 60, seconds + 60);
    const inWin = M.acks.filter((a) => a.t >= f.t && a.t < end);
    const l = inWin.map((a) => a.latency);
    const rc = M.reconnects.filter((r) => r.t >= f.t && r.t < end + 30).map((r) => r.ms);
    const extra = f.readyAgainAfter !== undefined ? ` (readyz 503 on all after ${f1(f.notReadyAfter)} s; ready ${f1(f.readyAgainAfter)} s after Cassandra answered)` : '';
    out(`| ${f0(f.t)} | ${f.what}${extra} | ${f.until === null ? '-' : f1(f.until - f.t)} | ${inWin.length} | ${f0(pct(l, 99))} | ${f0(Math.max(0, ...l))} | ${rc.length} | ${f0(Math.max(0, ...rc))} | ${f.firstOk === undefined ? '-' : f1(f.firstOk)} |`);
  });
  out();
  out('Over time (30 s buckets): acks per second, p99 op latency in ms, connections per node at the bucket\'s end:');
  out();
  out('| from (s) | acks/s | p99 (ms) | connections per node |');
  out('|---|---|---|---|');
  for (const [b, l] of [...byBucket.entries()].sort((a, b2) => a[0] - b2[0])) {
    const sample = [...M.readySamples].reverse().find((s) => s.t < (b + 1) * 30);
    const conns = sample ? Object.entries(sample.conns).map(([n, c]) => `n${n}:${c}`).join(' ') : '';
    out(`| ${b * 30} | ${f1(l.length / 30)} | ${f0(pct(l, 99))} | ${conns} |`);
  }
  return lines.join('\n');
}

// ------------------------------------------------------------------ one scenario

async function runScenario(scenario) {
  Object.assign(M, {
    acks: [], opErrors: {}, unavailableLatency: [], unavailable: [], retries: 0, reconnects: [], reconnectFailures: 0,
    resyncs: 0, freshOnResume: 0, gaps: 0, repeats: 0, contentMismatch: 0, closeCodes: {}, byes: 0,
    presenceFrames: 0, posesFrames: 0, faults: [], readySamples: [],
  });
  seenContent.clear();
  ledger.rooms = new Map();
  ledger.recordingAcked = [];
  ledger.recordingUnknown = new Set();
  firstAckAfter = null;
  stopping = false;
  finished = false;

  const cluster = new Cluster(scenario);
  currentCluster = cluster;
  const initial = scenario === 'scale' ? 1 : 3;
  const hardStop = setTimeout(async () => {
    log('time bound reached: stopping the cluster');
    await cluster.stop();
    process.exit(3);
  }, (MINUTES + 8) * 60_000 + 400_000);
  try {
    log(`${scenario}: starting deploy/local-cluster ${initial} under ${cluster.dir} (HTTP ports from ${PORT_BASE})`);
    await cluster.start(initial);
    await pollReady();
    readyPoller = setInterval(pollReady, 500);
    const run = `${Date.now().toString(36)}`;
    const rooms = Array.from({ length: ROOMS }, (_, r) => `room:faults-${run}-${r}`);
    const recording = `recording:faults-${run}`;
    const specs = [];
    rooms.forEach((room, r) => {
      for (let k = 0; k < EDITORS; k++) specs.push({ kind: 'editor', room, role: 'editor' });
      for (let k = 0; k < MEMBERS; k++) specs.push({ kind: 'member', room, role: 'editor' });
      if (r < XR) specs.push({ kind: 'xr', room, role: 'editor' });
    });
    specs.push({ kind: 'publisher', room: recording, role: 'publisher' });
    for (let k = 0; k < VIEWERS; k++) specs.push({ kind: 'viewer', room: recording, role: 'viewer' });
    const scope = 'room:faults-*:write recording:faults-*:publish recording:faults-*:read';
    const clients = [];
    for (const [k, sp] of specs.entries()) {
      const id = `${sp.kind}${k}`;
      clients.push(new Client(id, sp.kind, [[sp.room, sp.role]], await devToken(id, scope)));
    }
    for (const room of rooms) ledger.rooms.set(room, []);
    log(`${clients.length} clients in ${rooms.length} rooms and ${recording}; connecting`);
    loadStart = now();
    for (let k = 0; k < clients.length; k += 20) await Promise.all(clients.slice(k, k + 20).map((c) => c.connect()));
    M.reconnects.length = 0;
    log('all connected and joined; load starts');
    loadStart = now();
    const loops = clients.map((c) => {
      const room = [...c.sessions.keys()][0];
      if (c.kind === 'editor') return editorLoop(c, room);
      if (c.kind === 'member') return memberLoop(c, room);
      if (c.kind === 'xr') return xrLoop(c, room);
      if (c.kind === 'publisher') return publisherLoop(c, room);
      return Promise.resolve();
    });
    const sampler = setInterval(() => {
      const conns = {};
      for (const c of clients) if (c.ws?.readyState === 1) conns[c.node] = (conns[c.node] ?? 0) + 1;
      M.readySamples.push({ t: tLoad(), ready: readyNodes(), conns });
    }, 1000);
    const progress = setInterval(() => {
      const t = tLoad();
      const recent = M.acks.filter((a) => a.t > t - 10);
      log(`acks/s ${(recent.length / 10).toFixed(1)}, p99 ${f0(pct(recent.map((a) => a.latency), 99))} ms, live ${clients.filter((c) => c.live).length}/${clients.length}, ready nodes [${readyNodes()}]`);
    }, 10000);

    const endAt = now() + MINUTES * 60_000;
    const faults = { kill: scenarioKill, cassandra: scenarioCassandra, roll: scenarioRoll, scale: scenarioScale }[scenario];
    await faults(cluster, endAt);
    if (now() < endAt) await sleep(endAt - now());
    const seconds = tLoad();
    log('faults over; waiting for the cluster to settle');
    const finalNodes = scenario === 'scale' ? [1] : [1, 2, 3];
    await awaitReady(finalNodes, 300_000);
    // a node that is still starting (restarted at the end) is waited for too
    const t = now();
    while (now() - t < 120_000 && clients.some((c) => !c.live)) await sleep(500);
    stopping = true;
    log('load stops; waiting for every change in flight to be acknowledged');
    await Promise.race([Promise.all(loops), sleep(180_000)]);
    await sleep(3000);
    clearInterval(progress);
    const v = await verdict(cluster, scenario, clients, rooms, recording);
    clearInterval(sampler);
    finished = true;
    for (const c of clients) c.ws?.close(1000);
    clearInterval(readyPoller);
    console.log();
    const text = report(v, seconds);
    if (JSON_OUT) {
      writeFileSync(JSON_OUT.replace('%s', scenario), JSON.stringify({ verdict: v, faults: M.faults, reconnects: M.reconnects, unavailable: M.unavailable, table: text }, null, 1));
    }
    return v;
  } finally {
    clearInterval(readyPoller);
    finished = true;
    log('stopping the cluster');
    await cluster.stop();
    clearTimeout(hardStop);
  }
}

let currentCluster = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, async () => {
    finished = true;
    stopping = true;
    log(`${sig}: stopping the cluster`);
    await currentCluster?.stop();
    process.exit(130);
  });
}

const results = [];
for (const s of scenarioArg === 'all' ? SCENARIOS : [scenarioArg]) results.push(await runScenario(s));
const bad = results.some((v) => v.lost || v.appliedTwice || v.outOfOrder || v.docsDiffer);
process.exit(bad ? 1 : 0);
