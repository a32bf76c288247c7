// The small protocol client the JavaScript benchmarks share: one WebSocket (JSON subprotocol),
// requests with a fresh `ref` resolved by their direct reply, and a hook for every other frame.
// Needs Node's `ws` package next to the scripts (npm i ws).
import WebSocket from 'ws';

/** Opens `url` (ws://... or http://..., then /v1/ws is added); resolves once open. */
export function connect(url) {
  const wsUrl = url.startsWith('http') ? url.replace(/^http/, 'ws') + '/v1/ws' : url;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl, 'tandem.v1.json');
    let ref = 0;
    const waiting = new Map();
    const listeners = [];
    ws.on('message', (data) => {
      const frame = JSON.parse(data);
      if (frame.ref && waiting.has(frame.ref)) {
        waiting.get(frame.ref)(frame);
        waiting.delete(frame.ref);
      }
      listeners.forEach((l) => l(frame));
    });
    const req = (type, session, payload) =>
      new Promise((r) => {
        const id = ++ref;
        waiting.set(id, r);
        ws.send(JSON.stringify({ version: 1, type, ref: id, session, payload }));
      });
    ws.on('open', () => resolve({ ws, req, onFrame: (l) => listeners.push(l) }));
    ws.on('error', reject);
  });
}
