// Unit tests of the client library against a real node (TANDEM_URL, started by JUnit's
// ClientLibraryTest). Connections are cut with a TCP proxy in front of the node, so the client
// sees the server side go away, exactly as when a node dies or the network drops.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TandemClient, TandemError, States } from '../../src/tandem-client.js';
import { nodeUrl, wsUrlOf, devToken, uniqueRoom, waitFor, startProxy, deadPort } from '../support/harness.mjs';

const base = nodeUrl();
const clients = [];
const proxies = [];
after(async () => {
  for (const c of clients) c.close();
  for (const p of proxies) await p.close();
});

async function client(name, options = {}) {
  const token = await devToken(name);
  const c = new TandemClient({
    urls: [wsUrlOf(base)],
    token,
    WebSocket,
    client: { name, kind: 'bot' },
    reconnect: { initialDelayMs: 50, maxDelayMs: 800, factor: 2, jitter: 0.5 },
    ...options,
  });
  clients.push(c);
  await c.connect();
  return c;
}

async function proxy() {
  const p = await startProxy(base);
  proxies.push(p);
  return p;
}

/** Records every durable seq a session applies, to check for losses and doubles. */
function seqLog(session) {
  const seen = [];
  session.on('change', (e) => seen.push(e.seq));
  return seen;
}

for (const encoding of ['json', 'cbor']) {
  test(`${encoding}: hello, join, op and delta round trip with seqs from 1`, async () => {
    const room = uniqueRoom(encoding);
    const a = await client('alice', { encoding });
    assert.equal(a.state, States.OPEN);
    assert.equal(a.welcome.principal, 'alice');
    assert.ok(a.node, 'welcome names the node');
    const s = await a.join(room, { role: 'editor', presence: { name: 'Alice' } });
    assert.equal(s.seq, 0);
    assert.deepEqual(s.doc, {});
    const delta = s.next('delta');
    const ok = await s.set('view.timeCursor', 12.5);
    assert.equal(ok.seq, 1);
    const d = await delta;
    assert.equal(d.seq, 1);
    assert.ok(d.by.startsWith('alice/'));
    assert.equal(s.doc.view.timeCursor, 12.5);
    assert.ok((await a.ping()) >= 0);
    const spawned = await s.object('spawn', 'cube', { asset: 'cube.glb', transform: { p: [1, 2, 3] } });
    assert.equal(spawned.seq, 2);
    await waitFor(() => s.seq === 2, { what: 'the object delta' });
    assert.deepEqual(s.objects.cube.transform.p, [1, 2, 3]);
  });
}

test('errors are surfaced: a refused request rejects with the server code, an unsolicited one is an event', async () => {
  const room = uniqueRoom('err');
  const viewerToken = await devToken('viewer', 'room:*:read');
  const v = new TandemClient({ url: wsUrlOf(base), token: viewerToken, WebSocket });
  clients.push(v);
  await v.connect();
  const s = await v.join(room, { role: 'viewer' });
  await assert.rejects(s.set('x', 1), (e) => e instanceof TandemError && e.code === 'forbidden');
  const seen = v.next('error', (e) => e.code === 'forbidden');
  s.presence({ cursor: { x: 0.5, y: 0.5 } }); // presence needs write: refused without a ref
  assert.equal((await seen).session, room);
  await assert.rejects(v.join('room:bad name'), (e) => e.code === 'invalid_session' || e.code === 'bad_frame');
  await assert.rejects(v.join(room), (e) => e.code === 'conflict', 'joined already');
});

