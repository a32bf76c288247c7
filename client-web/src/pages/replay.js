// The replay page: a persisted room or recording on a timeline.
//
// Rooms are played by the server (protocol 4.4) through the client library: `replay` starts it,
// `replay.pause`, `replay.resume`, `replay.seek` and `replay.speed` control it, and the page
// shows the doc, selection and time cursor (read-only). A seek restarts where the page can build
// the doc (seekPlan): from the deltas already held, then `replay.seek` while the replay runs.
//
// Recordings play in rrweb-player: the page loads every event of the recording through a
// `replay` at speed 0 (as fast as the page reads), then hands them to rrweb-player, whose
// controller plays, pauses, seeks and changes the speed on this machine's clock.
import RrwebPlayer from 'rrweb-player';
import 'rrweb-player/dist/style.css';
import { TandemClient, applyOps, getPath } from '../tandem-client.js';
import { rrwebEventsOf, playerSize, RrwebType } from '../recording.js';
import { seekPlan, SPEEDS, speedLabel, playerSpeed, PLAYER_MAX_SPEED } from '../replay-plan.js';
import { SERIES } from './series.js';
import { bindExportLink } from './export-link.js';
import {
  adoptTokenFromHash, storedIdentity, forgetIdentity, wsUrl, signInFirst, showFatal, bindStatus, logInto,
  duration, h, SESSION_NAME, identityOptions, bearer,
} from './common.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const id = params.get('session') ?? '';
const [kind, name] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];

adoptTokenFromHash();
const me = storedIdentity();
if (!(kind === 'room' || kind === 'recording') || !SESSION_NAME.test(name)) {
  showFatal('This address names no room or recording (?session=room:<name> or recording:<name>).');
} else if (!me) {
  signInFirst();
} else {
  start().catch((err) => showFatal(`Could not replay ${id}: ${err.message}`));
}

async function start() {
  document.title = `${name} · Replay · Tandem`;
  $('title').textContent = `${kind} ${name}`;
  $('open-link').hidden = false;
  $('open-link').href = kind === 'room' ? `room.html?room=${encodeURIComponent(name)}` : `watch.html?recording=${encodeURIComponent(name)}`;
  $('open-link').textContent = kind === 'room' ? 'Open the room' : 'Watch live';
  bindExportLink($('copy-link'), id);

  const info = await sessionInfo();
  const wanted = Number(params.get('speed'));
  const speed = SPEEDS.includes(wanted) && params.has('speed') ? wanted : 1;
  const paused = params.get('autoplay') === '0';
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
      showFatal('Your token was refused or has expired.', `./?next=${encodeURIComponent(`replay.html?session=${id}`)}`);
    }
  });
  if (kind === 'room') await replayRoom(client, info, { speed, paused });
  else await replayRecording(client, info, { speed, paused });
}

// ==================================================================== recordings: rrweb-player

/**
 * Loads the recording up to the seq it had when the page opened (a `replay` at speed 0, picked
 * up after a reconnect from the last item held), then plays it in rrweb-player at `speed`.
 */
