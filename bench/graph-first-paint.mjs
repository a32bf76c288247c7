// The graph page's first paint of a large map in headless Chromium (issue 14): the producer
// (client-web/scripts/graph-producer.mjs) publishes NODES nodes and EDGES edges and moves them at HZ;
// then a fresh page (new tab, token in the URL) opens graph.html?map=<name> RUNS times, and each
// run reports, in ms since navigation start: the join resolved (snapshot and every part in, the
// graph built from it) and the first frame with the graph drawn (after a GPU sync), plus the
// frame costs (apply + draw) while the positions stream and while the camera pans and zooms.
// Usage (against a node in dev mode):
//   TANDEM_URL=http://127.0.0.1:8080 NODES=50000 EDGES=200000 RUNS=5 node bench/graph-first-paint.mjs
// MAP=<name> reuses a map a producer already publishes (no producer is started).
// WEB_DIR=<folder> serves the pages and assets from that build of client-web (its target/web)
// instead of the node's, so that two builds can be compared on one node and one map, alternating.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const clientWeb = fileURLToPath(new URL('../client-web/', import.meta.url));
const requireWeb = createRequire(join(clientWeb, 'package.json'));
const playwright = await import(pathToFileURL(requireWeb.resolve('playwright-core')).href);
const { chromium } = playwright.chromium ? playwright : playwright.default;

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const NODES = Number(process.env.NODES ?? 50000);
const EDGES = Number(process.env.EDGES ?? 200000);
const RUNS = Number(process.env.RUNS ?? 5);
const ENCODING = process.env.ENCODING ?? 'cbor';

const token = async (sub, scope) => {
  const r = await fetch(`${base}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, scope, ttlSeconds: 3600 }) });
  return (await r.json()).token;
};

let producer = null;
let map = process.env.MAP;
if (!map) {
  map = `paint-${Date.now().toString(36)}`;
  const t0 = Date.now();
  producer = spawn(process.execPath, [join(clientWeb, 'scripts', 'graph-producer.mjs')], {
    env: { ...process.env, TANDEM_URL: base, MAP: map, NODES: String(NODES), EDGES: String(EDGES), HZ: process.env.HZ ?? '10', SECONDS: 'Infinity' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise((resolve, reject) => {
    let out = '';
    producer.stdout.on('data', (d) => {
      out += d;
      if (/publishing map:/.test(out)) resolve();
    });
    producer.on('exit', (c) => reject(new Error(`producer exited ${c}: ${out}`)));
  });
  console.log(`producer: ${NODES} nodes, ${EDGES} edges published in ${Date.now() - t0} ms; moving them at ${process.env.HZ ?? 10} Hz`);
}

const viewer = await token('paint-bench', 'map:*:read');
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
  return { n: s.length, median: q(0.5), p90: q(0.9), max: s[s.length - 1] };
};
const rows = [];
try {
  for (let run = 1; run <= RUNS; run++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    if (process.env.WEB_DIR) {
      const types = { html: 'text/html', js: 'application/javascript', css: 'text/css', json: 'application/json', map: 'application/json' };
      await context.route(/\/(graph\.html|assets\/[^/?#]+)(\?[^#]*)?$/, async (route) => {
        const path = new URL(route.request().url()).pathname;
        const ext = path.slice(path.lastIndexOf('.') + 1);
        route.fulfill({ status: 200, contentType: types[ext] ?? 'application/octet-stream', body: await readFile(join(process.env.WEB_DIR, path)) });
      });
    }
    const page = await context.newPage();
    await page.goto(`${base}/graph.html?map=${map}&encoding=${ENCODING}#token=${viewer}`);
    await page.waitForFunction(() => window.tandem?.view?.firstDrawAt !== null && window.tandem?.view?.firstDrawAt !== undefined, null, { timeout: 120000 });
    const v = await page.evaluate(() => ({ ...window.tandem.view, frameMs: [...window.tandem.view.frameMs], parts: window.tandem.client.sessions.values().next().value?.stats.parts }));
    // streaming: 5 s of positions
    const f0 = v.frameMs.length;
    await page.waitForTimeout(5000);
    const streaming = await page.evaluate((from) => window.tandem.view.frameMs.slice(from), f0);
    // interaction: drags and wheel turns
    const box = await page.locator('#scene canvas').boundingBox();
    const before = await page.evaluate(() => window.tandem.view.frameMs.length);
    const t0 = Date.now();
    for (let i = 0; i < 4; i++) {
      await page.mouse.move(box.x + 700, box.y + 400);
      await page.mouse.down();
      await page.mouse.move(box.x + 500, box.y + 300 + i * 20, { steps: 10 });
      await page.mouse.up();
      await page.mouse.wheel(0, i % 2 ? 300 : -300);
    }
    const panMs = Date.now() - t0;
    const panning = await page.evaluate((from) => window.tandem.view.frameMs.slice(from), before);
    const row = {
      run,
      nodes: v.nodes,
      edges: v.edges,
      frames: (v.parts ?? 0) + 1,
      joinedMs: Math.round(v.snapshotAt),
      firstPaintMs: Math.round(v.firstDrawAt),
      marks: v.marks,
      streaming: stats(streaming),
      streamingFps: +(streaming.length / 5).toFixed(1),
      panning: stats(panning),
      panFps: +(panning.length / (panMs / 1000)).toFixed(1),
    };
    rows.push(row);
    console.log(JSON.stringify(row));
    await context.close();
  }
} finally {
  await browser.close();
  producer?.kill();
}
const fp = rows.map((r) => r.firstPaintMs).sort((a, b) => a - b);
console.log(`first paint (ms since navigation): median ${fp[Math.floor(fp.length / 2)]}, min ${fp[0]}, max ${fp[fp.length - 1]} over ${fp.length} runs`);
