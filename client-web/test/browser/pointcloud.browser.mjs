// Browser tests of the point-cloud page and of signed export links, in Debian's chromium driven by
// playwright-core, against the node at TANDEM_URL (JUnit's BrowserPointCloudTest starts it in dev
// mode). Screenshots go to SCREENSHOTS_DIR. Prints "ok - ..." / "not ok - ..." per check and a
// closing "N passed, N failed"; exits non-zero when any check failed.
//
// The example producer (docs/examples/pointcloud-producer.mjs, run as a process) publishes 12
// images of the synthetic hall: shards 1-9, a full refetch of shards 1-10 on image 10 (checkpoint),
// then shards 11 and 12. A page watching from the start draws each shard as it arrives and clears
// and reloads on the refetch; a page opened after the 12th shows the same cloud at once. Broken
// shards are reported and skipped. The watch page's "Copy a link" gives a signed export URL that a
// page on another origin, with no token, downloads whole and by ranges; an altered one gets 403.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { nodeUrl, wsUrlOf, devToken, joinRetrying, waitFor } from '../support/harness.mjs';
import { assert, check, finish, launchChromium, screenshotsDir } from '../support/browser.mjs';
import { hallShard, plyAscii, plyBinary } from '../../../docs/examples/pointcloud-producer.mjs';

const base = nodeUrl();
const shots = screenshotsDir();
const clientWeb = fileURLToPath(new URL('../../', import.meta.url));

const browser = await launchChromium();
const { context, pageErrors } = browser;

const hall = `hall-${Date.now().toString(36)}`;
const viewerToken = await devToken('vera', 'recording:*:read');
const publisherToken = await devToken('recon', 'recording:*:publish');

/** The example producer, copied beside client-web's node_modules so that its `ws` resolves. */
function runProducer(args) {
  const dir = join(clientWeb, 'target', 'examples');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'pointcloud-producer.mjs');
  copyFileSync(join(clientWeb, '..', 'docs', 'examples', 'pointcloud-producer.mjs'), script);
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, out })));
}

async function openCloud(name, extra = '') {
  const page = await context.newPage();
  await page.goto(`${base}/pointcloud.html?recording=${name}${extra}#token=${viewerToken}`);
  await page.waitForFunction(() => window.tandem?.view?.joinedAt !== null && window.tandem?.view?.joinedAt !== undefined, null, { timeout: 20000 });
  return page;
}

const viewOf = (page) => page.evaluate(() => {
  const v = window.tandem.view;
  return {
    points: v.points, shards: v.shards, reloads: v.reloads, failed: v.failed, seq: v.seq, ended: v.ended,
    joinedAt: v.joinedAt, fromSeq: v.fromSeq, snapshotShards: v.snapshotShards, firstDrawAt: v.firstDrawAt,
    framesDrawn: v.framesDrawn, lines: v.lines, history: v.history,
    shown: { points: document.getElementById('points').textContent, shards: document.getElementById('shards').textContent, reloads: document.getElementById('reloads').textContent },
  };
});

/** Pixels of the cloud's canvas bright enough to be stone (not the background, nor the grid). */
const litPixels = (page) => page.evaluate(() => {
  const src = window.tandem.renderer.domElement;
  const c = document.createElement('canvas');
  c.width = src.width;
  c.height = src.height;
  const g = c.getContext('2d');
  g.drawImage(src, 0, 0);
  const d = g.getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 300) n++;
  return n;
});

let early;
let late;
let producer;

