// The client's connection behaviour against a real node (TANDEM_URL, started by JUnit's
// WebClientTest): a silent socket noticed by the client's own pings, changes kept while
// disconnected and applied once after the resume, expired tokens, and the protocol tables that
// are generated from the server's enums (close codes with their reconnect rule).

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import {
  TandemClient, TandemError, States, CLOSE_CODES, ERROR_CODES, SERVER_FRAME_TYPES, reconnectsAfter, tokenClaims,
} from '../../src/tandem-client.js';
import { nodeUrl, wsUrlOf, devToken, uniqueRoom, waitFor, startProxy } from '../support/harness.mjs';

const base = nodeUrl();
const clients = [];
const proxies = [];
after(async () => {
  for (const c of clients) c.close();
  for (const p of proxies) await p.close();
});

function make(options) {
  const c = new TandemClient({
    WebSocket,
    client: { name: 'conn-test', kind: 'bot' },
    reconnect: { initialDelayMs: 50, maxDelayMs: 400, factor: 2, jitter: 0.5 },
    ...options,
  });
  clients.push(c);
  return c;
}

async function proxy() {
  const p = await startProxy(base);
  proxies.push(p);
  return p;
}

/** How many deltas of `session` set `path` to `value` (a change applied twice shows twice). */
function countSets(deltas, path, value) {
  return deltas.filter((d) => d.ops?.some((o) => o.path === path && o.value === value)).length;
}

test('close codes come from the server enums: 1008 and 1009 end the connection for good, 1001/1011/1012 reconnect', () => {
  assert.equal(CLOSE_CODES[1008].reconnect, false);
  assert.equal(CLOSE_CODES[1009].reconnect, false);
  for (const code of [1008, 1009, 1000, 4403]) assert.equal(reconnectsAfter(code), false, `no reconnect after ${code}`);
  for (const code of [1001, 1011, 1012, 4408, 4429, 1006, 4000]) assert.equal(reconnectsAfter(code), true, `reconnect after ${code}`);
  assert.equal(reconnectsAfter(4401), false, 'an expired token without a provider is final');
  assert.equal(reconnectsAfter(4401, true), true, 'with a provider it fetches a fresh one');
  assert.ok(ERROR_CODES.includes('not_found') && ERROR_CODES.includes('unavailable'));
  for (const t of ['welcome', 'snapshot', 'delta', 'changes', 'snapshot.part', 'quality', 'settings']) {
    assert.ok(SERVER_FRAME_TYPES.includes(t), t);
  }
});

test('a frame type no client may send is refused by the client, before the server counts it as malformed', async () => {
  const c = make({ url: wsUrlOf(base), token: await devToken('typo') });
  await c.connect();
  await assert.rejects(c.request('delta', 'room:x', {}), (e) => e.code === 'unknown_type');
  assert.throws(() => c.send('welcome', undefined, {}), (e) => e.code === 'unknown_type');
  assert.equal(c.stats.framesOut, 1, 'only hello went out');
});

/**
 * A room with an observer connected straight to the node and a writer through a proxy that can go
 * silent (pings every 400 ms, 400 ms to answer), the writer's first change applied (seq 1); the
 * writer's error events are collected.
 */
async function writerBehindProxy(name) {
  const room = uniqueRoom(name);
  const p = await proxy();
  const observer = make({ url: wsUrlOf(base), token: await devToken('observer') });
  await observer.connect();
  const o = await observer.join(room, { role: 'viewer' });
  const seen = [];
  o.on('delta', (d) => seen.push(d));

  const writer = make({ url: p.wsUrl, token: await devToken('writer'), pingIntervalMs: 400, pingTimeoutMs: 400 });
  await writer.connect();
  const w = await writer.join(room, { role: 'editor' });
  assert.equal((await w.set('t', 1)).seq, 1);
  const errors = [];
  writer.on('error', (e) => errors.push(e));
  return { p, o, seen, writer, w, errors };
}

