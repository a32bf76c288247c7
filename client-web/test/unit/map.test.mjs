// Maps (protocol 4.5) through the client library against a real node (TANDEM_URL): a late
// viewer's join resolves only once every snapshot part is in, `entries` follows durable and
// ephemeral `changes`, `control` reaches the publisher, and a reconnect resumes the map.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { nodeUrl, wsUrlOf, devToken, waitFor, startProxy } from '../support/harness.mjs';

const base = nodeUrl();
const clients = [];
const proxies = [];
after(async () => {
  for (const c of clients) c.close();
  for (const p of proxies) await p.close();
});

async function client(name, scope, url = wsUrlOf(base), options = {}) {
  const c = new TandemClient({
    ...options,
    urls: [url],
    token: await devToken(name, scope),
    WebSocket,
    client: { name, kind: name === 'producer' ? 'producer' : 'bot' },
    reconnect: { initialDelayMs: 50, maxDelayMs: 500, factor: 2, jitter: 0.5 },
  });
  clients.push(c);
  await c.connect();
  return c;
}

const uniqueMap = () => `map:t-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;

test('a late viewer gets every part before its join resolves, then follows the changes', async () => {
  const id = uniqueMap();
  const pub = await (await client('producer', 'map:*:publish')).join(id, { role: 'publisher' });
  // 3,000 nodes of about 80 bytes: more than one part of 128 KiB
  for (let b = 0; b < 30; b++) {
    const entries = {};
    for (let i = b * 100; i < b * 100 + 100; i++) {
      entries[`node/${i}`] = { label: `n${i}`, group: i % 7, pos: [i * 0.5, -i * 0.25, 0] };
    }
    await pub.put(entries);
  }
  await pub.put({ 'node/0:pos': [1, 2, 3] }, { durable: false });

  const viewerClient = await client('viewer', 'map:*:read');
  const v = await viewerClient.join(id);
  assert.equal(v.entries.size, 3001, 'the whole state is there when join resolves');
  assert.ok(v.stats.parts >= 1, `parts: ${v.stats.parts}`);
  assert.equal(v.seq, 30);
  assert.deepEqual(v.entries.get('node/0:pos'), [1, 2, 3]);

  // over CBOR with lazySnapshotParts the parts arrive undecoded (their entries' CBOR in
  // payload.raw) and the same entries are decoded when they are first read
  const lazyClient = await client('viewer', 'map:*:read', wsUrlOf(base), { encoding: 'cbor', lazySnapshotParts: true });
  const raws = [];
  lazyClient.on('frame', (f) => {
    if (f.type === 'snapshot.part') raws.push(f.payload.raw);
  });
  const lazy = await lazyClient.join(id);
  assert.equal(raws.length, lazy.stats.parts);
  assert.ok(raws.length >= 1 && raws.every((r) => r && r.end > r.start), 'every part undecoded');
  assert.equal(lazy.entries.size, 3001);
  for (const [k, value] of v.entries) assert.deepEqual(lazy.entries.get(k), value, k);

  const durable = v.next('changes', (e) => e.durable);
  assert.equal((await pub.put({ 'node/1': null })).seq, 31);
  const d = await durable;
  assert.equal(d.seq, 31);
  assert.equal(v.entries.has('node/1'), false);

  const ephemeral = v.next('changes', (e) => !e.durable && e.entries['node/0:pos']?.[0] === 9);
  for (let k = 1; k <= 9; k++) await pub.put({ 'node/0:pos': [k, k, k] }, { durable: false });
  await ephemeral;
  assert.deepEqual(v.entries.get('node/0:pos'), [9, 9, 9]);
});

test('control reaches the publisher with the sender as by; without one it is unavailable', async () => {
  const id = uniqueMap();
  const v = await (await client('viewer', 'map:*:read')).join(id);
  await assert.rejects(v.control({ method: 'spring' }), (e) => e.code === 'unavailable');
  const pub = await (await client('producer', 'map:*:publish')).join(id, { role: 'publisher' });
  const got = pub.next('control');
  await v.control({ method: 'pca', k: 2 });
  const c = await got;
  assert.equal(c.method, 'pca');
  assert.equal(c.k, 2);
  assert.ok(c.by.startsWith('viewer/'), c.by);
});

test('after a reconnect the map resumes: missed durable changes, then the current values', async () => {
  const id = uniqueMap();
  const pub = await (await client('producer', 'map:*:publish')).join(id, { role: 'publisher' });
  await pub.put({ a: 1 });
  const proxy = await startProxy(base);
  proxies.push(proxy);
  const c = await client('viewer', 'map:*:read', wsUrlOf(proxy.url));
  const v = await c.join(id);
  assert.equal(v.entries.get('a'), 1);
  proxy.cut();
  await waitFor(() => c.state !== 'open');
  await pub.put({ b: 2 });
  await pub.put({ p: [5, 5] }, { durable: false });
  await waitFor(() => v.entries.get('b') === 2 && v.entries.get('p')?.[0] === 5, { timeoutMs: 20000 });
  assert.equal(v.seq, 2);
  assert.ok(v.stats.resumes >= 1);
});
