// Streams a 3D reconstruction into Tandem as a recording, the way a reconstruction service does:
// one point-cloud shard (a PLY file) per processed image, and on every 10th image a full refetch,
// every shard again, its first batch a checkpoint, so that late joiners start from the whole cloud.
// Watch it at http://<node>/pointcloud.html?recording=<name>.
//
//   npm i ws
//   node pointcloud-producer.mjs --token <jwt> [--url ws://127.0.0.1:8080/v1/ws] [--recording hall]
//        [--folder ./shards | --seed 1 --points 4000] [--images 30] [--interval 2]
//        [--refetch-every 10] [--ascii-every 0] [--end]
//
// With --folder it publishes the folder's *.ply files in name order (image i is file i); without it
// it generates a seeded synthetic scene, the columns and arches of a hall, one bay per image, a few
// thousand points per shard. The token needs `recording:<name>:publish` (TANDEM_TOKEN works too).
// Speaks protocol v1 JSON (`bytes` as base64) with Node's `ws` package; exits non-zero on an error.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

// ------------------------------------------------------------------ the synthetic hall

/** A small seeded PRNG (mulberry32): the same seed gives the same scene everywhere. */
export function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BAY = 4; // metres between columns along the nave
const HALF = 4; // half the nave's width: columns stand at x = -4 and x = 4
const COLUMN = { radius: 0.45, height: 6 };

/**
 * Shard `k` (1, 2, ...) of the hall: the bay `k - 1` (modulo 12, a hall of 12 bays, then again a
 * little higher up, as a second pass of the scan would): its floor, its two pairs of columns, the
 * arches between them along the aisles and the transverse arch across the nave. `points` points,
 * as `{positions: Float32Array(3n), colors: Uint8Array(3n)}`, the same for the same seed and k.
 */
export function hallShard(seed, k, points = 4000) {
  const rnd = random(seed * 7919 + k);
  const bay = (k - 1) % 12;
  const lift = Math.floor((k - 1) / 12) * 0.01;
  const z0 = bay * BAY;
  const positions = new Float32Array(points * 3);
  const colors = new Uint8Array(points * 3);
  const jitter = () => (rnd() - 0.5) * 0.03;
  const stone = (base, spread) => {
    const s = (rnd() - 0.5) * spread;
    return [base[0] + s, base[1] + s, base[2] + s].map((c) => Math.max(0, Math.min(255, Math.round(c))));
  };
  for (let i = 0; i < points; i++) {
    const pick = rnd();
    let p;
    let c;
    if (pick < 0.3) {
      // the floor, checkered
      const x = (rnd() - 0.5) * (HALF * 2 + 3);
      const z = z0 + rnd() * BAY;
      p = [x, lift + jitter() * 0.3, z];
      c = (Math.floor(x) + Math.floor(z)) % 2 === 0 ? stone([120, 110, 96], 20) : stone([70, 64, 58], 16);
    } else if (pick < 0.65) {
      // a column: one of the two at this bay's start, either side
      const side = rnd() < 0.5 ? -1 : 1;
      const a = rnd() * Math.PI * 2;
      const y = rnd() * COLUMN.height;
      const r = COLUMN.radius * (y < 0.4 || y > COLUMN.height - 0.4 ? 1.3 : 1); // base and capital
      p = [side * HALF + Math.cos(a) * r + jitter(), y, z0 + Math.sin(a) * r + jitter()];
      c = stone([214, 200, 170], 30);
    } else if (pick < 0.85) {
      // the aisle arch from this bay's column to the next, either side
      const side = rnd() < 0.5 ? -1 : 1;
      const t = rnd() * Math.PI;
      const w = (rnd() - 0.5) * 0.6;
      p = [side * HALF + w, COLUMN.height + Math.sin(t) * (BAY / 2) + jitter(), z0 + BAY / 2 - Math.cos(t) * (BAY / 2)];
      c = stone([230, 218, 190], 24);
    } else {
      // the transverse arch across the nave, over this bay's columns
      const t = rnd() * Math.PI;
      const w = (rnd() - 0.5) * 0.6;
      p = [-Math.cos(t) * HALF + jitter(), COLUMN.height + Math.sin(t) * HALF + jitter(), z0 + w];
      c = stone([200, 150, 110], 30);
    }
    positions.set(p, i * 3);
    colors.set(c, i * 3);
  }
  return { positions, colors };
}

