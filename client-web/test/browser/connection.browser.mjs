// Browser checks of the connection as a person sees it (issue 13, items 3, 4 and 5), in Debian's
// chromium driven by playwright-core, against the node of TANDEM_URL (JUnit's
// BrowserConnectionTest starts it, in dev mode). Screenshots go to SCREENSHOTS_DIR. Prints one
// line per check ("ok - ..." / "not ok - ...") and "browser: N passed, N failed".
//
// - A silent link: the room page is loaded through a TCP proxy that, on the test's word, stops
//   forwarding both ways on the open connections without closing them (and refuses new ones for a
//   while). The page must say "Reconnecting" within a few seconds (the library's own pings go
//   unanswered), and slider changes made meanwhile must be applied once after the resume (an
//   observer on the node counts them), without "not saved" and without the slider jumping back.
// - Expired tokens: a dev token about to expire is renewed by the page (it stays connected and
//   edits after the old token's expiry go through); a token from elsewhere (signed here with
//   TANDEM_TEST_SECRET, no `dev` claim) that expires makes the page say "sign in again", with no
//   uncaught page error.
// - A name with letters outside ASCII, typed on the landing page, appears as typed in the room's
//   member list, in the node's member ids, in the replay page's change list and in the export.

import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { nodeUrl, wsUrlOf, devToken, joinRetrying, startProxy, waitFor } from '../support/harness.mjs';
import { assert, check, finish, launchChromium, screenshotsDir } from '../support/browser.mjs';

const base = nodeUrl();
const shots = screenshotsDir();
const NAME = 'Alice Ünïcode';
const room = `conn-${Date.now().toString(36)}`;
const session = `room:${room}`;

const proxy = await startProxy(base);
const browser = await launchChromium();
const { context, pageErrors } = browser;

// an observer beside the browser, straight on the node: counts what the node applied
const observer = new TandemClient({ url: wsUrlOf(base), token: await devToken('observer', 'room:*:read'), WebSocket });
await observer.connect();
const watched = await joinRetrying(observer, session, { role: 'viewer' });
const deltas = [];
watched.on('delta', (d) => deltas.push(d));
const timesSet = (value) =>
  deltas.filter((d) => d.ops?.some((o) => o.path === 'view.timeCursor' && o.value === value)).length;

/** The status badge's state and text, read together (two reads could straddle a change). */
async function statusOf(page) {
  return page.evaluate(() => ({
    state: document.getElementById('status').dataset.state,
    text: document.getElementById('status-text').textContent,
  }));
}

async function setSlider(page, value) {
  await page.locator('#time').fill(String(value));
}

