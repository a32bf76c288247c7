// Browser test of the XR page, in Debian's chromium driven by playwright-core with the iwer WebXR
// emulator (a Meta Quest 3) installed by the page (`?emulate=quest3`), against a real node
// (TANDEM_URL; JUnit's BrowserXrTest starts it). Two XR pages join one room: one enters VR and
// moves its emulated head, the other renders its avatar there; one grabs, moves and releases a
// shared object, the other sees it move and stop. A spawned cube's model loads from the node's
// /samples/ and is drawn (read back from the WebGL canvas with and without it); a grab of a cube
// someone holds says who holds it; two desktop viewers start apart; a model that cannot load is
// retried with a growing delay, not in a loop, and the page says so; a room with many objects has
// its models loaded one at a time, never a burst of parallel requests. Screenshots go to
// SCREENSHOTS_DIR.
// Prints "ok - ..." / "not ok - ..." per check and "N passed, N failed"; exits non-zero on failure.

import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { devToken, nodeUrl, waitFor } from '../support/harness.mjs';
import { assert, check, finish, launchChromium, screenshotsDir } from '../support/browser.mjs';

const base = nodeUrl();
const shots = screenshotsDir();

const near = (a, b, eps = 0.02) => a.length === b.length && a.every((x, i) => Math.abs(x - b[i]) <= eps);

const browser = await launchChromium();
const { context } = browser;
const consoleErrors = browser.pageErrors;

const room = `xr-${Date.now().toString(36)}`;
let ann;
let ben;
let cube;

async function openXr(name, device, extra = '', { inRoom = room, before = async () => {} } = {}) {
  const token = await devToken(name, 'room:*:write asset:*:publish');
  const page = await context.newPage();
  await before(page);
  await page.goto(`${base}/xr.html?room=${inRoom}&emulate=quest3&device=${device}${extra}#token=${token}`);
  await waitFor(() => page.evaluate(() => !!window.tandem?.session?.joined), { what: `${name} joined`, timeoutMs: 20000 });
  return page;
}