/** A binary (little-endian) PLY of points with colours: float x y z, uchar red green blue. */
export function plyBinary({ positions, colors }) {
  const n = positions.length / 3;
  const header = new TextEncoder().encode(
    `ply\nformat binary_little_endian 1.0\ncomment tandem point-cloud producer\nelement vertex ${n}\n` +
      'property float x\nproperty float y\nproperty float z\n' +
      'property uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n',
  );
  const out = new Uint8Array(header.length + n * 15);
  out.set(header, 0);
  const view = new DataView(out.buffer, header.length);
  for (let i = 0; i < n; i++) {
    const o = i * 15;
    view.setFloat32(o, positions[i * 3], true);
    view.setFloat32(o + 4, positions[i * 3 + 1], true);
    view.setFloat32(o + 8, positions[i * 3 + 2], true);
    view.setUint8(o + 12, colors[i * 3]);
    view.setUint8(o + 13, colors[i * 3 + 1]);
    view.setUint8(o + 14, colors[i * 3 + 2]);
  }
  return out;
}

/** The same points as an ASCII PLY. */
export function plyAscii({ positions, colors }) {
  const n = positions.length / 3;
  const lines = [
    'ply', 'format ascii 1.0', 'comment tandem point-cloud producer', `element vertex ${n}`,
    'property float x', 'property float y', 'property float z',
    'property uchar red', 'property uchar green', 'property uchar blue', 'end_header',
  ];
  for (let i = 0; i < n; i++) {
    const p = i * 3;
    lines.push(`${positions[p].toFixed(4)} ${positions[p + 1].toFixed(4)} ${positions[p + 2].toFixed(4)} ${colors[p]} ${colors[p + 1]} ${colors[p + 2]}`);
  }
  return new TextEncoder().encode(`${lines.join('\n')}\n`);
}

// ------------------------------------------------------------------ the stream

/**
 * What image `image` publishes (1-based): shard `image`, or on every `refetchEvery`-th image all
 * shards 1..image, the first a checkpoint. Each item is one `publish` batch.
 */
export function imageBatches(image, refetchEvery) {
  if (refetchEvery > 0 && image % refetchEvery === 0) {
    return Array.from({ length: image }, (_, i) => ({ shard: i + 1, refetch: true, checkpoint: i === 0 }));
  }
  return [{ shard: image, refetch: false, checkpoint: false }];
}

