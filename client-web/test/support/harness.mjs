// Test helpers shared by the Node unit tests and the browser tests: the node under test comes
// from the environment (JUnit starts a real node and passes its URL), tokens come from the
// node's dev endpoint, and a TCP proxy in front of the node lets a test cut connections the way
// a failing server or network does (the client sees its socket closed by the other side).

import net from 'node:net';

/** The node under test: TANDEM_URL (http://127.0.0.1:port), set by the JUnit orchestrator. */
export function nodeUrl() {
  const url = process.env.TANDEM_URL;
  if (!url) throw new Error('TANDEM_URL is not set: run through JUnit (BrowserRoomTest, ClientLibraryTest) or set it');
  return url.replace(/\/$/, '');
}

/**
 * A second node of the same cluster (TANDEM_URL_2, set by the browser tests' JUnit classes), so
 * that pages of one test sit on different nodes; without it, the node under test.
 */
export function secondNodeUrl() {
  return (process.env.TANDEM_URL_2 || nodeUrl()).replace(/\/$/, '');
}

export function wsUrlOf(httpUrl) {
  return httpUrl.replace(/^http/, 'ws') + '/v1/ws';
}

/** A dev token (the node must run in dev mode; loopback only). */
export async function devToken(sub, scope = 'room:*:write node:*:admin', base = nodeUrl()) {
  const res = await fetch(`${base}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, scope, ttlSeconds: 3600 }),
  });
  if (!res.ok) throw new Error(`dev token for ${sub}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()).token;
}

export function uniqueRoom(prefix = 't') {
  return `room:${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 7)}`;
}

/** Polls `check` until it returns a truthy value or the deadline passes (no fixed waits). */
export async function waitFor(check, { timeoutMs = 10000, intervalMs = 20, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const v = await check();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** The join errors that mean "not yet" while a node starts or the cluster settles. */
const NOT_YET = new Set(['unavailable', 'timeout', 'connection_lost', 'disconnected']);

/**
 * `client.join(session, options)` for a join that may race a node's start: right after the nodes
 * are Up, the shard that owns the session may still be allocating, so the join can get
 * `unavailable` or no reply in time. Those (and a socket lost meanwhile) are tried again, after
 * 100 ms, 200 ms, ... (at most 2 s between tries) until `timeoutMs`; any other error (`forbidden`,
 * `not_found`, ...) is thrown at once. Resolves with the {@link Session}.
 */
export async function joinRetrying(client, session, options = {}, { timeoutMs = 30000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await client.join(session, options);
    } catch (e) {
      if (!NOT_YET.has(e?.code) || Date.now() > deadline) {
        throw new Error(`join ${session} (try ${attempt + 1}): ${e?.message ?? e}`);
      }
      await new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** attempt)));
    }
  }
}

/**
 * A TCP proxy to the node. `cut()` destroys every proxied connection (the client sees the
 * server side go away, close 1006); `block()` makes new connections fail at once until
 * `unblock()`, so that a client has to back off and retry. `mute()` swallows what the node sends
 * (requests still arrive, their answers are lost) until the next `cut()`. `stall()` silences the
 * open connections both ways without closing them.
 */
export async function startProxy(targetHttpUrl = nodeUrl()) {
  const target = new URL(targetHttpUrl);
  const sockets = new Set();
  let blocked = false;
  let muted = false;
  let accepted = 0;
  let refused = 0;
  const server = net.createServer((client) => {
    if (blocked) {
      refused++;
      client.destroy();
      return;
    }
    accepted++;
    const upstream = net.connect(Number(target.port), target.hostname);
    const pair = { client, upstream, stalled: false };
    sockets.add(pair);
    const drop = () => {
      sockets.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.on('data', (d) => {
      if (!pair.stalled) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!muted && !pair.stalled) client.write(d);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/v1/ws`,
    get open() {
      return sockets.size;
    },
    get accepted() {
      return accepted;
    },
    get refused() {
      return refused;
    },
    /** Swallows everything the node sends until the next `cut()` (answers get lost). */
    mute() {
      muted = true;
    },
    /**
     * The connections open now go silent both ways and stay open (a dead link that looks alive:
     * no close, no error, nothing arrives); new connections work. Returns how many.
     */
    stall() {
      for (const pair of sockets) pair.stalled = true;
      return sockets.size;
    },
    cut() {
      muted = false;
      const n = sockets.size;
      for (const { client, upstream } of sockets) {
        client.destroy();
        upstream.destroy();
      }
      sockets.clear();
      return n;
    },
    block() {
      blocked = true;
    },
    unblock() {
      blocked = false;
    },
    close() {
      this.cut();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A port nothing listens on (bound, then released). */
export async function deadPort() {
  const s = net.createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const port = s.address().port;
  await new Promise((r) => s.close(r));
  return port;
}
