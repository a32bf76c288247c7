// Browser test of the XR page, in Debian's chromium driven by playwright-core with the iwer WebXR
// emulator (a Meta Quest 3) installed by the page (`?emulate=quest3`), against a real node
// (TANDEM_URL; JUnit's BrowserXrTest starts it). Two XR pages join one room: one enters VR and
// moves its emulated head, the other renders its avatar there; one grabs, moves and releases a
// shared object, the other sees it move and stop. Screenshots go to SCREENSHOTS_DIR.
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

async function openXr(name, device, extra = '') {
  const token = await devToken(name, 'room:*:write asset:*:publish');
  const page = await context.newPage();
  await page.goto(`${base}/xr.html?room=${room}&emulate=quest3&device=${device}${extra}#token=${token}`);
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

  await check('a page opened with &hz=45 gives the room its own tick rate; the others are told', async () => {
    const cal = await openXr('cal', 'quest-cal', '&hz=45');
    for (const [name, page] of [['cal', cal], ['ben', ben]]) {
      await waitFor(() => page.evaluate(() => window.tandem.session.settings?.tickHz === 45), {
        what: `${name}'s session knows the room ticks at 45 Hz`,
      });
    }
    await cal.close();
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

  await check('no page errors', async () => {
    assert(consoleErrors.length === 0, consoleErrors.join('\n'));
  });
} finally {
  await browser.close();
}

finish();
