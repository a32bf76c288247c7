// Where the graph page's main thread spends a late join of a large map (issue 14): one load of
// graph.html?map=<MAP> in headless Chromium under the DevTools CPU profiler (sampling every 0.2 ms),
// up to the first paint. Prints the page's marks (ms since navigation), the time spent inside the
// client's WebSocket message handler for the snapshot's frames (and between them: waiting, or other
// work), then per 250 ms of the load the split between JavaScript, the browser's own work
// ("(program)": messages in, layout, WebGL calls), garbage collection and idle, then the functions
// with the most self time, named through the build's source maps (client-web/target/web).
// Usage (dev-mode node, a producer publishing MAP or a map left by one):
//   TANDEM_URL=http://127.0.0.1:8080 MAP=fp50k node bench/graph-page-profile.mjs
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const clientWeb = fileURLToPath(new URL('../client-web/', import.meta.url));
const requireWeb = createRequire(join(clientWeb, 'package.json'));
const playwright = await import(pathToFileURL(requireWeb.resolve('playwright-core')).href);
const { chromium } = playwright.chromium ? playwright : playwright.default;
// vite's own source-map reader, when installed with it; without it the names stay minified
let SourceMapConsumer = null;
try {
  ({ SourceMapConsumer } = requireWeb('source-map-js'));
} catch {
  // names as the build wrote them
}

const base = (process.env.TANDEM_URL ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
const map = process.env.MAP ?? 'graph';
const assets = join(clientWeb, 'target', 'web', 'assets');
const r = await fetch(`${base}/v1/dev/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ sub: 'page-profile', scope: 'map:*:read', ttlSeconds: 600 }),
});
const { token } = await r.json();

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // times the client's message handler (it sets `onmessage`): [start, duration, bytes] per message
  await context.addInitScript(() => {
    const handled = (window.__handled = []);
    const Native = window.WebSocket;
    window.WebSocket = class extends Native {
      set onmessage(h) {
        super.onmessage = (e) => {
          const t0 = performance.now();
          h(e);
          handled.push([t0, performance.now() - t0, e.data.byteLength ?? e.data.length]);
        };
      }
      get onmessage() {
        return super.onmessage;
      }
    };
  });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  await page.goto(`${base}/graph.html?map=${map}&encoding=cbor#token=${token}`);
  await page.waitForFunction(() => window.tandem?.view?.firstDrawAt != null, null, { timeout: 120000 });
  const { profile } = await cdp.send('Profiler.stop');
  const { marks, firstPaint, handled } = await page.evaluate(() => ({
    marks: window.tandem.view.marks,
    firstPaint: Math.round(window.tandem.view.firstDrawAt),
    handled: window.__handled,
  }));
  console.log(JSON.stringify({ ...marks, firstPaint }));

  // the snapshot's frames: from the snapshot to the last part (the largest messages of the load)
  const big = handled.filter((m) => m[0] >= marks.snapshot - 1 && m[0] <= marks.lastPart + 1);
  let inside = 0;
  let between = 0;
  for (let i = 0; i < big.length; i++) {
    inside += big[i][1];
    if (i > 0) between += big[i][0] - big[i - 1][0] - big[i - 1][1];
  }
  console.log(`snapshot frames: ${big.length}, ${(big.reduce((s, m) => s + m[2], 0) / 1048576).toFixed(1)} MiB; inside the message handler ${Math.round(inside)} ms, between handlers ${Math.round(between)} ms`);

  // per 250 ms of the load, and self time per function
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const special = new Set(['(idle)', '(program)', '(garbage collector)']);
  const buckets = [];
  const self = new Map();
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    t += profile.timeDeltas[i];
    const ms = profile.timeDeltas[i] / 1000;
    const cf = nodes.get(profile.samples[i]).callFrame;
    const kind = special.has(cf.functionName) ? cf.functionName : 'js';
    const b = (buckets[Math.floor((t - profile.startTime) / 250000)] ??= {});
    b[kind] = (b[kind] ?? 0) + ms;
    const key = `${cf.functionName}|${cf.url}|${cf.lineNumber}|${cf.columnNumber}`;
    self.set(key, (self.get(key) ?? 0) + ms);
  }
  console.log('\nms of the profile (from navigation): js / (program) / gc / idle');
  buckets.forEach((b, i) => {
    const f = (k) => String(Math.round(b[k] ?? 0)).padStart(4);
    console.log(`${String(i * 250).padStart(5)}  ${f('js')} ${f('(program)')} ${f('(garbage collector)')} ${f('(idle)')}`);
  });
  const consumers = new Map();
  const named = (key) => {
    const [fn, url, line, col] = key.split('|');
    const file = url.split('/').pop();
    const mapFile = join(assets, `${file}.map`);
    if (!SourceMapConsumer || !file.endsWith('.js') || !existsSync(mapFile)) return fn || '(anonymous)';
    if (!consumers.has(file)) consumers.set(file, new SourceMapConsumer(JSON.parse(readFileSync(mapFile, 'utf8'))));
    const o = consumers.get(file).originalPositionFor({ line: Number(line) + 1, column: Number(col) });
    return `${o.name ?? (fn || '(anonymous)')} (${o.source?.split('/').pop()}:${o.line})`;
  };
  console.log('\nself time, ms');
  for (const [key, ms] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP ?? 25))) {
    console.log(`${String(Math.round(ms)).padStart(6)}  ${named(key)}`);
  }
} finally {
  await browser.close();
}
