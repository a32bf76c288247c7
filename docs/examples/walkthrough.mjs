// A five-minute tour of a Tandem room with Node's `ws` package (npm i ws), in the protocol's own
// frames (no client library):
//   node walkthrough.mjs [ws://127.0.0.1:8080/v1/ws] [room:demo]
// Alice and Bob join a room, each with a token of their own; Bob disconnects; Alice edits; Bob
// reconnects with `since` and receives exactly the changes he missed (`recovered: true`), then
// the live ones Alice makes after his resume.
//
// Tokens: from the node's dev endpoint (POST /v1/dev/token: a node started with ./run, dev mode,
// this machine only), one for "alice" and one for "bob". Against a node without dev mode, pass
// them in ALICE_TOKEN and BOB_TOKEN (each with the write grant on the room).
import WebSocket from 'ws';

const [url = 'ws://127.0.0.1:8080/v1/ws', room = 'room:demo'] = process.argv.slice(2);
if (!/^wss?:\/\//.test(url)) {
  console.error('usage: node walkthrough.mjs [ws://host:port/v1/ws] [room:<name>]');
  process.exit(2);
}
const httpBase = url.replace(/^ws/, 'http').replace(/\/v1\/ws$/, '');

async function tokenFor(sub, fromEnv) {
  if (fromEnv) return fromEnv;
  const res = await fetch(`${httpBase}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, name: sub, scope: `${room.split(':')[0]}:*:write`, ttlSeconds: 600 }),
  }).catch((e) => ({ ok: false, status: e.message }));
  if (!res.ok) {
    console.error(`no dev token for ${sub} from ${httpBase} (${res.status}): start the node with ./run, or set ALICE_TOKEN and BOB_TOKEN`);
    process.exit(1);
  }
  return (await res.json()).token;
}

let nextRef = 1;
function connect(name, token) {
  const ws = new WebSocket(url, 'tandem.v1.json');
  const waiting = new Map();
  const deltas = [];
  const waiters = new Set();
  const client = { name, token, deltas, print: null };
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if (frame.ref && waiting.has(frame.ref)) {
      waiting.get(frame.ref)(frame);
      waiting.delete(frame.ref);
    } else if (frame.type === 'delta') {
      deltas.push(frame.payload);
      client.print?.(frame.payload);
      for (const w of [...waiters]) w(frame.payload);
    }
  });
  const send = (type, session, payload) =>
    new Promise((resolve) => {
      const ref = nextRef++;
      waiting.set(ref, resolve);
      ws.send(JSON.stringify({ version: 1, type, ref, session, payload }));
    });
  // `unavailable`: the session is being started or moved (a node that just came up); retry.
  // Other errors end the tour with the server's words.
  const request = async (type, session, payload) => {
    for (let attempt = 1; ; attempt++) {
      const reply = await send(type, session, payload);
      if (reply.type !== 'error') return reply;
      if (reply.payload.code !== 'unavailable' || attempt === 10) {
        throw new Error(`${name}: ${type} refused: ${reply.payload.code}: ${reply.payload.message}`);
      }
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  };
  const opened = new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  /** Resolves once a delta with `seq` >= `seq` arrived (or fails after 10 s). */
  const until = (seq) =>
    new Promise((resolve, reject) => {
      if (deltas.some((d) => d.seq >= seq)) return resolve();
      const timer = setTimeout(() => reject(new Error(`${name}: no delta ${seq} within 10 s`)), 10000);
      const waiter = (d) => {
        if (d.seq >= seq) {
          clearTimeout(timer);
          waiters.delete(waiter);
          resolve();
        }
      };
      waiters.add(waiter);
    });
  return Object.assign(client, { ws, request, opened, until });
}

async function hello(client) {
  await client.opened;
  const welcome = await client.request('hello', undefined, { token: client.token, client: { name: client.name, kind: 'bot' } });
  console.log(`${client.name}: connected to node ${welcome.payload.node} as ${welcome.payload.principal}`);
}

const show = (d) => `seq=${d.seq} by=${d.by.split('/')[0]} ops=${JSON.stringify(d.ops)}`;
const aliceToken = await tokenFor('alice', process.env.ALICE_TOKEN);
const bobToken = await tokenFor('bob', process.env.BOB_TOKEN);

const alice = connect('alice', aliceToken);
await hello(alice);
const snap = await alice.request('join', room, { role: 'editor' });
console.log(`alice: joined ${room} at seq ${snap.payload.seq}, doc ${JSON.stringify(snap.payload.state?.doc)}`);

let bob = connect('bob', bobToken);
await hello(bob);
const bobSnap = await bob.request('join', room, { role: 'editor' });
const { epoch } = bobSnap.payload;
const lastSeen = bobSnap.payload.seq;
console.log(`bob: joined at seq ${lastSeen} (epoch ${epoch}); now bob disconnects`);
bob.ws.close();

let lastSeq = lastSeen;
for (const t of [10, 20, 30]) {
  const ok = await alice.request('op', room, { ops: [{ op: 'set', path: 'view.timeCursor', value: t }] });
  lastSeq = ok.payload.seq;
  console.log(`alice: set view.timeCursor=${t} -> ${ok.type} seq=${ok.payload.seq}`);
}

bob = connect('bob', bobToken);
await hello(bob);
const resumed = await bob.request('join', room, { role: 'editor', since: lastSeen, epoch });
console.log(`bob: resumed (recovered=${resumed.payload.recovered}) from seq ${resumed.payload.seq}; the missed changes:`);
await bob.until(lastSeq);
for (const d of bob.deltas) console.log(`  bob <- missed ${show(d)}`);
console.log(`bob: received ${bob.deltas.length} missed change(s), seq ${lastSeen + 1} to ${lastSeq}`);

const missed = bob.deltas.length;
bob.print = (d) => console.log(`  bob <- live   ${show(d)}`);
for (const t of [40, 50]) {
  const ok = await alice.request('op', room, { ops: [{ op: 'set', path: 'view.timeCursor', value: t }] });
  lastSeq = ok.payload.seq;
  console.log(`alice: set view.timeCursor=${t} -> ${ok.type} seq=${ok.payload.seq}`);
  await bob.until(lastSeq);
}
console.log(`bob: received ${bob.deltas.length - missed} live change(s) after the resume; his doc ends at view.timeCursor=${bob.deltas.at(-1).ops.at(-1).value}`);

alice.ws.close();
bob.ws.close();
