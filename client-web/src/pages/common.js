// What the pages share: who the person is (a token and a name, kept per tab) and small DOM
// helpers. Tokens come from `#token=...` in the URL, from this tab's sessionStorage, or, in dev
// mode, from POST /v1/dev/token for the name the person typed.

import { colourFor } from '../colours.js';

const TOKEN_KEY = 'tandem.token';
const NAME_KEY = 'tandem.name';

// rooms to edit, recordings to publish and watch, and the operator API (dev mode only)
export const DEV_SCOPE = 'room:*:write recording:*:publish recording:*:read asset:*:publish node:*:admin';

/** Takes `#token=...` from the URL (and removes it from the address bar). */
export function adoptTokenFromHash() {
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token');
  if (!token) return null;
  sessionStorage.setItem(TOKEN_KEY, token);
  const sub = tokenSubject(token);
  if (sub && !sessionStorage.getItem(NAME_KEY)) sessionStorage.setItem(NAME_KEY, sub);
  history.replaceState(null, '', location.pathname + location.search);
  return token;
}

export function storedIdentity() {
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (!token || isExpired(token)) return null;
  return { token, name: sessionStorage.getItem(NAME_KEY) || tokenSubject(token) || 'someone' };
}

export function storeIdentity(token, name) {
  sessionStorage.setItem(TOKEN_KEY, token);
  sessionStorage.setItem(NAME_KEY, name);
}

export function forgetIdentity() {
  sessionStorage.removeItem(TOKEN_KEY);
  sessionStorage.removeItem(NAME_KEY);
}

/** Asks the node for a dev token; throws an Error with a readable message when it cannot. */
export async function fetchDevToken(name) {
  const sub = name.trim().replace(/\s+/g, '-').replace(/[^A-Za-z0-9._-]/g, '') || 'guest';
  const res = await fetch('/v1/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub, scope: DEV_SCOPE, ttlSeconds: 3600 }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const why =
      res.status === 404
        ? 'this node is not in dev mode'
        : res.status === 403
          ? 'dev tokens are only given to this machine (loopback)'
          : body.message || `HTTP ${res.status}`;
    throw new Error(`No dev token: ${why}. Paste a token instead.`);
  }
  return (await res.json()).token;
}

function claims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part));
  } catch {
    return {};
  }
}

export function tokenSubject(token) {
  return claims(token).sub;
}

function isExpired(token) {
  const exp = claims(token).exp;
  return typeof exp === 'number' && exp * 1000 < Date.now();
}

export function wsUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`;
}

/** Element helper: h('div', {class: 'x', onclick}, child, 'text'). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'style' && typeof v === 'object') {
      for (const [prop, value] of Object.entries(v)) el.style.setProperty(prop.startsWith('--') ? prop : prop.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`), value);
    }
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c);
  return el;
}

export { colourFor };

/** A relative time such as "3 min ago". */
export function ago(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

export const ROOM_NAME = /^[A-Za-z0-9._-]{1,128}$/;
/** A room's or recording's name (protocol section 2). */
export const SESSION_NAME = ROOM_NAME;

/** A page of ours with its query (`watch.html?recording=x`): what the landing page may go back to. */
const NEXT_PAGE = /^[A-Za-z0-9_-]{1,100}\.html(\?[^#]*)?$/;

export function safeNext(next) {
  return typeof next === 'string' && NEXT_PAGE.test(next) ? next : null;
}

/** Sends a tab without an identity to the landing page, which asks for a name and comes back. */
export function signInFirst() {
  const here = `${location.pathname.split('/').pop() || 'index.html'}${location.search}`;
  location.replace(`./?next=${encodeURIComponent(here)}`);
}

/** Shows a message over the page, with a way back to the landing page. */
export function showFatal(message, href = './', label = 'Go to the sessions') {
  const el = document.getElementById('fatal');
  el.hidden = false;
  el.replaceChildren(h('p', {}, message), href ? h('a', { href, class: 'button primary' }, label) : '');
}

/**
 * Shows a client's connection in the page's header (`#status`, `#status-text`, `#retry`):
 * `Connected · <node>`, `Reconnecting · attempt n in 1.2 s` with a *Retry now* button, or
 * `Disconnected`. `log(text, kind)` gets the notable moments.
 */
export function bindStatus(client, log = () => {}) {
  const status = document.getElementById('status');
  const text = document.getElementById('status-text');
  const retry = document.getElementById('retry');
  let countdown = null;
  const set = (state, label) => {
    status.dataset.state = state;
    document.body.dataset.conn = state;
    text.textContent = label;
    if (retry) retry.hidden = state !== 'reconnecting' && state !== 'closed';
  };
  client.on('state', ({ state }) => {
    if (state === 'connecting') set('connecting', 'Connecting…');
  });
  client.on('open', ({ node, reconnect }) => {
    clearInterval(countdown);
    set('open', `Connected · ${node}`);
    status.title = `node ${node}\n${client.url}`;
    if (reconnect) log(`Reconnected to ${node}`);
  });
  client.on('reconnecting', ({ attempt, code }) => {
    clearInterval(countdown);
    const tick = () => {
      const left = Math.max(0, client.nextReconnectAt - Date.now());
      set('reconnecting', left > 0
        ? `Reconnecting · attempt ${attempt} in ${(left / 1000).toFixed(1)} s`
        : `Reconnecting · attempt ${attempt}…`);
    };
    tick();
    countdown = setInterval(tick, 100);
    if (attempt === 1) log(`Connection lost (${code}); reconnecting`, 'error');
  });
  client.on('close', ({ willReconnect, reason, code }) => {
    if (!willReconnect) {
      clearInterval(countdown);
      set('closed', code === 1000 ? 'Closed' : `Disconnected (${code}${reason ? `: ${reason}` : ''})`);
    }
  });
  retry?.addEventListener('click', () => client.retryNow());
}

/** A log list (`<ol>`) that keeps the newest `max` lines on top. */
export function logInto(list, max = 60) {
  return (text, kind = '') => {
    const at = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    list.prepend(h('li', { class: kind }, h('time', {}, at), ' ', text));
    while (list.children.length > max) list.lastChild.remove();
  };
}

/** A duration such as "1:05.3" (minutes) or "12.3 s". */
export function duration(ms) {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(1).padStart(4, '0')}`;
}
