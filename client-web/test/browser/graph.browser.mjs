// Browser tests of the graph page (graph.html?map=<name>) in Debian's chromium driven by
// playwright-core, against the node at TANDEM_URL (JUnit's BrowserGraphTest starts it in dev mode).
// Screenshots go to SCREENSHOTS_DIR. Prints "ok - ..." / "not ok - ..." per check and a closing
// "N passed, N failed"; exits non-zero when any check failed.
//
// The producer (scripts/graph-producer.mjs, run as a process) publishes the 1k/5k demo graph and
// moves its nodes at 10 Hz. A page opened after that paints the whole graph at once and follows
// the positions; a control sent from the page (method circle, then k = 3 and a filter) makes the
// producer recompute, and the page shows its new layout and the positions that go with it; a
// block of node values (nb/0) replaced by another publisher recolours the nodes live. A
// page behind a proxy whose connections are cut recovers without a reload; a tab without an
// identity goes through the landing page and comes back; a phone-sized page (390 x 844) has no
// horizontal scroll, its canvas is visible and the panels are under it.

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { nodeUrl, devToken, startProxy, waitFor } from '../support/harness.mjs';
import { assert, check, finish, launchChromium, screenshotsDir } from '../support/browser.mjs';

const base = nodeUrl();
const shots = screenshotsDir();
const clientWeb = fileURLToPath(new URL('../../', import.meta.url));
const NODES = 1000;
const EDGES = 5000;

const name = `graph-${Date.now().toString(36)}`;
const viewerToken = await devToken('vera', 'map:*:read');

