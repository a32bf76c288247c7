// The point-cloud page: a live viewer of a reconstruction streamed as `recording:<name>` (protocol
// 4.3). Joins as viewer (CBOR by default: shards travel as byte strings), draws the snapshot's
// shards all at once (it starts at the latest checkpoint, the last full refetch, so a late joiner
// sees the whole current cloud in its first frame), then draws every shard as it arrives. A
// checkpoint batch clears the cloud and the refetch reloads it. A shard that is no usable PLY is
// reported and skipped. Orbit with the mouse (three's OrbitControls); counts on screen.

import * as THREE from 'three';
import { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
import { TandemClient } from '../tandem-client.js';
import { ShardBook, parsePly } from '../pointcloud.js';
import {
  adoptTokenFromHash, storedIdentity, forgetIdentity, wsUrl, signInFirst, showFatal, bindStatus, logInto,
  SESSION_NAME, identityOptions,
} from './common.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const name = params.get('recording') ?? '';
// `parser=three`: every shard through three's PLYLoader, also the plain binary ones (benchmarks)
const parser = params.get('parser') === 'three' ? 'three' : 'auto';

adoptTokenFromHash();
const me = storedIdentity();
if (!SESSION_NAME.test(name)) showFatal('This address names no valid recording.');
else if (!me) signInFirst();
else start();

function start() {
  const id = `recording:${name}`;
  document.title = `${name} · Point cloud · Tandem`;
  $('title').textContent = name;
  const log = logInto($('log'), 40);

  // ---------------------------------------------------------------- scene
  const renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
  $('scene').appendChild(renderer.domElement);
  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0x0f172a);
  const camera = new THREE.PerspectiveCamera(55, 1, 0.01, 5000);
  camera.position.set(12, 8, 12);
  const controls = new OrbitControls(camera, renderer.domElement);
  controls.enableDamping = false;
  const cloud = new THREE.Group();
  scene.add(cloud);
  const grid = new THREE.GridHelper(40, 40, 0x334155, 0x1e293b);
  scene.add(grid);

  /** key -> THREE.Points of the shards drawn now. */
  const drawn = new Map();
  const book = new ShardBook();
  const view = {
    book,
    points: 0,
    shards: 0,
    reloads: 0,
    failed: 0,
    seq: 0,
    ended: false,
    joinedAt: null,
    // how many shards the snapshot held, and the checkpoint seq it started from
    snapshotShards: 0,
    fromSeq: null,
    // ms since navigation start when the first frame with points was drawn; frames drawn with points
    firstDrawAt: null,
    framesDrawn: 0,
    // ms since navigation start: the last snapshot arrived, and its shards were parsed
    snapshotAt: null,
    builtAt: null,
    builds: 0,
    lines: [],
    // after each snapshot or live batch: {seq, shards, points, reloads} (the newest 2000)
    history: [],
  };
  window.tandem = { view, renderer, scene, camera, controls };
  let userMoved = false;
  let pointSize = 0.03;
  controls.addEventListener('start', () => { userMoved = true; });

  const note = (text, kind = '') => {
    view.lines.push(text);
    log(text, kind);
  };

  let frameWanted = false;
  function requestRender() {
    if (frameWanted) return;
    frameWanted = true;
    requestAnimationFrame(() => {
      frameWanted = false;
      renderer.render(scene, camera);
      if (view.points > 0) {
        view.framesDrawn++;
        if (view.firstDrawAt === null) view.firstDrawAt = performance.now();
      }
    });
  }
  controls.addEventListener('change', requestRender);

  function resize() {
    const box = $('scene').getBoundingClientRect();
    renderer.setSize(Math.max(1, box.width), Math.max(1, box.height), false);
    camera.aspect = Math.max(1, box.width) / Math.max(1, box.height);
    camera.updateProjectionMatrix();
    requestRender();
  }
  new ResizeObserver(resize).observe($('scene'));
  resize();

  function fit() {
    const box = new THREE.Box3();
    for (const p of drawn.values()) {
      p.geometry.computeBoundingBox();
      box.union(p.geometry.boundingBox);
    }
    if (box.isEmpty()) return;
    const centre = box.getCenter(new THREE.Vector3());
    const radius = Math.max(0.5, box.getSize(new THREE.Vector3()).length() / 2);
    controls.target.copy(centre);
    camera.position.copy(centre).add(new THREE.Vector3(0.9, 0.55, 1.1).normalize().multiplyScalar(radius * 2.1));
    camera.near = radius / 500;
    camera.far = radius * 50;
    camera.updateProjectionMatrix();
    pointSize = radius / 300;
    for (const p of drawn.values()) p.material.size = pointSize;
    controls.update();
    requestRender();
  }
  $('fit').addEventListener('click', () => {
    userMoved = false;
    fit();
  });

  function clearCloud() {
    for (const p of drawn.values()) {
      if (p.userData.static) continue;
      cloud.remove(p);
      p.geometry.dispose();
      p.material.dispose();
    }
    for (const [k, p] of [...drawn]) if (!p.userData.static) drawn.delete(k);
  }

  /** Parses and draws one shard under `key` (replacing the one drawn there); false when skipped. */
  function drawShard(key, bytes, seq, isStatic) {
    let geometry;
    try {
      geometry = parsePly(bytes, { loader: parser });
    } catch (e) {
      book.skipped(key, seq, e.message);
      note(`Shard ${key.replace(/^\w+:/, '')} (change ${seq}) skipped: ${e.message}`, 'error');
      return false;
    }
    const old = drawn.get(key);
    if (old) {
      cloud.remove(old);
      old.geometry.dispose();
      old.material.dispose();
    }
    const material = new THREE.PointsMaterial({
      size: pointSize,
      sizeAttenuation: true,
      vertexColors: geometry.hasAttribute('color'),
      color: geometry.hasAttribute('color') ? 0xffffff : 0x93c5fd,
    });
    const points = new THREE.Points(geometry, material);
    points.userData.static = isStatic;
    points.frustumCulled = false;
    cloud.add(points);
    drawn.set(key, points);
    book.drawn(key, seq, geometry.getAttribute('position').count, isStatic);
    return true;
  }

  /** Applies batches (a snapshot's, or one live); draws once at the end. */
  function applyBatches(batches, { live }) {
    let first = drawn.size === 0;
    for (const batch of batches) {
      const { cleared, key, bytes, seq, static: isStatic } = book.apply(batch);
      if (cleared) {
        clearCloud();
        note(`Full refetch from change ${seq}: the cloud was cleared and is reloading`);
        first = true;
      }
      if (key && bytes) drawShard(key, bytes, seq, isStatic);
      else if (live && batch.checkpoint && !key) note(`Checkpoint at change ${seq} without a shard`);
    }
    refresh();
    view.history.push({ seq: view.seq, shards: view.shards, points: view.points, reloads: view.reloads, live });
    if (view.history.length > 2000) view.history.shift();
    // the camera frames the cloud at join and after a reload, then stays where the person put it
    if (drawn.size > 0 && !userMoved && (first || !live)) fit();
    requestRender();
  }

  function refresh() {
    view.points = book.points;
    view.shards = book.shards.size;
    view.reloads = book.reloads;
    view.failed = book.failed.length;
    view.seq = book.lastSeq;
    $('points').textContent = view.points.toLocaleString('en');
    $('shards').textContent = String(view.shards);
    $('reloads').textContent = String(view.reloads);
    $('failed').textContent = String(view.failed);
    $('seq').textContent = String(view.seq);
    $('empty').hidden = view.shards > 0;
    setState();
  }

  function setState() {
    const badge = $('cloud-state');
    const [state, text] = view.ended ? ['ended', 'Ended'] : view.shards > 0 ? ['live', 'Live'] : ['waiting', 'Waiting for shards'];
    badge.dataset.state = state;
    badge.textContent = text;
  }

  /** A fresh cloud from a snapshot: at join, and after a resync or an unrecoverable resume. */
  function build(session) {
    clearCloud();
    for (const [k, p] of drawn) {
      cloud.remove(p);
      p.geometry.dispose();
      p.material.dispose();
      drawn.delete(k);
    }
    book.reset();
    view.builds++;
    view.snapshotAt = performance.now();
    const state = session.state ?? {};
    const batches = [...(state.static ?? []), ...(state.events ?? [])];
    view.ended = !!state.ended;
    view.joinedAt = session.seq;
    view.fromSeq = state.events?.[0]?.fromSeq ?? null;
    applyBatches(batches, { live: false });
    book.lastSeq = Math.max(book.lastSeq, session.seq);
    view.snapshotShards = book.shards.size;
    view.builtAt = performance.now();
    refresh();
    note(view.snapshotShards
      ? `Joined at change ${session.seq}: ${view.snapshotShards} shards from the checkpoint at change ${view.fromSeq}`
      : `Joined at change ${session.seq}: no shards yet`);
  }

  const client = new TandemClient({
    urls: (params.get('nodes') ?? wsUrl()).split(',').filter(Boolean),
    ...identityOptions(), // dev tokens renewed before expiry (common.js)
    encoding: params.get('encoding') === 'json' ? 'json' : 'cbor',
    client: { name: me.name, kind: 'browser' },
    // a large cloud's snapshot is one large frame: give it time to arrive
    requestTimeoutMs: 120000,
  });
  window.tandem.client = client;
  bindStatus(client, note);
  client.on('error', (err) => {
    if (err.code === 'unauthorized') {
      forgetIdentity();
      showFatal('Your token was refused or has expired.', `./?next=${encodeURIComponent(`pointcloud.html?recording=${name}`)}`);
    }
  });

  // a recording that is starting up (its shards read back after a node restart) may answer its
  // first join with `unavailable`, or not in time: that is worth a few more tries
  const join = async (attempt = 1) => {
    try {
      return await client.join(id, { role: 'viewer' });
    } catch (err) {
      if (err.code === 'not_found') {
        // publishers create recordings: a page opened before its producer waits for it
        note(`There is no recording named ${name} yet; waiting for it to start`, 'error');
        await new Promise((r) => setTimeout(r, 2000));
        return join(attempt);
      }
      if ((err.code !== 'unavailable' && err.code !== 'timeout') || attempt >= 40) throw err;
      note(`${name} is not ready (${err.code}); trying again`, 'error');
      await new Promise((r) => setTimeout(r, 1000 * Math.min(attempt, 5)));
      return join(attempt + 1);
    }
  };
  join()
    .then((session) => {
      build(session);
      session.on('snapshot', ({ recovered }) => {
        if (!recovered) build(session);
      });
      session.on('events', ({ fromSeq, events, checkpoint, static: isStatic, bytes }) => {
        applyBatches([{ fromSeq, events, checkpoint, static: isStatic, bytes }], { live: true });
      });
      session.on('ended', ({ seq }) => {
        view.ended = true;
        book.lastSeq = Math.max(book.lastSeq, seq);
        note('The reconstruction ended');
        refresh();
      });
    })
    .catch((err) => {
      if (err.code === 'forbidden') showFatal(`You may not watch ${name}: ${err.message}`);
      else showFatal(`Could not open ${name}: ${err.message}`);
    });
}
