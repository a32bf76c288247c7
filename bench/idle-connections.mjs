// Idle cost of a node: its CPU with no client, then with N idle joined connections (rooms of 10,
// each connection answering the server's pings), and the heap each connection holds (the total of
// `jcmd <pid> GC.class_histogram`, which collects first, before and after the connections).
//   node bench/idle-connections.mjs <token> <nodePid> [connections=2000] [seconds=30] [http://127.0.0.1:8080]
// The token needs room:*:write; raise the node's per-address and per-principal connection caps if
// they are below N. Loopback only; ends by itself.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { connect } from './tandem-ws.mjs';

const [token, pidArg, nArg = '2000', secondsArg = '30', url = 'http://127.0.0.1:8080'] = process.argv.slice(2);
if (!token || !pidArg) throw new Error('usage: idle-connections.mjs <token> <nodePid> [connections] [seconds] [url]');
if (!['127.0.0.1', 'localhost'].includes(new URL(url).hostname)) throw new Error('loopback only');
const pid = Number(pidArg), n = Number(nArg), seconds = Number(secondsArg);
setTimeout(() => { console.error('time limit'); process.exit(2); }, (seconds * 2 + 600) * 1000).unref();

const ticks = () => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return (+f[11] + +f[12]) / 100; };
const cpuPct = async (s) => { const a = ticks(), t = performance.now(); await new Promise((r) => setTimeout(r, s * 1000)); return (100 * (ticks() - a)) / ((performance.now() - t) / 1000); };
const heap = () => {
  const out = execFileSync('jcmd', [String(pid), 'GC.class_histogram'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  const total = out.split('\n').find((l) => l.startsWith('Total'));
  return Number(total.trim().split(/\s+/)[2]);
};

const idleCpu = await cpuPct(seconds);
const heap0 = heap();
const clients = [];
const run = Date.now();
for (let i = 0; i < n; i += 50) {
  await Promise.all([...Array(Math.min(50, n - i)).keys()].map(async (k) => {
    const c = await connect(url);
    c.onFrame((f) => { if (f.type === 'ping') c.ws.send(JSON.stringify({ version: 1, type: 'pong', payload: { t: f.payload.t } })); });
    await c.req('hello', undefined, { token, client: { name: `idle${i + k}`, kind: 'bot' } });
    const j = await c.req('join', `room:idle-${run}-${Math.floor((i + k) / 10)}`, { role: 'editor' });
    if (j.type !== 'snapshot') throw new Error('join failed: ' + JSON.stringify(j));
    clients.push(c);
  }));
}
await new Promise((r) => setTimeout(r, 5000)); // let the joins settle
const heap1 = heap();
const withCpu = await cpuPct(seconds);
const result = {
  connections: clients.length,
  idleNodeCpuPct: +idleCpu.toFixed(2),
  idleConnectionsCpuPct: +withCpu.toFixed(2),
  heapBeforeBytes: heap0,
  heapAfterBytes: heap1,
  heapPerConnectionBytes: Math.round((heap1 - heap0) / clients.length),
};
console.log(JSON.stringify(result, null, 1));
clients.forEach((c) => c.ws.close());
setTimeout(() => process.exit(0), 1000);
