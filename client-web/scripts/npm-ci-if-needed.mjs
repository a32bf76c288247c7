// Runs `npm ci` unless node_modules already matches package-lock.json (checked by a hash
// written after the last successful install). Keeps repeated Maven builds fast and leaves a
// good node_modules alone while other builds on the machine may be using it.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const lock = readFileSync('package-lock.json');
const hash = createHash('sha256').update(lock).update(process.version).digest('hex');
const stamp = 'node_modules/.tandem-lock-sha256';

if (existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === hash) {
  console.log('node_modules matches package-lock.json: npm ci skipped');
  process.exit(0);
}
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const result = spawnSync(npm, ['ci', '--no-audit', '--no-fund'], { stdio: 'inherit' });
if (result.status !== 0) {
  console.error(`npm ci failed (${result.error?.message ?? `exit ${result.status}`})`);
  process.exit(result.status || 1);
}
writeFileSync(stamp, hash + '\n');
