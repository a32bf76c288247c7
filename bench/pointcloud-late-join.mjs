// A late joiner on a large point-cloud recording, in headless Chromium: how long until the
// point-cloud page draws its first frame with points, and how many bytes it fetched for it.
//
//   node bench/pointcloud-late-join.mjs [--url http://127.0.0.1:8080] [--mb 200] [--points 12000]
//        [--refetch-every 10 | 0] [--runs 3] [--recording <existing name>] [--chromium /usr/bin/chromium]
//        [--parser auto | three]
//
// Builds the recording with the example producer (docs/examples/pointcloud-producer.mjs, as fast as
// the node takes it) until the shards published reach --mb megabytes: with --refetch-every 10 the
// stream a reconstruction service makes (a full refetch every 10th image, so a late joiner gets the
// latest refetch and the shards after it), with 0 no checkpoint at all (the worst case: the late
// joiner gets every shard). Then opens pointcloud.html --runs times in fresh pages and reports,
// per run: navigation to the snapshot decoded, to its shards parsed, to the first frame drawn, the
// WebSocket bytes received and the HTTP bytes of the page itself. `--parser three` makes the page
// parse every shard with three's PLYLoader instead of its direct reader of plain binary shards. Needs a node in dev mode (tokens
// from POST /v1/dev/token) and client-web's node_modules (ws, playwright-core, three) built with npm.
// Shards of 12,000 points are 180 KB of binary PLY, 240 KB as base64 in a JSON publish: under the
// default 256 KiB frame limit.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = fileURLToPath(new URL('../', import.meta.url));
const clientWeb = join(repo, 'client-web');
const requireWeb = createRequire(join(clientWeb, 'package.json'));
const playwright = await import(pathToFileURL(requireWeb.resolve('playwright-core')).href);
const { chromium } = playwright.chromium ? playwright : playwright.default;

const o = { url: 'http://127.0.0.1:8080', mb: 200, points: 12000, refetchEvery: 10, runs: 3, recording: null, chromium: '/usr/bin/chromium', parser: 'auto' };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i += 2) {
  const k = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase());
  if (!(k in o)) throw new Error(`unknown option ${argv[i]}`);
  o[k] = typeof o[k] === 'number' ? Number(argv[i + 1]) : argv[i + 1];
}
const base = o.url.replace(/\/$/, '');

async function devToken(sub, scope) {
  const res = await fetch(`${base}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, scope, ttlSeconds: 7200 }) });
  if (!res.ok) throw new Error(`dev token: HTTP ${res.status} (is the node in dev mode?)`);
  return (await res.json()).token;
}

/** Images needed so that the shards published reach `bytes` (each image: 1 shard, or a refetch). */
function imagesFor(bytes, shardBytes, refetchEvery) {
  let published = 0;
  let image = 0;
  while (published < bytes) {
    image++;
    published += (refetchEvery > 0 && image % refetchEvery === 0 ? image : 1) * shardBytes;
  }
  return { image, published };
}

const shardBytes = o.points * 15 + 260; // the producer's binary PLY: header + 15 bytes a point
let name = o.recording;
if (!name) {
  name = `cloud-${o.mb}mb-${o.refetchEvery}-${Date.now().toString(36)}`;
  const { image, published } = imagesFor(o.mb * 1e6, shardBytes, o.refetchEvery);
  const dir = join(clientWeb, 'target', 'examples');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'pointcloud-producer.mjs');
  copyFileSync(join(repo, 'docs', 'examples', 'pointcloud-producer.mjs'), script);
  const token = await devToken('bench-producer', 'recording:*:publish');
  console.log(`publishing ${image} images (${(published / 1e6).toFixed(1)} MB of shards of ${o.points} points) to recording:${name}`);
  const t0 = Date.now();
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [script, '--url', `${base.replace(/^http/, 'ws')}/v1/ws`, '--token', token,
      '--recording', name, '--images', String(image), '--interval', '0', '--points', String(o.points),
      '--refetch-every', String(o.refetchEvery)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let last = '';
    child.stdout.on('data', (d) => { last = d.toString().trim().split('\n').pop(); });
    child.on('exit', (c) => { console.log(`  ${last}`); resolve(c); });
  });
  if (code !== 0) throw new Error(`the producer failed (${code})`);
  const s = (Date.now() - t0) / 1000;
  console.log(`  published in ${s.toFixed(1)} s (${(published / 1e6 / s).toFixed(1)} MB/s)`);
}

const viewer = await devToken('bench-viewer', 'recording:*:read');
const context = await chromium.launchPersistentContext('', {
  executablePath: o.chromium, headless: true, viewport: { width: 1280, height: 800 },
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});

const rows = [];
for (let run = 1; run <= o.runs; run++) {
  const page = await context.newPage();
  let wsBytes = 0;
  let httpBytes = 0;
  page.on('websocket', (ws) => ws.on('framereceived', (f) => { wsBytes += typeof f.payload === 'string' ? Buffer.byteLength(f.payload) : f.payload.length; }));
  page.on('requestfinished', async (req) => {
    const sizes = await req.sizes().catch(() => null);
    if (sizes) httpBytes += sizes.responseBodySize + sizes.responseHeadersSize;
  });
  await page.goto(`${base}/pointcloud.html?recording=${name}${o.parser === 'three' ? '&parser=three' : ''}#token=${viewer}`);
  await page.waitForFunction(() => (window.tandem?.view?.firstDrawAt ?? null) !== null || !document.getElementById('fatal').hidden, null, { timeout: 600000, polling: 50 });
  const fatal = await page.evaluate(() => (document.getElementById('fatal').hidden ? null : document.getElementById('fatal').textContent));
  if (fatal) throw new Error(`the page gave up: ${fatal}`);
  const v = await page.evaluate(() => {
    const { view } = window.tandem;
    return { snapshotAt: view.snapshotAt, builtAt: view.builtAt, firstDrawAt: view.firstDrawAt, points: view.points, shards: view.shards, joinedAt: view.joinedAt, fromSeq: view.fromSeq };
  });
  rows.push({ run, ...v, wsBytes, httpBytes });
  console.log(`run ${run}: ${v.shards} shards, ${v.points.toLocaleString('en')} points (snapshot from seq ${v.fromSeq}, joined at ${v.joinedAt}); ` +
    `snapshot decoded ${v.snapshotAt.toFixed(0)} ms, parsed ${v.builtAt.toFixed(0)} ms, first frame ${v.firstDrawAt.toFixed(0)} ms; ` +
    `WebSocket ${(wsBytes / 1e6).toFixed(1)} MB, page ${(httpBytes / 1e6).toFixed(2)} MB`);
  await page.close();
}
await context.close();
const median = (k) => rows.map((r) => r[k]).sort((a, b) => a - b)[Math.floor(rows.length / 2)];
console.log(`median: first frame ${median('firstDrawAt').toFixed(0)} ms (snapshot ${median('snapshotAt').toFixed(0)} ms, parsed ${median('builtAt').toFixed(0)} ms), WebSocket ${(median('wsBytes') / 1e6).toFixed(1)} MB`);
