// The graph page's buffers (src/pages/graph-buffers.js), without a node or a browser: a snapshot
// applied frame by frame as it arrives gives the same graph as its assembled entries; node ids
// that are plain whole numbers (as numbers or strings) share a slot, other ids get their own;
// growth, deletes and the layout's filter; blocks of edges, positions and node values give the
// same graph as one key each; and SnapshotBuild's handling of parts of another snapshot, a
// snapshot replaced while it is built, and a build whose first frame was missed.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encode, decode } from 'cbor-x';
import { GraphBuffers, SnapshotBuild, packCbor, packEntries, plainIndex } from '../../src/pages/graph-buffers.js';

/** A seeded graph as the producer writes it: nodes, edges, positions and the layout. */
function graphEntries(nodes, edges, seed = 3) {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
  const e = {};
  for (let i = 0; i < nodes; i++) e[`n/${i}`] = { label: `node ${i}`, group: i % 8 };
  for (let j = 0; j < edges; j++) e[`e/${j}`] = [Math.floor(rnd() * nodes), Math.floor(rnd() * nodes)];
  for (let i = 0; i < nodes; i++) e[`p/${i}`] = [rnd() * 2 - 1, rnd() * 2 - 1];
  e.layout = { method: 'force', k: 2, filter: null };
  return e;
}

/** What a graph shows, independent of slot order: per node id its position, colour and value; the edges as id pairs. */
function picture(g) {
  const nodes = {};
  for (let s = 0; s < g.ids.length; s++) {
    nodes[g.ids[s]] = {
      pos: Array.from(g.pos.subarray(s * 3, s * 3 + 3)),
      col: Array.from(g.col.subarray(s * 3, s * 3 + 3)),
      value: g.valueOf(s),
    };
  }
  const edges = {};
  for (const [key, e] of g.edgeSlots()) edges[key] = [g.ids[g.idx[e * 2]], g.ids[g.idx[e * 2 + 1]]];
  return { nodes, edges, counts: [g.nodes, g.edges], layout: g.layout };
}

/** Splits entries into a snapshot frame and parts of about `per` entries each, in the given key order. */
function frames(session, seq, entries, per, keys = Object.keys(entries)) {
  const chunks = [];
  for (let i = 0; i < keys.length; i += per) {
    chunks.push(Object.fromEntries(keys.slice(i, i + per).map((k) => [k, entries[k]])));
  }
  const [first, ...rest] = chunks;
  return [
    { type: 'snapshot', session, payload: { seq, epoch: 1, state: { entries: first }, parts: chunks.length, recovered: false } },
    ...rest.map((entries, i) => ({ type: 'snapshot.part', session, payload: { seq, part: i + 1, entries } })),
  ];
}

const fromEntries = (entries) => {
  const g = new GraphBuffers();
  for (const [k, v] of Object.entries(entries)) g.apply(k, v);
  return g;
};

test('plain whole numbers are node indices; anything else is not', () => {
  assert.equal(plainIndex('0'), 0);
  assert.equal(plainIndex('17'), 17);
  assert.equal(plainIndex('123456789'), 123456789);
  for (const id of ['', '017', '1.5', '-1', 'a1', '1a', '1234567890', ' 1']) assert.equal(plainIndex(id), -1, id);
  // from an offset: the id of a key p/<id> or e/<j>
  assert.equal(plainIndex('p/42', 2), 42);
  assert.equal(plainIndex('e/0', 2), 0);
  for (const key of ['p/', 'p/042', 'p/4x', 'e/-1']) assert.equal(plainIndex(key, 2), -1, key);
});

test('a snapshot built frame by frame equals its assembled entries, whatever the order of the keys', () => {
  const entries = graphEntries(2000, 6000);
  const whole = picture(fromEntries(entries));
  assert.deepEqual(whole.counts, [2000, 6000]);
  const keys = Object.keys(entries);
  // as the node sends them, edges before their nodes, positions first: all the same graph
  const orders = {
    'as written': keys,
    'edges first': [...keys.filter((k) => k.startsWith('e/')), ...keys.filter((k) => !k.startsWith('e/'))],
    'positions first, layout last': [...keys.filter((k) => k.startsWith('p/')), ...keys.filter((k) => !k.startsWith('p/'))].reverse(),
  };
  for (const [name, order] of Object.entries(orders)) {
    const g = new GraphBuffers();
    const b = new SnapshotBuild(g, 'map:g');
    const fs = frames('map:g', 40, entries, 500, order);
    assert.ok(fs.length > 20, 'many parts');
    assert.deepEqual(fs.map((f) => b.onFrame(f)), ['snapshot', ...Array(fs.length - 1).fill('part')]);
    assert.equal(b.finish(40, () => new Map(Object.entries(entries))), true, `${name}: built from the frames`);
    assert.deepEqual(picture(g), whole, name);
  }
});

