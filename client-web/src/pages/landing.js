// The landing page: pick a name (dev token) or paste a token, then open a room by name or
// from the list of rooms this token may read (GET /v1/sessions?kind=room), watch or replay a
// recording (GET /v1/sessions?kind=recording), or start a new one. A page opened without an
// identity sends the tab here with `?next=<page>` and gets it back after sign-in.

import {
  adoptTokenFromHash, storedIdentity, storeIdentity, forgetIdentity, fetchDevToken,
  tokenSubject, h, ago, colourFor, ROOM_NAME, safeNext,
} from './common.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const wanted = query.get('room');
const next = safeNext(query.get('next'));

adoptTokenFromHash();
render();

function render() {
  const me = storedIdentity();
  $('signin').hidden = !!me;
  $('rooms').hidden = !me;
  $('who').replaceChildren();
  if (!me) {
    $('name').focus();
    return;
  }
  $('who').append(
    h('span', { class: 'dot', style: { background: colourFor(me.name) } }),
    h('span', {}, me.name),
    h('button', { class: 'link', type: 'button', onclick: () => { forgetIdentity(); render(); } }, 'Change'),
  );
  if (wanted && ROOM_NAME.test(wanted)) {
    openRoom(wanted);
    return;
  }
  if (next) {
    location.replace(next);
    return;
  }
  $('room-name').focus();
  loadSessions(me.token);
}

$('name-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('name').value.trim();
  if (!name) return;
  showError('signin-error', null);
  try {
    storeIdentity(await fetchDevToken(name), name);
    render();
  } catch (err) {
    showError('signin-error', err.message);
    $('signin').querySelector('details').open = true;
  }
});

$('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const token = $('token').value.trim();
  const sub = tokenSubject(token);
  if (!sub) {
    showError('signin-error', 'That does not look like a token (a JWT has three dot-separated parts).');
    return;
  }
  storeIdentity(token, sub);
  render();
});

$('room-form').addEventListener('submit', (e) => {
  e.preventDefault();
  openRoom($('room-name').value.trim());
});

$('refresh').addEventListener('click', () => loadSessions(storedIdentity()?.token));

function openRoom(name) {
  location.href = `room.html?room=${encodeURIComponent(name)}`;
}

async function loadSessions(token) {
  showError('rooms-error', null);
  try {
    const [rooms, recordings] = await Promise.all([listSessions(token, 'room'), listSessions(token, 'recording')]);
    if (!rooms || !recordings) return;
    $('room-list').replaceChildren(
      ...(rooms.length
        ? rooms.map((s) => {
            const name = s.session.slice('room:'.length);
            return h('li', { class: 'session-row' },
              h('a', { href: `room.html?room=${encodeURIComponent(name)}`, class: 'room-link' },
                h('span', { class: 'room-name' }, name),
                h('span', { class: 'meta' },
                  h('span', { class: s.members ? 'live' : 'idle' }, s.members ? `${s.members} here` : 'nobody here'),
                  activity(s))),
              h('span', { class: 'actions' },
                (s.seq ?? 1) > 0 ? h('a', { href: replayHref(s.session), class: 'replay-link', title: `Replay ${name}` }, 'Replay') : null));
          })
        : [h('li', { class: 'muted' }, 'No rooms yet. Open one above.')]),
    );
    $('recording-list').replaceChildren(
      ...(recordings.length
        ? recordings.map((s) => {
            const name = s.session.slice('recording:'.length);
            return h('li', { class: 'session-row' },
              h('a', { href: `watch.html?recording=${encodeURIComponent(name)}`, class: 'recording-link', title: `Watch ${name} live` },
                h('span', { class: 'room-name' }, name),
                h('span', { class: 'meta' },
                  h('span', { class: s.members ? 'live' : 'idle' }, s.members ? `${s.members} connected` : 'nobody connected'),
                  activity(s))),
              h('span', { class: 'actions' },
                h('a', { href: `watch.html?recording=${encodeURIComponent(name)}`, class: 'watch-link' }, 'Watch'),
                h('a', { href: `pointcloud.html?recording=${encodeURIComponent(name)}`, class: 'cloud-link', title: `${name} as a point cloud` }, 'Point cloud'),
                (s.seq ?? 1) > 0 ? h('a', { href: replayHref(s.session), class: 'replay-link', title: `Replay ${name}` }, 'Replay') : null));
          })
        : [h('li', { class: 'muted' }, 'No recordings yet.')]),
    );
  } catch (err) {
    $('room-list').replaceChildren();
    showError('rooms-error', `Could not list sessions: ${err.message}`);
  }
}

function replayHref(session) {
  return `replay.html?session=${encodeURIComponent(session)}`;
}

/** One kind of session, most recently active first; null when the token was refused. */
async function listSessions(token, kind) {
  const res = await fetch(`/v1/sessions?kind=${kind}`, { headers: { authorization: `Bearer ${token}` } });
  if (res.status === 401) {
    forgetIdentity();
    render();
    showError('signin-error', 'Your token expired or was not accepted; sign in again.');
    return null;
  }
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`);
  const { sessions } = await res.json();
  const last = (s) => s.lastActivity ?? s.created ?? 0;
  return sessions.sort((a, b) => last(b) - last(a));
}

/**
 * A row's figures: changes and last activity when its session is live on the node that answered
 * (the list comes from the session index and never wakes a session), else when it was created.
 */
function activity(s) {
  return s.seq === undefined
    ? ` · created ${ago(s.created)}`
    : ` · ${s.seq} change${s.seq === 1 ? '' : 's'} · active ${ago(s.lastActivity)}`;
}

function showError(id, message) {
  $(id).hidden = !message;
  $(id).textContent = message ?? '';
}
