// The landing page: pick a name (dev token) or paste a token, then open a room by name or
// from the list of rooms this token may read (GET /v1/sessions?kind=room), watch or replay a
// recording (GET /v1/sessions?kind=recording), open a map as a graph (kind=map), or start a new
// recording. Each list shows the newest sessions first when the whole list (of the search) fits
// one answer of WHOLE_LIST rows: it is sorted and paged here. A longer list comes a page at a time
// in the node's order (by name; `limit` and the answer's `next` cursor), since the node cannot sort
// by age. The lists are searched by name (`q`) and kept current: every LIST_REFRESH_MS while the tab is shown (and when it is shown again) the
// pages on screen are asked for again, so a room someone has just created appears without a
// reload. A person with the admin right on a session may delete it (DELETE
// /v1/sessions/{session}). Every request gets its token from the pages' token provider
// (common.js): a dev token is renewed, any other that expired or was refused means signing in
// again. A page opened without an identity sends the tab here with `?next=<page>` and gets it
// back after sign-in.

import {
  adoptTokenFromHash, storedIdentity, storeIdentity, forgetIdentity, fetchDevToken,
  tokenSubject, tokenGrants, tokenProvider, h, ago, colourFor, ROOM_NAME, safeNext,
} from './common.js';

const $ = (id) => document.getElementById(id);
const query = new URLSearchParams(location.search);
const wanted = query.get('room');
const next = safeNext(query.get('next'));

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
  // back to the page that sent the tab here (xr.html?room=demo stays the XR page)
  if (next) {
    location.replace(next);
    return;
  }
  if (wanted && ROOM_NAME.test(wanted)) {
    openRoom(wanted);
    return;
  }
  $('room-name').focus();
  loadSessions();
}

/** The token of this tab for an HTTP request, from the pages' token provider (common.js). */
const getToken = tokenProvider();

/**
 * A request with this tab's token; a 401 asks the provider once more (a dev token is renewed)
 * and tries again. Null, with the sign-in shown and why, when there is no token to be had.
 */
async function authorized(url, init = {}) {
  let refusedToken;
  for (let attempt = 0; attempt < 2; attempt++) {
    let token;
    try {
      token = await getToken({ refusedToken });
    } catch (err) {
      signedOut(err.message);
      return null;
    }
    const res = await fetch(url, { ...init, headers: { ...init.headers, authorization: `Bearer ${token}` } });
    if (res.status !== 401) return res;
    await res.arrayBuffer().catch(() => {});
    refusedToken = token;
  }
  signedOut('Your token expired or was not accepted; sign in again.');
  return null;
}

function signedOut(message) {
  forgetIdentity();
  render();
  showError('signin-error', message);
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

/** Rows per page of each list (the node's `limit`, at most its max-page-size). */
const PAGE_SIZE = 20;

/**
 * The most rows of one list sorted here, newest first: one request of this many rows (within
 * the node's default max-page-size, 1000) that comes back without a `next` is the whole list.
 */
const WHOLE_LIST = 200;

/** How often the lists on screen are asked for again while the tab is shown (ms). */
const LIST_REFRESH_MS = 5000;

/**
 * Each list's paging: `whole` when the last answer held the whole list (sorted and paged here),
 * else the node's cursor of every page seen so far (`null`: the first); `more` when there is a next
 * page.
 */
const lists = {
  room: { list: 'room-list', pager: 'room-pager', cursors: [null], page: 0, plural: 'rooms', none: 'No rooms yet. Open one above.' },
  recording: { list: 'recording-list', pager: 'recording-pager', cursors: [null], page: 0, plural: 'recordings', none: 'No recordings yet.' },
  map: { list: 'map-list', pager: 'map-pager', cursors: [null], page: 0, plural: 'maps', none: 'No maps yet: a producer creates one.' },
};
let search = '';

$('refresh').addEventListener('click', () => loadSessions({ keepPage: true }));

// kept current: a room or recording someone else just created shows up without a reload
const refreshNow = () => {
  if (document.visibilityState === 'visible' && !$('rooms').hidden) loadSessions({ keepPage: true, quiet: true });
};
setInterval(refreshNow, LIST_REFRESH_MS);
document.addEventListener('visibilitychange', refreshNow);

let searchTimer = null;
const searchNow = () => {
  clearTimeout(searchTimer);
  const q = $('search').value.trim();
  if (q === search) return;
  search = q;
  loadSessions();
};
$('search').addEventListener('input', () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(searchNow, 250);
});
$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  searchNow();
});

for (const [kind, l] of Object.entries(lists)) {
  const pager = $(l.pager);
  pager.querySelector('.prev').addEventListener('click', () => {
    if (l.page > 0) loadPage(kind, l.page - 1);
  });
  pager.querySelector('.next').addEventListener('click', () => {
    if (l.more) loadPage(kind, l.page + 1);
  });
}