test('grows past its first capacity without losing what it holds', () => {
  const g = new GraphBuffers();
  g.apply('p/5', [0.5, 0.25, 0.125]);
  g.apply('e/0', [5, 6]);
  for (let i = 0; i < 5000; i++) g.apply(`e/${i + 1}`, [i, i + 1]);
  for (let i = 0; i < 5000; i++) g.apply(`n/${i}`, { group: 1 });
  assert.ok(g.nodeCap >= 5001 && g.edgeCap >= 5001);
  assert.deepEqual(Array.from(g.pos.subarray(g.find('5') * 3, g.find('5') * 3 + 3)), [0.5, 0.25, 0.125]);
  assert.deepEqual([g.ids[g.idx[0]], g.ids[g.idx[1]]], ['5', '6']);
  assert.deepEqual([g.ids[g.idx[5000 * 2]], g.ids[g.idx[5000 * 2 + 1]]], ['4999', '5000']);
  assert.equal(g.nodes, 5000);
  assert.equal(g.edges, 5001);
});

test('node ids: a number and its plain string share a slot; other ids are strings of their own', () => {
  const g = new GraphBuffers();
  g.apply('e/a', [7, '7']);
  g.apply('e/b', ['007', 'alpha']);
  g.apply('e/c', [{ not: 'an id' }, 7]);
  g.apply('n/7', { group: 2 });
  g.apply('n/alpha', { group: 3 });
  assert.equal(g.find('7'), g.idx[0]);
  assert.equal(g.idx[0], g.idx[1], 'edge a is a loop on node 7');
  assert.notEqual(g.find('007'), g.find('7'), '007 is not 7');
  assert.equal(g.ids[g.find('007')], '007');
  assert.equal(g.ids[g.find('alpha')], 'alpha');
  assert.equal(g.ids[g.idx[4]], '[object Object]', 'an odd end is a node named by its text, not a crash');
  assert.equal(g.find('8'), undefined);
  assert.equal(g.nodes, 2);
  assert.equal(g.edges, 3);
});

test('deletes: a node loses its value, an edge frees its slot for the next one', () => {
  const g = fromEntries({ 'n/1': { group: 1 }, 'n/2': { group: 2 }, 'e/x': [1, 2], 'e/y': [2, 1] });
  g.apply('e/x', null);
  g.apply('n/1', null);
  g.apply('n/9', null); // never there: nothing changes
  g.apply('e/never', null);
  assert.deepEqual([g.nodes, g.edges], [1, 1]);
  assert.deepEqual([g.idx[0], g.idx[1]], [0, 0], 'a freed edge is a zero-length segment');
  g.apply('e/z', [2, 2]);
  assert.equal(g.edgeSlotOf.get('e/z'), 0, 'the freed slot is reused');
  // keys e/<j> are slotted by number, others by key: both free and reuse slots alike
  g.apply('e/7', [1, 2]);
  g.apply('e/07', [2, 1]);
  assert.deepEqual([...g.edgeSlots()].sort(), [['e/07', 3], ['e/7', 2], ['e/y', 1], ['e/z', 0]]);
  g.apply('e/7', null);
  g.apply('e/8', [1, 1]);
  assert.deepEqual([...g.edgeSlots()].sort(), [['e/07', 3], ['e/8', 2], ['e/y', 1], ['e/z', 0]]);
  assert.deepEqual([g.nodes, g.edges], [1, 4]);
  assert.equal(g.edgeTop, 4, 'two slots made, one reused');
});

