// The watch page: a live viewer of `recording:<name>`. Joins as viewer; the snapshot (protocol
// 4.3: static batches, the latest checkpoint batch and every batch after it) is applied at once,
// so a late viewer sees the page straight away; live `events` follow through rrweb's Replayer in
// live mode. Shows "Ended" once the recording ended and everything was shown. A recording that
// does not exist (GET /v1/sessions/{session} is 404, or the join gets `not_found`) is said to
// be missing at once; the page never joins it, so a mistyped address creates nothing.

import { TandemClient } from '../tandem-client.js';
import { Timeline, snapshotEvents, hasFullSnapshot, isRrwebEvent } from '../recording.js';
import { LivePlayer } from './player.js';
import { bindExportLink } from './export-link.js';
import { adoptTokenFromHash, storedIdentity, forgetIdentity, wsUrl, signInFirst, showFatal, bindStatus, h, SESSION_NAME, identityOptions, bearer } from './common.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const name = params.get('recording') ?? '';

adoptTokenFromHash();
const me = storedIdentity();
if (!SESSION_NAME.test(name)) showFatal('This address names no valid recording.');
else if (!me) signInFirst();
else start().catch((e) => showFatal(`Could not open ${name}: ${e.message}`));

/**
 * Whether the recording exists, from the session index (GET /v1/sessions/{session}, which never
 * starts a session): 'missing' on 404, else 'exists' (or 'unknown' when the node could not say;
 * the join decides then).
 */
async function lookUp(id) {
  try {
    const res = await fetch(`/v1/sessions/${encodeURIComponent(id)}`, { headers: { authorization: await bearer() } });
    if (res.status === 404) return 'missing';
    return res.ok ? 'exists' : 'unknown';
  } catch {
    return 'unknown';
  }
}

function showMissing() {
  $('watch-state').dataset.state = 'missing';
  $('watch-state').textContent = 'Not found';
  $('status').dataset.state = 'idle';
  $('status-text').textContent = 'Not connected';
  $('retry').hidden = true;
  showFatal(`There is no recording named “${name}”. Check the address, or pick a recording from the list.`);
  $('fatal').append(h('button', { type: 'button', id: 'check-again', onclick: () => location.reload() }, 'Check again'));
}

async function start() {
  const id = `recording:${name}`;
  $('title').textContent = name;
  if ((await lookUp(id)) === 'missing') {
    showMissing();
    return;
  }
  document.title = `${name} · Watch · Tandem`;
  $('title').textContent = name;
  $('replay-link').href = `replay.html?session=${encodeURIComponent(id)}`;
  bindExportLink($('copy-link'), id);

  const view = {
    player: null,
    timeline: new Timeline(),
    ended: false,
    // the seq the shown page starts from (the checkpoint batch of the snapshot), for tests
    fromSeq: null,
    joinedAt: null,
    builds: 0,
  };
  window.tandem = { view, get player() { return view.player; } };

  const client = new TandemClient({
    urls: (params.get('nodes') ?? wsUrl()).split(',').filter(Boolean),
    ...identityOptions(), // dev tokens renewed before expiry (common.js)
    encoding: params.get('encoding') === 'cbor' ? 'cbor' : 'json',
    client: { name: me.name, kind: 'browser' },
  });
  bindStatus(client);
  client.on('error', (err) => {
    if (err.code === 'unauthorized') {
      forgetIdentity();
      showFatal('Your token was refused or has expired.', `./?next=${encodeURIComponent(`watch.html?recording=${name}`)}`);
    }
  });

  const setState = (state, text) => {
    $('watch-state').dataset.state = state;
    $('watch-state').textContent = text;
  };

  function settle() {
    const p = view.player;
    $('waiting').hidden = !!p?.shown;
    if (view.ended && (!p || p.settled)) setState('ended', 'Ended');
    else if (view.ended) setState('ending', 'Ending…');
    else if (p?.shown) setState('live', 'Live');
    else setState('waiting', 'Waiting for the recorder');
  }

  /** A fresh Replayer from a snapshot state: at join, and after a fresh (not recovered) snapshot. */
  function build(session) {
    view.player?.destroy();
    view.timeline.reset();
    view.builds++;
    const state = session.state ?? {};
    view.player = new LivePlayer($('stage'), { onCast: settle });
    const events = snapshotEvents(state);
    view.player.add(view.timeline.backlog(events, view.player.baseline));
    view.fromSeq = state.events?.[0]?.fromSeq ?? null;
    view.joinedAt = session.seq;
    view.ended = !!state.ended;
    $('info').textContent = hasFullSnapshot(events)
      ? `Joined at change ${session.seq}; the page was rebuilt from the checkpoint at change ${view.fromSeq}.`
      : `Joined at change ${session.seq}.`;
    settle();
  }

  client
    .join(id, { role: 'viewer' })
    .then((session) => {
      build(session);
      session.on('snapshot', ({ recovered }) => {
        // a resync or a resume that could not recover: the state was replaced
        if (!recovered) build(session);
      });
      session.on('events', ({ events }) => {
        const rr = events.filter(isRrwebEvent);
        if (rr.length) view.player.add(view.timeline.live(rr, Date.now()));
        settle();
      });
      session.on('ended', () => {
        view.ended = true;
        settle();
      });
    })
    .catch((err) => {
      if (err.code === 'not_found') {
        client.close();
        showMissing();
      } else if (err.code === 'forbidden') showFatal(`You may not watch ${name}: ${err.message}`);
      else showFatal(`Could not open ${name}: ${err.message}`);
    });
}
