// Completes package-lock.json with the platform-specific optional packages (rollup's, cbor-extract's
// native builds for other systems) that `npm install` could not record because the registry this
// machine reaches does not serve them. Without these entries `npm ci` refuses the lock as out of
// sync. Each added entry carries the `os`/`cpu`/`libc` its name states, so `npm ci` skips it here
// exactly as it would with a lock made against the full registry. Run after `npm install`:
//   npm install && node scripts/complete-lock.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = lock.packages;
const OS = ['darwin', 'linux', 'win32', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix', 'openharmony'];
const CPU = ['arm64', 'x64', 'ia32', 'arm', 'riscv64', 'ppc64', 's390x', 'loong64', 'mips64el'];
let added = 0;

for (const [path, entry] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const where = `${path ? `${path}/` : ''}node_modules/${name}`;
    if (pkgs[where] || pkgs[`node_modules/${name}`]) continue;
    const parts = name.split('/').pop().split('-');
    const os = parts.find((p) => OS.includes(p));
    const cpu = parts.find((p) => CPU.includes(p));
    const add = { version, dev: entry.dev || undefined, optional: true };
    if (os) add.os = [os];
    if (cpu) add.cpu = [cpu];
    if (parts.includes('gnu') || parts.includes('gnueabihf')) add.libc = ['glibc'];
    if (parts.includes('musl') || parts.includes('musleabihf')) add.libc = ['musl'];
    if (name === 'fsevents') add.os = ['darwin'];
    pkgs[`node_modules/${name}`] = JSON.parse(JSON.stringify(add));
    added++;
  }
}
const sorted = Object.fromEntries(Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
lock.packages = sorted;
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`package-lock.json: ${added} platform entries added`);