function openRoom(name) {
  location.href = `room.html?room=${encodeURIComponent(name)}`;
}

/**
 * Every list from its first page (or the pages they show, `keepPage`), for the current search.
 * `quiet` (the periodic refresh): a list whose answer did not change is left as it is, and a
 * refresh that fails leaves the lists as they are.
 */
async function loadSessions({ keepPage = false, quiet = false } = {}) {
  if (!storedIdentity()) return;
  if (!quiet) showError('rooms-error', null);
  for (const l of Object.values(lists)) {
    if (!keepPage) {
      l.cursors = [null];
      l.page = 0;
    }
  }
  await Promise.all(Object.keys(lists).map((kind) => loadPage(kind, lists[kind].page, { quiet })));
}

async function loadPage(kind, page, { quiet = false } = {}) {
  const l = lists[kind];
  // only the newest request of a list is shown: an older answer (say, before the search changed)
  // that arrives late is dropped; a refresh never overtakes a request the person made
  if (quiet && l.busy) return;
  const ticket = (l.ticket = (l.ticket ?? 0) + 1);
  l.busy = true;
  try {
    const answer = await fetchPage(kind, page);
    if (!answer || ticket !== l.ticket) return;
    l.page = answer.page;
    l.more = answer.more;
    l.whole = answer.whole;
    if (!answer.whole) {
      l.cursors.length = answer.page + 1;
      if (answer.next) l.cursors.push(answer.next);
    }
    const shown = JSON.stringify([search, answer]);
    if (quiet && shown === l.shown) return;
    l.shown = shown;
    renderList(kind, answer.sessions);
  } catch (err) {
    if (ticket !== l.ticket || quiet) return;
    l.shown = null;
    $(l.list).replaceChildren();
    showError('rooms-error', `Could not list sessions: ${err.message}`);
  } finally {
    if (ticket === l.ticket) l.busy = false;
  }
}

const ROWS = { room: roomRow, recording: recordingRow, map: mapRow };

function renderList(kind, sessions) {
  const l = lists[kind];
  const token = storedIdentity()?.token;
  const more = !!l.more;
  const rows = sessions.map((s) => ROWS[kind](s, token));
  const empty = search
    ? `No ${l.plural} named like “${search}”${more || l.page > 0 ? ' on this page' : ''}.`
    : l.page > 0 || more ? 'Nothing on this page.' : l.none;
  $(l.list).replaceChildren(...(rows.length ? rows : [h('li', { class: 'muted' }, empty)]));
  const pager = $(l.pager);
  pager.hidden = l.page === 0 && !more;
  pager.querySelector('.prev').disabled = l.page === 0;
  pager.querySelector('.next').disabled = !more;
  pager.querySelector('.page-label').textContent = `Page ${l.page + 1}`;
}

function nameOf(s, kind) {
  return s.name ?? s.session.slice(kind.length + 1);
}

function roomRow(s, token) {
  const name = nameOf(s, 'room');
  return h('li', { class: 'session-row', 'data-session': s.session },
    h('a', { href: `room.html?room=${encodeURIComponent(name)}`, class: 'room-link' },
      h('span', { class: 'room-name' }, name),
      h('span', { class: 'meta' },
        h('span', { class: s.members ? 'live' : 'idle' }, s.members ? `${s.members} here` : 'nobody here'),
        activity(s))),
    h('span', { class: 'actions' },
      (s.seq ?? 1) > 0 ? h('a', { href: replayHref(s.session), class: 'replay-link', title: `Replay ${name}` }, 'Replay') : null,
      deleteButton(s, 'room', name, token)));
}

function recordingRow(s, token) {
  const name = nameOf(s, 'recording');
  return h('li', { class: 'session-row', 'data-session': s.session },
    h('a', { href: `watch.html?recording=${encodeURIComponent(name)}`, class: 'recording-link', title: `Watch ${name} live` },
      h('span', { class: 'room-name' }, name),
      h('span', { class: 'meta' },
        h('span', { class: s.members ? 'live' : 'idle' }, s.members ? `${s.members} connected` : 'nobody connected'),
        activity(s))),
    h('span', { class: 'actions' },
      h('a', { href: `watch.html?recording=${encodeURIComponent(name)}`, class: 'watch-link' }, 'Watch'),
      h('a', { href: `pointcloud.html?recording=${encodeURIComponent(name)}`, class: 'cloud-link', title: `${name} as a point cloud` }, 'Point cloud'),
      (s.seq ?? 1) > 0 ? h('a', { href: replayHref(s.session), class: 'replay-link', title: `Replay ${name}` }, 'Replay') : null,
      deleteButton(s, 'recording', name, token)));
}