test('the layout filter dims the nodes outside it and restores them when it is lifted', () => {
  const g = fromEntries({ 'n/1': { group: 1 }, 'n/2': { group: 2 }, layout: { method: 'force', k: 2, filter: null } });
  const colour = (id) => Array.from(g.col.subarray(g.find(id) * 3, g.find(id) * 3 + 3));
  const before = [colour('1'), colour('2')];
  assert.notDeepEqual(before[0], before[1]);
  g.apply('layout', { method: 'force', k: 2, filter: { attr: 'group', value: '2' } });
  assert.deepEqual(colour('2'), before[1]);
  assert.notDeepEqual(colour('1'), before[0]);
  g.apply('layout', { method: 'force', k: 2, filter: null });
  assert.deepEqual([colour('1'), colour('2')], before);
});

test('SnapshotBuild: other sessions, recovered snapshots and parts of another snapshot are left alone', () => {
  const g = new GraphBuffers();
  const b = new SnapshotBuild(g, 'map:g');
  const [snap, part] = frames('map:g', 10, { 'n/1': { group: 1 }, 'n/2': { group: 1 } }, 1);
  assert.equal(b.onFrame({ ...part }), null, 'a part before any snapshot');
  assert.equal(b.onFrame({ ...snap, session: 'map:other' }), null);
  assert.equal(b.onFrame({ type: 'snapshot', session: 'map:g', payload: { seq: 9, state: {}, recovered: true } }), null);
  assert.equal(b.onFrame({ type: 'changes', session: 'map:g', payload: { entries: { 'n/3': {} } } }), null);
  assert.equal(g.ids.length, 0, 'nothing applied');
  assert.equal(b.onFrame(snap), 'snapshot');
  assert.equal(b.onFrame({ ...part, payload: { ...part.payload, seq: 9 } }), null, 'a part of another seq');
  assert.equal(b.onFrame(part), 'part');
  assert.equal(b.finish(10, () => new Map()), true);
  assert.equal(g.nodes, 2);
  assert.equal(b.onFrame(part), null, 'a late part after the build finished');
});

test('SnapshotBuild: a snapshot that replaces one being built starts afresh', () => {
  const g = new GraphBuffers();
  const b = new SnapshotBuild(g, 'map:g');
  const old = frames('map:g', 10, graphEntries(50, 100, 1), 40);
  const fresh = graphEntries(30, 60, 2);
  const now = frames('map:g', 12, fresh, 40);
  b.onFrame(old[0]);
  b.onFrame(old[1]);
  for (const f of now) b.onFrame(f);
  b.onFrame(old[2]); // a straggler of the replaced one: ignored
  assert.equal(b.finish(12, () => new Map(Object.entries(fresh))), true);
  assert.deepEqual(picture(g), picture(fromEntries(fresh)));
});

test('SnapshotBuild: a snapshot whose first frame was missed is rebuilt from the entries', () => {
  const g = new GraphBuffers();
  const b = new SnapshotBuild(g, 'map:g');
  const first = graphEntries(20, 30, 1);
  const second = graphEntries(25, 40, 2);
  for (const f of frames('map:g', 5, first, 10)) b.onFrame(f);
  // the library completes seq 6 (its frames never came through onFrame): the entries win
  assert.equal(b.finish(6, () => new Map(Object.entries(second))), false);
  assert.deepEqual(picture(g), picture(fromEntries(second)));
  // and with no build at all
  const g2 = new GraphBuffers();
  assert.equal(new SnapshotBuild(g2, 'map:g').finish(6, () => new Map(Object.entries(second))), false);
  assert.deepEqual(picture(g2), picture(fromEntries(second)));
});

/** A part as the client library hands it over with lazySnapshotParts: the entries' CBOR in payload.raw. */
function undecoded(f) {
  if (f.type !== 'snapshot.part') return f;
  const bytes = encode(f.payload.entries);
  return { ...f, payload: { seq: f.payload.seq, part: f.payload.part, raw: { bytes, start: 0, end: bytes.length } } };
}

