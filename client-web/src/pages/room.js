// The room page: members, live cursors over a shared chart, a shared time slider
// (doc `view.timeCursor`), a shared selection (doc `view.selection`), a doc inspector and the
// connection's status. Everything shared goes through one TandemClient session.

import { TandemClient, States, getPath, memberList } from '../tandem-client.js';
import { adoptTokenFromHash, storedIdentity, wsUrl, h, colourFor, ROOM_NAME, bindStatus, identityOptions, onSignedOut, signInFirst } from './common.js';
import { SERIES } from './series.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const roomName = params.get('room') ?? '';

adoptTokenFromHash();
const me = storedIdentity();
if (!ROOM_NAME.test(roomName)) {
  fatal('This address names no valid room.', './');
} else if (!me) {
  // no identity in this tab yet: the landing page asks for a name and comes back here
  signInFirst();
} else {
  start();
}

function fatal(message, href) {
  const el = $('fatal');
  el.hidden = false;
  el.replaceChildren(h('p', {}, message), href ? h('a', { href, class: 'button primary' }, 'Go to the rooms') : '');
}

function start() {
  const session = `room:${roomName}`;
  const myColour = colourFor(me.name);
  document.title = `${roomName} · Tandem`;
  $('room-title').textContent = roomName;

  const client = new TandemClient({
    urls: (params.get('nodes') ?? wsUrl()).split(',').filter(Boolean),
    ...identityOptions(), // a dev token is renewed before it expires; any other: sign in again
    encoding: params.get('encoding') === 'cbor' ? 'cbor' : 'json',
    client: { name: me.name, kind: 'browser' },
    // ?ping=<ms>: how soon a silent connection is noticed (tests); the library's default otherwise
    ...(Number(params.get('ping')) > 0 ? { pingIntervalMs: Number(params.get('ping')), pingTimeoutMs: Number(params.get('ping')) } : {}),
  });

  const view = {
    room: null,
    presence: { name: me.name, color: myColour, cursor: null },
    dragging: false,
    log: [],
    seqs: [],
    names: new Map(),
  };
  // what browser tests read; harmless for people
  window.tandem = { client, view, get room() { return view.room; }, get seqs() { return view.seqs; } };

  // ---------------------------------------------------------------- connection status
  // Connected / Reconnecting (a closed socket, or one that went silent: no answer to the
  // library's pings) / Signed out; changes made meanwhile are kept and sent after the resume
  bindStatus(client, addLog);
  client.on('resumed', ({ recovered, session: s }) => {
    addLog(recovered ? `Resumed after change ${s.seq}: catching up, nothing lost` : 'Reloaded the room (fresh snapshot)');
  });
  client.on('error', (err) => {
    addLog(`Error: ${err.code}: ${String(err.message ?? '').replace(/^[a-z_]+: /, '')}`, 'error');
  });
  onSignedOut(client, `room.html?room=${roomName}`);
  $('copy-link').addEventListener('click', async () => {
    const link = `${location.origin}${location.pathname}?room=${encodeURIComponent(roomName)}`;
    try {
      await navigator.clipboard.writeText(link);
      addLog('Link copied: open it in another window');
    } catch {
      addLog(`Link: ${link}`);
    }
  });

  // ---------------------------------------------------------------- joining
  client
    .join(session, { role: 'editor', presence: view.presence })
    .then((room) => {
      view.room = room;
      room.on('snapshot', () => renderAll());
      room.on('change', (e) => view.seqs.push(e.seq));
      room.on('delta', onDelta);
      room.on('members', () => {
        renderMembers();
        drawCursors();
      });
      room.on('resync', () => addLog('Catching up (resync)'));
      addLog(`Joined ${roomName} at change ${room.seq}`);
      renderAll();
    })
    .catch((err) => {
      if (err.code === 'unauthorized') return; // onSignedOut says so
      if (err.code === 'forbidden') fatal(`You may not edit ${roomName}: ${err.message}`, './');
      else fatal(`Could not join ${roomName}: ${err.message}`, './');
    });

  function onDelta({ by, ops, objects, seq }) {
    const who = nameOf(by);
    if (ops) {
      const touched = [...new Set(ops.map((o) => o.path.split('.').slice(0, 2).join('.')))].join(', ');
      addLog(`#${seq} ${who} changed ${touched}`);
    } else if (objects) {
      addLog(`#${seq} ${who} changed ${Object.keys(objects).join(', ')}`);
    }
    renderDoc();
    renderSelection();
    syncSlider();
    scheduleDraw();
  }

  function nameOf(memberId) {
    const m = view.room?.members[memberId];
    if (m) view.names.set(memberId, m.presence?.name ?? m.name);
    return view.names.get(memberId) ?? String(memberId).split('/')[0];
  }

  // ---------------------------------------------------------------- presence: cursors
  const board = $('board');
  let lastPresenceAt = 0;
  let presenceTimer = null;
  const sendPresence = () => {
    clearTimeout(presenceTimer);
    const wait = 30 - (Date.now() - lastPresenceAt);
    if (wait > 0) {
      presenceTimer = setTimeout(sendPresence, wait);
      return;
    }
    lastPresenceAt = Date.now();
    view.room?.presence(view.presence);
  };
  board.addEventListener('pointermove', (e) => {
    const r = board.getBoundingClientRect();
    view.presence = {
      ...view.presence,
      cursor: { x: round3((e.clientX - r.left) / r.width), y: round3((e.clientY - r.top) / r.height) },
    };
    $('board-hint').classList.add('gone');
    sendPresence();
  });
  board.addEventListener('pointerleave', () => {
    view.presence = { ...view.presence, cursor: null };
    sendPresence();
  });

  function drawCursors() {
    const layer = $('cursors');
    const others = memberList(view.room?.members ?? {}).filter(
      (m) => m.id !== myMemberId() && m.presence?.cursor,
    );
    const keep = new Set();
    for (const m of others) {
      keep.add(m.id);
      let el = layer.querySelector(`[data-member="${CSS.escape(m.id)}"]`);
      if (!el) {
        el = h('div', { class: 'cursor', 'data-member': m.id },
          svgPointer(),
          h('span', { class: 'cursor-name' }));
        layer.append(el);
      }
      const colour = m.presence.color ?? m.colour;
      el.style.setProperty('--c', colour);
      el.querySelector('.cursor-name').textContent = m.presence.name ?? m.name;
      el.style.left = `${m.presence.cursor.x * 100}%`;
      el.style.top = `${m.presence.cursor.y * 100}%`;
      el.dataset.x = m.presence.cursor.x;
      el.dataset.y = m.presence.cursor.y;
      el.dataset.name = m.presence.name ?? m.name;
    }
    for (const el of [...layer.children]) if (!keep.has(el.dataset.member)) el.remove();
  }

  function myMemberId() {
    return client.welcome ? `${client.welcome.principal}/${client.welcome.connection}` : null;
  }

  // ---------------------------------------------------------------- the shared time slider
  const slider = $('time');
  let lastSentAt = 0;
  let sendTimer = null;
  // own time changes not yet answered or applied: their echoes must not pull the slider back
  let unacknowledged = 0;
  let lastOwnSeq = 0;
  let lastSentValue = null;
  // a time change made while disconnected is kept by the library and sent after the resume;
  // further moves meanwhile only update the slider: the latest value follows that one
  let keptWhileAway = false;
  const sendTime = () => {
    clearTimeout(sendTimer);
    sendTimer = null;
    const wait = 50 - (Date.now() - lastSentAt);
    if (wait > 0) {
      sendTimer = setTimeout(sendTime, wait);
      return;
    }
    const value = Number(slider.value);
    if (!view.room || value === lastSentValue) return;
    const away = client.state !== States.OPEN || !view.room.joined;
    if (away && keptWhileAway) return;
    keptWhileAway ||= away;
    lastSentValue = value;
    lastSentAt = Date.now();
    unacknowledged++;
    view.room
      .set('view.timeCursor', value)
      .then((ok) => (lastOwnSeq = Math.max(lastOwnSeq, ok.seq ?? 0)))
      // only a change the node finally refused is worth telling (a lost connection is not)
      .catch((err) => addLog(notSaved('Time', err), 'error'))
      .finally(() => {
        unacknowledged--;
        if (away) {
          keptWhileAway = false;
          sendTime(); // the slider may have moved on while the kept change waited
        }
        syncSlider();
      });
  };
  slider.addEventListener('pointerdown', () => (view.dragging = true));
  window.addEventListener('pointerup', () => {
    if (view.dragging) {
      view.dragging = false;
      syncSlider();
    }
  });
  slider.addEventListener('input', () => {
    showTime(Number(slider.value));
    scheduleDraw();
    sendTime();
  });
  slider.addEventListener('change', sendTime);

  function localGesture() {
    return view.dragging || sendTimer !== null || unacknowledged > 0 || (view.room?.seq ?? 0) < lastOwnSeq;
  }

  function sharedTime() {
    const t = Number(getPath(view.room?.doc, 'view.timeCursor'));
    return Number.isFinite(t) ? t : 0;
  }

  function syncSlider() {
    if (localGesture()) return; // the local gesture wins until it is sent and acknowledged
    const t = sharedTime();
    slider.value = String(t);
    showTime(t);
  }

  function showTime(t) {
    $('time-value').textContent = `${t.toFixed(1)} s`;
  }

  // ---------------------------------------------------------------- the shared selection
  function select(seriesId) {
    const current = getPath(view.room?.doc, 'view.selection');
    const next = current === seriesId ? null : seriesId;
    view.room
      ?.op([
        next ? { op: 'set', path: 'view.selection', value: next } : { op: 'del', path: 'view.selection' },
        { op: 'set', path: 'view.selectedBy', value: me.name },
      ])
      .catch((err) => addLog(notSaved('Selection', err), 'error'));
  }

  function renderSelection() {
    const selected = getPath(view.room?.doc, 'view.selection');
    $('series').replaceChildren(
      ...SERIES.map((s) =>
        h('button', {
          type: 'button',
          class: `chip${selected === s.id ? ' on' : ''}`,
          'data-series': s.id,
          'aria-pressed': String(selected === s.id),
          style: { '--c': s.colour },
          onclick: () => select(s.id),
        }, h('span', { class: 'swatch' }), s.label)),
    );
    const by = getPath(view.room?.doc, 'view.selectedBy');
    $('selected-by').textContent = selected
      ? `${SERIES.find((s) => s.id === selected)?.label ?? selected} selected by ${by ?? 'someone'}`
      : 'Nothing selected. Click a line or a chip.';
  }

  board.addEventListener('click', (e) => {
    const r = board.getBoundingClientRect();
    const x = (e.clientX - r.left) / r.width;
    const y = (e.clientY - r.top) / r.height;
    const t = x * 100;
    let best = null;
    for (const s of SERIES) {
      const d = Math.abs(1 - s.f(t) - y);
      if (d < 0.06 && (!best || d < best.d)) best = { id: s.id, d };
    }
    if (best) select(best.id);
  });

  // ---------------------------------------------------------------- the chart
  const canvas = $('chart');
  let drawQueued = false;
  function scheduleDraw() {
    if (drawQueued) return;
    drawQueued = true;
    requestAnimationFrame(() => {
      drawQueued = false;
      drawChart();
    });
  }
  new ResizeObserver(scheduleDraw).observe(board);

  function drawChart() {
    const dpr = window.devicePixelRatio || 1;
    const w = board.clientWidth;
    const hgt = board.clientHeight;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(hgt * dpr);
    }
    const g = canvas.getContext('2d');
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, hgt);
    g.strokeStyle = '#eef0f4';
    g.lineWidth = 1;
    for (let i = 1; i < 10; i++) {
      g.beginPath();
      g.moveTo((w * i) / 10, 0);
      g.lineTo((w * i) / 10, hgt);
      g.stroke();
    }
    for (let i = 1; i < 5; i++) {
      g.beginPath();
      g.moveTo(0, (hgt * i) / 5);
      g.lineTo(w, (hgt * i) / 5);
      g.stroke();
    }
    const selected = getPath(view.room?.doc, 'view.selection');
    const t = localGesture() ? Number(slider.value) : sharedTime();
    for (const s of SERIES) {
      const on = selected === s.id;
      g.strokeStyle = s.colour;
      g.globalAlpha = selected && !on ? 0.3 : 1;
      g.lineWidth = on ? 4 : 2;
      g.beginPath();
      for (let px = 0; px <= w; px += 2) {
        const y = (1 - s.f((px / w) * 100)) * hgt;
        if (px === 0) g.moveTo(px, y);
        else g.lineTo(px, y);
      }
      g.stroke();
      const cy = (1 - s.f(t)) * hgt;
      g.globalAlpha = 1;
      g.fillStyle = s.colour;
      g.beginPath();
      g.arc((t / 100) * w, cy, on ? 6 : 4, 0, Math.PI * 2);
      g.fill();
    }
    g.globalAlpha = 1;
    const x = (t / 100) * w;
    g.strokeStyle = '#111827';
    g.lineWidth = 1.5;
    g.setLineDash([5, 4]);
    g.beginPath();
    g.moveTo(x, 0);
    g.lineTo(x, hgt);
    g.stroke();
    g.setLineDash([]);
    g.fillStyle = '#111827';
    g.font = '600 12px system-ui, sans-serif';
    const label = `${t.toFixed(1)} s`;
    const lw = g.measureText(label).width + 12;
    const lx = Math.min(Math.max(x - lw / 2, 4), w - lw - 4);
    g.fillRect(lx, 6, lw, 20);
    g.fillStyle = '#fff';
    g.fillText(label, lx + 6, 20);
  }

  // ---------------------------------------------------------------- side panels
  function renderMembers() {
    const list = memberList(view.room?.members ?? {});
    const mine = myMemberId();
    $('member-count').textContent = String(list.length);
    $('members').replaceChildren(
      ...list.map((m) => {
        const name = m.presence?.name ?? m.name;
        view.names.set(m.id, name);
        return h('li', { 'data-member': m.id },
          h('span', { class: 'dot', style: { background: m.presence?.color ?? m.colour } }),
          h('span', { class: 'member-name' }, name),
          m.id === mine ? h('span', { class: 'tag' }, 'you') : null,
          h('span', { class: 'muted small' }, m.role === 'editor' ? '' : m.role));
      }),
    );
  }

  function renderDoc() {
    const room = view.room;
    $('doc-seq').textContent = room ? `change ${room.seq}` : '';
    $('doc').textContent = JSON.stringify(room?.doc ?? {}, null, 2);
    $('doc').dataset.seq = room?.seq ?? '';
  }

  /** What a user is told of a change the node refused: its code and the node's reason. */
  function notSaved(what, err) {
    const why = String(err.message ?? '').replace(/^[a-z_]+: /, '');
    return `${what} not saved: ${err.code}${why ? ` (${why})` : ''}`;
  }

  function addLog(text, kind = '') {
    const at = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    view.log.unshift(text);
    const list = $('log');
    list.prepend(h('li', { class: kind }, h('time', {}, at), ' ', text));
    while (list.children.length > 40) list.lastChild.remove();
  }

  function renderAll() {
    renderMembers();
    renderDoc();
    renderSelection();
    syncSlider();
    drawCursors();
    scheduleDraw();
  }

  renderSelection();
  scheduleDraw();
}

function round3(v) {
  return Math.round(Math.min(1, Math.max(0, v)) * 1000) / 1000;
}

function svgPointer() {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('class', 'pointer');
  const path = document.createElementNS(ns, 'path');
  path.setAttribute('d', 'M1 1 L1 13 L4.5 9.8 L7 15 L9.2 14 L6.8 8.9 L11.5 8.9 Z');
  svg.append(path);
  return svg;
}