async function replayRecording(client, info, { speed, paused }) {
  $('transport').hidden = true; // rrweb-player draws its own controller
  const state = {
    last: info.seq,
    loadedSeq: 0, // items up to here are loaded
    events: [],
    loading: true,
    player: null,
    playerState: null, // rrweb-player's: playing | paused
    finished: false, // played to the end (rrweb's finish), until played or moved again
    currentTime: 0, // ms into the recording
    totalTime: 0,
  };
  // what browser tests read; harmless for people
  window.tandem = {
    state,
    client,
    get player() {
      return state.player;
    },
    /** The replayed page: the document of rrweb-player's replayer iframe. */
    get document() {
      return state.player?.getReplayer().iframe?.contentDocument ?? null;
    },
  };

  let done;
  const loaded = new Promise((resolve, reject) => {
    done = { resolve, reject };
  });
  const load = () => client.replay(id, { from: state.loadedSeq + 1, until: state.last, speed: 0 }).catch(done.reject);
  client.on('replay.events', (f) => {
    if (f.session !== id || !state.loading) return;
    const { events, seq } = rrwebEventsOf(f.payload?.items ?? [], state.loadedSeq);
    state.events.push(...events);
    state.loadedSeq = seq;
    renderBadge();
  });
  client.on('replay.end', (f) => {
    if (f.session === id && state.loading) done.resolve();
  });
  // a lost connection ends the server's replay: go on from the last item loaded
  client.on('open', ({ reconnect }) => {
    if (reconnect && state.loading) load();
  });

  renderBadge();
  await client.connect();
  if (state.last > 0) {
    load();
    await loaded;
  }
  state.loading = false;

  const events = state.events;
  if (!events.some((e) => e.type === RrwebType.FULL_SNAPSHOT) || events.length < 2) {
    renderBadge();
    $('stage-empty').hidden = false;
    return;
  }
  const stage = $('player');
  stage.hidden = false;
  const viewport = events.findLast((e) => e.type === RrwebType.META)?.data;
  // as large as the page's main area allows; rrweb-player adds its 80 px controller below
  const main = stage.parentElement;
  const size = playerSize(viewport, main.clientWidth - 32, window.innerHeight - main.getBoundingClientRect().top - 80 - 40);
  const player = new RrwebPlayer({
    target: stage,
    props: {
      events,
      width: size.width,
      height: size.height,
      autoPlay: false,
      speed: playerSpeed(speed),
      speedOption: [0.5, 1, 2, 4, 8, PLAYER_MAX_SPEED],
      skipInactive: false,
      showController: true,
      // the Replayer's own options
      mouseTail: false,
      showWarning: false,
      triggerFocus: false,
    },
  });
  state.player = player;
  state.totalTime = player.getMetaData().totalTime;
  // the controller highlights its first speed until told otherwise
  player.setSpeed(playerSpeed(speed));
  for (const b of stage.querySelectorAll('.rr-controller__btns button')) {
    if (b.textContent.trim() === `${PLAYER_MAX_SPEED}x`) {
      b.textContent = 'Max';
      b.title = 'As fast as possible';
    }
  }
  player.addEventListener('ui-update-player-state', (s) => {
    state.playerState = s.payload;
    if (s.payload === 'playing') state.finished = false;
    renderBadge();
  });
  player.addEventListener('ui-update-current-time', (t) => {
    state.currentTime = t.payload;
    // a seek back after the end (the last tick of the clock may land a hair before the end)
    if (state.finished && t.payload + 100 < state.totalTime) {
      state.finished = false;
      renderBadge();
    }
  });
  player.addEventListener('finish', () => {
    state.finished = true;
    renderBadge();
  });
  if (!paused) player.play();
  renderBadge();

  function renderBadge() {
    let s;
    if (state.loading) s = ['loading', state.last ? `Loading · change ${state.loadedSeq} of ${state.last}` : 'Loading…'];
    else if (!state.player) s = ['empty', 'Nothing recorded'];
    else if (state.finished) s = ['ended', 'Ended'];
    else if (state.playerState === 'playing') s = ['playing', 'Playing'];
    else s = ['paused', 'Paused'];
    $('replay-state').dataset.state = s[0];
    $('replay-state').textContent = s[1];
  }
}

// ==================================================================== rooms: paced by the server

