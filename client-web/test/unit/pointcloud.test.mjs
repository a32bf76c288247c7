// The point-cloud page's logic without a browser: PLY shards (binary and ASCII, as the example
// producer writes them) parse with three's PLYLoader, broken ones are refused with a reason, and
// the shard book clears on a checkpoint and replaces a shard that comes again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ShardBook, parsePly, batchBytes, shardKey } from '../../src/pointcloud.js';
import { hallShard, plyBinary, plyAscii, imageBatches } from '../../../docs/examples/pointcloud-producer.mjs';

test('binary and ASCII shards of the producer parse to the same points', () => {
  const shard = hallShard(1, 3, 500);
  const bin = parsePly(plyBinary(shard));
  const ascii = parsePly(plyAscii(shard));
  for (const g of [bin, ascii]) {
    assert.equal(g.getAttribute('position').count, 500);
    assert.equal(g.getAttribute('color').count, 500);
  }
  const a = bin.getAttribute('position').array;
  const b = ascii.getAttribute('position').array;
  for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i] - b[i]) < 1e-3, `coordinate ${i}`);
  assert.deepEqual(hallShard(1, 3, 500).positions, shard.positions, 'seeded: the same shard again');
  assert.notDeepEqual(hallShard(2, 3, 500).positions, shard.positions, 'another seed, another scene');
});

test('the direct reader of plain binary shards makes the geometry PLYLoader makes', () => {
  for (const k of [1, 2, 5]) {
    const bytes = plyBinary(hallShard(4, k, 2000));
    const fast = parsePly(bytes);
    const three = parsePly(bytes, { loader: 'three' });
    for (const name of ['position', 'color']) {
      const a = fast.getAttribute(name);
      const b = three.getAttribute(name);
      assert.equal(a.constructor, b.constructor, name);
      assert.equal(a.normalized, b.normalized, name);
      assert.deepEqual(a.array, b.array, `${name} of shard ${k}`);
    }
  }
  // a shard inside a larger buffer (as a CBOR frame hands it over) reads the same
  const bytes = plyBinary(hallShard(4, 1, 100));
  const framed = new Uint8Array(bytes.length + 7);
  framed.set(bytes, 3);
  assert.deepEqual(parsePly(framed.subarray(3, 3 + bytes.length)).getAttribute('position').array, parsePly(bytes).getAttribute('position').array);
});

test('a shard that is no usable PLY is refused with a reason', () => {
  const good = plyBinary(hallShard(1, 1, 100));
  assert.throws(() => parsePly(new TextEncoder().encode('hello, this is not a point cloud')), /not a PLY/);
  assert.throws(() => parsePly(good.subarray(0, good.length - 40)), /PLY/);
  assert.throws(() => parsePly(new TextEncoder().encode('ply\nformat ascii 1.0\nelement vertex 0\nproperty float x\nproperty float y\nproperty float z\nend_header\n')), /no vertices/);
  assert.throws(() => parsePly(new TextEncoder().encode('ply\nformat ascii 1.0\nelement vertex 2\nproperty float x\nproperty float y\nproperty float z\nend_header\n1 2 3\nx y z\n')), /finite|vertices/);
  assert.throws(() => parsePly(new Uint8Array(0)), /no PLY/);
});

test('the shard book clears on a checkpoint, counts reloads and replaces a shard that comes again', () => {
  const book = new ShardBook();
  const batch = (seq, shard, checkpoint = false) => ({ fromSeq: seq, events: [{ shard }], checkpoint, bytes: new Uint8Array([1]) });
  for (let s = 1; s <= 3; s++) {
    const r = book.apply(batch(s, s));
    assert.equal(r.cleared, false);
    book.drawn(r.key, s, 10);
  }
  assert.equal(book.points, 30);
  const again = book.apply(batch(4, 2));
  book.drawn(again.key, 4, 15);
  assert.equal(book.shards.size, 3, 'shard 2 replaced, not added');
  assert.equal(book.points, 35);
  const refetch = book.apply(batch(5, 1, true));
  assert.equal(refetch.cleared, true);
  assert.equal(book.reloads, 1);
  assert.equal(book.shards.size, 0);
  book.drawn(refetch.key, 5, 10);
  assert.equal(book.lastSeq, 5);

  // a late joiner's snapshot starts at the checkpoint: nothing to clear, no reload
  const late = new ShardBook();
  assert.equal(late.apply(batch(5, 1, true)).cleared, false);
  assert.equal(late.reloads, 0);
});

test('bytes come as a byte string (CBOR) or base64 (JSON); the shard id from the event', () => {
  assert.deepEqual(batchBytes({ bytes: 'AQID' }), new Uint8Array([1, 2, 3]));
  assert.deepEqual(batchBytes({ bytes: new Uint8Array([4]) }), new Uint8Array([4]));
  assert.equal(batchBytes({ events: [] }), null);
  assert.equal(shardKey({ fromSeq: 7, events: [{ shard: 3 }] }), 'shard:3');
  assert.equal(shardKey({ fromSeq: 7, events: [{}] }), 'seq:7');
});

test('the producer refetches every shard on every 10th image, the first batch a checkpoint', () => {
  assert.deepEqual(imageBatches(9, 10), [{ shard: 9, refetch: false, checkpoint: false }]);
  const tenth = imageBatches(10, 10);
  assert.equal(tenth.length, 10);
  assert.deepEqual(tenth.map((b) => b.checkpoint), [true, ...Array(9).fill(false)]);
  assert.deepEqual(tenth.map((b) => b.shard), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
});
