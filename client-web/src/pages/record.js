// The record page: "record this tab" with rrweb, published to `recording:<name>` as publisher.
// rrweb's Meta + full snapshot go out as one `checkpoint` batch (a late viewer starts there),
// `checkoutEveryNms` makes a new one every few seconds, everything else goes in `events`
// batches of ~150 ms (EventBatcher). Stop flushes what waits and sends `end`.

import { record } from 'rrweb';
import { TandemClient, States } from '../tandem-client.js';
import { EventBatcher } from '../recording.js';
import {
  adoptTokenFromHash, storedIdentity, forgetIdentity, wsUrl, signInFirst, showFatal, bindStatus, logInto,
  duration, SESSION_NAME, identityOptions,
} from './common.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const log = logInto($('log'));

/** Batches leave after this long (ms): a few frames a second, never one frame per event. */
const BATCH_INTERVAL_MS = 150;

adoptTokenFromHash();
const me = storedIdentity();
if (!me) signInFirst();
else setUp();

function setUp() {
  startDemo();
  $('rec-name').value = params.get('recording') ?? `rec-${new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;
  const checkpointMs = Number(params.get('checkpointMs'));
  if (checkpointMs > 0) $('rec-checkpoint').value = String(checkpointMs / 1000);

  const rec = {
    client: null,
    session: null,
    batcher: null,
    stopRecording: null,
    inflight: new Set(),
    lastSeq: null,
    dropped: 0,
    errors: [],
    state: 'idle',
  };
  // what browser tests read; harmless for people
  window.tandem = {
    rec,
    get client() { return rec.client; },
    get session() { return rec.session; },
    get stats() {
      return { ...(rec.batcher?.stats ?? { events: 0, batches: 0, checkpoints: 0 }), lastSeq: rec.lastSeq, inflight: rec.inflight.size, dropped: rec.dropped, state: rec.state };
    },
  };

  const setState = (state, text) => {
    rec.state = state;
    $('rec-state').dataset.state = state;
    $('rec-state').textContent = text;
    $('start').disabled = state === 'starting' || state === 'recording' || state === 'stopping';
    $('stop').disabled = state !== 'recording';
    $('rec-name').disabled = $('rec-checkpoint').disabled = state !== 'idle' && state !== 'error';
  };

  // the counters are outside the recording (the panel is blocked), so updating them often is fine
  setInterval(() => {
    const s = window.tandem.stats;
    $('stat-events').textContent = String(s.events);
    $('stat-batches').textContent = String(s.batches);
    $('stat-checkpoints').textContent = String(s.checkpoints);
    $('stat-seq').textContent = rec.lastSeq === null ? '–' : String(rec.lastSeq);
  }, 250);

  $('rec-form').addEventListener('submit', (e) => {
    e.preventDefault();
    $('new-name').hidden = true;
    start().catch((err) => {
      if (err.code === 'name_taken') {
        // the node refused the name: say why and offer another, no connection to retry
        setState('error', err.message);
        offerName(suggestName(err.recording));
      } else {
        setState('error', `Could not start: ${err.message}`);
      }
      log(`Could not start: ${err.message}`, 'error');
      stopRrweb();
      const client = rec.client;
      rec.client = null;
      rec.session = null;
      if (client) {
        // the header shows "Not connected", not a closed connection with "Retry now"
        client.on('close', notConnected);
        client.close();
      }
      notConnected();
    });
  });

  function notConnected() {
    $('status').dataset.state = 'idle';
    document.body.dataset.conn = 'idle';
    $('status-text').textContent = 'Not connected';
    $('retry').hidden = true;
  }

  /** Offers `name` as the new name: one click puts it into the form. */
  function offerName(name) {
    const button = $('new-name');
    button.textContent = `Use ${name} instead`;
    button.dataset.name = name;
    button.hidden = false;
  }
  $('new-name').addEventListener('click', () => {
    $('rec-name').value = $('new-name').dataset.name;
    $('new-name').hidden = true;
    setState('idle', 'Not recording');
    $('rec-name').focus();
  });
  $('stop').addEventListener('click', () => {
    stop().catch((err) => {
      setState('error', `Could not end the recording: ${err.message}`);
      log(`End failed: ${err.code ?? ''} ${err.message}`, 'error');
    });
  });

  async function start() {
    const name = $('rec-name').value.trim();
    if (!SESSION_NAME.test(name)) throw new Error('a name is letters, digits, dot, dash or underscore');
    const checkpointEveryMs = Math.max(1, Number($('rec-checkpoint').value) || 10) * 1000;
    setState('starting', 'Connecting…');
    const client = new TandemClient({
      urls: (params.get('nodes') ?? wsUrl()).split(',').filter(Boolean),
      ...identityOptions(), // dev tokens renewed before expiry (common.js)
      encoding: params.get('encoding') === 'cbor' ? 'cbor' : 'json',
      client: { name: me.name, kind: 'producer' },
    });
    rec.client = client;
    bindStatus(client, log);
    client.on('error', (err) => {
      if (err.code === 'unauthorized') {
        forgetIdentity();
        showFatal('Your token was refused or has expired.', './?next=record.html');
      }
    });
    let session;
    try {
      session = await client.join(`recording:${name}`, { role: 'publisher' });
    } catch (err) {
      if (err.code === 'forbidden') {
        throw new Error(`you may not publish to ${name} (${err.message}); sign in again for a token with recording:*:publish`);
      }
      if (err.code === 'conflict') throw nameTaken(name);
      throw err;
    }
    if (session.state?.ended) {
      await session.leave().catch(() => {});
      throw nameTaken(name);
    }
    rec.session = session;
    const maxFrameBytes = client.welcome?.limits?.maxFrameBytes ?? 262144;
    rec.batcher = new EventBatcher({
      send: (batch) => publish(batch),
      intervalMs: BATCH_INTERVAL_MS,
      maxEvents: 500,
      // leave room for the frame around the events
      maxBytes: Math.floor(maxFrameBytes * 0.75),
    });
    // after a reconnect the publisher is joined again; whatever was lost meanwhile is covered by a
    // fresh checkpoint, so viewers never stay on a page that misses changes
    client.on('resumed', ({ session: s }) => {
      if (s !== rec.session || rec.state !== 'recording') return;
      log('Back online: sending a fresh checkpoint');
      record.takeFullSnapshot(true);
    });

    const watch = `watch.html?recording=${encodeURIComponent(name)}`;
    $('watch-link').href = watch;
    $('share').hidden = false;
    $('after').hidden = true;
    rec.stopRecording = record({
      emit: (event) => rec.batcher.push(event),
      checkoutEveryNms: checkpointEveryMs,
      // the recorder's own panel would record itself; viewers see an empty box in its place
      blockSelector: '#rec-panel',
      sampling: { mousemove: 50, scroll: 150, input: 'last' },
    });
    setState('recording', `Recording ${name} · checkpoint every ${duration(checkpointEveryMs)}`);
    log(`Recording ${name} (joined at change ${session.seq})`);
  }

  function publish({ events, checkpoint }) {
    const { client, session } = rec;
    if (!session || client.state !== States.OPEN) {
      rec.dropped += events.length;
      return;
    }
    const p = session
      .publish(events, { checkpoint })
      .then((ok) => {
        if (typeof ok.seq === 'number') rec.lastSeq = Math.max(rec.lastSeq ?? 0, ok.seq);
      })
      .catch((err) => {
        rec.errors.push(err.code);
        log(`A ${checkpoint ? 'checkpoint' : 'batch'} of ${events.length} event${events.length === 1 ? '' : 's'} was not saved: ${err.code}`, 'error');
        if (err.code === 'too_big' && checkpoint) {
          log('The page is larger than a frame may be (welcome.limits.maxFrameBytes)', 'error');
        }
      })
      .finally(() => rec.inflight.delete(p));
    rec.inflight.add(p);
  }

  function stopRrweb() {
    rec.stopRecording?.();
    rec.stopRecording = null;
  }

  async function stop() {
    setState('stopping', 'Stopping…');
    stopRrweb();
    rec.batcher.close();
    // every batch is acknowledged before the end, so the end comes after all of them
    await Promise.all([...rec.inflight]);
    const ok = await rec.session.end();
    rec.lastSeq = ok.seq ?? rec.lastSeq;
    const name = rec.session.id.slice('recording:'.length);
    setState('ended', `Ended ${name} at change ${rec.lastSeq}`);
    log(`Ended at change ${rec.lastSeq}`);
    $('replay-link').href = `replay.html?session=${encodeURIComponent(rec.session.id)}`;
    $('after').hidden = false;
    await rec.session.leave().catch(() => {});
    rec.client.close();
  }
}

/** The error for a name whose recording has ended already (a recording is made once). */
function nameTaken(name) {
  const err = new Error(`“${name}” is a recording that has ended: a recording is made once and then kept for watching and replay. Pick another name to record again.`);
  err.code = 'name_taken';
  err.recording = name;
  return err;
}

/** The name with a number after it: `demo` → `demo-2`, `demo-2` → `demo-3`. */
export function suggestName(name) {
  const m = /^(.*?)-(\d{1,6})$/.exec(name);
  const next = m ? `${m[1]}-${Number(m[2]) + 1}` : `${name}-2`;
  return next.length <= 128 ? next : `rec-${Date.now().toString(36)}`;
}

/** The demo area: things that change, so there is something to record. */
function startDemo() {
  let clicks = 0;
  $('demo-counter').addEventListener('click', () => {
    clicks++;
    $('demo-counter').textContent = `Clicked ${clicks} time${clicks === 1 ? '' : 's'}`;
  });
  $('demo-note-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const text = $('demo-note').value.trim();
    if (!text) return;
    const li = document.createElement('li');
    li.textContent = text;
    $('demo-notes').append(li);
    $('demo-note').value = '';
  });
  const started = Date.now();
  setInterval(() => {
    const t = (Date.now() - started) / 1000;
    $('demo-clock').textContent = `${t.toFixed(1)} s`;
    // a square that goes back and forth along its track
    const x = (Math.sin(t * 1.3) + 1) / 2;
    $('demo-mover').style.left = `calc(${(x * 100).toFixed(1)}% - ${(x * 28).toFixed(1)}px)`;
  }, 200);
}