await check('a page watching from the start draws each shard as it arrives and reloads on the 10th image', async () => {
  // publishers create recordings (a viewer's join of one that does not exist gets not_found):
  // the producer's publisher starts it, empty, before the page opens
  const starter = new TandemClient({ url: wsUrlOf(base), token: publisherToken, WebSocket, reconnect: false });
  await starter.connect();
  await joinRetrying(starter, `recording:${hall}`, { role: 'publisher' });
  starter.close();
  early = await openCloud(hall);
  const joined = await viewOf(early);
  assert(joined.shards === 0 && joined.joinedAt === 0, `an empty recording at first: ${JSON.stringify(joined.shown)}`);
  producer = await runProducer([
    '--url', wsUrlOf(base), '--token', publisherToken, '--recording', hall,
    '--images', '12', '--interval', '0.3', '--points', '3000', '--ascii-every', '4', '--end',
  ]);
  assert(producer.code === 0, `the producer failed:\n${producer.out}`);
  assert(/image 10: full refetch of 10 shards/.test(producer.out), producer.out);
  assert(/ended at seq 22/.test(producer.out), `9 shards, a refetch of 10, 2 shards, the end: ${producer.out}`);
  await early.waitForFunction(() => window.tandem.view.ended && window.tandem.view.shards === 12, null, { timeout: 20000 });
  const v = await viewOf(early);
  const live = v.history.filter((h) => h.live);
  // every shard was drawn on its own, as it came: one history entry per batch, seq 1..21
  assert(live.length === 21, `21 live batches, got ${live.length}`);
  const shardsAt = Object.fromEntries(live.map((h) => [h.seq, h.shards]));
  for (let s = 1; s <= 9; s++) assert(shardsAt[s] === s, `shard ${s} drawn at seq ${s}: ${JSON.stringify(shardsAt)}`);
  assert(shardsAt[10] === 1, `the refetch cleared the cloud at seq 10 and drew its first shard: ${shardsAt[10]}`);
  assert(shardsAt[19] === 10 && shardsAt[20] === 11 && shardsAt[21] === 12, JSON.stringify(shardsAt));
  assert(live.find((h) => h.seq === 9).reloads === 0 && live.find((h) => h.seq === 10).reloads === 1, 'one reload, at seq 10');
  assert(v.reloads === 1 && v.shown.reloads === '1', `one reload on screen: ${v.shown.reloads}`);
  assert(v.lines.some((l) => /Full refetch from change 10: the cloud was cleared/.test(l)), v.lines.join('\n'));
  assert(v.points === 12 * 3000 && v.shown.points === '36,000', `36,000 points: ${v.points} (${v.shown.points})`);
  assert(v.shown.shards === '12', v.shown.shards);
  assert(v.failed === 0, `nothing failed: ${v.lines.join('\n')}`);
  assert(v.firstDrawAt !== null && v.framesDrawn > 0, 'frames were drawn');
});

await check('a page opened after the 12th shard shows the same cloud at once, from the refetch', async () => {
  late = await openCloud(hall);
  await late.waitForFunction(() => window.tandem.view.firstDrawAt !== null, null, { timeout: 20000 });
  const e = await viewOf(early);
  const l = await viewOf(late);
  assert(l.points === e.points && l.shards === e.shards, `late ${l.points} points / ${l.shards} shards, early ${e.points} / ${e.shards}`);
  assert(l.snapshotShards === 12 && l.fromSeq === 10, `the snapshot held 12 shards from the checkpoint at seq 10: ${l.snapshotShards} from ${l.fromSeq}`);
  assert(l.reloads === 0, 'a late joiner has nothing to reload');
  assert(l.history.filter((h) => !h.live).length === 1 && l.history[0].shards === 12, 'all at once, in one step');
  assert(l.ended, 'it ended');
  await early.screenshot({ path: join(shots, 'pointcloud-early.png') });
  await late.screenshot({ path: join(shots, 'pointcloud-late.png') });
  const lit = [await litPixels(early), await litPixels(late)];
  assert(lit[0] > 2000 && lit[1] > 2000, `points are drawn: ${lit} lit pixels`);
});

await check('the cloud orbits with the mouse', async () => {
  const before = await late.evaluate(() => window.tandem.camera.position.toArray());
  const box = await late.locator('#scene canvas').boundingBox();
  await late.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await late.mouse.down();
  await late.mouse.move(box.x + box.width / 2 + 200, box.y + box.height / 2 + 40, { steps: 8 });
  await late.mouse.up();
  const after = await late.evaluate(() => window.tandem.camera.position.toArray());
  assert(JSON.stringify(before) !== JSON.stringify(after), `the camera moved: ${before} -> ${after}`);
});

await check('shards that are no PLY, or truncated, are reported and skipped; binary and ASCII draw', async () => {
  const name = `broken-${Date.now().toString(36)}`;
  const client = new TandemClient({ url: wsUrlOf(base), token: publisherToken, WebSocket, encoding: 'cbor', reconnect: false });
  await client.connect();
  const rec = await joinRetrying(client, `recording:${name}`, { role: 'publisher' }); // creates it
  const page = await openCloud(name);
  const good = plyBinary(hallShard(3, 1, 1000));
  await rec.publish([{ shard: 1 }], { bytes: good });
  await rec.publish([{ shard: 2 }], { bytes: new TextEncoder().encode('this is not a point cloud') });
  await rec.publish([{ shard: 3 }], { bytes: plyAscii(hallShard(3, 2, 800)) });
  await rec.publish([{ shard: 4 }], { bytes: good.subarray(0, good.length - 100) });
  await page.waitForFunction(() => window.tandem.view.seq === 4, null, { timeout: 15000 });
  const v = await viewOf(page);
  assert(v.shards === 2 && v.points === 1800, `two shards drawn, 1,800 points: ${v.shards}, ${v.points}`);
  assert(v.failed === 2, `two failed: ${v.failed}`);
  const errors = await page.locator('#log li.error').allTextContents();
  assert(errors.length === 2 && errors.some((t) => /Shard 2 \(change 2\) skipped: not a PLY/.test(t)), errors.join('\n'));
  // a late joiner over JSON (base64 bytes in the snapshot) sees the same
  const jsonPage = await openCloud(name, '&encoding=json');
  const j = await viewOf(jsonPage);
  assert(j.shards === 2 && j.points === 1800 && j.failed === 2, `JSON late joiner: ${JSON.stringify(j.shown)}, failed ${j.failed}`);
  await page.screenshot({ path: join(shots, 'pointcloud-broken-shards.png') });
  await jsonPage.close();
  await page.close();
  client.close();
});