async function replayRoom(client, info, { speed, paused }) {
  const state = {
    last: info.seq, // the replay ends here (the seq when the page opened)
    created: info.created,
    speed,
    paused,
    running: false, // a server replay is streaming (not ended)
    controls: null,
    accepting: false, // items belong to the current stream (not one replaced by a seek)
    pendingFrom: null, // paused after a local seek: play restarts the stream here
    ff: null, // a fast forward (speed 0, until this seq) is streaming
    finished: false, // replay.end of the current stream came
    seq: 0,
    ts: null,
    dragging: false,
    doc: {},
    history: [],
  };
  const log = logInto($('log'), 200);

  // what browser tests read; harmless for people
  window.tandem = { state, client, get doc() { return state.doc; } };
  client.on('replay.events', (f) => {
    if (f.session !== id || !state.accepting) return;
    for (const item of f.payload?.items ?? []) apply(item);
    render();
  });
  client.on('replay.end', (f) => {
    if (f.session !== id || !state.accepting) return;
    state.running = false;
    if (state.ff !== null) {
      // the fast forward reached its target: on from there
      state.ff = null;
      state.accepting = false;
      continueAfter().catch(report);
    } else {
      state.finished = true;
    }
    render();
  });
  // a lost connection ends the server's replay; carry on from where the page is once back
  client.on('open', ({ reconnect }) => {
    if (!reconnect || !state.running) return;
    state.running = false;
    state.accepting = false;
    const ff = state.ff;
    restart(state.seq + 1, ff !== null && ff > state.seq ? ff : null).catch(report);
  });

  // ------------------------------------------------------------------ controls
  $('speeds').replaceChildren(
    ...SPEEDS.map((s) => h('button', { type: 'button', class: 'speed', 'data-speed': String(s), onclick: () => setSpeed(s).catch(report) }, speedLabel(s))),
  );
  $('play').addEventListener('click', () => togglePlay().catch(report));
  const slider = $('position');
  slider.max = String(Math.max(1, state.last));
  slider.min = '1';
  slider.addEventListener('input', () => {
    state.dragging = true;
    $('position-text').textContent = `go to change ${slider.value} of ${state.last}`;
  });
  slider.addEventListener('change', () => {
    state.dragging = false;
    seek(Number(slider.value)).catch(report);
  });

  $('room-view').hidden = false;
  await client.connect();
  if (state.last === 0) {
    state.finished = true;
    render();
    return;
  }
  $('play').disabled = false;
  slider.disabled = false;
  if (state.paused) state.pendingFrom = 1;
  else await restart(1, null);
  render();

  // ------------------------------------------------------------------ the stream

  /**
   * Points the server's replay at `from`. With `ff`, a replay from `from` up to `ff` as fast as
   * possible comes first (continueAfter goes on from its end). Otherwise a `replay.seek` while the
   * replay runs, a new replay when it ended; paused, it only remembers where play starts.
   */
  async function restart(from, ff) {
    state.accepting = false;
    state.finished = false;
    state.ff = null;
    if (ff !== null && ff >= from) {
      state.ff = ff;
      state.pendingFrom = null;
      state.controls = await client.replay(id, { from, until: ff, speed: 0 });
      state.running = true;
      state.accepting = true;
      // a new replay keeps the pause of the one it replaces
      await state.controls.resume().catch(ignoreEnded);
      return;
    }
    if (state.paused) {
      state.pendingFrom = from;
      return;
    }
    state.pendingFrom = null;
    if (state.running && state.controls) {
      try {
        await state.controls.seek(from);
        state.accepting = true;
        await state.controls.resume().catch(ignoreEnded);
        return;
      } catch (err) {
        if (err.code !== 'not_found') throw err;
        state.running = false; // it ended meanwhile: start a new one
        state.accepting = false;
      }
    }
    state.controls = await client.replay(id, { from, until: state.last, speed: state.speed });
    state.running = true;
    state.accepting = true;
    await state.controls.resume().catch(ignoreEnded);
  }

  /** After a fast forward: on at the chosen speed, or wait for play when paused. */
  async function continueAfter() {
    if (state.seq >= state.last) {
      state.finished = true;
      render();
      return;
    }
    await restart(state.seq + 1, null);
    render();
  }

  function apply(item) {
    const f = item.frame ?? {};
    if (f.type === 'delta') {
      if (item.seq <= state.seq) return;
      const p = f.payload ?? {};
      if (p.ops) state.doc = applyOps(state.doc, p.ops);
      if (item.seq === (state.history.at(-1)?.seq ?? 0) + 1) state.history.push({ seq: item.seq, ts: item.ts, by: p.by, ops: p.ops ?? [] });
      const what = p.ops
        ? [...new Set(p.ops.map((o) => o.path.split('.').slice(0, 2).join('.')))].join(', ')
        : Object.keys(p.objects ?? {}).join(', ');
      if (state.ff === null) log(`#${item.seq} ${String(p.by ?? '').split('/')[0]} changed ${what}`);
    }
    if (typeof item.seq === 'number') state.seq = Math.max(state.seq, item.seq);
    if (typeof item.ts === 'number') state.ts = item.ts;
  }

  // ------------------------------------------------------------------ actions

  async function togglePlay() {
    if (state.finished && !state.running) {
      // at the end: play again from the start
      state.paused = false;
      resetTo(0);
      await restart(1, null);
    } else if (state.paused) {
      state.paused = false;
      if (state.pendingFrom !== null) await restart(state.pendingFrom, null);
      else if (state.running) await state.controls.resume().catch(ignoreEnded);
    } else {
      state.paused = true;
      // a fast forward runs to its target; continueAfter then waits for play
      if (state.running && state.ff === null) await state.controls.pause().catch(ignoreEnded);
    }
    render();
  }

  async function setSpeed(s) {
    state.speed = s;
    render();
    if (state.running && state.ff === null) await state.controls.speed(s).catch(ignoreEnded);
  }

  async function seek(target) {
    const n = Math.min(Math.max(1, target), state.last);
    const plan = seekPlan({ target: n, seen: state.history.at(-1)?.seq ?? 0 });
    // after the end, a seek shows that point and waits for play
    if (state.finished && !state.running) state.paused = true;
    state.accepting = false;
    resetTo(plan.keepUpTo);
    if (plan.from > state.last) {
      // the whole history is held and shown: nothing left to stream
      state.finished = true;
      state.ff = null;
      if (state.running) state.controls.pause().catch(ignoreEnded);
      state.running = false;
      render();
      return;
    }
    await restart(plan.from, plan.fastForwardTo);
    render();
  }

  /** Back to the doc after change `upTo`, rebuilt from the held deltas. */
  function resetTo(upTo) {
    let doc = {};
    for (const d of state.history) if (d.seq <= upTo) doc = applyOps(doc, d.ops);
    state.doc = doc;
    state.seq = upTo;
    state.ts = state.history.find((d) => d.seq === upTo)?.ts ?? null;
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    let s;
    if (state.last === 0) s = ['empty', 'Nothing recorded'];
    else if (state.finished && !state.running) s = ['ended', 'Ended'];
    else if (state.ff !== null) s = ['seeking', `Seeking to change ${state.ff}…`];
    else if (state.paused) s = ['paused', 'Paused'];
    else s = ['playing', `Playing · ${speedLabel(state.speed)}`];
    $('replay-state').dataset.state = s[0];
    $('replay-state').textContent = s[1];
    $('play').textContent = state.finished && !state.running ? 'Play again' : state.paused ? 'Play' : 'Pause';
    if (!state.dragging) slider.value = String(Math.max(1, state.seq));
    const at = state.ts !== null && state.created ? ` · ${duration(state.ts - state.created)}` : '';
    if (!state.dragging) $('position-text').textContent = `change ${state.seq} of ${state.last}${at}`;
    for (const b of $('speeds').children) b.classList.toggle('on', Number(b.dataset.speed) === state.speed);
    renderRoom();
  }

  function renderRoom() {
    const t = Number(getPath(state.doc, 'view.timeCursor'));
    const time = Number.isFinite(t) ? t : 0;
    $('time').value = String(time);
    $('time-value').textContent = `${time.toFixed(1)} s`;
    const selected = getPath(state.doc, 'view.selection');
    $('series').replaceChildren(
      ...SERIES.map((s) =>
        h('button', {
          type: 'button', disabled: true, class: `chip${selected === s.id ? ' on' : ''}`, 'data-series': s.id,
          'aria-pressed': String(selected === s.id), style: { '--c': s.colour },
        }, h('span', { class: 'swatch' }), s.label)),
    );
    const by = getPath(state.doc, 'view.selectedBy');
    $('selected-by').textContent = selected
      ? `${SERIES.find((s) => s.id === selected)?.label ?? selected} selected by ${by ?? 'someone'}`
      : 'Nothing selected.';
    $('doc-seq').textContent = `change ${state.seq}`;
    $('doc').textContent = JSON.stringify(state.doc, null, 2);
    $('doc').dataset.seq = String(state.seq);
  }

  function report(err) {
    log(`Error: ${err.code ?? ''} ${err.message}`, 'error');
  }
}

function ignoreEnded(err) {
  // a control that reaches a replay which just ended gets not_found: nothing to do
  if (err?.code !== 'not_found') throw err;
}

/** `GET /v1/sessions/{session}`: how far the replay goes, and when the session started. */
async function sessionInfo() {
  const res = await fetch(`/v1/sessions/${encodeURIComponent(id)}`, { headers: { authorization: await bearer() } });
  if (res.status === 404) throw new Error('it never existed');
  if (res.status === 401) {
    forgetIdentity();
    signInFirst();
    throw new Error('sign in first');
  }
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`);
  return res.json();
}