/** The producer as a process; resolves once its graph is published and it is moving the nodes. */
function startProducer() {
  const child = spawn(process.execPath, [join(clientWeb, 'scripts', 'graph-producer.mjs')], {
    env: { ...process.env, TANDEM_URL: base, MAP: name, NODES: String(NODES), EDGES: String(EDGES), HZ: '10' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const producer = { child, out: '' };
  child.stdout.on('data', (d) => { producer.out += d; });
  child.stderr.on('data', (d) => { producer.out += d; });
  producer.ready = waitFor(() => /publishing map:/.test(producer.out) || child.exitCode !== null, { timeoutMs: 60000, what: 'the producer' })
    .then(() => assert(child.exitCode === null, `the producer stopped:\n${producer.out}`));
  return producer;
}

const browser = await launchChromium();
const { context, pageErrors } = browser;
const producer = startProducer();
const proxy = await startProxy(base);

async function openGraph(extra = '', page = null) {
  const p = page ?? (await context.newPage());
  await p.goto(`${base}/graph.html?map=${name}${extra}#token=${viewerToken}`);
  await p.waitForFunction(() => window.tandem?.view?.firstDrawAt !== null && window.tandem?.view?.firstDrawAt !== undefined, null, { timeout: 30000 });
  return p;
}

const viewOf = (page) => page.evaluate(() => {
  const v = window.tandem.view;
  return {
    nodes: v.nodes, edges: v.edges, seq: v.seq, builds: v.builds, firstDrawAt: v.firstDrawAt, framesDrawn: v.framesDrawn,
    applied: v.applied, positions: v.positions, applyFrames: v.applyFrames, layout: v.layout, lines: v.lines,
    shown: {
      nodes: document.getElementById('nodes').textContent,
      edges: document.getElementById('edges').textContent,
      fps: document.getElementById('fps').textContent,
      layout: document.getElementById('layout').textContent,
      method: document.getElementById('layout').dataset.method,
      status: document.getElementById('status-text').textContent,
    },
  };
});

/**
 * Pixels of the canvas that are not background (`any`), and of those the bright ones (nodes), with
 * the edges drawn or, with `edges: false`, hidden for one frame: rendered and read in one task, then
 * drawn as before.
 */
const drawnPixels = (page, { edges = true } = {}) => page.evaluate((withEdges) => {
  const { renderer, scene, camera } = window.tandem;
  const lines = scene.children.filter((o) => o.isLineSegments);
  lines.forEach((l) => { l.visible = withEdges; });
  renderer.render(scene, camera);
  const src = renderer.domElement;
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const g = c.getContext('2d');
  g.drawImage(src, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let bright = 0;
  let any = 0;
  // the background is #0b1120 (11, 17, 32)
  for (let i = 0; i < d.length; i += 4) {
    const s = d[i] + d[i + 1] + d[i + 2];
    if (s > 250) bright++;
    if (Math.abs(d[i] - 11) + Math.abs(d[i + 1] - 17) + Math.abs(d[i + 2] - 32) > 12) any++;
  }
  lines.forEach((l) => { l.visible = true; });
  renderer.render(scene, camera);
  return { bright, any, total: d.length / 4 };
}, edges);

const positions = (page, ids) => page.evaluate((list) => list.map((id) => window.tandem.positionOf(id)), ids);
const SAMPLE = [0, 1, 17, 250, 500, 999];

let late;

try {
  await check('the producer publishes the 1k/5k graph and a page opened later paints all of it at once', async () => {
    await producer.ready;
    late = await openGraph();
    const v = await viewOf(late);
    assert(v.nodes === NODES && v.edges === EDGES, `the whole graph from the snapshot: ${v.nodes} nodes, ${v.edges} edges`);
    assert(v.shown.nodes === '1,000' && v.shown.edges === '5,000', `counts on screen: ${JSON.stringify(v.shown)}`);
    assert(v.builds === 1, 'built once, from the snapshot');
    assert(v.layout?.method === 'force' && v.shown.method === 'force' && /Layout: force · k = 2/.test(v.shown.layout), `the layout: ${v.shown.layout}`);
    const px = await drawnPixels(late);
    console.log(`  first paint ${Math.round(v.firstDrawAt)} ms after navigation; ${px.bright} bright and ${px.any} drawn pixels of ${px.total}`);
    assert(px.bright > 1500, `nodes are drawn: ${px.bright} bright pixels`);
    // what the edges add: the same frame drawn without them (node colours and rims count alike)
    const nodesOnly = await drawnPixels(late, { edges: false });
    console.log(`  without the edges ${nodesOnly.any} drawn pixels: the edges add ${px.any - nodesOnly.any}`);
    assert(px.any - nodesOnly.any > 10000, `edges are drawn between them: ${px.any - nodesOnly.any} pixels more than the nodes alone`);
    await late.screenshot({ path: join(shots, 'graph-late.png') });
  });

  await check('the page follows the positions: changes applied once per frame, counts and frame rate shown', async () => {
    const before = await positions(late, SAMPLE);
    const v0 = await viewOf(late);
    await waitFor(async () => (await viewOf(late)).applyFrames >= v0.applyFrames + 10, { timeoutMs: 15000, what: '10 more frames with changes' });
    const after = await positions(late, SAMPLE);
    const moved = SAMPLE.filter((_, i) => JSON.stringify(before[i]) !== JSON.stringify(after[i]));
    assert(moved.length === SAMPLE.length, `every sampled node moved: ${JSON.stringify({ before, after })}`);
    const v = await viewOf(late);
    assert(v.positions > v0.positions + 10 * NODES / 2, `positions applied: ${v.positions - v0.positions} (${v.applied - v0.applied} entries) in ${v.applyFrames - v0.applyFrames} frames`);
    // a frame applies everything queued: never more frames with changes than drawn frames
    assert(v.applyFrames <= v.framesDrawn, `${v.applyFrames} applying frames, ${v.framesDrawn} drawn`);
    await waitFor(async () => Number((await viewOf(late)).shown.fps) > 0, { timeoutMs: 5000, what: 'a frame rate on screen' });
  });

  await check('a control from the page changes the layout: circle, then k = 3 with a filter', async () => {
    await late.selectOption('#method', 'circle');
    await late.click('#apply');
    await late.waitForFunction(() => document.getElementById('layout').dataset.method === 'circle', null, { timeout: 15000 });
    assert(/control from \S+: method circle, k 2/.test(producer.out), `the producer got it:\n${producer.out}`);
    // the producer moves every node 30 % of the way to its place on the unit circle per step
    await waitFor(async () => {
      const p = await positions(late, SAMPLE);
      return p.every((xy, i) => {
        const a = (2 * Math.PI * SAMPLE[i]) / NODES;
        return Math.hypot(xy[0] - Math.cos(a), xy[1] - Math.sin(a)) < 0.02;
      });
    }, { timeoutMs: 15000, what: 'the nodes on the unit circle' });
    const v = await viewOf(late);
    assert(/Layout: circle · k = 2 · no filter · by vera/.test(v.shown.layout), `the layout names the method and who set it: ${v.shown.layout}`);
    assert(/Sent: circle, k = 2/.test(await late.locator('#control-state').textContent()), 'the page says it was sent');
    await late.screenshot({ path: join(shots, 'graph-circle.png') });

    // k out of range: said on the page, nothing sent
    const sent = (await late.evaluate(() => window.tandem.view.controlsSent));
    await late.fill('#k', '9');
    await late.click('#apply');
    assert(/k must be a whole number from 2 to 8/.test(await late.locator('#control-state').textContent()), 'k = 9 refused');
    assert((await late.evaluate(() => window.tandem.view.controlsSent)) === sent, 'nothing sent');

    await late.fill('#k', '3');
    await late.selectOption('#filter-attr', 'group');
    await late.fill('#filter-value', '3');
    await late.click('#apply');
    await late.waitForFunction(() => window.tandem.view.layout?.k === 3 && window.tandem.view.layout?.filter?.value === '3', null, { timeout: 15000 });
    assert(/Layout: circle · k = 3 · filter group = 3/.test((await viewOf(late)).shown.layout), 'k and the filter on screen');
    // in the filter (group 3: ids 3, 11, ...) the nodes get a third coordinate; the others stay put
    await waitFor(async () => {
      const [inside, outside] = await positions(late, [3, 4]);
      return Math.abs(inside[2]) > 0.05 && outside[2] === 0;
    }, { timeoutMs: 15000, what: 'z for the filtered nodes only' });
    const dimmed = () => late.evaluate(() => {
      const g = window.tandem.graph;
      let dim = 0;
      for (let s = 0; s < g.ids.length; s++) if (!g.matches(s)) dim++;
      return dim;
    });
    const colours = await dimmed();
    assert(colours === NODES - NODES / 8, `nodes outside group 3 dimmed: ${colours}`);
    await late.screenshot({ path: join(shots, 'graph-k3-filter.png') });

    // the producer wrote the nodes' values as one block (nb/0 = {first, attrs: {label, group}});
    // another publisher's new block puts every node in group 3, live, and the old one takes it back
    assert(await late.evaluate(() => window.tandem.graph.nodeBlocks.has('nb/0')), 'the values came in a block');
    const editor = new TandemClient({
      urls: [base.replace(/^http/, 'ws') + '/v1/ws'], token: await devToken('eddie', 'map:*:publish'), WebSocket, client: { name: 'eddie', kind: 'bot' },
    });
    try {
      await editor.connect();
      const map = await editor.join(`map:${name}`, { role: 'publisher' });
      const label = Array.from({ length: NODES }, (_, i) => `node ${i}`);
      const block = (groupOf) => ({ first: 0, attrs: { label, group: label.map((_, i) => groupOf(i)) } });
      await map.put({ 'nb/0': block(() => 3) });
      await waitFor(async () => (await dimmed()) === 0, { timeoutMs: 10000, what: 'every node in group 3' });
      await map.put({ 'nb/0': block((i) => i % 8) });
      await waitFor(async () => (await dimmed()) === NODES - NODES / 8, { timeoutMs: 10000, what: 'the groups as the producer wrote them' });
    } finally {
      editor.close();
    }
    // back to the 2-D circle for the checks that follow
    await late.fill('#k', '2');
    await late.fill('#filter-value', '');
    await late.click('#apply');
    await late.waitForFunction(() => window.tandem.view.layout?.k === 2 && !window.tandem.view.layout?.filter, null, { timeout: 15000 });
  });

  await check('pan and zoom move the camera and keep drawing', async () => {
    const cam = () => late.evaluate(() => [...window.tandem.camera.position.toArray(), ...window.tandem.controls.target.toArray()]);
    const before = await cam();
    const frames = (await viewOf(late)).framesDrawn;
    const box = await late.locator('#scene canvas').boundingBox();
    await late.mouse.move(box.x + box.width * 0.7, box.y + box.height * 0.6);
    await late.mouse.down();
    await late.mouse.move(box.x + box.width * 0.7 - 150, box.y + box.height * 0.6 + 60, { steps: 6 });
    await late.mouse.up();
    await late.mouse.wheel(0, -400);
    const after = await cam();
    assert(JSON.stringify(before) !== JSON.stringify(after), `the camera moved: ${before} -> ${after}`);
    await waitFor(async () => (await viewOf(late)).framesDrawn > frames + 3, { what: 'frames drawn' });
    await late.click('#fit');
  });

  await check('a page whose connection is cut recovers without a reload', async () => {
    const page = await openGraph(`&nodes=${encodeURIComponent(proxy.wsUrl)}`);
    await page.evaluate(() => { window.notReloaded = true; });
    const v0 = await viewOf(page);
    assert(v0.nodes === NODES, `joined through the proxy: ${v0.nodes}`);
    assert(proxy.cut() >= 1, 'the proxy cut its connection');
    await page.waitForFunction(() => document.body.dataset.conn === 'reconnecting' || /Reconnect/.test(document.getElementById('status-text').textContent), null, { timeout: 10000 });
    await page.waitForFunction(() => document.body.dataset.conn === 'open', null, { timeout: 30000 });
    const applied = (await viewOf(page)).positions;
    const before = await positions(page, SAMPLE);
    await waitFor(async () => (await viewOf(page)).positions > applied + NODES, { timeoutMs: 15000, what: 'positions after the reconnect' });
    const after = await positions(page, SAMPLE);
    const v = await viewOf(page);
    assert(await page.evaluate(() => window.notReloaded === true), 'the same document: no reload');
    assert(v.nodes === NODES && v.edges === EDGES, `still the whole graph: ${v.nodes} / ${v.edges}`);
    assert(v.lines.some((l) => /Reconnected to|Resumed at change|Rejoined at change/.test(l)), v.lines.join('\n'));
    assert(SAMPLE.some((_, i) => JSON.stringify(before[i]) !== JSON.stringify(after[i])) || v.layout?.method === 'circle', 'positions follow again');
    await page.close();
  });

  await check('a tab without an identity signs in on the landing page and comes back to the graph', async () => {
    // identities live in a tab's sessionStorage: a new tab has none
    const page = await context.newPage();
    await page.goto(`${base}/graph.html?map=${name}`);
    await page.waitForURL(/\?next=graph\.html%3Fmap%3D/);
    await page.getByPlaceholder('Your name').fill('Gina');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.waitForURL(new RegExp(`graph\\.html\\?map=${name}$`));
    await page.waitForFunction(() => window.tandem?.view?.firstDrawAt !== null && window.tandem?.view?.nodes === 1000, null, { timeout: 30000 });
    // the landing page lists the map with a link to this page
    await page.goto(`${base}/`);
    const link = page.locator('.map-link', { hasText: name });
    await link.waitFor({ timeout: 10000 });
    assert((await link.getAttribute('href')) === `graph.html?map=${name}`, 'a link to the graph page');
    await page.close();
  });

  await check('on a phone (390 px wide) the page fits without horizontal scroll', async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await openGraph('', phone);
    const widths = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, body: document.body.scrollWidth, inner: window.innerWidth }));
    assert(widths.scroll <= 390 && widths.body <= 390, `no horizontal scroll: ${JSON.stringify(widths)}`);
    const hud = await phone.locator('.graph-hud').boundingBox();
    assert(hud.x >= 0 && hud.x + hud.width <= 390, `the controls fit: ${JSON.stringify(hud)}`);
    // below 480 px the panels go under the canvas, which stays in view at full width
    const canvas = await phone.locator('#scene canvas').boundingBox();
    assert(await phone.locator('#scene canvas').isVisible(), 'the canvas is visible');
    assert(canvas.x >= 0 && canvas.x + canvas.width <= 390 && canvas.width >= 380, `the canvas spans the width: ${JSON.stringify(canvas)}`);
    assert(canvas.y >= 0 && canvas.y < 844 && canvas.height >= 300, `the canvas is on screen: ${JSON.stringify(canvas)}`);
    assert(hud.y >= canvas.y + canvas.height - 1, `the panels are under the canvas: ${JSON.stringify({ hud, canvas })}`);
    assert(!(await phone.locator('#controls-box').evaluate((d) => d.open)), 'the controls start folded');
    await phone.locator('#controls-box summary').click();
    assert(await phone.locator('#apply').isVisible(), 'and unfold');
    const wide = await phone.evaluate(() => document.documentElement.scrollWidth);
    assert(wide <= 390, `still no horizontal scroll: ${wide}`);
    const px = await drawnPixels(phone);
    assert(px.bright > 300, `the graph is drawn: ${px.bright} bright pixels`);
    await phone.screenshot({ path: join(shots, 'graph-phone.png') });
    await phone.close();
  });

  await check('no page had an uncaught error', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
  });
} finally {
  producer.child.kill();
  await proxy.close();
  await browser.close();
}
finish();
