// Recovery of a big room after its node is killed. Fills a room with N changes (16 editors,
// pipelined, each under the per-connection rate limit), kills the node that hosts it with
// `deploy/local-cluster kill <i>`, and measures, from a client on another node, the time from
// the kill until a new change is acknowledged (the failure detector, the split brain resolver's
// stable-after, the shard's reallocation and the entity's recovery, all included). The entity's
// own recovery time is in the surviving node's log ("<room> recovered at seq N in T ms").
// Needs a running `deploy/local-cluster 3` (default ports) and Node's `ws` package next to this
// script and tandem-ws.mjs; run it from the repository root (it calls deploy/local-cluster):
//   node /path/with/ws/room-recovery.mjs <write token> [changes=100000] [window=256]
import { connect } from './tandem-ws.mjs';
import { execFileSync } from 'node:child_process';

const [token, changesArg = '100000', windowArg = '256'] = process.argv.slice(2);
const total = Number(changesArg);
const window = Number(windowArg);
const nodes = [1, 2, 3].map((i) => ({ i, http: `http://127.0.0.1:${8079 + i}`, cluster: `tandem@127.0.0.1:${25519 + i}` }));
const room = `room:recovery-${Date.now()}`;
const now = () => performance.now();


// many writers, each under the per-connection rate limit (200 frames/s by default)
const writers = [];
for (let w = 0; w < 16; w++) {
  const c = await connect(nodes[w % nodes.length].http);
  await c.req('hello', undefined, { token });
  await c.req('join', room, { role: 'editor' });
  writers.push(c);
}
const perWriterRate = 180;
let sent = 0;
const t0 = now();
await Promise.all(
  writers.map(async (c, w) => {
    const inFlight = new Set();
    let mine = 0;
    const started = now();
    while (sent < total) {
      const n = ++sent;
      mine++;
      const due = started + (mine * 1000) / perWriterRate;
      if (now() < due) await new Promise((r) => setTimeout(r, due - now()));
      const p = c.req('op', room, { ops: [{ op: 'set', path: `items.w${w}`, value: n }] }).then((f) => {
        if (f.type !== 'ok') throw new Error('refused: ' + JSON.stringify(f.payload));
        inFlight.delete(p);
      });
      inFlight.add(p);
      if (inFlight.size >= window / writers.length) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  }),
);
console.log(`${total} changes written in ${((now() - t0) / 1000).toFixed(1)} s`);
writers.forEach((c) => c.ws.close());

const summary = await (await fetch(`${nodes[0].http}/v1/sessions/${room}`, { headers: { Authorization: 'Bearer ' + token } })).json();
const host = nodes.find((n) => n.cluster === summary.node);
const survivor = nodes.find((n) => n !== host);
console.log(`${room} at seq ${summary.seq} runs on node ${host.i}; killing it`);
const client = await connect(survivor.http);
await client.req('hello', undefined, { token });
const killedAt = now();
execFileSync('deploy/local-cluster', ['kill', String(host.i)], { stdio: 'inherit' });
// join and change until the room answers again (each try waits up to the node's ask timeout)
let ok = null;
while (!ok) {
  const joined = await client.req('join', room, { role: 'editor' });
  if (joined.type !== 'snapshot') continue;
  const r = await client.req('op', room, { ops: [{ op: 'set', path: 'after.kill', value: true }] });
  if (r.type === 'ok') ok = r;
  else await client.req('leave', room, {});
}
console.log(`first change acknowledged ${((now() - killedAt) / 1000).toFixed(1)} s after the kill, at seq ${ok.payload.seq}`);
console.log(`the surviving node's log has the entity's own recovery time: grep 'recovered at' data/local-cluster/logs/node-*.log`);
client.ws.close();
