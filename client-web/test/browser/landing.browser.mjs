// Browser test of the landing page and of signing in from any page, in Debian's chromium driven by
// playwright-core, against the node at TANDEM_URL (JUnit's BrowserLandingTest starts it in dev
// mode). Screenshots go to SCREENSHOTS_DIR.
//
// - Every page opened in a tab without an identity sends it to the landing page and, after the
//   name is given, back to that very page with its query (xr.html?room=demo stays the XR page).
// - With 125 rooms the landing page shows them a page at a time, newest first (Next and Previous
//   walk them all, each once) and the search finds one by part of its name; a room created while
//   the page is open appears in it without a reload. Past 200 rooms (more than one answer of the
//   node) the pages come in the node's order, by name.
// - A person whose token has the admin right on rooms gets a Delete button; one without it does
//   not. Deleting works against a node that implements DELETE /v1/sessions/{session} (204: the row
//   goes, the session is gone) and says so plainly against one that does not (405).
// - The watch page of a recording that does not exist says so at once and creates nothing.
//
// Prints "ok - ..." / "not ok - ..." per check and "N passed, N failed"; exits non-zero on failure.

import { join } from 'node:path';
import WebSocket from 'ws';
import { TandemClient } from '../../src/tandem-client.js';
import { devToken, joinRetrying, nodeUrl, wsUrlOf, waitFor } from '../support/harness.mjs';
import { assert, check, finish, launchChromium, screenshotsDir } from '../support/browser.mjs';
import { DEV_SCOPE } from '../../src/pages/common.js';

const base = nodeUrl();
const shots = screenshotsDir();

const browser = await launchChromium();
const { context, pageErrors } = browser;

const stamp = Date.now().toString(36);
const ROOMS = 125;
const roomName = (i) => `many-${stamp}-${String(i).padStart(3, '0')}`;
const token = await devToken('lena', DEV_SCOPE);

/** GET /v1/sessions/{session}: its HTTP status. */
async function sessionStatus(session) {
  const res = await fetch(`${base}/v1/sessions/${encodeURIComponent(session)}`, { headers: { authorization: `Bearer ${token}` } });
  await res.arrayBuffer();
  return res.status;
}

/** Every room of the node (name -> created), through GET /v1/sessions's pages. */
async function allRooms() {
  const rooms = new Map();
  let cursor = null;
  do {
    const params = new URLSearchParams({ kind: 'room', limit: '1000' });
    if (cursor) params.set('cursor', cursor);
    const res = await fetch(`${base}/v1/sessions?${params}`, { headers: { authorization: `Bearer ${token}` } });
    assert(res.ok, `GET /v1/sessions: HTTP ${res.status}`);
    const page = await res.json();
    for (const s of page.sessions) rooms.set(s.name, s.created);
    cursor = page.next ?? null;
  } while (cursor);
  return rooms;
}

/** The names the landing page's room list shows now. */
const shownRooms = (page) => page.locator('#room-list .room-link .room-name').allTextContents();