function parseArgs(argv) {
  const o = {
    url: 'ws://127.0.0.1:8080/v1/ws', token: process.env.TANDEM_TOKEN, recording: 'hall', folder: null,
    images: null, interval: 2, refetchEvery: 10, points: 4000, seed: 1, asciiEvery: 0, end: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    const number = () => {
      const v = Number(value());
      if (!Number.isFinite(v) || v < 0) throw new Error(`${a} is a number >= 0`);
      return v;
    };
    switch (a) {
      case '--url': o.url = value(); break;
      case '--token': o.token = value(); break;
      case '--recording': o.recording = value().replace(/^recording:/, ''); break;
      case '--folder': o.folder = value(); break;
      case '--images': o.images = number(); break;
      case '--interval': o.interval = number(); break;
      case '--refetch-every': o.refetchEvery = number(); break;
      case '--points': o.points = number(); break;
      case '--seed': o.seed = number(); break;
      case '--ascii-every': o.asciiEvery = number(); break;
      case '--end': o.end = true; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!o.token) throw new Error('--token <jwt> (or TANDEM_TOKEN) is required');
  if (!/^[A-Za-z0-9._-]{1,128}$/.test(o.recording)) throw new Error('--recording is [A-Za-z0-9._-]{1,128}');
  return o;
}

/** A protocol v1 JSON connection: `request(type, session, payload)` resolves with the reply frame. */
async function connect(url, token) {
  const { default: WebSocket } = await import('ws');
  const ws = new WebSocket(url, 'tandem.v1.json');
  const waiting = new Map();
  let nextRef = 1;
  let closed = null;
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.type === 'ping') ws.send(JSON.stringify({ version: 1, type: 'pong', payload: { t: frame.payload?.t } }));
    const w = frame.ref !== undefined && waiting.get(frame.ref);
    if (w) {
      waiting.delete(frame.ref);
      w.resolve(frame);
    }
  });
  ws.on('close', (code, reason) => {
    closed = new Error(`connection closed: ${code} ${reason}`);
    for (const w of waiting.values()) w.reject(closed);
    waiting.clear();
  });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  const request = (type, session, payload) => new Promise((resolve, reject) => {
    if (closed) return reject(closed);
    const ref = nextRef++;
    waiting.set(ref, { resolve, reject });
    const frame = { version: 1, type, ref, payload };
    if (session) frame.session = session;
    ws.send(JSON.stringify(frame));
  });
  const welcome = await request('hello', undefined, { token, client: { name: 'pointcloud-producer', kind: 'producer' } });
  if (welcome.type !== 'welcome') throw new Error(`hello refused: ${JSON.stringify(welcome.payload)}`);
  // the protocol's heartbeat: the node closes a connection silent for three of them
  const beat = setInterval(() => request('ping', undefined, { t: Date.now() }).catch(() => {}), welcome.payload.heartbeatMs ?? 15000);
  return { ws, request, welcome: welcome.payload, close: () => { clearInterval(beat); ws.close(); } };
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const files = o.folder
    ? readdirSync(o.folder).filter((f) => f.toLowerCase().endsWith('.ply')).sort().map((f) => join(o.folder, f))
    : null;
  if (files && files.length === 0) throw new Error(`no .ply files in ${o.folder}`);
  const images = o.images ?? (files ? files.length : 30);
  if (files && images > files.length) throw new Error(`--images ${images}, but ${o.folder} holds ${files.length} PLY files`);

  const shardBytes = (k) => {
    if (files) return new Uint8Array(readFileSync(files[k - 1]));
    const points = hallShard(o.seed, k, o.points);
    return o.asciiEvery > 0 && k % o.asciiEvery === 0 ? plyAscii(points) : plyBinary(points);
  };

  const conn = await connect(o.url, o.token);
  const session = `recording:${o.recording}`;
  const maxFrame = conn.welcome.limits?.maxFrameBytes ?? Infinity;
  const joined = await conn.request('join', session, { role: 'publisher' });
  if (joined.type !== 'snapshot') throw new Error(`join refused: ${JSON.stringify(joined.payload)}`);
  console.log(`connected to ${conn.welcome.node}; publishing ${images} images to ${session} (seq ${joined.payload.seq})`);

  let lastSeq = joined.payload.seq;
  for (let image = 1; image <= images; image++) {
    const started = Date.now();
    const batches = imageBatches(image, o.refetchEvery);
    // a refetch goes out pipelined: every batch sent, then every reply awaited, in order
    const replies = batches.map(({ shard, refetch, checkpoint }) => {
      const bytes = shardBytes(shard);
      const base64 = Buffer.from(bytes).toString('base64');
      if (base64.length + 512 > maxFrame) {
        throw new Error(`shard ${shard} is ${bytes.length} bytes, too big for the node's frames (${maxFrame} bytes as base64): split it, or raise TANDEM_WS_MAX_FRAME_BYTES and TANDEM_RECORDING_MAX_BYTES`);
      }
      const event = { image, shard, bytes: bytes.length };
      if (refetch) event.refetch = true;
      return conn.request('publish', session, { events: [event], checkpoint, static: false, bytes: base64 });
    });
    for (const reply of await Promise.all(replies)) {
      if (reply.type !== 'ok') throw new Error(`publish refused: ${JSON.stringify(reply.payload)}`);
      lastSeq = reply.payload.seq;
    }
    console.log(batches.length > 1
      ? `image ${image}: full refetch of ${batches.length} shards, checkpoint, up to seq ${lastSeq}`
      : `image ${image}: shard ${image}, seq ${lastSeq}`);
    if (image < images) await new Promise((r) => setTimeout(r, Math.max(0, o.interval * 1000 - (Date.now() - started))));
  }
  if (o.end) {
    const ended = await conn.request('end', session, {});
    if (ended.type !== 'ok') throw new Error(`end refused: ${JSON.stringify(ended.payload)}`);
    lastSeq = ended.payload.seq;
    console.log(`ended at seq ${lastSeq}`);
  }
  console.log(`done: last seq ${lastSeq}`);
  conn.close();
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((e) => {
    console.error(`pointcloud-producer: ${e.message}`);
    process.exit(1);
  });
}