test('packed entries give the same graph, odd keys and values included; read from CBOR as from objects', () => {
  const entries = {
    ...graphEntries(300, 900),
    'p/x7': [0.5, 0.25],
    'p/1000': { x: 1 }, // not an array: left to apply()
    'p/1001': [1, 'a'], // not numbers
    'p/1002': [7, -3, 2.5, 9, 9], // integers, more than three
    'p/1003': [],
    'e/n1': [1, 2],
    'e/901': ['3', 4],
    'e/902': ['a', 5],
    'e/903': { from: 1, to: 2 },
    'e/904': [70000, 3], // a 4-byte end
    'e/905': [-1, 3],
    'e/906': [1.5, 3],
    'n/a': { group: 2, x: 0.1, y: 0.2, tags: ['x', 'ü'], big: 2 ** 40, no: null, yes: true },
    'n/ü': { label: 'é'.repeat(80) },
    layout: { method: 'force', k: 2, filter: { attr: 'group', value: 3 }, at: 1765000000000 },
  };
  const expected = picture(fromEntries(entries));
  const packed = packEntries(entries);
  const g = new GraphBuffers();
  g.applyPacked(packed);
  assert.deepEqual(picture(g), expected);
  // from their CBOR, without decoding it into objects first
  const whole = encode(entries);
  const fromCbor = packCbor(whole, 0, whole.length, decode);
  assert.ok(fromCbor.pIds.length >= 300 && fromCbor.eIds.length >= 900, 'positions and edges packed');
  const g2 = new GraphBuffers();
  g2.applyPacked(fromCbor);
  assert.deepEqual(picture(g2), expected);
  // within a larger buffer, at an offset
  const padded = new Uint8Array(whole.length + 10);
  padded.set(whole, 7);
  const g3 = new GraphBuffers();
  g3.applyPacked(packCbor(padded, 7, 7 + whole.length, decode));
  assert.deepEqual(picture(g3), expected);
});

test('SnapshotBuild: parts the library left undecoded (payload.raw) give the same graph', () => {
  const entries = graphEntries(2000, 6000);
  const g = new GraphBuffers();
  const b = new SnapshotBuild(g, 'map:g');
  const fs = frames('map:g', 40, entries, 500).map(undecoded);
  assert.ok(fs[1].payload.raw && fs[1].payload.entries === undefined);
  assert.deepEqual(fs.map((f) => b.onFrame(f)), ['snapshot', ...Array(fs.length - 1).fill('part')]);
  assert.equal(b.finish(40, () => assert.fail('not from the entries')), true);
  assert.deepEqual(picture(g), picture(fromEntries(entries)));
  // a part whose bytes are not a map falls back to its (decoded) entries
  const g2 = new GraphBuffers();
  const b2 = new SnapshotBuild(g2, 'map:g');
  const [snap, part] = frames('map:g', 5, { 'n/1': { group: 1 }, 'n/2': { group: 2 } }, 1);
  b2.onFrame(snap);
  const bad = encode([1, 2]);
  assert.equal(b2.onFrame({ ...part, payload: { ...part.payload, raw: { bytes: bad, start: 0, end: bad.length } } }), 'part');
  assert.equal(g2.nodes, 2);
});

/** The edges drawn, as sorted "from-to" pairs of node ids: what a picture shows whatever the keys. */
const drawnEdges = (g) => [...g.edgeSlots()].map(([, e]) => `${g.ids[g.idx[e * 2]]}-${g.ids[g.idx[e * 2 + 1]]}`).sort();

/** The same entries with the edges e/<j> written as blocks eb/<b> of `per` pairs each. */
function inBlocks(entries, per) {
  const out = {};
  const pairs = [];
  for (const [k, v] of Object.entries(entries)) {
    if (k.startsWith('e/')) pairs.push(...v);
    else out[k] = v;
  }
  for (let i = 0; i * per * 2 < pairs.length; i++) out[`eb/${i}`] = pairs.slice(i * per * 2, (i + 1) * per * 2);
  return out;
}

test('blocks of edges (eb/<b>) draw the same edges as one key per edge, decoded, packed or read from CBOR', () => {
  const entries = graphEntries(500, 3000);
  const blocked = {
    ...inBlocks(entries, 400),
    'eb/odd': [1, 2, 3], // a trailing end without a pair is dropped
    'eb/text': ['4', 5, 'x', 6], // ends that are texts: plain numbers share the numbered slots
    'eb/float': [1.5, 7],
  };
  const g = fromEntries(blocked);
  const expected = [...drawnEdges(fromEntries(entries)), '1-2', '4-5', 'x-6', '1.5-7'].sort();
  assert.deepEqual(drawnEdges(g), expected);
  assert.equal(g.edges, 3004);
  const packed = packEntries(blocked);
  assert.equal(packed.blocks.length, 9, 'every block with whole-number ends packed');
  const g2 = new GraphBuffers();
  g2.applyPacked(packed);
  assert.deepEqual(picture(g2), picture(g));
  const bytes = encode(blocked);
  const fromCbor = packCbor(bytes, 0, null, decode);
  assert.deepEqual(fromCbor.blocks.map((b) => b.key).sort(), packed.blocks.map((b) => b.key).sort());
  const g3 = new GraphBuffers();
  g3.applyPacked(fromCbor);
  assert.deepEqual(picture(g3), picture(g));
});