try {
  // the rooms (a room is created by its first join) and a recording, through one connection
  const bot = new TandemClient({ url: wsUrlOf(base), token, WebSocket, client: { name: 'Bot', kind: 'bot' } });
  await bot.connect();
  for (let i = 0; i < ROOMS; i++) {
    const s = await joinRetrying(bot, `room:${roomName(i)}`, { role: 'editor' });
    await s.leave();
  }
  const recName = `rec-${stamp}`;
  const r = await joinRetrying(bot, `recording:${recName}`, { role: 'publisher' });
  await r.publish([{ type: 'note', text: 'hello' }]);
  await r.end();
  await r.leave();
  bot.close();

  await check('every page sends a tab without a name through the landing page and gets it back', async () => {
    const targets = [
      `xr.html?room=demo-${stamp}`,
      `room.html?room=demo-${stamp}`,
      `watch.html?recording=${recName}`,
      `replay.html?session=${encodeURIComponent(`room:${roomName(1)}`)}`,
      `record.html?recording=new-${stamp}`,
      `pointcloud.html?recording=${recName}`,
    ];
    for (const target of targets) {
      const page = await context.newPage(); // a new tab: no identity in its sessionStorage
      await page.goto(`${base}/${target}`);
      await page.waitForURL(/\/\?next=/, { timeout: 10000 });
      await page.getByPlaceholder('Your name').fill('Nina');
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.waitForURL((url) => url.pathname + url.search === `/${target}`, { timeout: 10000 })
        .catch(() => { throw new Error(`${target}: after sign-in the tab is at ${page.url()}`); });
      console.log(`  ${target}: back after sign-in`);
      await page.close();
    }
  });

  let landing;
  await check(`${ROOMS} rooms: the landing page shows them a page at a time, newest first, and Next/Previous walk them all once`, async () => {
    landing = await context.newPage();
    await landing.goto(`${base}/#token=${token}`);
    await landing.locator('#room-list .room-link').first().waitFor({ timeout: 10000 });
    const seen = new Set();
    const order = [];
    let pages = 0;
    const next = landing.locator('#room-pager .next');
    for (;;) {
      const names = await shownRooms(landing);
      pages++;
      assert(names.length <= 20, `page ${pages} shows ${names.length} rooms, at most 20`);
      for (const n of names) {
        assert(!seen.has(n), `${n} shown twice`);
        seen.add(n);
        order.push(n);
      }
      assert(await landing.locator('#room-pager .page-label').textContent() === `Page ${pages}`, `the pager says page ${pages}`);
      if (pages === 1) {
        assert(await landing.locator('#room-pager').isVisible(), 'the pager is shown');
        assert(await landing.locator('#room-pager .prev').isDisabled(), 'no Previous on the first page');
        await landing.screenshot({ path: join(shots, 'landing-paged.png'), fullPage: true });
        const height = await landing.evaluate(() => document.documentElement.scrollHeight);
        assert(height < 3000, `the first page is ${height} px tall`);
      }
      if (await next.isDisabled()) break;
      const first = names[0];
      await next.click();
      await waitFor(async () => (await shownRooms(landing))[0] !== first, { what: `page ${pages + 1}` });
    }
    const mine = [...seen].filter((n) => n.startsWith(`many-${stamp}-`));
    assert(mine.length === ROOMS, `all ${ROOMS} rooms were on some page (${mine.length} seen on ${pages} pages)`);
    assert(pages >= Math.ceil(ROOMS / 20), `${pages} pages`);
    // newest first: each room was created no earlier than the one after it, so the last one the
    // bot made comes before the first
    const created = await allRooms();
    for (let k = 1; k < order.length; k++) {
      const [a, b] = [created.get(order[k - 1]), created.get(order[k])];
      assert(a >= b, `${order[k - 1]} (created ${a}) is listed before ${order[k]} (created ${b})`);
    }
    assert(order.indexOf(roomName(ROOMS - 1)) < order.indexOf(roomName(0)), `${roomName(ROOMS - 1)} comes before ${roomName(0)}`);
    await landing.locator('#room-pager .prev').click();
    await waitFor(async () => (await landing.locator('#room-pager .page-label').textContent()) === `Page ${pages - 1}`, { what: 'Previous goes back a page' });
    console.log(`  ${seen.size} rooms on ${pages} pages`);
  });

  await check('the search finds one room by part of its name', async () => {
    const query = `${stamp}-077`;
    await landing.locator('#search').fill(query);
    await waitFor(async () => {
      const names = await shownRooms(landing);
      return names.length === 1 && names[0] === roomName(77);
    }, { what: `only ${roomName(77)} listed`, timeoutMs: 5000 });
    assert(await landing.locator('#room-pager').isHidden(), 'one page: no pager');
    // each list answers the search on its own: the recordings' answer is in once the list says
    // nothing matches, or shows a recording of that name (which the assertion below refuses)
    await waitFor(async () => {
      const list = landing.locator('#recording-list');
      if ((await list.textContent()).includes(`named like “${query}”`)) return true;
      const titles = await list.locator('.recording-link').evaluateAll((as) => as.map((a) => a.title));
      return titles.some((t) => t.includes(query));
    }, { what: 'the recordings list answering the search', timeoutMs: 5000 });
    assert((await landing.locator('#recording-list .recording-link').count()) === 0, 'no recording matches');
    await landing.screenshot({ path: join(shots, 'landing-search.png') });
    await landing.locator('#search').fill('');
    await waitFor(async () => (await shownRooms(landing)).length === 20, { what: 'the full first page again' });
  });

  await check('a room created while the landing page is open appears in its list without a reload', async () => {
    // the list is asked for again while the tab is shown: someone else's new room shows up
    const fresh = `fresh-${stamp}`;
    await landing.locator('#search').fill(fresh);
    await landing.locator('#room-list li.muted', { hasText: `No rooms named like “${fresh}”` }).waitFor({ timeout: 5000 });
    await landing.evaluate(() => { window.sameDocument = true; });
    const other = new TandemClient({ url: wsUrlOf(base), token, WebSocket, client: { name: 'Other', kind: 'bot' } });
    await other.connect();
    const made = Date.now();
    const s = await other.join(`room:${fresh}`, { role: 'editor' });
    await landing.locator('#room-list .room-link', { hasText: fresh }).waitFor({ timeout: 10000 });
    console.log(`  listed ${Date.now() - made} ms after its creation`);
    assert(await landing.evaluate(() => window.sameDocument === true), 'the page was not reloaded');
    await landing.locator('#room-list .room-link', { hasText: fresh }).locator('.live', { hasText: '1 here' }).waitFor({ timeout: 10000 });
    await s.leave();
    other.close();
    await landing.locator('#search').fill('');
    await waitFor(async () => (await shownRooms(landing)).length === 20, { what: 'the full first page again' });
  });

  await check('a person without the admin right gets no Delete button', async () => {
    const plain = await devToken('otto', 'room:*:write recording:*:read');
    const page = await context.newPage();
    await page.goto(`${base}/?x#token=${plain}`);
    await page.locator('#room-list .room-link').first().waitFor({ timeout: 10000 });
    assert((await page.locator('.delete-link').count()) === 0, 'no Delete buttons');
    assert((await landing.locator('#room-list .delete-link').count()) > 0, 'the admin has them');
    await page.close();
  });

  await check('an admin deletes a room from the landing page (or is told the node cannot)', async () => {
    // what this node does with DELETE: probed on a room of its own
    const probe = `room:${roomName(0)}`;
    const answer = await fetch(`${base}/v1/sessions/${encodeURIComponent(probe)}`, { method: 'DELETE', headers: { authorization: `Bearer ${token}` } });
    await answer.arrayBuffer();
    const deletes = answer.status === 204;
    console.log(`  this node answers DELETE with ${answer.status}`);
    const victim = roomName(11);
    await landing.locator('#search').fill(victim);
    await waitFor(async () => {
      const names = await shownRooms(landing);
      return names.length === 1 && names[0] === victim;
    }, { what: `the search shows only ${victim}`, timeoutMs: 5000 });
    const row = landing.locator('#room-list .session-row', { hasText: victim });
    landing.once('dialog', (d) => d.accept());
    await row.locator('.delete-link').click();
    if (deletes) {
      await landing.locator('#notice', { hasText: `Deleted the room ${victim}` }).waitFor({ timeout: 5000 });
      await waitFor(async () => (await shownRooms(landing)).length === 0, { what: 'the row is gone' });
      assert(await sessionStatus(`room:${victim}`) === 404, 'the room is gone from the node');
    } else {
      await landing.locator('#notice[data-kind="bad"]', { hasText: /cannot delete sessions/ }).waitFor({ timeout: 5000 });
      assert((await shownRooms(landing)).includes(victim), 'the row stays');
      assert(await sessionStatus(`room:${victim}`) === 200, 'the room is still there');
    }
    await landing.screenshot({ path: join(shots, 'landing-delete.png') });
  });

  await check('the watch page of a recording that does not exist says so at once and creates nothing', async () => {
    const missing = `no-such-recording-${stamp}`;
    const page = await context.newPage();
    const t0 = Date.now();
    await page.goto(`${base}/watch.html?recording=${missing}#token=${token}`);
    await page.locator('#fatal', { hasText: `There is no recording named “${missing}”` }).waitFor({ timeout: 5000 });
    console.log(`  said after ${Date.now() - t0} ms`);
    assert(await page.locator('#watch-state[data-state="missing"]').isVisible(), 'the badge says Not found');
    assert(await page.locator('#retry').isHidden(), 'no Retry for a recording that is not there');
    await page.screenshot({ path: join(shots, 'watch-missing.png') });
    assert(await sessionStatus(`recording:${missing}`) === 404, 'no recording was created');
    await page.close();
  });

  await check('past 200 rooms the landing page shows the node\'s pages in its order (by name)', async () => {
    // one answer of the node holds at most 200 rows for the page to sort: beyond, the node's order
    const have = (await allRooms()).size;
    const bot = new TandemClient({ url: wsUrlOf(base), token, WebSocket, client: { name: 'Bot', kind: 'bot' } });
    await bot.connect();
    for (let i = have; i <= 200; i++) {
      const s = await joinRetrying(bot, `room:more-${stamp}-${String(i).padStart(3, '0')}`, { role: 'editor' });
      await s.leave();
    }
    bot.close();
    await waitFor(async () => (await allRooms()).size > 200, { what: 'more than 200 rooms listed by the node' });
    const page = await context.newPage();
    await page.goto(`${base}/?many#token=${token}`);
    await page.locator('#room-list .room-link').first().waitFor({ timeout: 10000 });
    const first = await shownRooms(page);
    const byName = [...first].sort(); // names are ASCII: code-unit order is the node's byte order
    assert(first.length === 20, `a full first page (${first.length})`);
    assert(JSON.stringify(first) === JSON.stringify(byName), `the first page is in the node's order, by name: ${first.join(', ')}`);
    assert(first[0] === [...(await allRooms()).keys()].sort()[0], 'it starts at the first name');
    await page.locator('#room-pager .next').click();
    await waitFor(async () => (await shownRooms(page))[0] !== first[0], { what: 'page 2' });
    const second = await shownRooms(page);
    assert(second[0] > first[first.length - 1], `page 2 goes on after page 1 (${second[0]})`);
    await page.close();
  });

  await check('no page errors', async () => {
    assert(pageErrors.length === 0, pageErrors.join('\n'));
  });
} finally {
  await browser.close();
}

finish();
