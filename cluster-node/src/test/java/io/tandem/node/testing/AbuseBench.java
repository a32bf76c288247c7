package io.tandem.node.testing;

import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The long abuse run of issue 18 (bench/abuse.sh): the suite's hostile clients ({@link Abuse})
 * against a node in a JVM of its own on the test Cassandra, for a million frames or more. Prints
 * frames tried, crashes (the node process gone or /healthz not 200), state changes of the target
 * room, and the node's live heap (a {@code jcmd GC.class_histogram} total, which collects first)
 * before and after.
 *
 * <p>The node's per-connection limits on malformed frames and on the frame and byte rates are
 * raised (JVM options below) so that the insiders, hostile editors joined to the target room, stay
 * connected and carry most of the frames to the decoder and the room; the other clients still get
 * closed by the rules that do not depend on those limits (1002, 1007, 1009, 4401, 4408).
 *
 * <p>Arguments: {@code [frames=1000000] [seed=random] [workers=8] [httpPort=18100]}; the node uses
 * the HTTP port and the next three.
 */
public final class AbuseBench {
  private AbuseBench() {}

  public static void main(String[] args) throws Exception {
    long frames = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    long seed = args.length > 1 && !args[1].equals("-") ? Long.parseLong(args[1]) : Abuse.seed();
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int port = args.length > 3 ? Integer.parseInt(args[3]) : 18100;
    int maxFrameBytes = 262144;
    int closeFrameBytes = 1 << 20;
    System.out.println(
        "abuse bench: seed " + seed + ", " + frames + " frames, " + workers + " workers");

    CassandraTestConfig cassandra = CassandraExtension.sharedConfig("abuse_bench");
    var env = new HashMap<String, String>();
    env.put("TANDEM_METRICS_PORT", Integer.toString(port + 3));
    env.put("TANDEM_WS_CLOSE_FRAME_BYTES", Integer.toString(closeFrameBytes));
    List<String> jvm =
        List.of(
            "-Djava.util.concurrent.ForkJoinPool.common.parallelism=2",
            "-Dtandem.ws.max-malformed-frames=1000000000",
            "-Dtandem.ws.max-frames-per-second=1000000",
            "-Dtandem.ws.burst-frames=1000000",
            "-Dtandem.ws.max-bytes-per-second=1GiB",
            "-Dtandem.ws.burst-bytes=1GiB");
    try (NodeProcess node =
        NodeProcess.launch(
            "abuse-bench", cassandra, new NodeProcess.Ports(port, port + 1, port + 2), env, jvm)) {
      // a loaded machine may need more than the tests' two minutes
      node.awaitReady(Duration.ofMinutes(10));
      Abuse abuse =
          new Abuse(
              node.wsUrl(),
              node.httpUrl(),
              NodeProcess::token,
              new Abuse.Options(
                  seed,
                  frames,
                  Duration.ofHours(2),
                  workers,
                  4,
                  maxFrameBytes,
                  closeFrameBytes,
                  0.01));
      abuse.setUp();
      long heapBefore = liveHeap(node.pid());
      long started = System.nanoTime();
      abuse.run();
      long seconds = Math.max(1, (System.nanoTime() - started) / 1_000_000_000L);
      abuse.closeInsiders();
      boolean alive = node.isAlive();
      int health = alive ? healthz(node.httpUrl()) : -1;
      long heapAfter = alive ? liveHeap(node.pid()) : -1;
      String verdict;
      try {
        abuse.verify();
        verdict = "all checks passed";
      } catch (AssertionError failed) {
        verdict = "FAILED: " + failed.getMessage();
      }
      abuse.close();
      long errors =
          Files.readAllLines(node.log()).stream()
              .filter(l -> l.contains(" ERROR ") || l.contains("Error:"))
              .count();
      System.out.print(abuse.report());
      System.out.println(
          "hostile run took " + seconds + " s, " + abuse.framesTried.sum() / seconds + " frames/s");
      System.out.println(
          "crashes "
              + (alive && health == 200 ? 0 : 1)
              + " (process alive "
              + alive
              + ", /healthz "
              + health
              + ")");
      System.out.println(
          "state changes: seq moved by "
              + abuse.seqChange
              + ", state changed "
              + abuse.stateChanged);
      System.out.println(
          "node live heap before "
              + mib(heapBefore)
              + " MiB, after "
              + mib(heapAfter)
              + " MiB (jcmd GC.class_histogram total, after a full GC)");
      System.out.println("node log lines with ERROR: " + errors + " (" + node.log() + ")");
      System.out.println("verdict: " + verdict);
      node.stop();
      System.exit(verdict.startsWith("all") ? 0 : 1);
    }
  }

  private static int healthz(String httpUrl) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(httpUrl + "/healthz"))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  /** The total of {@code jcmd <pid> GC.class_histogram} (live objects: it collects first). */
  private static long liveHeap(long pid) throws Exception {
    Process p =
        new ProcessBuilder("jcmd", Long.toString(pid), "GC.class_histogram")
            .redirectErrorStream(true)
            .start();
    List<String> lines = new String(p.getInputStream().readAllBytes()).lines().toList();
    p.waitFor(60, TimeUnit.SECONDS);
    for (String line : lines) {
      if (line.startsWith("Total")) {
        String[] parts = line.trim().split("\\s+");
        return Long.parseLong(parts[2]);
      }
    }
    throw new IllegalStateException("no total in " + lines);
  }

  private static String mib(long bytes) {
    return bytes < 0 ? "n/a" : String.format("%.1f", bytes / 1048576.0);
  }
}
