// The XR page: a shared three.js scene for headsets (WebXR, with a VR button) and for browsers
// without one (mouse and keyboard). Every member's avatar (head and hands) comes from `poses`,
// shared objects from the room state, deltas and the live moves in `poses.objects`, loaded at the
// level of detail the node recommends: per object from the room's `quality` frame (objects near the
// centre of the gaze first), else the connection's level. Grab, move and release with a controller's
// trigger or with the mouse. `?emulate=quest3` installs the iwer WebXR emulator (tests, demos).
// A model that fails to load is retried with a growing delay (never in a loop) and the page says
// so; a grab of an object someone else holds says who holds it. Desktop viewers start around a
// circle, at a spot taken from their member id, so that two of them never start inside each other.

import * as THREE from 'three';
import { VRButton } from 'three/examples/jsm/webxr/VRButton.js';
import { GLTFLoader } from 'three/examples/jsm/loaders/GLTFLoader.js';
import { TandemClient } from '../tandem-client.js';
import { adoptTokenFromHash, storedIdentity, wsUrl, colourFor, ROOM_NAME, identityOptions, signInFirst, bearer } from './common.js';

/** How far from the middle desktop viewers start (m), and how many spots the circle has. */
const START_RADIUS = 3;
const START_SPOTS = 12;
/** The longest wait between two tries of a model that does not load (ms). */
const MAX_RETRY_MS = 30000;
/**
 * Models loading at once: one. A room with many objects (or a level change that asks for every
 * model again) then makes a queue of GLB requests in gaze order, not a storm of parallel ones that
 * delays the first model and every other request of the page.
 */
const MODEL_LOADS_AT_ONCE = 1;

/** A small stable hash of a string (FNV-1a, 32 bits). */
function hash(text) {
  let x = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    x ^= text.charCodeAt(i);
    x = Math.imul(x, 0x01000193) >>> 0;
  }
  return x;
}

/**
 * A desktop viewer's first spot: one of START_SPOTS on a circle of START_RADIUS around the middle,
 * chosen from the member id, moved on to the next spot while another member present already has
 * that one. A member's spot is the one its page announced in its presence (`spot`: it may have
 * moved on from its own first choice), else its first choice. Facing the middle (`yaw` about the
 * vertical axis). `members`: the session's members (id -> entry).
 */
export function startSpot(member, members = {}) {
  const taken = new Set(
    Object.entries(members)
      .filter(([id]) => id !== member)
      .map(([id, m]) => (Number.isInteger(m?.presence?.spot) ? m.presence.spot : hash(id) % START_SPOTS)),
  );
  let spot = hash(member) % START_SPOTS;
  for (let i = 0; i < START_SPOTS && taken.has(spot); i++) spot = (spot + 1) % START_SPOTS;
  const yaw = (spot / START_SPOTS) * Math.PI * 2;
  return { spot, yaw, x: START_RADIUS * Math.sin(yaw), z: START_RADIUS * Math.cos(yaw) };
}

const params = new URLSearchParams(location.search);
const roomName = params.get('room') ?? '';
adoptTokenFromHash();
const me = storedIdentity();
if (!ROOM_NAME.test(roomName)) {
  document.getElementById('status-text').textContent = 'This address names no valid room.';
} else if (!me) {
  // the landing page asks for a name and comes back to this very address
  signInFirst();
} else {
  start().catch((e) => {
    document.getElementById('status-text').textContent = `Failed: ${e.message}`;
  });
}

/** A stable id of this browser or headset, so that a reconnect gets its holds back. */
function deviceId() {
  let id = localStorage.getItem('tandem.device');
  if (!id) {
    id = `dev-${Math.random().toString(36).slice(2, 12)}`;
    localStorage.setItem('tandem.device', id);
  }
  return id;
}

