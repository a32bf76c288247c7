// Browser tests of the record, watch and replay pages, in Debian's chromium driven by
// playwright-core, against a real node (TANDEM_URL; JUnit's BrowserRecordingTest starts it).
// Screenshots go to SCREENSHOTS_DIR. Prints one line per check ("ok - ..." / "not ok - ...") and
// a closing "N passed, N failed"; exits non-zero when any check failed.
//
// One tab records the demo page with rrweb while a watch tab shows it live; a second watch tab
// opened late (after checkpoints and more changes) shows the same page at once; after the end,
// the replay page at 4x ends on the same page, and a room's replay ends on the room's final doc.

import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { nodeUrl, wsUrlOf, devToken } from '../support/harness.mjs';

const base = nodeUrl();
const shots = process.env.SCREENSHOTS_DIR ?? join(process.cwd(), 'target', 'screenshots');
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium';
mkdirSync(shots, { recursive: true });

const results = [];
async function check(name, fn) {
  const started = Date.now();
  try {
    await fn();
    results.push(true);
    console.log(`ok - ${name} (${Date.now() - started} ms)`);
  } catch (e) {
    results.push(false);
    console.log(`not ok - ${name}\n  ${String(e.stack ?? e).split('\n').join('\n  ')}`);
  }
}

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const profile = mkdtempSync(join(tmpdir(), 'tandem-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath,
  headless: true,
  viewport: { width: 1280, height: 800 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});
const pageErrors = [];
context.on('page', (page) => {
  page.on('pageerror', (e) => pageErrors.push(`${page.url()}: ${e.message}`));
});

const recName = `demo-${Date.now().toString(36)}`;
const recording = `recording:${recName}`;
const viewerToken = await devToken('walt', 'recording:*:read room:*:read');

/** The demo area as a page shows it: read in the page (the recorder) or in its replayer iframe. */
function demoState(inReplayer) {
  const d = inReplayer ? window.tandem?.player?.document : document;
  const text = d?.querySelector('#demo-text');
  if (!text) return null;
  return {
    text: text.value,
    counter: d.querySelector('#demo-counter')?.textContent,
    checked: !!d.querySelector('#demo-check')?.checked,
    notes: [...d.querySelectorAll('#demo-notes li')].map((li) => li.textContent),
  };
}

/** Waits until the page's replayer shows `expected`; resolves with how long it took. */
async function waitForDemo(page, expected, timeout, what) {
  const t0 = Date.now();
  try {
    await page.waitForFunction(
      ([fn, want]) => JSON.stringify(new Function(`return (${fn})(true)`)()) === JSON.stringify(want),
      [demoState.toString(), expected],
      { timeout, polling: 50 },
    );
  } catch (e) {
    const shown = await page.evaluate((fn) => new Function(`return (${fn})(true)`)(), demoState.toString()).catch(() => 'unreadable');
    throw new Error(`${what}: not shown within ${timeout} ms; shows ${JSON.stringify(shown)?.slice(0, 300)}, expected ${JSON.stringify(expected)}`);
  }
  return Date.now() - t0;
}

async function recorderState(page) {
  return page.evaluate((fn) => new Function(`return (${fn})(false)`)(), demoState.toString());
}

let rec;
let watch1;
let watch2;
let finalDemo;

try {
  await check('the record page sends a tab without a name through the landing page, then records', async () => {
    rec = await context.newPage();
    await rec.goto(`${base}/record.html?recording=${recName}&checkpointMs=2000`);
    await rec.waitForURL(/\/\?next=/);
    await rec.getByPlaceholder('Your name').fill('Rita');
    await rec.getByRole('button', { name: 'Continue' }).click();
    await rec.waitForURL(/record\.html\?recording=/);
    assert((await rec.locator('#rec-name').inputValue()) === recName, 'the name comes from the address');
    await rec.locator('#start').click();
    await rec.locator('#rec-state[data-state="recording"]').waitFor({ timeout: 10000 });
    await rec.waitForFunction(() => window.tandem.stats.checkpoints >= 1 && window.tandem.stats.lastSeq >= 2, null, { timeout: 5000 });
    const stats = await rec.evaluate(() => window.tandem.stats);
    console.log(`  recording: ${stats.events} events in ${stats.batches} batches so far`);
  });

  await check('a live watch tab shows what the recorder types and clicks', async () => {
    watch1 = await context.newPage();
    await watch1.goto(`${base}/watch.html?recording=${recName}#token=${viewerToken}`);
    await watch1.locator('#watch-state[data-state="live"]').waitFor({ timeout: 10000 });
    await rec.locator('#demo-text').fill('hello from Rita');
    for (let i = 0; i < 3; i++) await rec.locator('#demo-counter').click();
    await rec.locator('#demo-note').fill('first note');
    await rec.getByRole('button', { name: 'Add note' }).click();
    const expected = await recorderState(rec);
    assert(same(expected, { text: 'hello from Rita', counter: 'Clicked 3 times', checked: false, notes: ['first note'] }), `the recorder shows ${JSON.stringify(expected)}`);
    const ms = await waitForDemo(watch1, expected, 5000, 'the live watcher');
    console.log(`  the live watcher showed the changes after ${ms} ms`);
    const stats = await rec.evaluate(() => window.tandem.stats);
    assert(stats.batches < stats.events, `events are batched (${stats.events} events, ${stats.batches} batches)`);
    await rec.screenshot({ path: join(shots, 'record.png') });
    await watch1.screenshot({ path: join(shots, 'watch-live.png') });
  });

  await check('a watch tab opened late shows the same page at once, from a later checkpoint', async () => {
    const before = await rec.evaluate(() => window.tandem.stats.checkpoints);
    await rec.locator('#demo-text').fill('changed after a checkpoint');
    await rec.locator('#demo-counter').click();
    await rec.locator('#demo-counter').click();
    await rec.locator('#demo-check').check();
    // a checkpoint after the first changes, then more changes after it
    await rec.waitForFunction((n) => window.tandem.stats.checkpoints > n, before, { timeout: 10000 });
    await rec.locator('#demo-note').fill('second note');
    await rec.getByRole('button', { name: 'Add note' }).click();
    const expected = await recorderState(rec);
    // published: the live watcher has it
    await waitForDemo(watch1, expected, 5000, 'the live watcher');
    const t0 = Date.now();
    watch2 = await context.newPage();
    await watch2.goto(`${base}/watch.html?recording=${recName}#token=${viewerToken}`);
    await waitForDemo(watch2, expected, 5000, 'the late watcher');
    const ms = Date.now() - t0;
    const view = await watch2.evaluate(() => ({ fromSeq: window.tandem.view.fromSeq, joinedAt: window.tandem.view.joinedAt, builds: window.tandem.view.builds }));
    assert(view.fromSeq > 1, `the snapshot starts at a later checkpoint (fromSeq ${view.fromSeq})`);
    assert(view.builds === 1, 'built once, from the snapshot');
    console.log(`  the late watcher (joined at change ${view.joinedAt}, checkpoint at ${view.fromSeq}) showed the page ${ms} ms after opening`);
    await watch2.screenshot({ path: join(shots, 'watch-late.png') });
  });

  await check('stop ends the recording and both watchers show it ended', async () => {
    finalDemo = await recorderState(rec);
    await rec.locator('#stop').click();
    await rec.locator('#rec-state[data-state="ended"]').waitFor({ timeout: 10000 });
    for (const page of [watch1, watch2]) {
      await page.locator('#watch-state[data-state="ended"]').waitFor({ timeout: 5000 });
      await waitForDemo(page, finalDemo, 1000, 'an ended watcher');
    }
    await rec.screenshot({ path: join(shots, 'record-ended.png') });
    await watch1.screenshot({ path: join(shots, 'watch-ended.png') });
  });

  let replay;
  await check('the replay page at 4x ends on the same page', async () => {
    replay = await context.newPage();
    await replay.goto(`${base}/replay.html?session=${encodeURIComponent(recording)}&speed=4#token=${viewerToken}`);
    await replay.locator('#replay-state[data-state="playing"]').waitFor({ timeout: 10000 });
    assert(await replay.locator('.speed.on[data-speed="4"]').isVisible(), '4x is chosen');
    const t0 = Date.now();
    await replay.locator('#replay-state[data-state="ended"]').waitFor({ timeout: 60000 });
    await waitForDemo(replay, finalDemo, 1000, 'the replay at 4x');
    const at = await replay.evaluate(() => ({ seq: window.tandem.state.seq, last: window.tandem.state.last }));
    assert(at.seq === at.last, `the replay reached the last change (${at.seq} of ${at.last})`);
    console.log(`  replayed ${at.last} changes at 4x in ${Date.now() - t0} ms`);
    await replay.screenshot({ path: join(shots, 'replay-recording.png') });
  });

  await check('pause holds the replay, play resumes it; a seek back at max speed replays to the same end', async () => {
    // play again from the start at 1x
    await replay.locator('.speed[data-speed="1"]').click();
    await replay.locator('#play').click();
    await replay.locator('#replay-state[data-state="playing"]').waitFor({ timeout: 5000 });
    await replay.waitForFunction(() => window.tandem.state.seq >= 10, null, { timeout: 10000, polling: 50 });
    await replay.locator('#play').click();
    await replay.locator('#replay-state[data-state="paused"]').waitFor({ timeout: 5000 });
    // items the server sent before it paused arrive before a round trip's answer
    await replay.evaluate(() => window.tandem.client.ping());
    const held = await replay.evaluate(() => window.tandem.state.seq);
    // at 1x the recorder's batches come every ~150 ms: a paused replay must not move
    const moved = await replay
      .waitForFunction((s) => window.tandem.state.seq !== s, held, { timeout: 1500, polling: 50 })
      .then(() => true, () => false);
    assert(!moved, `the paused replay moved on from change ${held}`);
    await replay.locator('#play').click();
    await replay.waitForFunction((s) => window.tandem.state.seq > s, held, { timeout: 3000, polling: 50 });
    // paused again, at max speed, a seek to the middle restarts from a checkpoint before it,
    // runs up to it and waits there; play runs on to the end
    await replay.locator('#play').click();
    await replay.locator('#replay-state[data-state="paused"]').waitFor({ timeout: 5000 });
    await replay.locator('.speed[data-speed="0"]').click();
    const last = await replay.evaluate(() => window.tandem.state.last);
    const middle = Math.floor(last / 2);
    await replay.locator('#position').fill(String(middle));
    await replay.waitForFunction(
      (m) => window.tandem.state.ff === null && window.tandem.state.paused && window.tandem.state.seq >= m,
      middle,
      { timeout: 10000, polling: 50 },
    );
    await replay.locator('#replay-state[data-state="paused"]').waitFor({ timeout: 1000 });
    await replay.locator('#play').click();
    await replay.locator('#replay-state[data-state="ended"]').waitFor({ timeout: 30000 });
    await waitForDemo(replay, finalDemo, 1000, 'the replay after a seek');
    const checkpoints = await replay.evaluate(() => window.tandem.state.checkpoints.size);
    assert(checkpoints >= 2, `checkpoints were seen (${checkpoints})`);
  });

  const room = `replayed-${Date.now().toString(36)}`;
  await check('a room replay shows the room\'s final doc, selection and time cursor', async () => {
    const client = new TandemClient({ url: wsUrlOf(base), token: await devToken('ann'), WebSocket, client: { name: 'Ann', kind: 'bot' } });
    await client.connect();
    const s = await client.join(`room:${room}`, { role: 'editor' });
    await s.set('view.timeCursor', 12.5);
    await s.op([{ op: 'set', path: 'view.selection', value: 'pressure' }, { op: 'set', path: 'view.selectedBy', value: 'Ann' }]);
    await s.set('notes.first', 'a note');
    await s.set('view.timeCursor', 42.5);
    await s.op([{ op: 'set', path: 'view.selection', value: 'flow' }, { op: 'set', path: 'view.selectedBy', value: 'Ann' }]);
    const ok = await s.del('notes.first');
    const finalDoc = JSON.parse(JSON.stringify(s.doc));
    client.close();

    const page = await context.newPage();
    await page.goto(`${base}/replay.html?session=room%3A${room}&speed=2#token=${viewerToken}`);
    await page.locator('#replay-state[data-state="ended"]').waitFor({ timeout: 20000 });
    const shown = await page.evaluate(() => ({
      doc: JSON.parse(document.getElementById('doc').textContent),
      seq: document.getElementById('doc').dataset.seq,
      time: document.getElementById('time').value,
      selected: document.querySelector('.chip.on')?.dataset.series,
      by: document.getElementById('selected-by').textContent,
    }));
    assert(same(shown.doc, finalDoc), `the replayed doc ${JSON.stringify(shown.doc)} is the room's ${JSON.stringify(finalDoc)}`);
    assert(shown.seq === String(ok.seq), `at change ${shown.seq} of ${ok.seq}`);
    assert(shown.time === '42.5', `the time cursor is at ${shown.time}`);
    assert(shown.selected === 'flow' && shown.by === 'Flow selected by Ann', `the selection: ${shown.selected}, ${shown.by}`);
    await page.screenshot({ path: join(shots, 'replay-room.png') });
    // a seek back to change 2 shows the doc as it was then, and waits there for play
    await page.locator('#position').fill('2');
    await page.locator('#replay-state[data-state="paused"]').waitFor({ timeout: 5000 });
    const back = await page.evaluate(() => ({
      seq: document.getElementById('doc').dataset.seq,
      time: document.getElementById('time').value,
      selected: document.querySelector('.chip.on')?.dataset.series,
    }));
    assert(same(back, { seq: '2', time: '12.5', selected: 'pressure' }), `at change 2: ${JSON.stringify(back)}`);
    await page.locator('#play').click();
    await page.locator('#replay-state[data-state="ended"]').waitFor({ timeout: 10000 });
    const again = await page.evaluate(() => JSON.parse(document.getElementById('doc').textContent));
    assert(same(again, finalDoc), 'played on from change 2 to the same final doc');
    await page.close();
  });

  await check('the landing page links each session to its pages, and to a new recording', async () => {
    const page = await context.newPage();
    await page.goto(`${base}/#token=${viewerToken}`);
    const row = page.locator('#recording-list li', { hasText: recName });
    await row.waitFor({ timeout: 5000 });
    assert((await row.locator('.watch-link').getAttribute('href')) === `watch.html?recording=${recName}`, 'watch link');
    assert((await row.locator('.replay-link').getAttribute('href')) === `replay.html?session=${encodeURIComponent(recording)}`, 'replay link');
    assert((await page.locator('#record-new').getAttribute('href')) === 'record.html', 'a new recording');
    const roomRow = page.locator('#room-list li', { hasText: room });
    await roomRow.waitFor();
    assert(/^replay\.html\?session=room%3A/.test(await roomRow.locator('.replay-link').getAttribute('href')), 'a room row links to its replay');
    await page.screenshot({ path: join(shots, 'landing-recordings.png') });
    await row.locator('.replay-link').click();
    await page.waitForURL(/replay\.html\?session=recording/);
    await page.locator('#replay-state[data-state="playing"]').waitFor({ timeout: 10000 });
    await page.close();
  });

  await check('no page threw an uncaught error', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n').slice(0, 2000));
  });
} finally {
  await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}

const passed = results.filter(Boolean).length;
const failed = results.length - passed;
console.log(`browser: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && results.length > 0 ? 0 : 1);
