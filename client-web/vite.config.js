import { defineConfig } from 'vite';

// The pages (landing, room, record, watch, replay, xr, pointcloud, graph) built into target/web; the Maven build packages that
// folder as tandem-web/ on the node's classpath. Hashed file names under assets/ let the node
// serve them as immutable; the HTML pages themselves are served with no-cache.
export default defineConfig({
  base: './',
  build: {
    outDir: 'target/web',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: {
        index: 'index.html',
        room: 'room.html',
        record: 'record.html',
        watch: 'watch.html',
        replay: 'replay.html',
        xr: 'xr.html',
        pointcloud: 'pointcloud.html',
        graph: 'graph.html',
      },
    },
  },
});
