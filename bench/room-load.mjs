// Many editors in one room, each sending ops without waiting for replies; measures how many
// acknowledged changes per second the room takes. Needs Node's `ws` package (npm i ws).
//   node bench/room-load.mjs <token> [editors=10] [opsPerEditor=200] [ws://127.0.0.1:8080/v1/ws]
import { connect } from './tandem-ws.mjs';

const [token, editorsArg = '10', opsArg = '200', url = 'ws://127.0.0.1:8080/v1/ws'] = process.argv.slice(2);
const editors = Number(editorsArg);
const opsPerEditor = Number(opsArg);
const room = 'room:load-' + Date.now();


const clients = [];
for (let i = 0; i < editors; i++) {
  const c = await connect(url);
  await c.req('hello', undefined, { token });
  await c.req('join', room, { role: 'editor' });
  clients.push(c);
}
const t0 = performance.now();
const replies = [];
for (let k = 0; k < opsPerEditor; k++) {
  clients.forEach((c, i) =>
    replies.push(c.req('op', room, { ops: [{ op: 'set', path: `cursor.e${i}`, value: k }] })));
}
const results = await Promise.all(replies);
const seconds = (performance.now() - t0) / 1000;
const ok = results.filter((r) => r.type === 'ok').length;
console.log(`${editors} editors x ${opsPerEditor} ops: ${ok} acknowledged in ${seconds.toFixed(2)} s = ${(ok / seconds).toFixed(0)} changes/s`);
clients.forEach((c) => c.ws.close());
