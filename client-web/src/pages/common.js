// What the pages share: who the person is (a token and a name, kept per tab) and small DOM
// helpers. Tokens come from `#token=...` in the URL, from this tab's sessionStorage, or, in dev
// mode, from POST /v1/dev/token for the name the person typed.

import { colourFor } from '../colours.js';
import { tokenClaims } from '../tandem-client.js';

const TOKEN_KEY = 'tandem.token';
const NAME_KEY = 'tandem.name';

// rooms to edit, recordings to publish and watch, maps to view, deleting rooms and recordings,
// and the operator API (dev mode only: a dev token is given to this machine alone). A renewed dev
// token keeps the scope of the one it replaces (tokenProvider).
export const DEV_SCOPE = 'room:*:write recording:*:publish recording:*:read asset:*:publish map:*:read node:*:admin room:*:admin recording:*:admin';

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

/**
 * The subject a dev token gets for a name: the name as typed (Unicode kept: "Alice Ünïcode"), with
 * runs of white space made one space and `/` (which separates principal and connection in member
 * ids) and control characters replaced; at most 64 characters.
 */
export function devSubject(name) {
  const sub = String(name)
    .normalize('NFC')
    .replace(/[\u0000-\u001f\u007f/]/g, '-')
    .replace(/\s+/g, ' ')
    .trim();
  return [...sub].slice(0, 64).join('') || 'guest';
}

/**
 * Asks the node for a dev token for `name` (its subject and `name` claim as typed; `scope`
 * defaults to DEV_SCOPE); throws an Error with a readable message when it cannot, with `code`
 * `unauthorized` when the node gives none (not in dev mode, not this machine).
 */
export async function fetchDevToken(name, scope = DEV_SCOPE) {
  const res = await fetch('/v1/dev/token', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sub: devSubject(name), name: String(name).normalize('NFC').trim(), scope, ttlSeconds: 3600 }),
  });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    const why =
      res.status === 404
        ? 'this node is not in dev mode'
        : res.status === 403
          ? 'dev tokens are only given to this machine (loopback)'
          : body.message || `HTTP ${res.status}`;
    const err = new Error(`No dev token: ${why}. Paste a token instead.`);
    if (res.status === 404 || res.status === 403) err.code = 'unauthorized';
    throw err;
  }
  return (await res.json()).token;
}

/** A token's claims (UTF-8 decoded, not verified: for display and timing only). */
function claims(token) {
  return tokenClaims(token);
}

export function tokenSubject(token) {
  return claims(token).sub;
}

/**
 * Whether the token's scope grants `right` on the session `kind:name` (protocol section 8:
 * `<kind>:<name-glob>:<right>`, globs with `*` and `?`). Only decides what the page offers; the
 * node decides what is allowed.
 */
export function tokenGrants(token, kind, name, right) {
  const scope = claims(token).scope;
  if (typeof scope !== 'string') return false;
  return scope.trim().split(/\s+/).some((entry) => {
    const first = entry.indexOf(':');
    const last = entry.lastIndexOf(':');
    if (first <= 0 || last === first) return false;
    if (entry.slice(0, first) !== kind || entry.slice(last + 1).toLowerCase() !== right) return false;
    const glob = entry.slice(first + 1, last);
    const re = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    return new RegExp(`^${re}$`).test(name);
  });
}

function isExpired(token, withinMs = 0) {
  const exp = claims(token).exp;
  return typeof exp === 'number' && exp * 1000 < Date.now() + withinMs;
}

/** How long before a token's expiry a dev-mode page asks for a fresh one. */
export const RENEW_AHEAD_MS = 120000;

/**
 * The `getToken` of the pages' clients: this tab's token; for a dev token (claim `dev`, minted by
 * the node's POST /v1/dev/token) a fresh one from the node once it expires within RENEW_AHEAD_MS
 * or after the server refused it, for the same name and scope. Any other token that expired or
 * was refused throws an error with code `unauthorized`: the page says to sign in again.
 */
export function tokenProvider() {
  return async ({ refusedToken } = {}) => {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const stale = !token || token === refusedToken || isExpired(token, RENEW_AHEAD_MS);
    if (!stale) return token;
    const c = token ? claims(token) : {};
    if (c.dev === true) {
      const name = sessionStorage.getItem(NAME_KEY) || c.name || c.sub;
      const fresh = await fetchDevToken(name, typeof c.scope === 'string' ? c.scope : DEV_SCOPE);
      sessionStorage.setItem(TOKEN_KEY, fresh);
      return fresh;
    }
    if (token && token !== refusedToken && !isExpired(token)) return token; // expires soon, still good
    const err = new Error('Your sign-in has expired. Sign in again.');
    err.code = 'unauthorized';
    throw err;
  };
}

/**
 * The `Authorization` header of a page's own HTTP request (assets, uploads, the session index),
 * from the same token provider as its client: a dev token renewed, never a stale copy.
 */
export async function bearer() {
  return `Bearer ${await tokenProvider()()}`;
}

/** Client options every page's TandemClient gets: the token provider, renewal ahead of expiry. */
export function identityOptions() {
  return { getToken: tokenProvider(), tokenRenewMs: RENEW_AHEAD_MS / 2 };
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
      if (code === 4401) {
        set('closed', 'Signed out · sign in again');
        if (retry) retry.hidden = true; // retrying cannot help: a new sign-in can
      } else set('closed', code === 1000 ? 'Closed' : `Disconnected (${code}${reason ? `: ${reason}` : ''})`);
    }
  });
  client.on('silent', ({ ms }) => log(`No answer from the node for ${(ms / 1000).toFixed(1)} s`, 'error'));
  client.on('renewing', () => log('Renewing the sign-in'));
  retry?.addEventListener('click', () => client.retryNow());
}

/**
 * What a page does when its token is refused or expired for good (no fresh one to be had): forget
 * it and say so, with a link back to the landing page that returns to `next` after signing in.
 */
export function onSignedOut(client, next) {
  let shown = false;
  const show = () => {
    if (shown) return;
    shown = true;
    forgetIdentity();
    showFatal('Your sign-in has expired or was refused. Sign in again to continue.', `./?next=${encodeURIComponent(next)}`, 'Sign in again');
  };
  client.on('error', (err) => {
    if (err?.code === 'unauthorized') show();
  });
  client.on('close', ({ code, willReconnect }) => {
    if (code === 4401 && !willReconnect) show();
  });
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
