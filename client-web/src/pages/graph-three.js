// What the graph page (graph.js) uses of three.js, as named exports: graph.js imports this module
// dynamically (so that it loads while the page connects), and a dynamic import of 'three' itself
// would keep all of three.js, where these named imports let the build leave out what is unused.
export {
  BufferAttribute, BufferGeometry, Color, DynamicDrawUsage, LineBasicMaterial, LineSegments, MathUtils, MOUSE,
  PerspectiveCamera, Points, PointsMaterial, Scene, TOUCH, Vector3, WebGLRenderer,
} from 'three';
export { OrbitControls } from 'three/examples/jsm/controls/OrbitControls.js';
