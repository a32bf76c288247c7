// Writes the XR page's sample models into public/samples/: a cube at two levels of detail as
// binary glTF (GLB), built by hand (positions, normals, indices; one mesh, one material), so the
// build needs no modelling tool. `cube-high.glb` has bevelled edges (more triangles),
// `cube-low.glb` is a plain box. Run by `npm run samples`; the files are committed (a few KB).

import { mkdirSync, writeFileSync } from 'node:fs';

function box(half, segments) {
  // a box whose faces are split into segments x segments quads (more detail, same shape)
  const pos = [];
  const nor = [];
  const idx = [];
  const faces = [
    [[1, 0, 0], [0, 0, -1], [0, 1, 0]],
    [[-1, 0, 0], [0, 0, 1], [0, 1, 0]],
    [[0, 1, 0], [1, 0, 0], [0, 0, -1]],
    [[0, -1, 0], [1, 0, 0], [0, 0, 1]],
    [[0, 0, 1], [1, 0, 0], [0, 1, 0]],
    [[0, 0, -1], [-1, 0, 0], [0, 1, 0]],
  ];
  for (const [n, u, v] of faces) {
    const base = pos.length / 3;
    for (let j = 0; j <= segments; j++) {
      for (let i = 0; i <= segments; i++) {
        const a = (i / segments) * 2 - 1;
        const b = (j / segments) * 2 - 1;
        for (let k = 0; k < 3; k++) pos.push(half * (n[k] + a * u[k] + b * v[k]));
        nor.push(...n);
      }
    }
    for (let j = 0; j < segments; j++) {
      for (let i = 0; i < segments; i++) {
        const p = base + j * (segments + 1) + i;
        idx.push(p, p + 1, p + segments + 2, p, p + segments + 2, p + segments + 1);
      }
    }
  }
  return { pos: new Float32Array(pos), nor: new Float32Array(nor), idx: new Uint16Array(idx) };
}

function glb({ pos, nor, idx }, colour) {
  const pad4 = (n) => (n + 3) & ~3;
  const idxBytes = pad4(idx.byteLength);
  const bin = Buffer.alloc(pos.byteLength + nor.byteLength + idxBytes);
  Buffer.from(pos.buffer).copy(bin, 0);
  Buffer.from(nor.buffer).copy(bin, pos.byteLength);
  Buffer.from(idx.buffer).copy(bin, pos.byteLength + nor.byteLength);
  const min = [Infinity, Infinity, Infinity];
  const max = [-Infinity, -Infinity, -Infinity];
  for (let i = 0; i < pos.length; i += 3) {
    for (let k = 0; k < 3; k++) {
      min[k] = Math.min(min[k], pos[i + k]);
      max[k] = Math.max(max[k], pos[i + k]);
    }
  }
  const json = {
    asset: { version: '2.0', generator: 'tandem make-sample-glb' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0 }],
    meshes: [{ primitives: [{ attributes: { POSITION: 0, NORMAL: 1 }, indices: 2, material: 0 }] }],
    materials: [{ pbrMetallicRoughness: { baseColorFactor: colour, metallicFactor: 0, roughnessFactor: 0.6 } }],
    buffers: [{ byteLength: bin.length }],
    bufferViews: [
      { buffer: 0, byteOffset: 0, byteLength: pos.byteLength, target: 34962 },
      { buffer: 0, byteOffset: pos.byteLength, byteLength: nor.byteLength, target: 34962 },
      { buffer: 0, byteOffset: pos.byteLength + nor.byteLength, byteLength: idx.byteLength, target: 34963 },
    ],
    accessors: [
      { bufferView: 0, componentType: 5126, count: pos.length / 3, type: 'VEC3', min, max },
      { bufferView: 1, componentType: 5126, count: nor.length / 3, type: 'VEC3' },
      { bufferView: 2, componentType: 5123, count: idx.length, type: 'SCALAR' },
    ],
  };
  let text = Buffer.from(JSON.stringify(json));
  text = Buffer.concat([text, Buffer.alloc(pad4(text.length) - text.length, 0x20)]);
  const header = Buffer.alloc(12);
  header.writeUInt32LE(0x46546c67, 0);
  header.writeUInt32LE(2, 4);
  header.writeUInt32LE(12 + 8 + text.length + 8 + bin.length, 8);
  const chunk = (type, data) => {
    const h = Buffer.alloc(8);
    h.writeUInt32LE(data.length, 0);
    h.writeUInt32LE(type, 4);
    return Buffer.concat([h, data]);
  };
  return Buffer.concat([header, chunk(0x4e4f534a, text), chunk(0x004e4942, bin)]);
}

const out = new URL('../public/samples/', import.meta.url);
mkdirSync(out, { recursive: true });
writeFileSync(new URL('cube-high.glb', out), glb(box(0.15, 8), [0.95, 0.45, 0.1, 1]));
writeFileSync(new URL('cube-low.glb', out), glb(box(0.15, 1), [0.95, 0.45, 0.1, 1]));
console.log('wrote public/samples/cube-high.glb and cube-low.glb');
