// Fan-out across a cluster: one editor on node A sends ops at a steady rate; viewers on the first
// k nodes receive them. Reports, for k = 1, 2, 3 nodes with subscribers, the delivery latency
// p50/p99 per receiving node (sender's send time to the receiver's delta, same clock: one process)
// and the cluster messages per delta (hub messages / changes, from every node's /v1/status).
// Needs Node's `ws` package (npm i ws) and a running cluster, e.g. `deploy/local-cluster 3`.
//   node bench/cluster-fanout.mjs <admin+write token> <http://node1,http://node2,http://node3>
//        [opsPerSecond=50] [seconds=10] [viewersPerNode=5]
import { connect } from './tandem-ws.mjs';

const [token, nodesArg, rateArg = '50', secondsArg = '10', viewersArg = '5'] = process.argv.slice(2);
const nodes = nodesArg.split(',');
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const viewersPerNode = Number(viewersArg);
const now = () => performance.timeOrigin + performance.now();


async function status() {
  let changes = 0;
  let hubMessages = 0;
  for (const n of nodes) {
    const r = await fetch(n + '/v1/status', { headers: { Authorization: 'Bearer ' + token } });
    const s = await r.json();
    changes += s.fanout.changes;
    hubMessages += s.fanout.hubMessages;
  }
  return { changes, hubMessages };
}

const pct = (xs, p) => xs[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

for (let k = 1; k <= nodes.length; k++) {
  const room = `room:fanout-${k}-${Date.now()}`;
  const sender = await connect(nodes[0]);
  await sender.req('hello', undefined, { token });
  await sender.req('join', room, { role: 'editor' });
  const latencies = nodes.slice(0, k).map(() => []);
  const viewers = [];
  for (let i = 0; i < k; i++) {
    for (let v = 0; v < viewersPerNode; v++) {
      const c = await connect(nodes[i]);
      await c.req('hello', undefined, { token });
      await c.req('join', room, { role: 'viewer' });
      c.onFrame((f) => {
        if (f.type === 'delta' && f.payload.ops?.[0]?.path === 'bench.sent') {
          latencies[i].push(now() - f.payload.ops[0].value);
        }
      });
      viewers.push(c);
    }
  }
  const before = await status();
  const total = rate * seconds;
  const replies = [];
  const t0 = now();
  for (let n = 0; n < total; n++) {
    const due = t0 + (n * 1000) / rate;
    while (now() < due) {
      await new Promise((r) => setTimeout(r, Math.max(0, due - now())));
    }
    replies.push(sender.req('op', room, { ops: [{ op: 'set', path: 'bench.sent', value: now() }] }));
  }
  await Promise.all(replies);
  // let the last deltas arrive: wait until every viewer has them all (or 10 s)
  const deadline = now() + 10000;
  while (latencies.some((l) => l.length < total * viewersPerNode) && now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
  }
  const after = await status();
  const perDelta = (after.hubMessages - before.hubMessages) / (after.changes - before.changes);
  const rows = latencies.map((l, i) => {
    l.sort((a, b) => a - b);
    return `node ${i + 1}: ${l.length}/${total * viewersPerNode} deltas, p50 ${pct(l, 50).toFixed(1)} ms, p99 ${pct(l, 99).toFixed(1)} ms`;
  });
  console.log(`${k} node(s) with subscribers, ${rate} ops/s for ${seconds} s, ${viewersPerNode} viewers per node:`);
  console.log(`  cluster messages per delta: ${perDelta.toFixed(2)} (changes ${after.changes - before.changes})`);
  rows.forEach((r) => console.log('  ' + r));
  sender.ws.close();
  viewers.forEach((v) => v.ws.close());
}
