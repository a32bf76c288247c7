// Browser tests of the record, watch and replay pages, in Debian's chromium driven by
// playwright-core, against two nodes of one cluster (TANDEM_URL and TANDEM_URL_2; JUnit's
// BrowserRecordingTest starts them; without TANDEM_URL_2 everything runs on the one node).
// Screenshots go to SCREENSHOTS_DIR. Prints one line per check ("ok - ..." / "not ok - ...") and
// a closing "N passed, N failed"; exits non-zero when any check failed.
//
// One tab records the demo page with rrweb on the first node while a watch tab on the second
// node shows it live; a second watch tab opened late (after checkpoints and more changes, on the
// second node) shows the same page at once; after the end, the replay page (second node) plays
// the recording in rrweb-player and at 4x ends on the same page, and a room written through the
// first node replays on the second to the room's final doc.

import { join } from 'node:path';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { nodeUrl, secondNodeUrl, wsUrlOf, devToken, joinRetrying } from '../support/harness.mjs';
import { assert, check, finish, launchChromium, screenshotsDir } from '../support/browser.mjs';

const base = nodeUrl();
const base2 = secondNodeUrl();
const shots = screenshotsDir();

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

const browser = await launchChromium();
const { context } = browser;
const pageErrors = browser.pageErrors;

const recName = `demo-${Date.now().toString(36)}`;
const recording = `recording:${recName}`;
const viewerToken = await devToken('walt', 'recording:*:read room:*:read');

/**
 * The demo area as a page shows it: read in the page itself (the recorder), in the watch page's
 * live replayer iframe, or in rrweb-player's replayer iframe (the replay page).
 */
