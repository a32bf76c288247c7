// The graph page (graph.html?map=<name>): a live view of a graph kept in a map (protocol 4.5), as
// the producer client-web/scripts/graph-producer.mjs writes it: nodes' values `n/<id>` = {label,
// group} or blocks of them in columns `nb/<b>` = {first, attrs: {label: [...], group: [...]}},
// edges `e/<j>` = [from, to] (node ids) or blocks of them `eb/<b>` = [from, to, from, to, ...],
// positions `p/<id>` = [x, y, ...] or blocks of them `pb/<b>` = {first, dims, values} (ephemeral,
// many times a second), and `layout` = {method, k, maxK, methods, filter, by} (what the producer computes now).
//
// Drawn with three.js in WebGL: one THREE.Points for the nodes and one THREE.LineSegments for the
// edges. Both share one position buffer (a node's slot); the edges are an index into it, so a
// position update rewrites 3 floats per node and never touches the 200,000 edges. The snapshot
// (all its parts, assembled by the client library) is painted in one pass; later `changes` are
// only queued (latest value per key) and applied once per animation frame, followed by one draw.
// Controls (method, k, filter) go to the producer as `control`; its answer is the new `layout`
// entry and the positions that follow. After a reconnect the library resumes the map (missed
// durable changes, then the current ephemeral values) and the page simply applies them; a fresh
// snapshot (resync, or a resume that could not be served) rebuilds the buffers.
//
// First paint of a large map (issue 14: 50,000 nodes and 200,000 edges in 2 s): three.js (580 kB)
// is imported dynamically once the connection is open, so it loads and compiles while the node
// prepares the snapshot, and the materials are drawn once (warmUp) before the snapshot is in; the
// buffers are built from each snapshot frame as it arrives (the `frame` event of the client,
// SnapshotBuild in graph-buffers.js), not from the assembled entries at the end (the library
// assembles those only when they are read); numeric node and edge ids find their slot in an
// array, without making a string or hashing one. Over CBOR the parts are never decoded into
// objects: the client leaves them undecoded (lazySnapshotParts) and the page reads positions,
// edges and blocks of node values straight from their bytes into typed arrays and columns
// (packCbor in graph-buffers.js). Nothing is drawn before the snapshot is complete; then the graph
// is drawn at once, not at the next animation frame. `view.marks` keeps when each step happened
// (ms since navigation start).

import { TandemClient } from '../tandem-client.js';
import {
  adoptTokenFromHash, storedIdentity, wsUrl, signInFirst, showFatal, bindStatus, logInto,
  SESSION_NAME, identityOptions, onSignedOut,
} from './common.js';
import { GraphBuffers, SnapshotBuild, stableText } from './graph-buffers.js';

const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
const name = params.get('map') ?? '';

adoptTokenFromHash();
const me = storedIdentity();