async function start() {
  let emulator = null;
  if (params.get('emulate')) {
    // the WebXR emulator, loaded only when asked for
    const iwer = await import('iwer');
    emulator = new iwer.XRDevice(iwer.metaQuest3);
    // over the browser's own WebXR, which has no headset to offer here
    emulator.installRuntime({ forceInstall: true });
  }

  // ---------------------------------------------------------------- scene
  // alpha: in AR the real room shows through where nothing is drawn
  const renderer = new THREE.WebGLRenderer({ antialias: true, alpha: true, preserveDrawingBuffer: true });
  renderer.setPixelRatio(Math.min(2, window.devicePixelRatio));
  renderer.setSize(window.innerWidth, window.innerHeight);
  renderer.xr.enabled = true;
  document.getElementById('scene').appendChild(renderer.domElement);
  document.body.appendChild(VRButton.createButton(renderer));

  const scene = new THREE.Scene();
  scene.background = new THREE.Color(0x0f172a);
  scene.add(new THREE.HemisphereLight(0xffffff, 0x334155, 2.2));
  const sun = new THREE.DirectionalLight(0xffffff, 1.5);
  sun.position.set(2, 5, 3);
  scene.add(sun);
  const grid = new THREE.GridHelper(20, 20, 0x475569, 0x1e293b);
  scene.add(grid);
  const background = scene.background;

  // AR (passthrough), where the device offers it: the same shared scene over the real room, with
  // no backdrop and no floor grid. three's VR button stays for immersive VR.
  const arButton = document.createElement('button');
  arButton.id = 'ar-button';
  arButton.type = 'button';
  arButton.hidden = true;
  arButton.textContent = 'Enter AR';
  document.getElementById('hud-buttons').appendChild(arButton);
  navigator.xr
    ?.isSessionSupported('immersive-ar')
    .then((supported) => (arButton.hidden = !supported))
    .catch(() => {});
  arButton.addEventListener('click', async () => {
    if (renderer.xr.isPresenting) {
      await renderer.xr.getSession().end();
      return;
    }
    const xrSession = await navigator.xr.requestSession('immersive-ar', {
      optionalFeatures: ['local-floor', 'hand-tracking'],
    });
    await renderer.xr.setSession(xrSession);
  });
  renderer.xr.addEventListener('sessionstart', () => {
    const ar = renderer.xr.getSession()?.environmentBlendMode !== 'opaque';
    scene.background = ar ? null : background;
    grid.visible = !ar;
    if (ar) arButton.textContent = 'Exit AR';
  });
  renderer.xr.addEventListener('sessionend', () => {
    scene.background = background;
    grid.visible = true;
    arButton.textContent = 'Enter AR';
  });
  const camera = new THREE.PerspectiveCamera(70, window.innerWidth / window.innerHeight, 0.05, 100);
  camera.position.set(0, 1.6, START_RADIUS);
  const rig = new THREE.Group();
  rig.add(camera);
  scene.add(rig);
  addEventListener('resize', () => {
    camera.aspect = window.innerWidth / window.innerHeight;
    camera.updateProjectionMatrix();
    renderer.setSize(window.innerWidth, window.innerHeight);
  });

  // ---------------------------------------------------------------- connection
  const client = new TandemClient({
    urls: (params.get('nodes') ?? wsUrl()).split(',').filter(Boolean),
    ...identityOptions(), // dev tokens renewed before expiry (common.js)
    client: { name: me.name, kind: 'xr', device: params.get('device') ?? deviceId() },
  });
  let lod = 'high';
  let levelChanged = () => {}; // set once the objects exist
  client.on('open', () => (document.getElementById('status-text').textContent = `Connected · ${me.name}`));
  client.on('quality', (frame) => {
    if (frame.session) return; // a room's per-object levels: the session's `detail` event
    lod = frame.payload.lod;
    document.getElementById('lod').textContent = `lod ${lod}`;
    levelChanged();
  });

  const session = await client.join(`room:${roomName}`, { role: 'editor' });
  // a desktop viewer's first spot: on a circle around the middle, looking at it (a headset's own
  // tracking places its wearer)
  const start = startSpot(myMemberId(), session.members ?? {});
  // the spot taken, for the pages that join after this one
  session.presence({ spot: start.spot });
  camera.position.set(start.x, 1.6, start.z);
  camera.rotation.set(0, start.yaw, 0, 'YXZ');
  // `&hz=60` gives the room its own tick rate; poses then go out at least that often
  const wantedHz = Number(params.get('hz'));
  if (Number.isInteger(wantedHz) && wantedHz > 0 && session.settings?.tickHz !== wantedHz) {
    await session.setTickRate(wantedHz).catch((e) => client.reportError(e));
  }
  const poseEveryMs = () => 1000 / Math.max(30, session.settings?.tickHz ?? 30);
  // the node's per-object recommendation: upgrade (or downgrade) in the order it gives, gaze first
  session.on('detail', ({ order }) => schedule(order, true));

  // ---------------------------------------------------------------- avatars
  const avatars = new Map();
  function myMemberId() {
    return client.welcome ? `${client.welcome.principal}/${client.welcome.connection}` : '';
  }
  /** A member's name for people: its presence name, its hello name, else its principal. */
  function nameOf(member) {
    const m = session.members?.[member];
    return m?.presence?.name ?? m?.name ?? String(member ?? 'someone').split('/')[0];
  }
  function avatarOf(member) {
    let a = avatars.get(member);
    if (!a) {
      const colour = new THREE.Color(colourFor(member.split('/')[0]));
      const mat = new THREE.MeshStandardMaterial({ color: colour });
      const head = new THREE.Mesh(new THREE.BoxGeometry(0.22, 0.26, 0.24), mat);
      const visor = new THREE.Mesh(
        new THREE.BoxGeometry(0.18, 0.07, 0.02),
        new THREE.MeshStandardMaterial({ color: 0x111827 }),
      );
      visor.position.set(0, 0.03, -0.125);
      head.add(visor);
      const left = new THREE.Mesh(new THREE.SphereGeometry(0.05, 12, 8), mat);
      const right = left.clone();
      left.visible = right.visible = false;
      scene.add(head, left, right);
      a = { head, left, right, t: null };
      avatars.set(member, a);
    }
    return a;
  }
  const place = (obj, part) => {
    if (!part) return;
    if (part.p) obj.position.fromArray(part.p);
    if (part.q) obj.quaternion.fromArray(part.q);
    obj.visible = true;
  };
  session.on('poses', ({ poses, objects: moved }) => {
    for (const [member, pose] of Object.entries(poses ?? {})) {
      const a = avatarOf(member);
      place(a.head, pose.head);
      place(a.left, pose.left);
      place(a.right, pose.right);
      a.t = pose.t;
    }
    for (const [id, state] of Object.entries(moved ?? {})) applyObject(id, state);
    document.getElementById('count').textContent = `${avatars.size} others`;
  });
  session.on('members', ({ members }) => {
    for (const [member, a] of avatars) {
      if (!members[member]) {
        scene.remove(a.head, a.left, a.right);
        avatars.delete(member);
      }
    }
  });

  // ---------------------------------------------------------------- shared objects
  const objects = new Map(); // id -> { asset, group, heldBy, loadedLod, loadingLod }
  const loader = new GLTFLoader();
  const wantedLod = (id) => session.levelOf(id, lod);
  const needsLoad = (id) => {
    const o = objects.get(id);
    return !!o && o.loadedLod !== wantedLod(id) && o.loadingLod !== wantedLod(id) && !(o.retryAt > Date.now());
  };
  levelChanged = () => schedule([...objects.keys()]);
  // models load one at a time (MODEL_LOADS_AT_ONCE), in the order of `loads`: the
  // recommendation's gaze order first; `mostLoading` is the most that ever loaded at once (tests)
  let loads = [];
  let loading = 0;
  let mostLoading = 0;
  function schedule(ids, first = false) {
    const fresh = ids.filter((id) => needsLoad(id));
    loads = first
      ? [...fresh, ...loads.filter((id) => !fresh.includes(id))]
      : [...loads, ...fresh.filter((id) => !loads.includes(id))];
    pump();
  }
  function pump() {
    while (loading < MODEL_LOADS_AT_ONCE && loads.length) {
      const id = loads.shift();
      if (!needsLoad(id)) continue;
      loading++;
      mostLoading = Math.max(mostLoading, loading);
      loadModel(id).finally(() => {
        loading--;
        pump();
      });
    }
  }
  function loadModel(id) {
    const o = objects.get(id);
    const wanted = wantedLod(id);
    o.loadingLod = wanted;
    const fromNode = `/v1/assets/${encodeURIComponent(o.asset)}?lod=${wanted}`;
    // assets not published on the node fall back to the bundled sample cube
    const sample = `./samples/cube-${wanted}.glb`;
    const use = ({ gltf, from }) => {
      if (objects.get(id) !== o) return;
      o.group.clear();
      o.group.add(gltf.scene);
      o.loadedLod = wanted;
      o.loadedFrom = from; // 'node' or 'sample'
    };
    const load = async (url, from) => {
      modelRequests++;
      // the token of this moment (a dev token is renewed while the page is open)
      const authorization = await bearer();
      return new Promise((resolve, reject) => {
        loader.setRequestHeader({ Authorization: authorization });
        loader.load(url, (gltf) => resolve({ gltf, from }), undefined, reject);
      });
    };
    return load(fromNode, 'node')
      .catch(() => load(sample, 'sample'))
      .then((loaded) => {
        use(loaded);
        if (o.failures) modelLoaded(id, o);
      })
      .catch((err) => modelFailed(id, o, err))
      .finally(() => {
        if (o.loadingLod === wanted) o.loadingLod = null;
        // the recommendation may have changed while this one loaded
        if (needsLoad(id)) schedule([id]);
      });
  }
  // a failed load waits 1 s, 2 s, 4 s ... (at most MAX_RETRY_MS) before the next try, and the page
  // says which model is missing; every try counts in `modelRequests` (tests read it)
  let modelRequests = 0;
  const failed = new Map(); // id -> message
  function modelFailed(id, o, err) {
    if (objects.get(id) !== o) return;
    o.failures = (o.failures ?? 0) + 1;
    const wait = Math.min(MAX_RETRY_MS, 1000 * 2 ** (o.failures - 1));
    o.retryAt = Date.now() + wait;
    clearTimeout(o.retryTimer);
    o.retryTimer = setTimeout(() => {
      o.retryAt = 0;
      if (objects.get(id) === o) schedule([id]);
    }, wait);
    const why = String(err?.message ?? err ?? 'unknown error').replace(/\s+/g, ' ').slice(0, 160);
    failed.set(id, `The model of ${id} (${o.asset}) did not load: ${why}. Trying again in ${Math.round(wait / 1000)} s.`);
    showModelErrors();
  }
  function modelLoaded(id, o) {
    o.failures = 0;
    failed.delete(id);
    showModelErrors();
  }
  function showModelErrors() {
    const el = document.getElementById('xr-error');
    const messages = [...failed.values()];
    el.hidden = messages.length === 0;
    el.textContent = messages.length > 1 ? `${messages[0]} (and ${messages.length - 1} more)` : (messages[0] ?? '');
  }
  function applyObject(id, state) {
    if (state === null) {
      const o = objects.get(id);
      if (o) {
        scene.remove(o.group);
        clearTimeout(o.retryTimer);
      }
      objects.delete(id);
      if (failed.delete(id)) showModelErrors();
      return;
    }
    let o = objects.get(id);
    if (!o) {
      const group = new THREE.Group();
      group.userData.objectId = id;
      scene.add(group);
      o = { asset: state.asset ?? 'cube', group, heldBy: null, loadedLod: null, loadingLod: null };
      objects.set(id, o);
      schedule([id]);
    }
    const t = state.transform ?? {};
    if (t.p) o.group.position.fromArray(t.p);
    if (t.q) o.group.quaternion.fromArray(t.q);
    if (t.s) o.group.scale.fromArray(t.s);
    o.heldBy = state.heldBy ?? null;
  }
  const fromSnapshot = () => {
    for (const [id, state] of Object.entries(session.objects ?? {})) applyObject(id, state);
  };
  session.on('snapshot', fromSnapshot);
  fromSnapshot();
  session.on('delta', ({ objects: changed }) => {
    for (const [id, state] of Object.entries(changed ?? {})) applyObject(id, state);
  });

  // ---------------------------------------------------------------- grab, move, release
  let held = null; // { id, lastSent }
  const toArr = (v) => v.toArray().map((x) => Math.round(x * 1000) / 1000);
  async function grab(id) {
    try {
      await session.object('grab', id);
    } catch (err) {
      if (err.code === 'conflict') {
        const holder = objects.get(id)?.heldBy;
        note(holder
          ? `${nameOf(holder)} is holding this ${objects.get(id)?.asset === 'cube' ? 'cube' : 'object'}; wait until they let go.`
          : 'Someone else is holding this object; wait until they let go.');
      } else {
        note(`Could not grab it: ${err.code ?? ''} ${err.message ?? ''}`.trim());
      }
      throw err;
    }
    held = { id, lastSent: 0 };
  }
  let noteTimer = null;
  /** A short message under the toolbar that goes away by itself. */
  function note(text) {
    const el = document.getElementById('xr-note');
    el.textContent = text;
    el.hidden = false;
    clearTimeout(noteTimer);
    noteTimer = setTimeout(() => (el.hidden = true), 5000);
  }
  function moveHeld(p, q) {
    if (!held) return;
    const o = objects.get(held.id);
    if (o) o.group.position.fromArray(p);
    const now = performance.now();
    if (now - held.lastSent < poseEveryMs()) return; // the room's tick is what others see anyway
    held.lastSent = now;
    const transform = { p };
    if (q) transform.q = q;
    session.object('move', held.id, { transform }).catch(() => {});
  }
  async function release() {
    if (!held) return;
    const { id } = held;
    held = null;
    const o = objects.get(id);
    await session.object('release', id, o ? { transform: { p: toArr(o.group.position) } } : {});
  }
  async function spawn(p = [0, 1.2, 0], asset = 'cube') {
    const id = `${asset === 'cube' ? 'cube' : 'model'}-${Math.random().toString(36).slice(2, 8)}`;
    await session.object('spawn', id, { asset, transform: { p } });
    return id;
  }
  // 1.5 m ahead of the viewer, at table height
  const inFront = () => {
    const ahead = new THREE.Vector3(0, 0, -1).applyQuaternion(camera.quaternion).setY(0);
    if (ahead.lengthSq() < 1e-6) ahead.set(0, 0, -1);
    ahead.normalize().multiplyScalar(1.5);
    return toArr(new THREE.Vector3(camera.position.x + ahead.x, 1.2, camera.position.z + ahead.z));
  };
  document.getElementById('spawn').onclick = () => spawn(inFront());

  /**
   * Publishes a GLB as a new asset (`PUT /v1/assets/{id}`, needs `asset:<id>:publish`) and spawns
   * an object of it in front of the viewer. Published at `high` only: the node serves it for `low`
   * too until a low level is published. Resolves with the object id.
   */
  async function upload(file) {
    const base = file.name.replace(/\.glb$/i, '').replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 80) || 'model';
    const asset = `${base}-${Math.random().toString(36).slice(2, 8)}`;
    const res = await fetch(`/v1/assets/${encodeURIComponent(asset)}?lod=high`, {
      method: 'PUT',
      headers: { Authorization: await bearer(), 'Content-Type': 'model/gltf-binary' },
      body: file,
    });
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(`${res.status} ${body.message ?? res.statusText}`);
    }
    return spawn(inFront(), asset);
  }
  document.getElementById('upload').onchange = async (event) => {
    const file = event.target.files?.[0];
    event.target.value = '';
    if (!file) return;
    try {
      await upload(file);
    } catch (e) {
      document.getElementById('status-text').textContent = `Upload failed: ${e.message}`;
    }
  };

  // mouse and keyboard (no headset)
  const raycaster = new THREE.Raycaster();
  const pointer = new THREE.Vector2();
  const dragPlane = new THREE.Plane();
  let looking = null;
  const keys = new Set();
  addEventListener('keydown', (e) => keys.add(e.key.toLowerCase()));
  addEventListener('keyup', (e) => keys.delete(e.key.toLowerCase()));
  const canvas = renderer.domElement;
  const pick = (e) => {
    pointer.set((e.clientX / innerWidth) * 2 - 1, -(e.clientY / innerHeight) * 2 + 1);
    raycaster.setFromCamera(pointer, camera);
  };
  canvas.addEventListener('pointerdown', (e) => {
    pick(e);
    const hit = raycaster.intersectObjects([...objects.values()].map((o) => o.group), true)[0];
    if (hit) {
      let g = hit.object;
      while (g && !g.userData.objectId) g = g.parent;
      dragPlane.setFromNormalAndCoplanarPoint(new THREE.Vector3(0, 1, 0), g.position);
      grab(g.userData.objectId).catch(() => {}); // grab() tells the person why
    } else {
      looking = { x: e.clientX, y: e.clientY };
    }
  });
  canvas.addEventListener('pointermove', (e) => {
    if (held) {
      pick(e);
      const p = new THREE.Vector3();
      if (raycaster.ray.intersectPlane(dragPlane, p)) moveHeld(toArr(p));
    } else if (looking) {
      camera.rotation.order = 'YXZ';
      camera.rotation.y -= (e.clientX - looking.x) * 0.005;
      camera.rotation.x = Math.max(-1.2, Math.min(1.2, camera.rotation.x - (e.clientY - looking.y) * 0.005));
      looking = { x: e.clientX, y: e.clientY };
    }
  });
  addEventListener('pointerup', () => {
    looking = null;
    release().catch(() => {});
  });

  // controllers: the trigger grabs the nearest object within reach, the object follows the hand
  const controllers = [0, 1].map((i) => {
    const c = renderer.xr.getController(i);
    rig.add(c);
    c.addEventListener('selectstart', () => {
      const hand = c.getWorldPosition(new THREE.Vector3());
      let best = null;
      for (const [id, o] of objects) {
        const d = o.group.position.distanceTo(hand);
        if (d < 0.4 && (!best || d < best.d)) best = { id, d };
      }
      if (best) grab(best.id).then(() => (held.hand = c)).catch(() => {});
    });
    c.addEventListener('selectend', () => release().catch(() => {}));
    return c;
  });

  // ---------------------------------------------------------------- the frame loop
  let lastPose = 0;
  const head = new THREE.Vector3();
  const headQ = new THREE.Quaternion();
  const clock = new THREE.Clock();
  renderer.setAnimationLoop(() => {
    const dt = clock.getDelta();
    if (!renderer.xr.isPresenting && keys.size) {
      const forward = new THREE.Vector3(0, 0, -1).applyQuaternion(camera.quaternion).setY(0).normalize();
      const right = new THREE.Vector3(-forward.z, 0, forward.x);
      const v = 1.5 * dt;
      if (keys.has('w')) camera.position.addScaledVector(forward, v);
      if (keys.has('s')) camera.position.addScaledVector(forward, -v);
      if (keys.has('d')) camera.position.addScaledVector(right, v);
      if (keys.has('a')) camera.position.addScaledVector(right, -v);
    }
    const now = performance.now();
    if (now - lastPose >= poseEveryMs() && session.joined) {
      const viewer = renderer.xr.isPresenting
        ? renderer.xr.getFrame()?.getViewerPose(renderer.xr.getReferenceSpace())
        : null;
      if (viewer) {
        // the viewer's own pose: three's XR camera sits behind the eyes to cover both of them
        const { position: vp, orientation: vo } = viewer.transform;
        head.set(vp.x, vp.y, vp.z).applyMatrix4(rig.matrixWorld);
        headQ.set(vo.x, vo.y, vo.z, vo.w).premultiply(rig.quaternion);
      } else {
        camera.getWorldPosition(head);
        camera.getWorldQuaternion(headQ);
      }
      const pose = { t: Date.now(), head: { p: toArr(head), q: headQ.toArray().map((x) => Math.round(x * 1e4) / 1e4) } };
      if (renderer.xr.isPresenting) {
        pose.left = { p: toArr(controllers[0].getWorldPosition(new THREE.Vector3())) };
        pose.right = { p: toArr(controllers[1].getWorldPosition(new THREE.Vector3())) };
      }
      session.pose(pose);
      lastPose = now;
      window.tandem && (window.tandem.lastPose = pose);
    }
    if (held?.hand) moveHeld(toArr(held.hand.getWorldPosition(new THREE.Vector3())));
    renderer.render(scene, camera);
  });

  // what browser tests read and drive; harmless for people
  /** Where an object is on the canvas, in drawing-buffer pixels (x from the left, y from the bottom). */
  function pixelOf(id) {
    const o = objects.get(id);
    if (!o) return null;
    const v = o.group.getWorldPosition(new THREE.Vector3()).project(camera);
    const size = renderer.getDrawingBufferSize(new THREE.Vector2());
    return { x: Math.round(((v.x + 1) / 2) * size.x), y: Math.round(((v.y + 1) / 2) * size.y), inView: Math.abs(v.x) < 1 && Math.abs(v.y) < 1 && v.z < 1 };
  }
  /** The colour drawn at an object's middle with and without it (renders twice, reads one pixel each). */
  function drawnAt(id) {
    const o = objects.get(id);
    const at = pixelOf(id);
    if (!o || !at) return null;
    const gl = renderer.getContext();
    const read = () => {
      renderer.render(scene, camera);
      const px = new Uint8Array(4);
      gl.readPixels(at.x, at.y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
      return [...px];
    };
    // every other object is hidden while reading, so one standing in front cannot hide this one
    const shown = new Map([...objects.values()].map((x) => [x, x.group.visible]));
    for (const x of shown.keys()) x.group.visible = false;
    const without = read();
    o.group.visible = true;
    const withIt = read();
    for (const [x, v] of shown) x.group.visible = v;
    let meshes = 0;
    o.group.traverse((n) => (meshes += n.isMesh ? 1 : 0));
    return { at, without, with: withIt, meshes };
  }

  window.tandem = {
    client, session, avatars, objects, emulator, renderer, scene, camera, grab, upload, moveHeld, release, spawn,
    pixelOf, drawnAt,
    get modelRequests() { return modelRequests; },
    get mostModelsLoadingAtOnce() { return mostLoading; },
    get lod() { return lod; },
    get detail() { return session.detail; },
    get presenting() { return renderer.xr.isPresenting; },
    get blendMode() { return renderer.xr.getSession()?.environmentBlendMode ?? null; },
  };
}