try {
  await check('two XR pages (iwer Quest 3 emulator) join one room; one enters VR', async () => {
    ann = await openXr('ann', 'quest-ann');
    ben = await openXr('ben', 'quest-ben');
    const button = ann.locator('#VRButton');
    await waitFor(async () => /ENTER VR/i.test((await button.textContent()) ?? ''), { what: 'the VR button offers VR' });
    await button.click();
    await waitFor(() => ann.evaluate(() => window.tandem.presenting), { what: 'ann is in an immersive session' });
  });

  await check("moving the emulated head moves ann's avatar on ben's page", async () => {
    await ann.evaluate(() => {
      window.tandem.emulator.position.set(1.5, 1.7, -2);
      window.tandem.emulator.quaternion.set(0, 0.3826834, 0, 0.9238795); // turned 45 degrees
    });
    let last = null;
    const seen = await waitFor(
      () =>
        ben.evaluate(() => {
          const [a] = [...window.tandem.avatars.values()];
          return a ? a.head.position.toArray() : null;
        }).then((p) => {
          last = p;
          return p && near(p, [1.5, 1.7, -2]) ? p : null;
        }),
      { what: "ann's avatar at the emulated head's position", timeoutMs: 10000 },
    ).catch(async (e) => {
      const sent = await ann.evaluate(() => window.tandem.lastPose?.head?.p);
      throw new Error(`${e.message}; ben sees ${JSON.stringify(last)}, ann sent ${JSON.stringify(sent)}`);
    });
    assert(seen, 'avatar placed');
    await ann.screenshot({ path: join(shots, 'xr-ann-in-vr.png') });
    await ben.screenshot({ path: join(shots, 'xr-ben-sees-ann.png') });
  });

  await check('ann grabs and moves a shared object; ben sees it move and stop on release', async () => {
    const id = await ann.evaluate(() => window.tandem.spawn([0, 1.2, -1]));
    await waitFor(() => ben.evaluate((i) => window.tandem.objects.has(i), id), { what: 'ben sees the spawned object' });
    await ann.evaluate((i) => window.tandem.grab(i), id);
    const annId = await ann.evaluate(() => `${window.tandem.client.welcome.principal}/${window.tandem.client.welcome.connection}`);
    // the hand keeps moving it to x = 0.6 (the page sends at most 30 moves a second) until ben sees it
    await waitFor(
      async () => {
        await ann.evaluate(() => window.tandem.moveHeld([0.6, 1.2, -1]));
        return ben.evaluate((i) => {
          const o = window.tandem.objects.get(i);
          return o && o.heldBy && Math.abs(o.group.position.x - 0.6) < 0.01 ? o.heldBy : null;
        }, id);
      },
      { what: 'ben sees it held and at x = 0.6' },
    ).then((holder) => assert(holder === annId, `held by ann (${holder})`));
    await ben.screenshot({ path: join(shots, 'xr-ben-sees-move.png') });
    await ann.evaluate(() => window.tandem.release());
    await waitFor(
      () =>
        ben.evaluate((i) => {
          const o = window.tandem.objects.get(i);
          return o && o.heldBy === null && Math.abs(o.group.position.x - 0.6) < 0.01;
        }, id),
      { what: 'ben sees it released where it stopped' },
    );
  });

  await check("a spawned cube's model loads from the node's /samples/ and is drawn on the other page", async () => {
    const status = await ben.evaluate(async () => (await fetch('./samples/cube-high.glb')).status);
    assert(status === 200, `the node serves the sample model (${status})`);
    // between ben and the middle, nearer ben than the first object, so nothing stands in front of it
    // for the click on it below
    const eye = await ben.evaluate(() => window.tandem.camera.position.toArray());
    const id = await ann.evaluate((p) => window.tandem.spawn(p), [eye[0] * 0.6, 1.4, eye[2] * 0.6]);
    await waitFor(() => ben.evaluate((i) => !!window.tandem.objects.get(i)?.loadedLod, id), { what: "the cube's model loaded on ben's page" });
    const from = await ben.evaluate((i) => window.tandem.objects.get(i).loadedFrom, id);
    assert(from === 'sample', `loaded from the bundled samples (${from})`);
    const drawn = await ben.evaluate((i) => window.tandem.drawnAt(i), id);
    const diff = drawn.with.slice(0, 3).reduce((sum, c, k) => sum + Math.abs(c - drawn.without[k]), 0);
    console.log(`  at pixel ${drawn.at.x},${drawn.at.y}: ${drawn.without} without the cube, ${drawn.with} with it; ${drawn.meshes} mesh(es)`);
    assert(drawn.at.inView, 'the cube is in ben\'s view');
    assert(drawn.meshes >= 1, 'the model has a mesh');
    assert(diff > 40, `the cube changes the pixel at its middle (${drawn.without} -> ${drawn.with})`);
    const errors = await ben.locator('#xr-error').isHidden();
    assert(errors, 'no model error shown');
    await ben.screenshot({ path: join(shots, 'xr-ben-sees-cube.png') });
    cube = id;
  });

  await check('clicking a cube someone else holds says who holds it', async () => {
    await ann.evaluate((i) => window.tandem.grab(i), cube);
    await waitFor(() => ben.evaluate((i) => !!window.tandem.objects.get(i)?.heldBy, cube), { what: 'ben sees the cube held' });
    // a click on the cube's middle on ben's canvas (drawing-buffer pixels to CSS pixels)
    const at = await ben.evaluate((i) => {
      const p = window.tandem.pixelOf(i);
      const r = window.tandem.renderer.getPixelRatio();
      return { x: p.x / r, y: innerHeight - p.y / r };
    }, cube);
    await ben.mouse.click(at.x, at.y);
    const note = ben.locator('#xr-note');
    await note.waitFor({ state: 'visible', timeout: 5000 });
    const text = await note.textContent();
    assert(/^ann is holding this cube/.test(text), `the page says who holds it: ${text}`);
    await ben.screenshot({ path: join(shots, 'xr-ben-conflict.png') });
    await ann.evaluate(() => window.tandem.release());
  });

  await check('a page opened with &hz=45 gives the room its own tick rate; the others are told', async () => {
    const cal = await openXr('cal', 'quest-cal', '&hz=45');
    for (const [name, page] of [['cal', cal], ['ben', ben]]) {
      await waitFor(() => page.evaluate(() => window.tandem.session.settings?.tickHz === 45), {
        what: `${name}'s session knows the room ticks at 45 Hz`,
      });
    }
    // two desktop viewers start apart, each on the circle around the middle
    const heads = await Promise.all([ben, cal].map((p) => p.evaluate(() => window.tandem.camera.position.toArray())));
    const apart = Math.hypot(heads[0][0] - heads[1][0], heads[0][2] - heads[1][2]);
    console.log(`  ben starts at ${heads[0].map((x) => x.toFixed(2))}, cal at ${heads[1].map((x) => x.toFixed(2))}: ${apart.toFixed(2)} m apart`);
    assert(apart > 1, `ben and cal start ${apart.toFixed(2)} m apart`);
    for (const h of heads) assert(Math.abs(Math.hypot(h[0], h[2]) - 3) < 0.01, `on the circle (${h})`);
    await cal.close();
  });

  await check('a model that cannot load is retried with a growing delay and the page says so', async () => {
    let requests = 0;
    const dan = await openXr('dan', 'quest-dan', '', {
      inRoom: `${room}-broken`,
      before: async (page) => {
        // neither the node's asset nor the bundled sample answers
        await page.route(/\/(samples\/|v1\/assets\/)/, (route) => {
          requests++;
          return route.fulfill({ status: 404, contentType: 'application/json', body: '{"code":"not_found","message":"gone"}' });
        });
      },
    });
    const t0 = Date.now();
    const id = await dan.evaluate(() => window.tandem.spawn([0, 1.4, 0]));
    await dan.locator('#xr-error').waitFor({ state: 'visible', timeout: 5000 });
    const shown = await dan.locator('#xr-error').textContent();
    assert(shown.includes(id) && /did not load/.test(shown), `the page names the model that did not load: ${shown}`);
    await dan.screenshot({ path: join(shots, 'xr-model-error.png') });
    // three failed tries take at least 1 + 2 s of waiting between them
    await waitFor(() => dan.evaluate((i) => (window.tandem.objects.get(i)?.failures ?? 0) >= 3, id), { what: 'a third failed try', timeoutMs: 15000 });
    const took = Date.now() - t0;
    const tries = await dan.evaluate((i) => window.tandem.objects.get(i).failures, id);
    console.log(`  ${tries} failed tries, ${requests} requests in ${took} ms`);
    assert(took >= 2800, `three tries took ${took} ms: backed off`);
    assert(requests <= 2 * tries + 2, `${requests} requests for ${tries} tries (the node, then the sample)`);
    await dan.close();
  });

  await check('ben enters AR (passthrough: no backdrop, no grid) and leaves it again', async () => {
    const button = ben.locator('#ar-button');
    await waitFor(async () => !(await button.isHidden()), { what: 'the AR button is offered' });
    await button.click();
    await waitFor(() => ben.evaluate(() => window.tandem.presenting), { what: 'ben is in an immersive session' });
    const blend = await ben.evaluate(() => window.tandem.blendMode);
    assert(blend === 'alpha-blend', `an AR session blends with the room (${blend})`);
    await ben.screenshot({ path: join(shots, 'xr-ben-in-ar.png') });
    // in a headset the system menu ends the session (the page's button is behind the view)
    await ben.evaluate(() => window.tandem.renderer.xr.getSession().end());
    await waitFor(() => ben.evaluate(() => !window.tandem.presenting), { what: 'ben left AR' });
    const restored = await ben.evaluate(() => window.tandem.scene.background !== null);
    assert(restored, 'the backdrop is back after AR');
  });

  await check('ann uploads a GLB model; it is published on the node and ben loads it from there', async () => {
    const glb = await readFile(new URL('../../public/samples/cube-high.glb', import.meta.url));
    const [, id] = await Promise.all([
      ann.locator('#upload').setInputFiles({ name: 'My Chair.glb', mimeType: 'model/gltf-binary', buffer: glb }),
      waitFor(
        () => ann.evaluate(() => [...window.tandem.objects.keys()].find((k) => k.startsWith('model-')) ?? null),
        { what: "the uploaded model's object on ann's page" },
      ),
    ]);
    const asset = await ann.evaluate((i) => window.tandem.objects.get(i).asset, id);
    assert(/^My-Chair-[a-z0-9]+$/.test(asset), `the asset id comes from the file name (${asset})`);
    await waitFor(() => ben.evaluate((i) => window.tandem.objects.get(i)?.loadedFrom === 'node', id), {
      what: 'ben loaded the model from the node, not the bundled sample',
    });
    await ben.screenshot({ path: join(shots, 'xr-ben-sees-upload.png') });
  });

  await check('a page that opens a room with many objects loads their models one at a time', async () => {
    const many = `${room}-many`;
    const fay = await openXr('fay', 'quest-fay', '', { inRoom: many });
    const ids = [];
    for (let i = 0; i < 8; i++) ids.push(await fay.evaluate((p) => window.tandem.spawn(p), [i - 4, 1.2, -2]));
    // gus gets all eight in his snapshot at once: his page queues their models instead of asking
    // for all of them together; the network shows at most one model request open at any moment
    let open = 0;
    let mostOpen = 0;
    let requests = 0;
    const model = (r) => /\/(samples\/|v1\/assets\/)/.test(r.url());
    const done = (r) => {
      if (model(r)) open--;
    };
    const gus = await openXr('gus', 'quest-gus', '', {
      inRoom: many,
      before: async (page) => {
        page.on('request', (r) => {
          if (!model(r)) return;
          requests++;
          mostOpen = Math.max(mostOpen, ++open);
        });
        // done once its answer is in: the page asks for the next model only after it has read
        // that answer, and the events come in that order ('requestfinished' can come later)
        page.on('response', (res) => done(res.request()));
        page.on('requestfailed', done);
      },
    });
    await waitFor(
      () => gus.evaluate((all) => all.every((i) => !!window.tandem.objects.get(i)?.loadedLod), ids),
      { what: "every model loaded on gus's page", timeoutMs: 20000 },
    );
    const most = await gus.evaluate(() => window.tandem.mostModelsLoadingAtOnce);
    console.log(`  ${ids.length} models: ${requests} model requests, at most ${mostOpen} open at once, page loaded at most ${most} at once`);
    assert(most === 1, `the page loads one model at a time (${most} at once)`);
    assert(mostOpen <= 1, `at most one model request open at once (${mostOpen})`);
    assert(await gus.locator('#xr-error').isHidden(), 'no model error shown');
    await gus.close();
    await fay.close();
  });

  await check('no page errors', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
  });
} finally {
  await browser.close();
}

finish();