test('a silent socket is noticed by the ping deadline: reconnecting within a few seconds, and changes made meanwhile are applied once after the resume', async () => {
  const { p, o, seen, writer, w, errors } = await writerBehindProxy('silent');
  const states = [];
  writer.on('state', (e) => states.push(e.state));

  const stalledAt = Date.now();
  assert.equal(p.stall(), 1, 'the writer\'s connection goes silent');
  const intoTheVoid = w.set('t', 2); // written into the dead socket: lost, then resent with its key
  await waitFor(() => writer.state === States.RECONNECTING || states.includes(States.RECONNECTING), {
    what: 'reconnecting', timeoutMs: 5000,
  });
  const noticedMs = Date.now() - stalledAt;
  const whileAway = w.set('t', 3); // made while disconnected: kept, sent after the resume
  const [a, b] = await Promise.all([intoTheVoid, whileAway]);
  assert.ok(noticedMs < 3000, `noticed after ${noticedMs} ms`);
  assert.equal(writer.state, States.OPEN);
  assert.deepEqual([a.seq, b.seq], [2, 3], 'each applied once, in order');
  await waitFor(() => o.seq === 3, { what: 'the observer at seq 3' });
  assert.equal(countSets(seen, 't', 2), 1, 'the change lost with the dead socket was applied once');
  assert.equal(countSets(seen, 't', 3), 1, 'the change made while away was applied once');
  assert.equal(o.doc.t, 3);
  assert.equal(w.pendingChanges, 0);
  assert.deepEqual(errors, [], 'nobody is told about changes that went through in the end');
});

test('of the changes kept while disconnected, one the node refuses after the resume rejects with its code, once; the others are applied once', async () => {
  const { p, o, seen, writer, w, errors } = await writerBehindProxy('refused');

  p.block();
  assert.equal(p.stall(), 1, 'the writer\'s connection goes silent');
  await waitFor(() => writer.state === States.RECONNECTING, { what: 'reconnecting', timeoutMs: 5000 });
  // made while disconnected: kept; after the resume the node refuses the second (more ops than
  // an op frame may hold: too_big) and applies the first and the third
  const accepted = w.set('t', 2);
  const tooMany = Array.from({ length: 101 }, (_, i) => ({ op: 'set', path: `big.k${i}`, value: i }));
  const refused = w.op(tooMany);
  const third = w.set('t', 3);
  const outcomes = Promise.allSettled([accepted, refused, third]);
  assert.equal(w.pendingChanges, 3, 'all three are kept');
  p.unblock();
  const [a, r, b] = await outcomes;
  assert.equal(a.status, 'fulfilled', `the first went through: ${a.reason}`);
  assert.equal(b.status, 'fulfilled', `the third went through: ${b.reason}`);
  assert.equal(r.status, 'rejected');
  assert.ok(r.reason instanceof TandemError && r.reason.code === 'too_big', `refused with ${r.reason}`);
  assert.deepEqual([a.value.seq, b.value.seq], [2, 3], 'the refused change took no seq');
  await waitFor(() => o.seq === 3, { what: 'the observer at seq 3' });
  assert.equal(countSets(seen, 't', 2), 1);
  assert.equal(countSets(seen, 't', 3), 1);
  assert.equal(o.doc.big, undefined, 'nothing of the refused change was applied');
  assert.equal(w.pendingChanges, 0);
  assert.deepEqual(errors, [], 'the refusal is told to whoever made the change (its promise), not to error listeners as well');
});

test('changes are kept for as long as holdChangesMs; past it they fail with disconnected', async () => {
  const room = uniqueRoom('hold');
  const p = await proxy();
  const c = make({ url: p.wsUrl, token: await devToken('holder'), holdChangesMs: 300 });
  await c.connect();
  const s = await c.join(room, { role: 'editor' });
  p.block();
  p.cut();
  await waitFor(() => c.state === States.RECONNECTING, { what: 'reconnecting' });
  await assert.rejects(s.set('x', 1), (e) => e instanceof TandemError && e.code === 'disconnected');
  p.unblock();
  await c.next('resumed', undefined, 10000);
  assert.equal((await s.set('x', 2)).seq, 1, 'the dropped change took no seq');
});