let alice;
try {
  await check('a name outside ASCII typed on the landing page is the name in the room (member list, principal)', async () => {
    alice = await context.newPage();
    await alice.goto(`${proxy.url}/`);
    await alice.getByPlaceholder('Your name').fill(NAME);
    await alice.getByRole('button', { name: 'Continue' }).click();
    await alice.getByPlaceholder(/Room name/).waitFor();
    await alice.goto(`${proxy.url}/room.html?room=${room}`);
    await waitFor(async () => (await statusOf(alice)).state === 'open', { what: 'Alice connected' });
    await alice.locator('#members li', { hasText: NAME }).waitFor({ timeout: 5000 });
    const principal = await alice.evaluate(() => window.tandem.client.welcome.principal);
    assert(principal === NAME, `principal ${JSON.stringify(principal)}`);
    await alice.screenshot({ path: join(shots, 'connection-unicode-name.png') });
  });

  await check('a silent connection shows "Reconnecting" within a few seconds; slider changes made meanwhile are applied once after the resume', async () => {
    await setSlider(alice, 11);
    await waitFor(() => timesSet(11) === 1, { what: 'the first change at the node' });
    proxy.block(); // reconnects fail for now, so "Reconnecting" stays on screen
    const stalledAt = Date.now();
    assert(proxy.stall() >= 1, 'the page\'s socket went silent');
    await setSlider(alice, 22); // into the dead socket: lost, kept, sent again with its key
    await waitFor(async () => (await statusOf(alice)).state === 'reconnecting', { what: 'Reconnecting', timeoutMs: 10000, intervalMs: 50 });
    const noticedMs = Date.now() - stalledAt;
    const { text } = await statusOf(alice);
    assert(/^Reconnecting/.test(text), `status says: ${text}`);
    console.log(`  "${text}" after ${noticedMs} ms of silence`);
    assert(noticedMs < 7000, `the silent link was noticed after ${noticedMs} ms`);
    await setSlider(alice, 33); // made while disconnected
    await alice.screenshot({ path: join(shots, 'connection-reconnecting.png') });
    assert(Number(await alice.locator('#time').inputValue()) === 33, 'the slider keeps the value while disconnected');
    proxy.unblock();
    await waitFor(async () => (await statusOf(alice)).state === 'open', { what: 'connected again', timeoutMs: 15000 });
    await waitFor(() => watched.doc?.view?.timeCursor === 33, { what: 'the node has 33', timeoutMs: 10000 });
    await waitFor(() => alice.evaluate(() => window.tandem.room.pendingChanges === 0), { what: 'nothing pending' });
    assert(timesSet(22) <= 1, `22 applied ${timesSet(22)} times`);
    assert(timesSet(33) === 1, `33 applied ${timesSet(33)} times`);
    assert(Number(await alice.locator('#time').inputValue()) === 33, 'the slider did not jump back');
    const log = await alice.locator('#log').textContent();
    assert(!/not saved/.test(log), `nobody was told about a change that went through: ${log}`);
    assert(/Resumed|Reconnected/.test(log), `the log tells of the resume: ${log}`);
    await alice.screenshot({ path: join(shots, 'connection-resumed.png') });
  });

  await check('the name appears as typed in the replay page\'s change list and in the export', async () => {
    const replay = await context.newPage();
    // the same tab's identity: sessionStorage is per tab, so hand the token over in the hash
    const token = await alice.evaluate(() => sessionStorage.getItem('tandem.token'));
    await replay.goto(`${base}/replay.html?session=${session}#token=${token}`);
    await replay.locator('body', { hasText: NAME }).waitFor({ timeout: 15000 });
    const text = await replay.locator('body').textContent();
    assert(text.includes(`${NAME} changed`), 'the change list names Alice as typed');
    assert(!text.includes('Alice-ncode'), 'no mangled name');
    await replay.screenshot({ path: join(shots, 'connection-replay-unicode.png') });
    await replay.close();
    const res = await fetch(`${base}/v1/sessions/${session}/events`, { headers: { authorization: `Bearer ${token}` } });
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    assert(lines.length > 0 && lines.every((l) => l.frame.payload.by.startsWith(`${NAME}/`)), 'the export names Alice as typed');
  });

  await check('a dev token about to expire is renewed: the page stays connected and edits after its expiry go through', async () => {
    const short = await fetch(`${base}/v1/dev/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'Dana Ødegård', name: 'Dana Ødegård', scope: 'room:*:write', ttlSeconds: 8 }),
    }).then((r) => r.json());
    const expiresAt = Date.now() + 8000;
    const dana = await context.newPage();
    await dana.goto(`${base}/room.html?room=${room}#token=${short.token}`);
    await waitFor(async () => (await statusOf(dana)).state === 'open', { what: 'Dana connected' });
    await waitFor(() => dana.evaluate((old) => sessionStorage.getItem('tandem.token') !== old, short.token), { what: 'a fresh token' });
    await waitFor(() => Date.now() > expiresAt + 1500, { what: 'the old token expired', timeoutMs: 15000, intervalMs: 200 });
    await waitFor(async () => (await statusOf(dana)).state === 'open', { what: 'still connected' });
    await setSlider(dana, 44);
    await waitFor(() => watched.doc?.view?.timeCursor === 44, { what: 'Dana\'s edit at the node' });
    const fatalShown = await dana.locator('#fatal').isVisible();
    assert(!fatalShown, 'no sign-in prompt');
    await dana.screenshot({ path: join(shots, 'connection-token-renewed.png') });
    await dana.close();
  });

  await check('a token from elsewhere that expires: the page says to sign in again, without an uncaught error', async () => {
    const secret = process.env.TANDEM_TEST_SECRET;
    assert(secret, 'TANDEM_TEST_SECRET (the node\'s HS256 secret) is set');
    const token = hs256(secret, { sub: 'erin', scope: 'room:*:write', exp: Math.floor(Date.now() / 1000) + 15 });
    const erin = await context.newPage();
    const before = pageErrors.length;
    await erin.goto(`${base}/room.html?room=${room}#token=${token}`);
    await waitFor(async () => (await statusOf(erin)).state === 'open', { what: 'Erin connected' });
    await erin.locator('#fatal').waitFor({ state: 'visible', timeout: 15000 });
    const fatal = await erin.locator('#fatal').textContent();
    assert(/sign in again/i.test(fatal), `the page says: ${fatal}`);
    assert(await erin.getByRole('link', { name: 'Sign in again' }).isVisible(), 'a way to sign in again');
    // the error frame (which shows the notice) comes just before the 4401 close (which sets the badge)
    let last = null;
    await waitFor(
      async () => {
        last = await statusOf(erin);
        return last.state === 'closed' && /sign in again/i.test(last.text);
      },
      { what: 'the badge says signed out', timeoutMs: 5000 },
    ).catch((e) => {
      throw new Error(`${e.message}: status ${last?.state}: ${last?.text}`);
    });
    await erin.screenshot({ path: join(shots, 'connection-token-expired.png') });
    assert(pageErrors.length === before, `no uncaught page error: ${pageErrors.slice(before).join('; ')}`);
    await erin.close();
  });

  await check('no uncaught page errors anywhere', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
  });
} finally {
  observer.close();
  await browser.close();
  await proxy.close();
}
finish();

/** An HS256 JWT (as an external issuer sharing the node's secret would sign it). */
function hs256(secret, claims) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(claims)}`;
  return `${body}.${createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('base64url')}`;
}
