// Browser test of every page at a phone's size (390 x 844 CSS pixels), in Debian's chromium driven
// by playwright-core, against the node at TANDEM_URL (JUnit's BrowserPhoneTest starts it in dev
// mode). For each page: a full-page screenshot (SCREENSHOTS_DIR/phone-*.png), no horizontal
// scrolling (document.documentElement.scrollWidth <= innerWidth), and its key controls shown,
// inside the screen and at usable sizes (a slider at least 200 px wide, buttons at least 32 px
// tall). The recording the watch, replay and point-cloud pages show is made by the record page at
// phone size. Prints "ok - ..." / "not ok - ..." per check and "N passed, N failed"; exits non-zero
// on failure.

import { join } from 'node:path';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { devToken, joinRetrying, nodeUrl, wsUrlOf } from '../support/harness.mjs';
import { assert, check, finish, launchChromium, screenshotsDir } from '../support/browser.mjs';
import { DEV_SCOPE } from '../../src/pages/common.js';
import { hallShard, plyBinary } from '../../../docs/examples/pointcloud-producer.mjs';

const base = nodeUrl();
const shots = screenshotsDir();
const PHONE = { width: 390, height: 844 };

const browser = await launchChromium();
const { context, pageErrors } = browser;

const stamp = Date.now().toString(36);
const room = `phone-${stamp}`;
const recName = `phone-rec-${stamp}`;
const cloudName = `phone-cloud-${stamp}`;
const token = await devToken('pat', DEV_SCOPE);

async function phonePage(path) {
  const page = await context.newPage();
  await page.setViewportSize(PHONE);
  if (path) await page.goto(`${base}/${path}${path.includes('#') ? '' : `#token=${token}`}`);
  return page;
}

/**
 * Screenshots the page and checks that it fits the phone: no horizontal scrolling, and each of
 * `controls` (selector -> minimum {width, height} in CSS px) shown, inside the screen, that big.
 */
async function fitsPhone(page, shot, controls) {
  await page.screenshot({ path: join(shots, `${shot}.png`), fullPage: true });
  const m = await page.evaluate((selectors) => {
    const doc = document.documentElement;
    const out = { scrollWidth: doc.scrollWidth, innerWidth, controls: {}, widest: null };
    for (const sel of selectors) {
      const el = document.querySelector(sel);
      if (!el) continue;
      const r = el.getBoundingClientRect();
      const cs = getComputedStyle(el);
      out.controls[sel] = {
        left: Math.round(r.left), right: Math.round(r.right), width: Math.round(r.width), height: Math.round(r.height),
        shown: cs.display !== 'none' && cs.visibility !== 'hidden' && r.width > 0 && r.height > 0,
      };
    }
    // what sticks out furthest, to say why a page is too wide
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > innerWidth + 0.5 && (!out.widest || r.right > out.widest.right)) {
        out.widest = { right: Math.round(r.right), what: `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : ''}` };
      }
    }
    return out;
  }, Object.keys(controls));
  assert(m.scrollWidth <= m.innerWidth, `${shot}: the page is ${m.scrollWidth} px wide on a ${m.innerWidth} px screen (furthest out: ${JSON.stringify(m.widest)})`);
  for (const [sel, min] of Object.entries(controls)) {
    const c = m.controls[sel];
    assert(c?.shown, `${shot}: ${sel} is shown`);
    assert(c.left >= 0 && c.right <= m.innerWidth, `${shot}: ${sel} is inside the screen (${c.left} to ${c.right} px)`);
    assert(c.width >= (min.width ?? 24) && c.height >= (min.height ?? 24), `${shot}: ${sel} is ${c.width} x ${c.height} px, wanted at least ${min.width ?? 24} x ${min.height ?? 24}`);
  }
  console.log(`  ${shot}: ${m.scrollWidth} px wide; ${Object.entries(m.controls).map(([s, c]) => `${s} ${c.width}x${c.height}`).join(', ')}`);
}

const BUTTON = { width: 32, height: 32 };
const SLIDER = { width: 200, height: 20 };