test('an expired token: with a provider the client reconnects with a fresh one and resumes; without one it closes as unauthorized and error listeners get TandemErrors', async () => {
  const room = uniqueRoom('expiry');
  const shortLived = async () => {
    const res = await fetch(`${base}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'shorty', scope: 'room:*:write', ttlSeconds: 4 }),
    });
    return (await res.json()).token;
  };
  const first = await shortLived();
  const fresh = await devToken('shorty', 'room:*:write');
  const asked = [];
  const renewing = make({
    url: wsUrlOf(base),
    getToken: ({ refusedToken } = {}) => {
      asked.push(refusedToken === first);
      return refusedToken === first ? fresh : first;
    },
  });
  const resumedSoon = renewing.next('resumed', undefined, 20000);
  await renewing.connect();
  const s = await renewing.join(room, { role: 'editor' });
  await s.set('n', 1);
  const resumed = await resumedSoon;
  assert.equal(resumed.recovered, true);
  assert.equal(asked[0], false);
  assert.ok(asked.includes(true), 'the provider learned which token was refused');
  assert.equal((await s.set('n', 2)).seq, 2);

  const fixed = make({ url: wsUrlOf(base), token: await shortLived() });
  const errors = [];
  fixed.on('error', (e) => errors.push(e));
  await fixed.connect();
  const closed = await fixed.next('close', (e) => !e.willReconnect, 10000);
  assert.equal(closed.code, 4401);
  assert.equal(fixed.state, States.CLOSED);
  assert.ok(errors.length > 0, 'the unauthorized error was reported');
  for (const e of errors) {
    assert.ok(e instanceof TandemError, `an error event is a TandemError: ${JSON.stringify(e)}`);
    assert.equal(typeof e.message, 'string');
  }
  assert.ok(errors.some((e) => e.code === 'unauthorized'));
});

test('tokenRenewMs: the client moves to the provider\'s fresher token before the current one expires, and resumes', async () => {
  const room = uniqueRoom('renew');
  const mint = async (ttlSeconds) => {
    const res = await fetch(`${base}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'renewer', scope: 'room:*:write', ttlSeconds }),
    });
    return (await res.json()).token;
  };
  const old = await mint(30);
  const fresh = await mint(3600);
  let calls = 0;
  const c = make({
    url: wsUrlOf(base),
    tokenRenewMs: 27000, // the renewal is due about three seconds after the connect
    getToken: () => (calls++ === 0 ? old : fresh),
  });
  const renewing = c.next('renewing', undefined, 15000);
  const resumed = c.next('resumed', undefined, 15000);
  await c.connect();
  const s = await c.join(room, { role: 'editor' });
  await s.set('n', 1);
  await renewing;
  assert.equal((await resumed).recovered, true);
  assert.equal(c.token, fresh, 'connected with the fresh token');
  assert.equal((await s.set('n', 2)).seq, 2);
  assert.equal(c.stats.reconnects, 1);
});

test('a provider that says unauthorized closes the client for good, with no reconnect loop', async () => {
  let calls = 0;
  const c = make({
    url: wsUrlOf(base),
    getToken: () => {
      calls++;
      throw Object.assign(new Error('sign in again'), { code: 'unauthorized' });
    },
  });
  await assert.rejects(c.connect(), (e) => e.code === 'unauthorized');
  assert.equal(c.state, States.CLOSED);
  assert.equal(calls, 1);
});

test('token claims decode as UTF-8', async () => {
  const token = await devToken('Zoë Ünïcode 李');
  assert.equal(tokenClaims(token).sub, 'Zoë Ünïcode 李');
  const c = make({ url: wsUrlOf(base), token });
  const welcome = await c.connect();
  assert.equal(welcome.principal, 'Zoë Ünïcode 李');
});
