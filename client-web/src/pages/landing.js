// The landing page: pick a name (dev token) or paste a token, then open a room by name or
// from the list of rooms this token may read (GET /v1/sessions?kind=room).

import {
  adoptTokenFromHash, storedIdentity, storeIdentity, forgetIdentity, fetchDevToken,
  tokenSubject, h, ago, colourFor, ROOM_NAME,
} from './common.js';

const $ = (id) => document.getElementById(id);
const wanted = new URLSearchParams(location.search).get('room');

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
  $('room-name').focus();
  loadRooms(me.token);
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

$('refresh').addEventListener('click', () => loadRooms(storedIdentity()?.token));

function openRoom(name) {
  location.href = `room.html?room=${encodeURIComponent(name)}`;
}

async function loadRooms(token) {
  const list = $('room-list');
  showError('rooms-error', null);
  try {
    const res = await fetch('/v1/sessions?kind=room', { headers: { authorization: `Bearer ${token}` } });
    if (res.status === 401) {
      forgetIdentity();
      render();
      showError('signin-error', 'Your token expired or was not accepted; sign in again.');
      return;
    }
    if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`);
    const { sessions } = await res.json();
    sessions.sort((a, b) => b.lastActivity - a.lastActivity);
    list.replaceChildren(
      ...(sessions.length
        ? sessions.map((s) => {
            const name = s.session.slice('room:'.length);
            return h('li', {},
              h('a', { href: `room.html?room=${encodeURIComponent(name)}`, class: 'room-link' },
                h('span', { class: 'room-name' }, name),
                h('span', { class: 'meta' },
                  h('span', { class: s.members ? 'live' : 'idle' }, s.members ? `${s.members} here` : 'nobody here'),
                  ` · ${s.seq} change${s.seq === 1 ? '' : 's'} · active ${ago(s.lastActivity)}`)));
          })
        : [h('li', { class: 'muted' }, 'No rooms yet. Open one above.')]),
    );
  } catch (err) {
    list.replaceChildren();
    showError('rooms-error', `Could not list rooms: ${err.message}`);
  }
}

function showError(id, message) {
  $(id).hidden = !message;
  $(id).textContent = message ?? '';
}
