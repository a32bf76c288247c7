// Unit tests of the recording pages' pure logic (no node needed): rrweb events into checkpoint
// and events batches, events placed on the viewer's clock, a replayed recording made into
// rrweb-player's event list, and where a seek restarts a room's replay.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBatcher, Timeline, snapshotEvents, hasFullSnapshot, rrwebEventsOf, playerSize, RrwebType } from '../../src/recording.js';
import { seekPlan, SPEEDS, PLAYER_SPEEDS, PLAYER_MAX_SPEED, playerSpeed, speedLabel } from '../../src/replay-plan.js';

/** Timers the test fires by hand. */
function manualTimers() {
  const timers = new Map();
  let next = 1;
  return {
    setTimer: (fn, ms) => {
      timers.set(next, { fn, ms });
      return next++;
    },
    clearTimer: (id) => timers.delete(id),
    fire() {
      const all = [...timers.values()];
      timers.clear();
      for (const t of all) t.fn();
    },
    get count() {
      return timers.size;
    },
    get delays() {
      return [...timers.values()].map((t) => t.ms);
    },
  };
}

const meta = (t) => ({ type: RrwebType.META, timestamp: t, data: { href: 'x', width: 800, height: 600 } });
const full = (t) => ({ type: RrwebType.FULL_SNAPSHOT, timestamp: t, data: { node: {}, initialOffset: { top: 0, left: 0 } } });
const inc = (t, source = 0) => ({ type: RrwebType.INCREMENTAL, timestamp: t, data: { source } });

function batcher(options = {}) {
  const sent = [];
  const timers = manualTimers();
  const b = new EventBatcher({ send: (batch) => sent.push(batch), intervalMs: 150, ...timers, ...options });
  return { b, sent, timers };
}

test('the Meta and the full snapshot after it go out at once as one checkpoint batch', () => {
  const { b, sent, timers } = batcher();
  b.push(meta(1));
  assert.equal(sent.length, 0, 'the Meta waits for its snapshot');
  b.push(full(2));
  assert.deepEqual(sent, [{ events: [meta(1), full(2)], checkpoint: true }]);
  assert.equal(timers.count, 0, 'nothing waits');
  assert.equal(b.stats.checkpoints, 1);
});