test('a block replaced reuses its slots and frees what it no longer holds; deleted, its edges are gone', () => {
  const g = fromEntries({ 'eb/0': [0, 1, 1, 2, 2, 3, 3, 4], 'e/0': [9, 8] });
  assert.deepEqual(drawnEdges(g), ['0-1', '1-2', '2-3', '3-4', '9-8']);
  const top = g.edgeTop;
  g.apply('eb/0', [5, 6]);
  assert.deepEqual(drawnEdges(g), ['5-6', '9-8']);
  assert.equal(g.edges, 2);
  // three freed slots are taken again before the buffer grows
  g.apply('eb/1', [1, 2, 2, 3, 3, 4]);
  assert.equal(g.edgeTop, top);
  assert.equal(g.edges, 5);
  g.apply('eb/0', null);
  g.apply('eb/1', null);
  g.apply('eb/never', null);
  assert.deepEqual(drawnEdges(g), ['9-8']);
  assert.equal(g.edges, 1);
  // freed slots draw nothing: a zero-length segment
  for (const e of g.freeEdges) assert.equal(g.idx[e * 2], g.idx[e * 2 + 1]);
});

test('blocks of positions (pb/<b>) place nodes as p/<id> does, decoded or read from CBOR; odd blocks move nothing', () => {
  const entries = graphEntries(700, 1000);
  const blocked = {};
  const xy = [];
  for (const [k, v] of Object.entries(entries)) {
    if (k.startsWith('p/')) xy.push(...v);
    else blocked[k] = v;
  }
  // 300 nodes a block, two numbers each; the last block shorter
  for (let first = 0; first < 700; first += 300) {
    blocked[`pb/${first / 300}`] = { first, dims: 2, values: xy.slice(first * 2, Math.min(700, first + 300) * 2) };
  }
  const expected = picture(fromEntries(entries));
  const fromBlocks = fromEntries(blocked);
  assert.deepEqual(picture(fromBlocks), expected);
  assert.equal(fromBlocks.positionsApplied, 700, 'a block counts its nodes as positions');
  assert.equal(fromEntries(entries).positionsApplied, 700);
  const fromCbor = packCbor(encode(blocked), 0, null, decode);
  assert.equal(fromCbor.positionBlocks.length, 3, 'read into typed arrays');
  assert.ok(fromCbor.positionBlocks[0].values instanceof Float64Array);
  const g = new GraphBuffers();
  g.applyPacked(fromCbor);
  assert.deepEqual(picture(g), expected);

  // more than three numbers a node: the first three; fewer: the rest 0; a trailing partial node dropped
  const h = fromEntries({ 'pb/a': { first: 5, dims: 4, values: [1, 2, 3, 4, 5, 6, 7, 8, 9] }, 'pb/b': { first: 9, dims: 1, values: [7] } });
  const at = (id) => Array.from(h.pos.subarray(h.find(id) * 3, h.find(id) * 3 + 3));
  assert.deepEqual([at('5'), at('6'), at('9')], [[1, 2, 3], [5, 6, 7], [7, 0, 0]]);
  assert.equal(h.find('7'), undefined);
  // blocks that are not {first, dims, values} make no node and move none
  const before = picture(h);
  const bad = [null, [1, 2], { first: -1, dims: 2, values: [1, 2] }, { first: 1.5, dims: 2, values: [1, 2] },
    { first: 0, dims: 0, values: [1] }, { first: 0, dims: 65, values: [1] }, { first: 0, dims: 2, values: 'xy' }, { first: 0, dims: 2, values: [1] }];
  for (const v of bad) h.apply('pb/a', v);
  assert.deepEqual(picture(h), before);
  // and read from CBOR (some by the reader, the others decoded)
  for (const v of bad) h.applyPacked(packCbor(encode({ 'pb/a': v }), 0, null, decode));
  assert.deepEqual(picture(h), before);
  // a block with values that are not all numbers: decoded, and placed as far as they are numbers
  const odd = { 'pb/c': { first: 30, dims: 2, values: [1, null, 'x', 4] } };
  const k = new GraphBuffers();
  k.applyPacked(packCbor(encode(odd), 0, null, decode));
  assert.deepEqual(picture(k), picture(fromEntries(odd)));
});

