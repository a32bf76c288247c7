// The graph page's first paint of a large map in headless Chromium (issue 14): the producer
// (client-web/scripts/graph-producer.mjs) publishes NODES nodes and EDGES edges and moves them at HZ;
// then a fresh page (new tab, token in the URL) opens graph.html?map=<name> RUNS times, and each
// run reports, in ms since navigation start: the join resolved (snapshot and every part in, the
// graph built from it) and the first frame with the graph drawn (after a GPU sync), plus the
// frame costs (apply + draw) while the positions stream and while the camera pans and zooms.
// Usage (against a node in dev mode):
//   TANDEM_URL=http://127.0.0.1:8080 NODES=50000 EDGES=200000 RUNS=5 node bench/graph-first-paint.mjs
// MAP=<name> reuses a map a producer already publishes (no producer is started); MAP=<a>,<b>
// alternates between several such maps (e.g. one graph with edges e/<j>, one with blocks eb/<b>).
// WEB_DIR=<folder> serves the pages and assets from that build of client-web (its target/web)
// instead of the node's; WEB_DIR=old=<folder>,new=<folder> names several builds, and the runs
// alternate between them (run 1 the first, run 2 the second, ...), on one node and one map. Each
// build is served by a small static server of this script on 127.0.0.1 (an ephemeral port; /v1/
// requests are forwarded to the node), and the page connects to the node's WebSocket directly
// (`nodes=`), which a dev-mode node allows from any loopback origin. CASES=<build>@<map>,... names
// the pairs to alternate between instead of every build with every map (e.g. an old page on a map
// in the old form, a new page on the same graph in a new form); it implies MAP. (Playwright's route.fulfill
// is not used for this: Chromium's local network access checks block a WebSocket to 127.0.0.1
// from a document that a route fulfilled, and the page never connects.)
//
// Each run also reports the split, in ms since navigation start, measured the same way for every
// build (Navigation and Resource Timing, and a WebSocket wrapper installed before the page's own
// scripts that notes when a frame is sent and when its message event is dispatched): html (the
// document's responseEnd), assets (the last /assets/ file's responseEnd), hello and join (sent),
// snapshot and lastPart (received), joined (the page's join resolved), firstPaint.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
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
const INTERACT = process.env.INTERACT !== '0';