try {
  // a room with some history, and a few more rooms for the landing page's list
  const bot = new TandemClient({ url: wsUrlOf(base), token, WebSocket, client: { name: 'Bot', kind: 'bot' } });
  await bot.connect();
  const s = await joinRetrying(bot, `room:${room}`, { role: 'editor' });
  await s.set('view.timeCursor', 30);
  await s.op([{ op: 'set', path: 'view.selection', value: 'pressure' }, { op: 'set', path: 'view.selectedBy', value: 'Bot' }]);
  await s.set('view.timeCursor', 62.5);
  for (const other of ['a-room-with-a-rather-long-name-for-a-phone-screen', 'design-review']) {
    const o = await joinRetrying(bot, `room:${other}-${stamp}`, { role: 'editor' });
    await o.set('notes.first', 'hello');
    await o.leave();
  }
  bot.close();
  // a small point cloud (three shards of the example hall) for the point-cloud page
  const producer = new TandemClient({ url: wsUrlOf(base), token, WebSocket, encoding: 'cbor', reconnect: false });
  await producer.connect();
  const cloud = await joinRetrying(producer, `recording:${cloudName}`, { role: 'publisher' });
  for (let k = 1; k <= 3; k++) {
    await cloud.publish([{ shard: k }], { bytes: plyBinary(hallShard(5, k, 1500)), checkpoint: k === 1 });
  }
  await cloud.end();
  producer.close();

  await check('landing page at phone size: sign-in and the lists fit', async () => {
    const page = await phonePage();
    await page.goto(`${base}/`);
    await page.locator('#name').waitFor();
    await fitsPhone(page, 'phone-landing-signin', { '#name': { width: 150 }, '#name-form button[type="submit"]': BUTTON });
    await page.locator('#name').fill('Pat');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.locator('.room-link', { hasText: room }).waitFor({ timeout: 10000 });
    await fitsPhone(page, 'phone-landing', {
      '#room-name': { width: 150 }, '#room-form button[type="submit"]': BUTTON, '#search': { width: 200 },
      '.room-link': { width: 200 }, '#record-new': BUTTON,
    });
    await page.close();
  });

  await check('room page at phone size: the status badge and the slider are on the screen', async () => {
    const page = await phonePage(`room.html?room=${room}`);
    await page.locator('#status[data-state="open"]').waitFor({ timeout: 15000 });
    await page.waitForFunction(() => Number(document.getElementById('time').value) === 62.5, null, { timeout: 5000 });
    await fitsPhone(page, 'phone-room', { '#status': { width: 60, height: 16 }, '#time': SLIDER, '#board': { width: 300, height: 200 }, '.chip': { height: 24 } });
    await page.close();
  });

  await check('XR page at phone size: the toolbar fits and does not cover its own help text', async () => {
    const page = await phonePage(`xr.html?room=${room}`);
    await page.waitForFunction(() => !!window.tandem?.session?.joined, null, { timeout: 20000 });
    await fitsPhone(page, 'phone-xr', { '#hud': { width: 200 }, '#spawn': BUTTON, '#upload-label': BUTTON, '.hud-help': { width: 100, height: 10 } });
    const boxes = await page.evaluate(() => ['#hud-buttons', '.hud-help', '#hud'].map((s) => {
      const r = document.querySelector(s).getBoundingClientRect();
      return { top: r.top, bottom: r.bottom, left: r.left, right: r.right };
    }));
    const [buttons, help, hud] = boxes;
    assert(help.top >= buttons.bottom - 0.5, `the help text starts below the buttons (${JSON.stringify(boxes)})`);
    assert(hud.right <= 390, `the toolbar ends inside the screen (${hud.right} px)`);
    await page.close();
  });

  let rec;
  await check('record page at phone size: records a short recording', async () => {
    rec = await phonePage(`record.html?recording=${recName}&checkpointMs=1000`);
    await rec.locator('#start').waitFor();
    await fitsPhone(rec, 'phone-record', { '#rec-name': { width: 150 }, '#start': BUTTON, '#demo-counter': BUTTON, '#status': { width: 60, height: 16 } });
    await rec.locator('#start').click();
    await rec.locator('#rec-state[data-state="recording"]').waitFor({ timeout: 10000 });
    for (let i = 0; i < 3; i++) await rec.locator('#demo-counter').click();
    await rec.locator('#demo-text').fill('typed on a phone');
    await rec.waitForFunction(() => window.tandem.stats.checkpoints >= 2, null, { timeout: 10000 });
    await fitsPhone(rec, 'phone-record-recording', { '#stop': BUTTON, '#status': { width: 60, height: 16 } });
    await rec.locator('#stop').click();
    await rec.locator('#rec-state[data-state="ended"]').waitFor({ timeout: 10000 });
  });

  await check('watch page at phone size: the recorded page is scaled to the screen', async () => {
    const page = await phonePage(`watch.html?recording=${recName}`);
    await page.locator('#watch-state[data-state="ended"]').waitFor({ timeout: 15000 });
    await fitsPhone(page, 'phone-watch', { '#stage': { width: 200, height: 100 }, '#status': { width: 60, height: 16 }, '#replay-link': { height: 10 } });
    await page.close();
  });

  await check('replay page at phone size: rrweb-player and its progress bar fit', async () => {
    const page = await phonePage(`replay.html?session=${encodeURIComponent(`recording:${recName}`)}`);
    await page.locator('.rr-player .rr-controller').waitFor({ timeout: 20000 });
    await fitsPhone(page, 'phone-replay-recording', { '.rr-player': { width: 250 }, '.rr-progress': { width: 150, height: 8 }, '#status': { width: 60, height: 16 } });
    await page.close();
  });

  await check("replay page at phone size: a room's replay has a usable position slider", async () => {
    const page = await phonePage(`replay.html?session=${encodeURIComponent(`room:${room}`)}`);
    await page.locator('#replay-state[data-state="ended"]').waitFor({ timeout: 20000 });
    await fitsPhone(page, 'phone-replay-room', { '#play': BUTTON, '#position': SLIDER, '#time': SLIDER, '#status': { width: 60, height: 16 } });
    await page.close();
  });

  await check('point-cloud page at phone size: the counts and the controls fit', async () => {
    const page = await phonePage(`pointcloud.html?recording=${cloudName}`);
    await page.waitForFunction(() => window.tandem?.view?.shards === 3, null, { timeout: 20000 });
    await fitsPhone(page, 'phone-pointcloud', { '#fit': { height: 20 }, '#status': { width: 60, height: 16 }, '.cloud-counts': { width: 150 } });
    await page.close();
  });

  await check('no page errors', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
  });
} finally {
  await browser.close();
}

finish();