/** The same entries with the nodes' values n/<i> written as blocks nb/<b> of `per` nodes each, in columns. */
function nodesInBlocks(entries, nodes, per) {
  const out = {};
  for (const [k, v] of Object.entries(entries)) if (!k.startsWith('n/')) out[k] = v;
  for (let first = 0; first < nodes; first += per) {
    const label = [];
    const group = [];
    for (let i = first; i < Math.min(nodes, first + per); i++) {
      label.push(entries[`n/${i}`].label);
      group.push(entries[`n/${i}`].group);
    }
    out[`nb/${first / per}`] = { first, attrs: { label, group } };
  }
  return out;
}

test('blocks of node values (nb/<b>) give the nodes the values, colours and counts of one key per node, decoded, packed or read from CBOR', () => {
  const entries = graphEntries(700, 1000);
  // 300 nodes a block, the last one shorter
  const blocked = nodesInBlocks(entries, 700, 300);
  assert.deepEqual(Object.keys(blocked).filter((k) => k.startsWith('nb/')), ['nb/0', 'nb/1', 'nb/2']);
  const expected = picture(fromEntries(entries));
  assert.deepEqual(picture(fromEntries(blocked)), expected);
  const packed = packEntries(blocked);
  assert.equal(packed.nodeBlocks.length, 3);
  const g = new GraphBuffers();
  g.applyPacked(packed);
  assert.deepEqual(picture(g), expected);
  const fromCbor = packCbor(encode(blocked), 0, null, decode);
  assert.deepEqual(fromCbor.nodeBlocks.map((b) => b.key), ['nb/0', 'nb/1', 'nb/2']);
  assert.ok(fromCbor.nodeBlocks[0].block.attrs.group instanceof Float64Array, 'a column of numbers read into a typed array');
  assert.ok(!Object.keys(fromCbor.rest ?? {}).some((k) => k.startsWith('nb/')), 'no block left to decode');
  const g2 = new GraphBuffers();
  g2.applyPacked(fromCbor);
  assert.deepEqual(picture(g2), expected);
  // as the page builds it: the parts left undecoded by the library
  const g3 = new GraphBuffers();
  const b = new SnapshotBuild(g3, 'map:g');
  for (const f of frames('map:g', 8, blocked, 2).map(undecoded)) b.onFrame(f);
  assert.equal(b.finish(8, () => assert.fail('not from the entries')), true);
  assert.deepEqual(picture(g3), expected);
  // and the filter by either attribute
  for (const filter of [{ attr: 'group', value: '3' }, { attr: 'label', value: 'node 1' }]) {
    const layout = { method: 'force', k: 2, filter };
    const one = fromEntries({ ...entries, layout });
    const other = new GraphBuffers();
    other.applyPacked(packCbor(encode({ ...blocked, layout }), 0, null, decode));
    assert.deepEqual(picture(other), picture(one), filter.attr);
    const dimmed = (g4) => g4.ids.filter((_, s) => !g4.matches(s)).length;
    assert.equal(dimmed(other), filter.attr === 'group' ? 700 - 88 : 700 - 111, `${filter.attr}: nodes outside the filter`);
  }
});