test('a cut connection reconnects with growing, jittered delays and resumes without a lost or doubled change', async () => {
  const room = uniqueRoom('resume');
  const p = await proxy();
  const writer = await client('writer');
  const w = await writer.join(room, { role: 'editor' });
  const delays = [];
  const reader = await client('reader', { urls: [p.wsUrl] });
  reader.on('reconnecting', (e) => delays.push(e.delayMs));
  const r = await reader.join(room, { role: 'editor' });
  const seen = seqLog(r);
  for (let i = 1; i <= 3; i++) await w.set('n', i);
  await waitFor(() => r.seq === 3, { what: 'reader at seq 3' });

  p.block();
  p.cut();
  await waitFor(() => reader.state === States.RECONNECTING, { what: 'reconnecting' });
  for (let i = 4; i <= 10; i++) await w.set('n', i); // missed while away
  await waitFor(() => delays.length >= 4, { what: 'four reconnect attempts', timeoutMs: 15000 });
  // attempt k waits base*2^k minus up to half of it (jitter 0.5), capped at 800 ms
  delays.slice(0, 4).forEach((d, k) => {
    const cap = Math.min(800, 50 * 2 ** k);
    assert.ok(d <= cap && d >= cap / 2, `delay ${k} = ${d} in [${cap / 2}, ${cap}]`);
  });
  const resumed = reader.next('resumed', undefined, 15000);
  p.unblock();
  const { recovered } = await resumed;
  assert.equal(recovered, true, 'resumed from since, not a fresh snapshot');
  await waitFor(() => r.seq === 10, { what: 'reader at seq 10' });
  await w.set('n', 11);
  await waitFor(() => r.seq === 11, { what: 'a live change after the resume' });
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.deepEqual(r.doc, w.doc);
  assert.equal(r.stats.recoveredResumes, 1);
  assert.equal(reader.stats.reconnects, 1);
});

test('a change whose answer was lost is sent again with its key after the resume and applied once', async () => {
  const room = uniqueRoom('retry');
  const p = await proxy();
  const observer = await client('observer');
  const o = await observer.join(room, { role: 'viewer' });
  const writer = await client('writer', { urls: [p.wsUrl] });
  const w = await writer.join(room, { role: 'editor' });
  assert.equal((await w.set('n', 1)).seq, 1);
  p.mute();
  const second = w.set('n', 2); // reaches the node; its ok is swallowed
  await waitFor(() => o.seq === 2, { what: 'the node applied the change' });
  p.cut(); // the writer never got its ok: it reconnects, resumes and sends it again
  const ok = await second;
  assert.equal(ok.seq, 2, 'answered with the seq of the first application');
  assert.equal((await w.set('n', 3)).seq, 3, 'the retry took no seq of its own');
  await waitFor(() => o.seq === 3, { what: 'the observer at seq 3' });
  assert.equal(o.doc.n, 3);
  assert.equal(writer.stats.reconnects, 1);
});

test('reconnects go to the next URL of the list when a node is down', async () => {
  const room = uniqueRoom('urls');
  const dead = `ws://127.0.0.1:${await deadPort()}/v1/ws`;
  const c = await client('roamer', { urls: [dead, wsUrlOf(base)] });
  // the first URL refused, so the connection is on the second
  assert.equal(c.url, wsUrlOf(base));
  assert.ok(c.stats.connects === 1);
  const s = await c.join(room, { role: 'editor' });
  assert.equal((await s.set('a', 1)).seq, 1);
});