test('other events wait for the interval and leave as one events batch, not one frame each', () => {
  const { b, sent, timers } = batcher();
  b.push(meta(1));
  b.push(full(2));
  for (let t = 3; t < 13; t++) b.push(inc(t));
  assert.equal(sent.length, 1, 'only the checkpoint so far');
  assert.deepEqual(timers.delays, [150], 'one timer for the whole batch');
  timers.fire();
  assert.equal(sent.length, 2);
  assert.equal(sent[1].checkpoint, false);
  assert.deepEqual(sent[1].events.map((e) => e.timestamp), [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  timers.fire();
  assert.equal(sent.length, 2, 'an empty interval sends nothing');
});

test('a checkout sends the waiting events first, then the new checkpoint, in order', () => {
  const { b, sent, timers } = batcher();
  b.push(meta(1));
  b.push(full(2));
  b.push(inc(3));
  b.push(inc(4));
  b.push(meta(5));
  b.push(full(6));
  b.push(inc(7));
  assert.deepEqual(
    sent.map((s) => [s.checkpoint, s.events.map((e) => e.timestamp)]),
    [[true, [1, 2]], [false, [3, 4]], [true, [5, 6]]],
  );
  timers.fire();
  assert.deepEqual(sent[3], { events: [inc(7)], checkpoint: false });
});

test('a batch leaves early when it reaches maxEvents or maxBytes', () => {
  const { b, sent } = batcher({ maxEvents: 3 });
  for (let t = 1; t <= 7; t++) b.push(inc(t));
  assert.deepEqual(sent.map((s) => s.events.length), [3, 3]);
  assert.equal(b.waiting, 1);

  const big = batcher({ maxBytes: 200 });
  const payload = 'x'.repeat(120);
  big.b.push({ ...inc(1), data: { source: 0, payload } });
  assert.equal(big.sent.length, 0);
  big.b.push({ ...inc(2), data: { source: 0, payload } });
  assert.equal(big.sent.length, 1, 'past maxBytes the batch goes');
  assert.equal(big.sent[0].events.length, 2);
});

test('close sends everything that waits, and a Meta without its snapshot is an ordinary event', () => {
  const { b, sent } = batcher();
  b.push(inc(1));
  b.push(meta(2));
  b.push(inc(3));
  b.close();
  assert.deepEqual(sent.map((s) => [s.checkpoint, s.events.map((e) => e.timestamp)]), [
    [false, [1]],
    [false, [2, 3]],
  ]);
  assert.equal(b.waiting, 0);
});

test('a late joiner\'s snapshot is replayed from static batches, then the latest checkpoint on', () => {
  const state = {
    static: [{ fromSeq: 1, events: [{ type: 5, timestamp: 1, data: {} }], static: true, checkpoint: false }],
    events: [
      { fromSeq: 20, events: [meta(20), full(21)], checkpoint: true, static: false },
      { fromSeq: 22, events: [inc(22), 'not an rrweb event', inc(23)], checkpoint: false, static: false },
    ],
  };
  const events = snapshotEvents(state);
  assert.deepEqual(events.map((e) => e.timestamp), [1, 20, 21, 22, 23]);
  assert.ok(hasFullSnapshot(events));
  assert.deepEqual(snapshotEvents({ static: [], events: [] }), []);
  assert.equal(hasFullSnapshot([inc(1)]), false);
});

test('backlog events keep their order and all land before the baseline', () => {
  const tl = new Timeline();
  const placed = tl.backlog([meta(5000), full(5001), inc(9000)], 2000);
  assert.deepEqual(placed.map((e) => e.timestamp), [-2001, -2000, 1999]);
  assert.equal(placed[2].data.source, 0, 'the rest of the event is kept');
  // old events stay where they are
  const tl2 = new Timeline();
  assert.deepEqual(tl2.backlog([inc(10), inc(20)], 1000).map((e) => e.timestamp), [10, 20]);
});

test('live events keep their spacing, shifted by the smallest lag seen (another clock)', () => {
  const tl = new Timeline();
  // the recorder's clock is 10 s ahead; the first batch arrives 60 ms after its last event
  const first = tl.live([inc(20000), inc(20040)], 10100);
  assert.deepEqual(first.map((e) => e.timestamp), [10060, 10100]);
  // a quicker delivery lowers the estimate; order is never reversed
  const second = tl.live([inc(20050), inc(20090)], 10110);
  assert.deepEqual(second.map((e) => e.timestamp), [10100, 10110]);
  // a slow delivery (a resume) does not change it
  const third = tl.live([inc(20200)], 15000);
  assert.deepEqual(third.map((e) => e.timestamp), [10220]);
});

test('a room seek rebuilds from held deltas and fetches only what is missing', () => {
  assert.deepEqual(seekPlan({ target: 5, seen: 12 }), { from: 6, keepUpTo: 5, fastForwardTo: null });
  assert.deepEqual(seekPlan({ target: 20, seen: 12 }), { from: 13, keepUpTo: 12, fastForwardTo: 20 });
  assert.deepEqual(seekPlan({ target: 0, seen: 0 }), { from: 1, keepUpTo: 0, fastForwardTo: 1 });
});

test('a recording\'s replayed items become one list of rrweb events, repeats and other frames left out', () => {
  const batch = (seq, events, extra = {}) => ({ seq, ts: 1, frame: { type: 'events', payload: { fromSeq: seq - events.length + 1, events, ...extra } } });
  const items = [
    batch(2, [meta(10), full(11)], { checkpoint: true }),
    batch(4, [inc(12), { not: 'rrweb' }]),
    batch(4, [inc(12), inc(13)]), // repeated after a reconnect
    batch(5, [inc(14)]),
    { seq: 6, ts: 2, frame: { type: 'ended', payload: { seq: 6 } } },
  ];
  const { events, seq } = rrwebEventsOf(items);
  assert.deepEqual(events.map((e) => [e.type, e.timestamp]), [[4, 10], [2, 11], [3, 12], [3, 14]]);
  assert.equal(seq, 6);
  assert.deepEqual(rrwebEventsOf(items, 4).events.map((e) => e.timestamp), [14]);
});

test('rrweb-player gets the recorded viewport, scaled down (never up) to the space there is', () => {
  assert.deepEqual(playerSize({ width: 1280, height: 800 }, 2000, 2000), { width: 1280, height: 800 });
  assert.deepEqual(playerSize({ width: 1280, height: 800 }, 640, 2000), { width: 640, height: 400 });
  assert.deepEqual(playerSize({ width: 1280, height: 800 }, 2000, 200), { width: 320, height: 200 });
  assert.deepEqual(playerSize(undefined, 2000, 2000), { width: 1024, height: 576 });
});

test('the replay page\'s speeds map to rrweb-player\'s, Max to its fastest', () => {
  assert.deepEqual(SPEEDS.map(playerSpeed), [...PLAYER_SPEEDS]);
  assert.equal(playerSpeed(0), PLAYER_MAX_SPEED);
  assert.equal(speedLabel(0), 'Max');
});