test('columns of any values read from CBOR as cbor-x decodes them; what the reader leaves is decoded whole', () => {
  const blocked = {
    'nb/mixed': { first: 0, attrs: { label: ['a', 'ü', 'a label longer than 23 bytes', null, 7], group: [1, -2, 2.5, null], flag: [true, false], tags: [['x'], { y: 1 }] }, note: 'skipped' },
    'nb/tagged': { first: 10, attrs: { group: [2 ** 40, 1], at: [new Date(0), null] } }, // a tag: cbor-x's
    'nb/odd': { first: 20, attrs: { group: 'not a column' } }, // not a block: no values
    'nb/nofirst': { attrs: { group: [1] } },
    layout: { method: 'force', k: 2, filter: { attr: 'group', value: '1' } },
  };
  const expected = picture(fromEntries(blocked));
  const fromCbor = packCbor(encode(blocked), 0, null, decode);
  assert.deepEqual(fromCbor.nodeBlocks.map((b) => b.key), ['nb/mixed']);
  const g = new GraphBuffers();
  g.applyPacked(fromCbor);
  assert.deepEqual(picture(g), expected);
  assert.deepEqual(g.valueOf(g.find('0')), { label: 'a', group: 1, flag: true, tags: ['x'] });
  assert.deepEqual(g.valueOf(g.find('3')), {}, 'nulls and short columns: a node without those attributes');
  assert.deepEqual(g.valueOf(g.find('4')), { label: 7 });
  assert.equal(g.attr(g.find('10'), 'group'), 2 ** 40);
  assert.deepEqual(g.attr(g.find('10'), 'at'), new Date(0));
  assert.equal(g.find('20'), undefined);
  assert.equal(g.nodes, 7);
});

test('a block of node values replaced updates its nodes; deleted, they lose them; an n/<id> of its own wins', () => {
  const g = fromEntries({ 'e/0': [0, 9], 'nb/0': { first: 0, attrs: { group: [1, 2, 3], label: ['a', 'b', 'c'] } } });
  const colour = (id) => Array.from(g.col.subarray(g.find(id) * 3, g.find(id) * 3 + 3));
  const unknown = colour('9'); // an edge's end without a value
  assert.equal(g.nodes, 3);
  assert.deepEqual(['0', '1', '2'].map((id) => g.attr(g.find(id), 'label')), ['a', 'b', 'c']);
  const group2 = colour('1');
  assert.notDeepEqual(group2, unknown);
  g.apply('layout', { method: 'force', k: 2, filter: { attr: 'group', value: '2' } });
  const dimmed = colour('0');
  assert.notDeepEqual(dimmed, group2);
  assert.deepEqual(colour('1'), group2);

  // replaced: node 0 now in group 2 (in the filter), node 2 no longer in the block
  g.apply('nb/0', { first: 0, attrs: { group: [2, 2] } });
  assert.equal(g.nodes, 2);
  assert.deepEqual([colour('0'), colour('1'), colour('2')], [group2, group2, unknown]);
  assert.equal(g.valueOf(g.find('2')), undefined);
  assert.equal(g.attr(g.find('0'), 'label'), undefined, 'the new block has no labels');

  // a node's own n/<id> wins over its block, and the block's value is back once it is deleted
  g.apply('n/1', { group: 5 });
  assert.equal(g.attr(g.find('1'), 'group'), 5);
  assert.deepEqual(colour('1'), dimmed);
  assert.equal(g.nodes, 2);
  g.apply('nb/0', { first: 0, attrs: { group: [2, 2, 2] } });
  assert.equal(g.attr(g.find('1'), 'group'), 5, 'still its own value');
  assert.equal(g.nodes, 3);
  g.apply('n/1', null);
  assert.equal(g.attr(g.find('1'), 'group'), 2);
  assert.deepEqual(colour('1'), group2);
  assert.equal(g.nodes, 3);

  // no longer a block, or deleted: its nodes have no value
  g.apply('nb/0', { first: -1, attrs: { group: [2] } });
  assert.equal(g.nodes, 0);
  assert.equal(g.valueOf(g.find('0')), undefined);
  g.apply('nb/0', { first: 0, attrs: { group: [2] } });
  assert.equal(g.nodes, 1);
  g.apply('nb/0', null);
  g.apply('nb/never', null);
  assert.equal(g.nodes, 0);
  assert.deepEqual(colour('0'), unknown);

  // coordinates in columns place nodes that have no position of their own, as an n/<id>'s do
  g.apply('p/21', [0.5, 0.5]);
  g.apply('nb/1', { first: 20, attrs: { x: [0.25, 0.75], y: [-0.5, 0.75] } });
  assert.deepEqual(Array.from(g.pos.subarray(g.find('20') * 3, g.find('20') * 3 + 3)), [0.25, -0.5, 0]);
  assert.deepEqual(Array.from(g.pos.subarray(g.find('21') * 3, g.find('21') * 3 + 3)), [0.5, 0.5, 0]);
});
