// Sequential round trips on one connection: 300 pings (no persistence), then 300 room ops (each
// one persisted journal write before its ok). Needs Node's `ws` package (npm i ws).
//   node bench/round-trip.mjs <token> [ws://127.0.0.1:8080/v1/ws]
import WebSocket from 'ws';
const [token, url = 'ws://127.0.0.1:8080/v1/ws'] = process.argv.slice(2);
const ws = new WebSocket(url);
let ref = 1; const waiting = new Map();
ws.on('message', d => { const f = JSON.parse(d); if (f.ref && waiting.has(f.ref)) { waiting.get(f.ref)(f); waiting.delete(f.ref); } });
const req = (type, session, payload) => new Promise(r => { const id = ref++; waiting.set(id, r); ws.send(JSON.stringify({version:1,type,ref:id,session,payload})); });
ws.on('open', async () => {
  await req('hello', undefined, {token});
  const room = 'room:rtt-' + Date.now();
  await req('join', room, {role:'editor'});
  for (const k of ['ping','op']) {
    const n = 300, t0 = performance.now(), each = [];
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      if (k === 'ping') await req('ping', undefined, {t:i}); else await req('op', room, {ops:[{op:'set',path:'n',value:i}]});
      each.push(performance.now() - t);
    }
    each.sort((a, b) => a - b);
    const at = q => each[Math.min(n - 1, Math.floor(q * n))].toFixed(2);
    console.log(k, ((performance.now()-t0)/n).toFixed(2), 'ms per round trip on average, p50', at(0.5), 'p99', at(0.99));
  }
  ws.close();
});