const token = async (sub, scope) => {
  const r = await fetch(`${base}/v1/dev/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ sub, scope, ttlSeconds: 3600 }) });
  return (await r.json()).token;
};

let producer = null;
// CASES: [{build, map}], the pairs of a build's label and a map
const pairs = (process.env.CASES ?? '').split(',').filter(Boolean).map((c) => ({ build: c.slice(0, c.indexOf('@')), map: c.slice(c.indexOf('@') + 1) }));
let map = process.env.MAP ?? (pairs.length ? [...new Set(pairs.map((c) => c.map))].join(',') : undefined);
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
/** A static server of one build's folder on 127.0.0.1; /v1/ HTTP requests go to the node. */
async function serveBuild(dir) {
  const types = { html: 'text/html', js: 'application/javascript', css: 'text/css', json: 'application/json', map: 'application/json', svg: 'image/svg+xml' };
  const server = http.createServer(async (req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    try {
      if (path.startsWith('/v1/')) {
        const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await new Promise((ok) => {
          const chunks = [];
          req.on('data', (c) => chunks.push(c));
          req.on('end', () => ok(Buffer.concat(chunks)));
        });
        const r = await fetch(base + req.url, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json', authorization: req.headers.authorization ?? '' }, body });
        res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
        res.end(Buffer.from(await r.arrayBuffer()));
        return;
      }
      const file = join(dir, path === '/' ? 'index.html' : path);
      const ext = file.slice(file.lastIndexOf('.') + 1);
      const data = await readFile(file);
      res.writeHead(200, { 'content-type': types[ext] ?? 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(data);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

// [{label, url}]: the builds to alternate between (one: the node's own pages)
const builds = [];
for (const [i, spec] of (process.env.WEB_DIR ?? '').split(',').filter(Boolean).entries()) {
  const eq = spec.indexOf('=');
  const label = eq > 0 ? spec.slice(0, eq) : `build${i + 1}`;
  const served = await serveBuild(eq > 0 ? spec.slice(eq + 1) : spec);
  builds.push({ label, ...served });
}
if (builds.length === 0) builds.push({ label: 'node', url: base, server: null });
// what the runs alternate between: the CASES, else every build with every map
const maps = map.split(',');
const cases = pairs.length
  ? pairs.map((c) => {
    const b = builds.find((x) => x.label === c.build);
    if (!b) throw new Error(`CASES names a build that WEB_DIR does not: ${c.build}`);
    return { ...b, map: c.map, label: `${c.build} ${c.map}` };
  })
  : builds.flatMap((b) => maps.map((m) => ({ ...b, map: m, label: maps.length > 1 ? `${b.label} ${m}` : b.label })));
const wsOfNode = base.replace(/^http/, 'ws') + '/v1/ws';

// runs in the page before its scripts: when each frame is sent, and when each message is dispatched
const wsSpy = () => {
  const t = (window.__wsTimes = { sent: {}, got: {}, gotLast: {} });
  const typeOf = (data) => {
    if (typeof data === 'string') return /"type"\s*:\s*"([a-z._]+)"/.exec(data.slice(0, 300))?.[1];
    const b = new Uint8Array(data instanceof ArrayBuffer ? data : data.buffer, data.byteOffset ?? 0, Math.min(160, data.byteLength));
    // CBOR: the text "type" (0x64 t y p e), then a text string (0x60 + length, or 0x78 length)
    for (let i = 0; i + 6 < b.length; i++) {
      if (b[i] === 0x64 && b[i + 1] === 116 && b[i + 2] === 121 && b[i + 3] === 112 && b[i + 4] === 101) {
        let n = b[i + 5] - 0x60;
        let o = i + 6;
        if (b[i + 5] === 0x78) { n = b[i + 6]; o = i + 7; }
        return String.fromCharCode(...b.subarray(o, o + n));
      }
    }
    return undefined;
  };
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    const ty = typeOf(data);
    if (ty && t.sent[ty] === undefined) t.sent[ty] = performance.now();
    return send.call(this, data);
  };
  window.WebSocket = class extends Native {
    constructor(...args) {
      super(...args);
      this.addEventListener('message', (e) => {
        const ty = typeOf(e.data);
        if (!ty) return;
        const now = performance.now();
        if (t.got[ty] === undefined) t.got[ty] = now;
        t.gotLast[ty] = now;
      });
    }
  };
};

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
    const build = cases[(run - 1) % cases.length];
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(wsSpy);
    const page = await context.newPage();
    const nodes = build.server ? `&nodes=${encodeURIComponent(wsOfNode)}` : '';
    await page.goto(`${build.url}/graph.html?map=${build.map}&encoding=${ENCODING}${nodes}#token=${viewer}`);
    try {
      await page.waitForFunction(() => window.tandem?.view?.firstDrawAt !== null && window.tandem?.view?.firstDrawAt !== undefined, null, { timeout: 120000 });
    } catch (e) {
      // say what the page got to, and go on with the next run
      const said = await page.evaluate(() => ({
        marks: window.tandem?.view?.marks,
        lines: window.tandem?.view?.lines,
        status: document.getElementById('status-text')?.textContent,
        fatal: document.getElementById('fatal')?.textContent,
      })).catch((err) => ({ evaluate: err.message }));
      console.log(JSON.stringify({ run, build: build.label, error: e.message.split('\n')[0], ...said }));
      rows.push({ run, build: build.label, firstPaintMs: null, failed: true });
      await context.close();
      continue;
    }
    const v = await page.evaluate(() => ({ ...window.tandem.view, layout: null, frameMs: [...window.tandem.view.frameMs], parts: window.tandem.client.sessions.values().next().value?.stats.parts }));
    const split = await page.evaluate(() => {
      const r = (x) => (x === undefined ? null : Math.round(x));
      const nav = performance.getEntriesByType('navigation')[0];
      const assets = performance.getEntriesByType('resource').filter((e) => /\/assets\/[^/]+\.(js|css)$/.test(new URL(e.name).pathname));
      const t = window.__wsTimes;
      return {
        html: r(nav?.responseEnd),
        assets: r(Math.max(...assets.map((e) => e.responseEnd))),
        hello: r(t.sent.hello),
        join: r(t.sent.join),
        snapshot: r(t.got.snapshot),
        lastPart: r(t.gotLast['snapshot.part']),
      };
    });
    // streaming: 5 s of positions; interaction: drags and wheel turns (INTERACT=0: neither)
    let streaming = [];
    let panning = [];
    let panMs = 1;
    if (INTERACT) {
      const f0 = v.frameMs.length;
      await page.waitForTimeout(5000);
      streaming = await page.evaluate((from) => window.tandem.view.frameMs.slice(from), f0);
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
      panMs = Date.now() - t0;
      panning = await page.evaluate((from) => window.tandem.view.frameMs.slice(from), before);
    }
    const row = {
      run,
      build: build.label,
      nodes: v.nodes,
      edges: v.edges,
      frames: (v.parts ?? 0) + 1,
      ...split,
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
  for (const b of builds) b.server?.close();
}
const median = (xs) => {
  const s = xs.filter((x) => x !== null && x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : null;
};
for (const b of cases) {
  const failed = rows.filter((r) => r.build === b.label && r.failed).length;
  if (failed) console.log(`${b.label}: ${failed} run(s) without a first paint within 120 s`);
  const mine = rows.filter((r) => r.build === b.label && !r.failed);
  const fp = mine.map((r) => r.firstPaintMs).sort((a, b2) => a - b2);
  const split = ['html', 'assets', 'hello', 'join', 'snapshot', 'lastPart', 'joinedMs', 'firstPaintMs']
    .map((k) => `${k} ${median(mine.map((r) => r[k]))}`).join(', ');
  console.log(`${b.label}: first paint (ms since navigation): median ${fp[Math.floor(fp.length / 2)]}, min ${fp[0]}, max ${fp[fp.length - 1]} over ${fp.length} runs; medians: ${split}`);
}