function demoState(where) {
  const d = where === 'page'
    ? document
    : where === 'rrweb-player'
      ? document.querySelector('.rr-player .replayer-wrapper iframe')?.contentDocument
      : window.tandem?.player?.document;
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
async function waitForDemo(page, expected, timeout, what, where = 'live') {
  const t0 = Date.now();
  try {
    await page.waitForFunction(
      ([fn, want, w]) => JSON.stringify(new Function(`return (${fn})`)()(w)) === JSON.stringify(want),
      [demoState.toString(), expected, where],
      { timeout, polling: 50 },
    );
  } catch (e) {
    const shown = await page.evaluate(([fn, w]) => new Function(`return (${fn})`)()(w), [demoState.toString(), where]).catch(() => 'unreadable');
    throw new Error(`${what}: not shown within ${timeout} ms; shows ${JSON.stringify(shown)?.slice(0, 300)}, expected ${JSON.stringify(expected)}`);
  }
  return Date.now() - t0;
}

async function recorderState(page) {
  return page.evaluate((fn) => new Function(`return (${fn})`)()('page'), demoState.toString());
}

/** The node a page's header says it is connected to. */
async function nodeOf(page) {
  const text = await page.locator('#status[data-state="open"] #status-text').textContent({ timeout: 10000 });
  return text.replace(/^Connected · /, '');
}

/** Waits until the page's header shows the connection state `state` (it may close a moment later). */
async function waitForHeader(page, state) {
  await page.waitForFunction((st) => document.getElementById('status').dataset.state === st, state, { timeout: 5000, polling: 50 })
    .catch(async () => { throw new Error(`the header is ${await page.locator('#status').getAttribute('data-state')}: ${await page.locator('#status-text').textContent()}`); });
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

  await check('a live watch tab on the other node shows what the recorder types and clicks', async () => {
    watch1 = await context.newPage();
    await watch1.goto(`${base2}/watch.html?recording=${recName}#token=${viewerToken}`);
    await watch1.locator('#watch-state[data-state="live"]').waitFor({ timeout: 10000 });
    const [recorderNode, watcherNode] = [await nodeOf(rec), await nodeOf(watch1)];
    console.log(`  recording through ${recorderNode}, watching through ${watcherNode}`);
    if (base2 !== base) assert(recorderNode !== watcherNode, 'the recorder and the watcher are on different nodes');
    await rec.locator('#demo-text').fill('hello from Rita');
    for (let i = 0; i < 3; i++) await rec.locator('#demo-counter').click();
    await rec.locator('#demo-note').fill('first note');
    await rec.getByRole('button', { name: 'Add note' }).click();
    const expected = await recorderState(rec);
    assert(same(expected, { text: 'hello from Rita', counter: 'Clicked 3 times', checked: false, notes: ['first note'] }), `the recorder shows ${JSON.stringify(expected)}`);
    const ms = await waitForDemo(watch1, expected, 15000, 'the live watcher');
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
    await waitForDemo(watch1, expected, 15000, 'the live watcher');
    const t0 = Date.now();
    watch2 = await context.newPage();
    await watch2.goto(`${base2}/watch.html?recording=${recName}#token=${viewerToken}`);
    await waitForDemo(watch2, expected, 15000, 'the late watcher');
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
      await page.locator('#watch-state[data-state="ended"]').waitFor({ timeout: 15000 });
      await waitForDemo(page, finalDemo, 5000, 'an ended watcher');
    }
    await rec.screenshot({ path: join(shots, 'record-ended.png') });
    await watch1.screenshot({ path: join(shots, 'watch-ended.png') });
  });

  await check('recording again under an ended name says why and offers a new name (no "Closed · Retry now")', async () => {
    await rec.goto(`${base}/record.html?recording=${recName}`);
    await rec.locator('#start').click();
    await rec.locator('#rec-state[data-state="error"]').waitFor({ timeout: 10000 });
    const said = await rec.locator('#rec-state').textContent();
    assert(said.includes(recName) && /has ended/.test(said) && /another name/.test(said), `the page says why: ${said}`);
    const offer = rec.locator('#new-name');
    await offer.waitFor({ state: 'visible', timeout: 2000 });
    assert((await offer.textContent()) === `Use ${recName}-2 instead`, `offers a new name: ${await offer.textContent()}`);
    await waitForHeader(rec, 'idle');
    assert((await rec.locator('#status-text').textContent()) === 'Not connected', 'the header says Not connected');
    assert(await rec.locator('#retry').isHidden(), 'no Retry now for a refused name');
    await rec.screenshot({ path: join(shots, 'record-name-refused.png') });
    await offer.click();
    assert((await rec.locator('#rec-name').inputValue()) === `${recName}-2`, 'the new name is in the form');
    assert(await rec.locator('#start').isEnabled(), 'and it can be started (not here: the landing check below lists this test\'s recordings by name)');
  });

  let replay;
  const controller = () => replay.locator('.rr-player .rr-controller');
  const speedButton = (label) => controller().locator('.rr-controller__btns button', { hasText: new RegExp(`^\\s*${label.replace('.', '\\.')}\\s*$`) });
  const playButton = () => controller().locator('.rr-controller__btns button').first();
  const currentTime = () => replay.evaluate(() => window.tandem.player.getReplayer().getCurrentTime());

  await check('the replay page plays the recording in rrweb-player and at 4x ends on the same page', async () => {
    replay = await context.newPage();
    await replay.goto(`${base2}/replay.html?session=${encodeURIComponent(recording)}&speed=4#token=${viewerToken}`);
    await replay.locator('#replay-state[data-state="playing"]').waitFor({ timeout: 20000 });
    const t0 = Date.now();
    await controller().waitFor({ timeout: 5000 });
    assert((await controller().locator('.rr-controller__btns button.active').textContent()).trim() === '4x', '4x is chosen in rrweb-player');
    assert(await speedButton('Max').isVisible(), 'rrweb-player offers Max');
    for (const s of ['0.5x', '1x', '2x', '8x']) assert(await speedButton(s).isVisible(), `rrweb-player offers ${s}`);
    const loaded = await replay.evaluate(() => ({ events: window.tandem.state.events.length, seq: window.tandem.state.loadedSeq, last: window.tandem.state.last, total: window.tandem.state.totalTime }));
    assert(loaded.seq === loaded.last, `every change was loaded (${loaded.seq} of ${loaded.last})`);
    await replay.locator('#replay-state[data-state="ended"]').waitFor({ timeout: 60000 + loaded.total });
    const took = Date.now() - t0;
    await waitForDemo(replay, finalDemo, 5000, 'the replay at 4x', 'rrweb-player');
    // paced at 4x by rrweb-player's clock, not jumped to the end
    assert(took >= loaded.total / 4 * 0.8, `${loaded.total} ms of recording played in ${took} ms at 4x`);
    console.log(`  loaded ${loaded.events} events (${loaded.last} changes); ${loaded.total} ms of recording replayed at 4x in ${took} ms`);
    await replay.screenshot({ path: join(shots, 'replay-recording.png') });
  });

  await check('rrweb-player pauses, plays on, seeks to the middle and at Max plays to the same end', async () => {
    // at the end: play again from the start at 1x
    await speedButton('1x').click();
    await playButton().click();
    await replay.locator('#replay-state[data-state="playing"]').waitFor({ timeout: 15000 });
    await replay.waitForFunction(() => window.tandem.player.getReplayer().getCurrentTime() > 300, null, { timeout: 10000, polling: 50 });
    await playButton().click();
    await replay.locator('#replay-state[data-state="paused"]').waitFor({ timeout: 15000 });
    const held = await currentTime();
    // a paused replay must not move
    const moved = await replay
      .waitForFunction((t) => window.tandem.player.getReplayer().getCurrentTime() !== t, held, { timeout: 1000, polling: 50 })
      .then(() => true, () => false);
    assert(!moved, `the paused replay moved on from ${held} ms`);
    await playButton().click();
    await replay.waitForFunction((t) => window.tandem.player.getReplayer().getCurrentTime() > t + 100, held, { timeout: 15000, polling: 50 });
    await playButton().click();
    await replay.locator('#replay-state[data-state="paused"]').waitFor({ timeout: 15000 });
    // a click in the middle of the progress bar goes there and stays paused
    const bar = await controller().locator('.rr-progress').boundingBox();
    await replay.mouse.click(bar.x + bar.width / 2, bar.y + bar.height / 2);
    const total = await replay.evaluate(() => window.tandem.state.totalTime);
    await replay.waitForFunction((half) => Math.abs(window.tandem.player.getReplayer().getCurrentTime() - half) < 0.05 * half * 2, total / 2, { timeout: 5000, polling: 50 });
    assert((await replay.locator('#replay-state').getAttribute('data-state')) === 'paused', 'a seek keeps the pause');
    const middle = await replay.evaluate((fn) => new Function(`return (${fn})`)()('rrweb-player'), demoState.toString());
    assert(middle !== null, 'the page at the middle is shown');
    console.log(`  at the middle (${Math.round(total / 2)} ms): ${JSON.stringify(middle)}`);
    // Max plays the rest at once
    await speedButton('Max').click();
    await playButton().click();
    await replay.locator('#replay-state[data-state="ended"]').waitFor({ timeout: 10000 });
    await waitForDemo(replay, finalDemo, 5000, 'the replay after a seek', 'rrweb-player');
  });

  const room = `replayed-${Date.now().toString(36)}`;
  await check('a room replay shows the room\'s final doc, selection and time cursor', async () => {
    const client = new TandemClient({ url: wsUrlOf(base), token: await devToken('ann'), WebSocket, client: { name: 'Ann', kind: 'bot' } });
    await client.connect();
    const s = await joinRetrying(client, `room:${room}`, { role: 'editor' });
    await s.set('view.timeCursor', 12.5);
    await s.op([{ op: 'set', path: 'view.selection', value: 'pressure' }, { op: 'set', path: 'view.selectedBy', value: 'Ann' }]);
    await s.set('notes.first', 'a note');
    await s.set('view.timeCursor', 42.5);
    await s.op([{ op: 'set', path: 'view.selection', value: 'flow' }, { op: 'set', path: 'view.selectedBy', value: 'Ann' }]);
    const ok = await s.del('notes.first');
    const finalDoc = JSON.parse(JSON.stringify(s.doc));
    client.close();

    const page = await context.newPage();
    await page.goto(`${base2}/replay.html?session=room%3A${room}&speed=2#token=${viewerToken}`);
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
    await page.locator('#replay-state[data-state="paused"]').waitFor({ timeout: 15000 });
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
    await page.goto(`${base2}/#token=${viewerToken}`);
    const row = page.locator('#recording-list li', { hasText: recName });
    await row.waitFor({ timeout: 15000 });
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
  await browser.close();
}

finish();