test('a change delivered twice is applied once (de-duplication by seq)', async () => {
  const room = uniqueRoom('dup');
  // a WebSocket whose deliveries repeat every delta frame: a real node, a flaky transport
  class DoublingWebSocket extends WebSocket {
    set onmessage(fn) {
      super.onmessage = (event) => {
        fn(event);
        if (typeof event.data === 'string' && event.data.includes('"type":"delta"')) fn(event);
      };
    }
  }
  const writer = await client('w2');
  const w = await writer.join(room, { role: 'editor' });
  const c = await client('doubled', { WebSocket: DoublingWebSocket });
  const s = await c.join(room, { role: 'viewer' });
  const seen = seqLog(s);
  const deltas = [];
  s.on('delta', (e) => deltas.push(e.seq));
  for (let i = 1; i <= 5; i++) await w.set(`k${i}`, i);
  await waitFor(() => s.seq === 5, { what: 'seq 5' });
  await w.set('k6', 6);
  await waitFor(() => s.seq === 6, { what: 'seq 6' });
  assert.deepEqual(seen, [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(deltas, [1, 2, 3, 4, 5, 6]);
  assert.equal(s.stats.duplicatesDropped, 6);
  assert.deepEqual(s.doc, w.doc);
});

test('presence is kept across a reconnect and members see joins, leaves and cursors', async () => {
  const room = uniqueRoom('presence');
  const p = await proxy();
  const a = await client('ann');
  const sa = await a.join(room, { role: 'editor', presence: { name: 'Ann' } });
  const b = await client('ben', { urls: [p.wsUrl] });
  const sb = await b.join(room, { role: 'editor', presence: { name: 'Ben', cursor: { x: 0.1, y: 0.2 } } });
  const benOf = (members) => Object.entries(members).find(([id]) => id.startsWith('ben/'));
  await waitFor(() => benOf(sa.members)?.[1].presence.cursor?.x === 0.1, { what: 'Ben in Ann\'s members' });
  sb.presence({ name: 'Ben', cursor: { x: 0.7, y: 0.3 } });
  await waitFor(() => benOf(sa.members)?.[1].presence.cursor?.x === 0.7, { what: 'Ben\'s cursor moved' });
  const firstId = benOf(sa.members)[0];
  p.cut();
  // Ben's old connection leaves, the new one comes back with the presence it had
  await waitFor(() => {
    const ben = benOf(sa.members);
    return ben && ben[0] !== firstId && ben[1].presence.cursor?.x === 0.7;
  }, { what: 'Ben back with his presence', timeoutMs: 15000 });
  await sb.leave();
  await waitFor(() => !benOf(sa.members), { what: 'Ben gone' });
});

test('a room replays its changes in order (replay.events, then replay.end)', async () => {
  const room = uniqueRoom('replay');
  const a = await client('replayer');
  const s = await a.join(room, { role: 'editor' });
  for (let i = 1; i <= 4; i++) await s.set('view.timeCursor', i * 10);
  const items = [];
  a.on('replay.events', (f) => {
    if (f.session === room) items.push(...f.payload.items);
  });
  const ended = a.next('replay.end', (f) => f.session === room);
  await a.replay(room, { from: 1, speed: 0 });
  const end = await ended;
  assert.equal(end.payload.seq, 4);
  assert.deepEqual(items.map((i) => i.seq), [1, 2, 3, 4]);
  assert.deepEqual(items.map((i) => i.frame.payload.ops[0].value), [10, 20, 30, 40]);
  assert.equal(s.seq, 4, 'a replay never changes the session');
});

test('retryNow skips the rest of a long backoff wait', async () => {
  const room = uniqueRoom('retry');
  const p = await proxy();
  const c = await client('impatient', { urls: [p.wsUrl], reconnect: { initialDelayMs: 30000, maxDelayMs: 30000, jitter: 0 } });
  const s = await c.join(room, { role: 'editor' });
  await s.set('a', 1);
  p.cut();
  const reconnecting = await c.next('reconnecting');
  assert.equal(reconnecting.delayMs, 30000);
  const resumed = c.next('resumed', undefined, 5000);
  const t0 = Date.now();
  c.retryNow();
  assert.equal((await resumed).recovered, true);
  assert.ok(Date.now() - t0 < 5000);
  assert.equal(c.state, States.OPEN);
});

test("a room's tick rate: an editor sets it, members are told, a late joiner's snapshot has it", async () => {
  const room = uniqueRoom('hz');
  const editor = await client('hz-editor');
  const e = await editor.join(room, { role: 'editor' });
  assert.equal(e.settings.tickHz, 20, "the node's default");
  const watcher = await client('hz-viewer');
  const v = await watcher.join(room, { role: 'viewer' });
  const told = v.next('settings');
  const ok = await e.setTickRate(45);
  assert.equal(ok.seq, undefined, 'a setting takes no seq');
  const event = await told;
  assert.equal(event.tickHz, 45);
  assert.equal(event.by.split('/')[0], 'hz-editor');
  assert.deepEqual(v.settings, { tickHz: 45 });
  await assert.rejects(v.setTickRate(30), (err) => err instanceof TandemError && err.code === 'forbidden');
  await assert.rejects(e.setTickRate(500), (err) => err instanceof TandemError && err.code === 'too_big');
  const late = await client('hz-late');
  assert.deepEqual((await late.join(room, { role: 'viewer' })).settings, { tickHz: 45 });
});

test('an XR client gets per-object levels of detail in the order of its gaze (session.detail, levelOf)', async () => {
  const room = uniqueRoom('gaze');
  const headset = await client('gaze-headset', { client: { name: 'gaze-headset', kind: 'xr' } });
  const s = await headset.join(room, { role: 'editor' });
  // ids in the opposite of the gaze order, so that id order cannot pass for it
  await s.object('spawn', 'z-ahead', { asset: 'cube', transform: { p: [0, 1.6, -3] } });
  await s.object('spawn', 'a-behind', { asset: 'cube', transform: { p: [0, 1.6, 3] } });
  const first = s.next('detail', (e) => e.order[0] === 'z-ahead');
  s.pose({ t: 1, head: { p: [0, 1.6, 0], q: [0, 0, 0, 1] } }); // looking along -Z
  const detail = await first;
  assert.deepEqual(detail.order, ['z-ahead', 'a-behind']);
  assert.equal(s.levelOf('z-ahead'), 'high', 'the object at the centre of the gaze is high at once');
  // the one behind follows a raise step later (the default budget is 8 objects)
  await waitFor(() => s.levelOf('a-behind') === 'high', { what: 'the object behind raised to high' });
  assert.equal(s.levelOf('unknown-object', 'low'), 'low', 'an object the node did not rank takes the fallback');
});

test("op() resolves once the doc shows the change, also when the server's ok overtakes the delta", async () => {
  // A scripted server answers each op with ok at once and sends the sender's delta 150 ms later:
  // the two travel separate paths on a real node and may come in either order.
  const { WebSocketServer } = await import('ws');
  const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise((resolve) => server.once('listening', resolve));
  let seq = 0;
  server.on('connection', (socket) => {
    const send = (frame) => socket.send(JSON.stringify({ version: 1, ...frame }));
    socket.on('message', (data) => {
      const f = JSON.parse(data.toString());
      if (f.type === 'hello') send({ type: 'welcome', ref: f.ref, payload: { principal: 'scripted', node: 'fake', connection: 'c1', resumeTtlMs: 0 } });
      if (f.type === 'join') send({ type: 'snapshot', ref: f.ref, session: f.session, payload: { seq: 0, state: { doc: {}, objects: {} }, members: [] } });
      if (f.type === 'op') {
        seq++;
        send({ type: 'ok', ref: f.ref, session: f.session, payload: { seq } });
        const delta = { type: 'delta', session: f.session, payload: { seq, by: 'scripted/1', ts: Date.now(), ops: f.payload.ops } };
        setTimeout(() => send(delta), 150);
      }
    });
  });
  try {
    const c = new TandemClient({ url: `ws://127.0.0.1:${server.address().port}/v1/ws`, token: 'scripted', WebSocket, encoding: 'json' });
    clients.push(c);
    await c.connect();
    const s = await c.join('room:scripted', { role: 'editor' });
    const ok = await s.set('notes.first', 'a note');
    assert.equal(ok.seq, 1);
    assert.equal(s.seq, 1, 'the own delta is in when op() resolves');
    assert.deepEqual(s.doc, { notes: { first: 'a note' } });
    await s.del('notes.first');
    assert.deepEqual(s.doc, { notes: {} });
  } finally {
    for (const c of clients) c.close();
    for (const socket of server.clients) socket.terminate();
    await new Promise((resolve) => server.close(resolve));
  }
});
