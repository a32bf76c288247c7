// A five-minute tour of a Tandem room with Node's `ws` package (npm i ws).
//   node walkthrough.mjs <token> [ws://127.0.0.1:8080/v1/ws] [room:demo]
// Alice and Bob join a room; Bob disconnects; Alice edits; Bob reconnects with `since` and
// receives exactly the changes he missed, then live ones.
import WebSocket from 'ws';

const [token, url = 'ws://127.0.0.1:8080/v1/ws', room = 'room:demo'] = process.argv.slice(2);
if (!token) {
  console.error('usage: node walkthrough.mjs <token> [url] [session]');
  process.exit(2);
}

let nextRef = 1;
function connect(name) {
  const ws = new WebSocket(url, 'tandem.v1.json');
  const waiting = new Map();
  const live = [];
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.ref && waiting.has(frame.ref)) {
      waiting.get(frame.ref)(frame);
      waiting.delete(frame.ref);
    } else if (frame.type === 'delta') {
      live.push(frame);
      console.log(`  ${name} <- delta seq=${frame.payload.seq} by=${frame.payload.by} ops=${JSON.stringify(frame.payload.ops)}`);
    }
  });
  const request = (type, session, payload) =>
    new Promise((resolve) => {
      const ref = nextRef++;
      waiting.set(ref, resolve);
      ws.send(JSON.stringify({ version: 1, type, ref, session, payload }));
    });
  const opened = new Promise((resolve) => ws.on('open', resolve));
  return { ws, request, opened, live };
}

async function hello(client, name) {
  await client.opened;
  const welcome = await client.request('hello', undefined, { token, client: { name, kind: 'bot' } });
  if (welcome.type !== 'welcome') throw new Error(JSON.stringify(welcome));
  console.log(`${name}: connected to node ${welcome.payload.node} as ${welcome.payload.principal}`);
}

const alice = connect('alice');
await hello(alice, 'alice');
const snap = await alice.request('join', room, { role: 'editor' });
console.log(`alice: joined ${room} at seq ${snap.payload.seq}, doc ${JSON.stringify(snap.payload.state?.doc)}`);

let bob = connect('bob');
await hello(bob, 'bob');
const bobSnap = await bob.request('join', room, { role: 'editor' });
const { epoch } = bobSnap.payload;
let lastSeen = bobSnap.payload.seq;
console.log(`bob: joined at seq ${lastSeen} (epoch ${epoch}); now bob disconnects`);
bob.ws.close();

for (const t of [10, 20, 30]) {
  const ok = await alice.request('op', room, { ops: [{ op: 'set', path: 'view.timeCursor', value: t }] });
  console.log(`alice: set view.timeCursor=${t} -> ${ok.type} seq=${ok.payload.seq}`);
}

bob = connect('bob');
await hello(bob, 'bob');
const resumed = await bob.request('join', room, { role: 'editor', since: lastSeen, epoch });
console.log(`bob: resumed (recovered=${resumed.payload.recovered}) from seq ${resumed.payload.seq}; missed changes follow:`);
await new Promise((r) => setTimeout(r, 500));
console.log(`bob: received ${bob.live.length} missed change(s)`);

alice.ws.close();
bob.ws.close();