/** A map, opened as a graph (graph.html). */
function mapRow(s, token) {
  const name = nameOf(s, 'map');
  return h('li', { class: 'session-row', 'data-session': s.session },
    h('a', { href: `graph.html?map=${encodeURIComponent(name)}`, class: 'room-link map-link', title: 'Open as a graph' },
      h('span', { class: 'room-name' }, name),
      h('span', { class: 'meta' }, 'Graph', activity(s))),
    h('span', { class: 'actions' }, deleteButton(s, 'map', name, token)));
}

/** A Delete button for those whose token has the admin right on the session (protocol 9). */
function deleteButton(s, kind, name, token) {
  if (!token || !tokenGrants(token, kind, name, 'admin')) return null;
  return h('button', {
    type: 'button',
    class: 'link danger delete-link',
    title: `Delete ${name} and its history`,
    onclick: (e) => deleteSession(s.session, kind, name, e.currentTarget),
  }, 'Delete');
}

async function deleteSession(session, kind, name, button) {
  if (!confirm(`Delete the ${kind} ${name} and its whole history? This cannot be undone.`)) return;
  button.disabled = true;
  notice(null);
  let res;
  try {
    res = await authorized(`/v1/sessions/${encodeURIComponent(session)}`, { method: 'DELETE' });
    if (!res) return;
  } catch (err) {
    button.disabled = false;
    notice(`Could not delete ${name}: ${err.message}`, 'bad');
    return;
  }
  const body = res.status === 204 ? {} : await res.json().catch(() => ({}));
  if (res.status === 204) {
    notice(`Deleted the ${kind} ${name}.`);
  } else if (res.status === 404) {
    notice(`The ${kind} ${name} was already gone.`);
  } else if (res.status === 403) {
    button.disabled = false;
    notice(`You may not delete ${name}${body.message ? `: ${body.message}` : ''}.`, 'bad');
    return;
  } else if (res.status === 405 || res.status === 501) {
    button.disabled = false;
    notice('This node cannot delete sessions (it is older than this page).', 'bad');
    return;
  } else {
    button.disabled = false;
    notice(`Could not delete ${name}: ${body.message ?? `HTTP ${res.status}`}`, 'bad');
    return;
  }
  await loadPage(kind, lists[kind].page);
}

/** What a delete did, under the search box (`kind` 'bad' for a refusal); null hides it. */
function notice(text, kind = 'good') {
  $('notice').hidden = !text;
  $('notice').dataset.kind = kind;
  $('notice').textContent = text ?? '';
}

function replayHref(session) {
  return `replay.html?session=${encodeURIComponent(session)}`;
}

/**
 * Page `page` of one kind of session: `{page, sessions, more, whole, next}`; null when the token
 * was refused. The first page (and every page while the list is known to be whole) asks for
 * WHOLE_LIST rows: an answer without `next` is the whole list, sorted newest first and cut into
 * pages here (`page` is then at most the last page). Otherwise the list is too long to sort here
 * and the node's pages (in its order, by name) are shown as they come, PAGE_SIZE rows at a time.
 */
async function fetchPage(kind, page) {
  const l = lists[kind];
  if (page === 0 || l.whole) {
    const all = await listSessions(kind, null, WHOLE_LIST);
    if (!all) return null;
    if (!all.next) {
      const sorted = all.sessions.sort(newestFirst);
      const last = Math.max(0, Math.ceil(sorted.length / PAGE_SIZE) - 1);
      const p = Math.min(page, last);
      return { page: p, sessions: sorted.slice(p * PAGE_SIZE, (p + 1) * PAGE_SIZE), more: p < last, whole: true, next: null };
    }
    // grew past one answer while paged here: back to the node's first page
    page = 0;
    l.cursors = [null];
  }
  const one = await listSessions(kind, l.cursors[page], PAGE_SIZE);
  if (!one) return null;
  return { page, sessions: one.sessions, more: !!one.next, whole: false, next: one.next };
}

/** Newest first: by creation time, the latest first; the same time by name. */
function newestFirst(a, b) {
  return (b.created ?? 0) - (a.created ?? 0) || (a.session < b.session ? -1 : a.session > b.session ? 1 : 0);
}

/** One answer of GET /v1/sessions: `{sessions, next}`; null when the token was refused. */
async function listSessions(kind, cursor, limit) {
  const params = new URLSearchParams({ kind, limit: String(limit) });
  if (cursor) params.set('cursor', cursor);
  if (search) params.set('q', search);
  const res = await authorized(`/v1/sessions?${params}`);
  if (!res) return null;
  if (!res.ok) throw new Error((await res.json().catch(() => ({}))).message || `HTTP ${res.status}`);
  const { sessions, next } = await res.json();
  return { sessions, next: next ?? null };
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

// last: everything above (the lists' state included) exists before the first render
adoptTokenFromHash();
render();