function start() {
  const id = `map:${name}`;
  document.title = `${name} · Graph · Tandem`;
  $('title').textContent = name;
  const log = logInto($('log'), 40);
  // on a phone the controls start folded, so that the graph shows
  if (window.innerWidth < 600) $('controls-box').open = false;

  // ---------------------------------------------------------------- scene
  // three.js loads with the page, so that it is parsed while the page connects and the node
  // prepares the snapshot, not in the middle of the snapshot's parts; the scene (the WebGL context,
  // the shaders) is made once the connection is open (the hello is out), or after 2 s without one
  const threeLoaded = import('./graph-three.js').then((three) => {
    mark('three');
    return three;
  });
  let connectionOpened;
  const connectionOpen = new Promise((resolve) => { connectionOpened = resolve; });
  setTimeout(() => connectionOpened(), 2000);
  let THREE = null;
  let renderer = null;
  let scene = null;
  let camera = null;
  let controls = null;
  let pointsGeometry = null;
  let linesGeometry = null;
  let pointsMaterial = null;
  let linesMaterial = null;

  const g = new GraphBuffers();
  let posAttr = null;
  let colAttr = null;
  let idxAttr = null;

  function initScene(three, OrbitControls) {
    THREE = three;
    renderer = new THREE.WebGLRenderer({ antialias: false, preserveDrawingBuffer: true, powerPreference: 'high-performance' });
    renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
    $('scene').appendChild(renderer.domElement);
    scene = new THREE.Scene();
    scene.background = new THREE.Color(0x0b1120);
    camera = new THREE.PerspectiveCamera(50, 1, 0.001, 1000);
    camera.position.set(0, 0, 3);
    controls = new OrbitControls(camera, renderer.domElement);
    controls.enableDamping = false;
    controls.screenSpacePanning = true;
    controls.zoomToCursor = true;
    pointsGeometry = new THREE.BufferGeometry();
    linesGeometry = new THREE.BufferGeometry();
    pointsMaterial = new THREE.PointsMaterial({ size: 4, sizeAttenuation: false, vertexColors: true });
    linesMaterial = new THREE.LineBasicMaterial({ color: 0x7c8aa5, transparent: true, opacity: 0.3, depthWrite: false });
    const lines = new THREE.LineSegments(linesGeometry, linesMaterial);
    const points = new THREE.Points(pointsGeometry, pointsMaterial);
    // their bounds change ten times a second: never computed, never culled
    lines.frustumCulled = false;
    points.frustumCulled = false;
    points.renderOrder = 1;
    scene.add(lines, points);
    Object.assign(window.tandem, { renderer, scene, camera, controls });
    controls.addEventListener('start', () => { userMoved = true; });
    controls.addEventListener('change', requestDraw);
    new ResizeObserver(resize).observe($('scene'));
    resize();
    warmUp();
    controls.enableRotate = true;
    setMode();
    if (complete && !userMoved) fit(true);
    mark('scene');
  }

  /**
   * Draws one edge and two nodes with the graph's materials and clears them at once, while the
   * snapshot is still on its way: the shaders (and, in software WebGL, the draw routines) are
   * compiled then, not in the first frame of the graph.
   */
  function warmUp() {
    const geometry = new THREE.BufferGeometry();
    geometry.setAttribute('position', new THREE.BufferAttribute(new Float32Array([0, 0, 0, 0.5, 0.5, 0]), 3));
    geometry.setAttribute('color', new THREE.BufferAttribute(new Float32Array(6), 3));
    geometry.setIndex(new THREE.BufferAttribute(new Uint32Array([0, 1]), 1));
    const warm = new THREE.Scene();
    warm.background = scene.background;
    warm.add(new THREE.LineSegments(geometry, linesMaterial), new THREE.Points(geometry, pointsMaterial));
    renderer.render(warm, camera);
    renderer.setClearColor(scene.background);
    renderer.clear();
    geometry.dispose();
  }

  /** Uploads what changed: whole buffers after a growth, else only the ranges in use. */
  function upload() {
    if (g.dirty.grown || !posAttr) {
      posAttr = new THREE.BufferAttribute(g.pos, 3).setUsage(THREE.DynamicDrawUsage);
      colAttr = new THREE.BufferAttribute(g.col, 3).setUsage(THREE.DynamicDrawUsage);
      idxAttr = new THREE.BufferAttribute(g.idx, 1).setUsage(THREE.DynamicDrawUsage);
      pointsGeometry.setAttribute('position', posAttr);
      pointsGeometry.setAttribute('color', colAttr);
      // the edges share the nodes' position buffer and index into it
      linesGeometry.setAttribute('position', posAttr);
      linesGeometry.setIndex(idxAttr);
      g.dirty = { pos: false, col: false, idx: false, grown: false };
    }
    const n = g.ids.length;
    if (g.dirty.pos) {
      posAttr.clearUpdateRanges();
      posAttr.addUpdateRange(0, n * 3);
      posAttr.needsUpdate = true;
    }
    if (g.dirty.col) {
      colAttr.clearUpdateRanges();
      colAttr.addUpdateRange(0, n * 3);
      colAttr.needsUpdate = true;
    }
    if (g.dirty.idx) {
      idxAttr.clearUpdateRanges();
      idxAttr.addUpdateRange(0, g.edgeTop * 2);
      idxAttr.needsUpdate = true;
    }
    g.dirty = { pos: false, col: false, idx: false, grown: false };
    pointsGeometry.setDrawRange(0, n);
    linesGeometry.setDrawRange(0, g.edgeTop * 2);
    // smaller points and fainter edges for larger graphs
    pointsMaterial.size = n > 20000 ? 2.5 : n > 3000 ? 3.5 : 5;
    linesMaterial.opacity = g.edges > 100000 ? 0.12 : g.edges > 10000 ? 0.2 : 0.35;
  }

  // ---------------------------------------------------------------- what the page shows
  const view = {
    nodes: 0,
    edges: 0,
    seq: 0,
    layout: null,
    builds: 0,
    joinedAt: null,
    // ms since navigation start: the join resolved (all parts in), the first frame with nodes drawn
    snapshotAt: null,
    firstDrawAt: null,
    framesDrawn: 0,
    fps: 0,
    // changes applied (entries), node positions they wrote (a block of positions counts its
    // nodes), frames that applied any, and the last frames' cost (ms: apply + draw)
    applied: 0,
    positions: 0,
    applyFrames: 0,
    frameMs: [],
    lines: [],
    controlsSent: 0,
    // when each step of the first paint happened, ms since navigation start (the first time only)
    marks: {},
  };
  window.tandem = { view, graph: g, positionOf: (nodeId) => {
    const s = g.find(String(nodeId));
    return s === undefined ? null : Array.from(g.pos.subarray(s * 3, s * 3 + 3));
  } };
  const mark = (what) => {
    if (view.marks[what] === undefined) view.marks[what] = Math.round(performance.now());
  };
  mark('start');
  const note = (text, kind = '') => {
    view.lines.push(text);
    log(text, kind);
  };

  // ---------------------------------------------------------------- frames
  const pending = new Map(); // key -> latest value not yet applied
  let frameWanted = false;
  let drawWanted = false;
  let userMoved = false;
  let lastFit = 0;
  const drawTimes = [];
  // false while a snapshot is being built from its frames: nothing is drawn from half a graph
  let complete = false;

  function requestFrame() {
    if (frameWanted) return;
    frameWanted = true;
    requestAnimationFrame(frame);
  }
  function requestDraw() {
    drawWanted = true;
    requestFrame();
  }

  /**
   * Once per animation frame: apply what was queued, upload, draw. Changes wait while nothing can
   * be drawn: until three.js is loaded (the scene's first resize draws them) and while a fresh
   * snapshot is being built after a resync or a rejoin (`build()` draws it with them). So no
   * frame applies changes without drawing them.
   */
  function frame() {
    frameWanted = false;
    if (!complete || !renderer) return;
    const t0 = performance.now();
    if (pending.size > 0) {
      for (const [k, v] of pending) g.apply(k, v);
      view.applied += pending.size;
      view.positions = g.positionsApplied;
      view.applyFrames++;
      pending.clear();
      refresh();
      drawWanted = true;
      // the graph stays in view while the person has not moved the camera
      if (!userMoved && t0 - lastFit > 1000) fit(false);
    }
    if (!drawWanted) return;
    drawWanted = false;
    upload();
    renderer.render(scene, camera);
    const t1 = performance.now();
    view.frameMs.push(Math.round((t1 - t0) * 10) / 10);
    if (view.frameMs.length > 600) view.frameMs.shift();
    drawTimes.push(t1);
    if (g.ids.length > 0) {
      view.framesDrawn++;
      if (view.firstDrawAt === null) {
        // wait for the GPU to finish this first frame: the graph is on screen now
        const gl = renderer.getContext();
        gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
        view.firstDrawAt = performance.now();
        note(`First paint ${Math.round(view.firstDrawAt)} ms after navigation (${view.nodes.toLocaleString('en')} nodes, ${view.edges.toLocaleString('en')} edges)`);
      }
    }
  }

  setInterval(() => {
    const now = performance.now();
    while (drawTimes.length && drawTimes[0] < now - 1000) drawTimes.shift();
    view.fps = drawTimes.length;
    $('fps').textContent = String(view.fps);
  }, 500);

  function resize() {
    const box = $('scene').getBoundingClientRect();
    renderer.setSize(Math.max(1, box.width), Math.max(1, box.height), false);
    camera.aspect = Math.max(1, box.width) / Math.max(1, box.height);
    camera.updateProjectionMatrix();
    requestDraw();
  }

  /** Frames the graph: straight from above for k = 2, at an angle for more dimensions. */
  function fit(reset) {
    lastFit = performance.now();
    const box = renderer ? g.bounds() : null;
    if (!box) return;
    const lo = new THREE.Vector3().fromArray(box.min);
    const hi = new THREE.Vector3().fromArray(box.max);
    const centre = lo.clone().add(hi).multiplyScalar(0.5);
    const size = hi.clone().sub(lo);
    const tan = Math.tan(THREE.MathUtils.degToRad(camera.fov) / 2);
    const threeD = (g.layout?.k ?? 2) >= 3;
    // 2-D: the box's width and height fit the view; 3-D: its bounding sphere does
    const dist = threeD
      ? (Math.max(1e-6, size.length() / 2) / tan / Math.min(1, camera.aspect)) * 1.05
      : (Math.max(1e-6, size.y / 2, size.x / 2 / camera.aspect) / tan) * 1.1;
    const dir = reset || (threeD && !controls.enableRotate)
      ? (threeD ? new THREE.Vector3(0.5, -0.6, 1).normalize() : new THREE.Vector3(0, 0, 1))
      : camera.position.clone().sub(controls.target).normalize();
    controls.target.copy(centre);
    camera.position.copy(centre).addScaledVector(dir, dist);
    camera.near = dist / 1000;
    camera.far = dist * 100;
    camera.updateProjectionMatrix();
    controls.update();
    requestDraw();
  }
  $('fit').addEventListener('click', () => {
    userMoved = false;
    fit(true);
  });

  /** Pan with one finger or the left button in 2-D; rotate too once the layout has 3 or more dimensions. */
  function setMode() {
    const threeD = (g.layout?.k ?? 2) >= 3;
    if (!controls || controls.enableRotate === threeD) return;
    controls.enableRotate = threeD;
    controls.mouseButtons = threeD
      ? { LEFT: THREE.MOUSE.ROTATE, MIDDLE: THREE.MOUSE.DOLLY, RIGHT: THREE.MOUSE.PAN }
      : { LEFT: THREE.MOUSE.PAN, MIDDLE: THREE.MOUSE.DOLLY, RIGHT: THREE.MOUSE.PAN };
    controls.touches = threeD ? { ONE: THREE.TOUCH.ROTATE, TWO: THREE.TOUCH.DOLLY_PAN } : { ONE: THREE.TOUCH.PAN, TWO: THREE.TOUCH.DOLLY_PAN };
    if (!userMoved) fit(true);
  }
  let shownLayout = '';
  function refresh() {
    view.nodes = g.nodes;
    view.edges = g.edges;
    view.layout = g.layout;
    $('nodes').textContent = g.nodes.toLocaleString('en');
    $('edges').textContent = g.edges.toLocaleString('en');
    $('seq').textContent = String(view.seq);
    $('empty').hidden = g.ids.length > 0;
    const l = g.layout;
    const key = stableText(l ?? null);
    if (key === shownLayout) return;
    shownLayout = key;
    const box = $('layout');
    if (!l) {
      box.dataset.method = '';
      box.textContent = 'Layout: no producer has described it yet';
      return;
    }
    box.dataset.method = l.method ?? '';
    box.dataset.k = String(l.k ?? '');
    const by = l.by ? session?.members?.[l.by]?.name ?? l.by : null;
    const bold = (t) => Object.assign(document.createElement('b'), { textContent: t });
    box.replaceChildren('Layout: ', bold(String(l.method ?? '?')), ' · k = ', bold(String(l.k ?? '?')),
      l.filter ? ` · filter ${l.filter.attr} = ${l.filter.value}` : ' · no filter', by ? ` · by ${by}` : '');
    // the controls follow the producer (its methods, k up to its maxK, the current values)
    const offered = [...$('method').options].map((o) => o.value).join();
    if (Array.isArray(l.methods) && l.methods.length && l.methods.join() !== offered) {
      $('method').replaceChildren(...l.methods.map((m) => Object.assign(document.createElement('option'), { value: String(m), textContent: String(m) })));
    }
    if (Number.isInteger(l.maxK)) $('k').max = String(l.maxK);
    // the fields show what the producer computes now, except the one being edited
    const set = (field, value) => {
      if (document.activeElement !== $(field) && value !== undefined && value !== null) $(field).value = String(value);
    };
    set('method', l.method);
    set('k', l.k);
    if (l.filter) set('filter-attr', l.filter.attr);
    set('filter-value', l.filter?.value ?? '');
    setMode();
  }

  // ---------------------------------------------------------------- the map
  let session = null;

  // A snapshot's frames are applied to the buffers as they arrive (`frame` comes before the
  // library assembles the entries): see SnapshotBuild in graph-buffers.js.
  const snapshots = new SnapshotBuild(g, id);

  function onFrame(f) {
    const what = snapshots.onFrame(f);
    if (what === 'snapshot') {
      mark('snapshot');
      complete = false;
      pending.clear();
    } else if (what === 'part') {
      mark('part');
      view.marks.lastPart = Math.round(performance.now());
    }
  }

  /**
   * The graph of a complete snapshot, at join and after any non-recovered one: built already
   * from its frames, or else (its frames were missed) afresh from the session's entries.
   */
  function build() {
    if (!snapshots.finish(session.seq, () => session.entries)) pending.clear();
    complete = true;
    mark('built');
    view.builds++;
    view.seq = session.seq;
    refresh();
    setMode();
    if (!userMoved) fit(view.builds === 1);
    // drawn now rather than at the next animation frame, before the client decodes the frames
    // that follow the snapshot (a burst of positions for a large map); they are applied next frame
    drawWanted = true;
    if (renderer) frame();
    else requestFrame();
  }

  const client = new TandemClient({
    urls: (params.get('nodes') ?? wsUrl()).split(',').filter(Boolean),
    ...identityOptions(), // dev tokens renewed before expiry; any other: sign in again (common.js)
    encoding: params.get('encoding') === 'json' ? 'json' : 'cbor',
    client: { name: me.name, kind: 'browser' },
    // a large map's snapshot comes in many parts: give them time
    requestTimeoutMs: 120000,
    // the parts' entries are read straight into the buffers (SnapshotBuild), not decoded
    lazySnapshotParts: true,
  });
  window.tandem.client = client;
  client.on('frame', onFrame);
  client.on('open', () => {
    mark('open');
    connectionOpened();
  });
  bindStatus(client, note);
  onSignedOut(client, `graph.html?map=${name}`);

  const join = async (attempt = 1) => {
    try {
      return await client.join(id, { role: 'viewer' });
    } catch (err) {
      if ((err.code !== 'unavailable' && err.code !== 'timeout') || attempt >= 40) throw err;
      note(`${name} is not ready (${err.code}); trying again`, 'error');
      await new Promise((r) => setTimeout(r, 1000 * Math.min(attempt, 5)));
      return join(attempt + 1);
    }
  };

  join()
    .then((s) => {
      session = s;
      view.snapshotAt = performance.now();
      view.joinedAt = s.seq;
      build();
      note(`Joined at change ${s.seq}: ${g.nodes.toLocaleString('en')} nodes, ${g.edges.toLocaleString('en')} edges (${s.stats.parts + 1} frames)`);
      s.on('snapshot', ({ recovered, resuming }) => {
        if (recovered) {
          note(`Resumed at change ${s.seq}: the missed changes follow`);
          return;
        }
        build();
        note(`${resuming ? 'Rejoined' : 'Fresh snapshot'} at change ${s.seq}: the graph was rebuilt`);
      });
      s.on('resync', () => note('Too far behind: a fresh snapshot follows', 'error'));
      s.on('changes', ({ entries, seq }) => {
        for (const k in entries) pending.set(k, entries[k]);
        if (seq !== undefined) view.seq = seq;
        requestFrame();
      });
    })
    .catch((err) => {
      if (err.code === 'forbidden') showFatal(`You may not view ${name}: ${err.message}`);
      else showFatal(`Could not open ${name}: ${err.message}`);
    });

  Promise.all([threeLoaded, connectionOpen])
    .then(([three]) => initScene(three, three.OrbitControls))
    .catch((err) => showFatal(`Could not load the 3-D library: ${err.message}`));

  // ---------------------------------------------------------------- controls
  const controlState = $('control-state');
  $('controls').addEventListener('submit', (e) => {
    e.preventDefault();
    if (!session) return;
    const maxK = Number($('k').max) || 8;
    const k = Number($('k').value);
    if (!Number.isInteger(k) || k < 2 || k > maxK) {
      controlState.className = 'graph-note error';
      controlState.textContent = `k must be a whole number from 2 to ${maxK}.`;
      return;
    }
    const value = $('filter-value').value.trim();
    const payload = { method: $('method').value, k, filter: value ? { attr: $('filter-attr').value, value } : null };
    controlState.className = 'graph-note';
    controlState.textContent = 'Sending…';
    session.control(payload).then(
      () => {
        view.controlsSent++;
        controlState.textContent = `Sent: ${payload.method}, k = ${k}${value ? `, ${payload.filter.attr} = ${value}` : ''}; the producer recomputes.`;
      },
      (err) => {
        controlState.className = 'graph-note error';
        controlState.textContent = err.code === 'unavailable' ? 'No producer is connected to this map: nothing to recompute it.' : `Not sent: ${err.message}`;
      },
    );
  });
}

if (!SESSION_NAME.test(name)) showFatal('This address names no valid map: graph.html?map=<name>.');
else if (!me) signInFirst();
else start();
