// What every browser test script shares: Debian's chromium launched by playwright-core (never a
// downloaded browser) in a fresh profile, the screenshots folder, and the check runner that prints
// "ok - ..." / "not ok - ..." per check and "browser: N passed, N failed", the line JUnit reads.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

/** Where screenshots go (SCREENSHOTS_DIR, else target/screenshots), created if missing. */
export function screenshotsDir() {
  const shots = process.env.SCREENSHOTS_DIR ?? join(process.cwd(), 'target', 'screenshots');
  mkdirSync(shots, { recursive: true });
  return shots;
}

/**
 * Chromium in a fresh profile. `pageErrors` collects every page's uncaught errors; `close()`
 * closes the browser and deletes the profile.
 */
export async function launchChromium() {
  const profile = mkdtempSync(join(tmpdir(), 'tandem-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
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
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, pageErrors, close };
}

const results = [];

/** Runs one named check; a thrown error fails it (and is printed), the script goes on. */
export async function check(name, fn) {
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

export function assert(cond, message) {
  if (!cond) throw new Error(message);
}

/** Prints the summary and exits: non-zero when a check failed or none ran. */
export function finish() {
  const passed = results.filter(Boolean).length;
  const failed = results.length - passed;
  console.log(`browser: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 && results.length > 0 ? 0 : 1);
}