await check('a signed export link opens on another origin without a token, by ranges; altered it gets 403', async () => {
  const watch = await context.newPage();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
  await watch.goto(`${base}/watch.html?recording=${hall}#token=${viewerToken}`);
  await watch.locator('#copy-link').click();
  await watch.waitForFunction(() => document.getElementById('copy-link').dataset.url, null, { timeout: 10000 });
  const url = await watch.evaluate(() => document.getElementById('copy-link').dataset.url);
  const copied = await watch.evaluate(() => navigator.clipboard.readText()).catch(() => null);
  assert(copied === null || copied === url, 'the clipboard holds the link');
  assert(url.startsWith(`${base}/v1/sessions/recording:${hall}/events?`) && /link-sig=/.test(url), url);

  // what the bearer token downloads, for comparison
  const withToken = Buffer.from(await (await fetch(`${base}/v1/sessions/recording:${hall}/events`, { headers: { authorization: `Bearer ${viewerToken}` } })).arrayBuffer());

  // a viewer on another origin: a page of a small server of this test, with no token anywhere
  const server = http.createServer((req, res) => res.end('<!doctype html><title>viewer</title><p>a viewer</p>'));
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const viewer = await context.newPage();
  await viewer.goto(`http://127.0.0.1:${server.address().port}/`);
  const got = await viewer.evaluate(async (link) => {
    const whole = await fetch(link);
    const wholeBytes = new Uint8Array(await whole.arrayBuffer());
    const total = wholeBytes.length;
    const half = Math.floor(total / 2);
    const first = await fetch(link, { headers: { Range: `bytes=0-${half - 1}` } });
    const second = await fetch(link, { headers: { Range: `bytes=${half}-` } });
    const parts = new Uint8Array([...new Uint8Array(await first.arrayBuffer()), ...new Uint8Array(await second.arrayBuffer())]);
    const sig = link.indexOf('link-sig=') + 'link-sig='.length;
    const altered = link.slice(0, sig) + (link[sig] === 'A' ? 'B' : 'A') + link.slice(sig + 1);
    const bad = await fetch(altered);
    const other = await fetch(link.replace('/events?', '/events?from=2&'));
    return {
      status: whole.status, total, etag: whole.headers.get('etag'),
      firstStatus: first.status, firstRange: first.headers.get('content-range'), secondStatus: second.status,
      same: parts.length === total && parts.every((b, i) => b === wholeBytes[i]),
      badStatus: bad.status, badBody: await bad.json().catch(() => null), otherStatus: other.status,
      text: new TextDecoder().decode(wholeBytes.slice(0, 200)),
      noToken: !sessionStorage.getItem('tandem.token'),
    };
  }, url);
  server.close();
  assert(got.noToken, 'the viewer page has no token');
  assert(got.status === 200 && got.total === withToken.length, `whole: ${got.status}, ${got.total} bytes (token: ${withToken.length})`);
  assert(got.etag, 'an ETag');
  assert(got.firstStatus === 206 && got.secondStatus === 206, `ranges: ${got.firstStatus}, ${got.secondStatus}`);
  assert(got.firstRange === `bytes 0-${Math.floor(got.total / 2) - 1}/${got.total}`, got.firstRange);
  assert(got.same, 'the two ranges make the whole');
  assert(got.text.startsWith('{"seq":1,'), got.text.slice(0, 60));
  assert(got.badStatus === 403 && got.badBody?.code === 'forbidden', `altered: ${got.badStatus} ${JSON.stringify(got.badBody)}`);
  assert(got.otherStatus === 403, `another query: ${got.otherStatus}`);
  await watch.close();
  await viewer.close();
});

await check('no page had an uncaught error', async () => {
  assert(pageErrors.length === 0, pageErrors.join('\n'));
});

await early?.close();
await late?.close();
await browser.close();
finish();
