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
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

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
 * <p>Arguments: {@code [frames=1000000] [seed=random|-] [workers=8] [httpPort=18100]
 * [minutes=120]}; the node uses the HTTP port and the next three; the hostile run stops at the
 * frame budget or after {@code minutes}, whichever comes first (the frames tried are printed either
 * way).
 *
 * <p>The keyspace comes with its tables (the node's first journal writes under load would otherwise
 * create them within the driver's request timeout); owner, watcher and insiders ping to stay within
 * the heartbeat rule and have tokens that outlive the run. Whatever happens the bench ends: the
 * node is killed if it still runs, the test Cassandra is stopped, and the exit status is 0 only if
 * every check passed (1: a check failed, 2: the bench itself failed, 3: the watchdog ended a run
 * that overran its deadline by {@link #GRACE}).
 */
public final class AbuseBench {
  /** How long past the run's deadline the watchdog waits before it ends the bench. */
  static final Duration GRACE = Duration.ofMinutes(10);

  private AbuseBench() {}

  public static void main(String[] args) {
    int status = 2;
    AtomicReference<NodeProcess> started = new AtomicReference<>();
    try {
      status = run(args, started);
    } catch (Throwable t) {
      System.out.println("verdict: FAILED, the bench itself: " + t);
      t.printStackTrace(System.out);
      status = 2;
    } finally {
      stopAll(started.get());
    }
    System.out.flush();
    // exit even if some client thread still runs
    System.exit(status);
  }

  private static int run(String[] args, AtomicReference<NodeProcess> started) throws Exception {
    long frames = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
    long seed = args.length > 1 && !args[1].equals("-") ? Long.parseLong(args[1]) : Abuse.seed();
    int workers = args.length > 2 ? Integer.parseInt(args[2]) : 8;
    int port = args.length > 3 ? Integer.parseInt(args[3]) : 18100;
    Duration deadline = Duration.ofMinutes(args.length > 4 ? Long.parseLong(args[4]) : 120);
    int maxFrameBytes = 262144;
    int closeFrameBytes = 1 << 20;
    System.out.println(
        "abuse bench: seed "
            + seed
            + ", "
            + frames
            + " frames, "
            + workers
            + " workers, at most "
            + deadline.toMinutes()
            + " min");
    startWatchdog(deadline, started);

    CassandraTestConfig cassandra = CassandraExtension.sharedConfig("abuse_bench", true);
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
    NodeProcess node =
        NodeProcess.launch(
            "abuse-bench", cassandra, new NodeProcess.Ports(port, port + 1, port + 2), env, jvm);
    started.set(node);
    // SIGTERM or Ctrl-C on the bench: the node goes too (the test Cassandra has its own hook)
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> stopAll(node, false), "abuse-bench-stop-node"));
    // a loaded machine may need more than the tests' two minutes
    node.awaitReady(Duration.ofMinutes(10));
    // tokens outlive the run: an expired one closes its connection with 4401
    Duration ttl = deadline.plus(GRACE).plusHours(1);
    Abuse abuse =
        new Abuse(
            node.wsUrl(),
            node.httpUrl(),
            (sub, scope) -> NodeProcess.token(sub, scope, ttl),
            new Abuse.Options(
                seed, frames, deadline, workers, 4, maxFrameBytes, closeFrameBytes, 0.01));
    String verdict;
    long heapBefore;
    long heapAfter;
    long seconds;
    boolean alive;
    int health;
    try {
      abuse.setUp();
      heapBefore = liveHeap(node.pid());
      long t0 = System.nanoTime();
      abuse.run();
      seconds = Math.max(1, (System.nanoTime() - t0) / 1_000_000_000L);
      abuse.closeInsiders();
      alive = node.isAlive();
      health = alive ? healthz(node.httpUrl()) : -1;
      heapAfter = alive ? liveHeap(node.pid()) : -1;
      try {
        abuse.verify();
        verdict = "all checks passed";
      } catch (AssertionError failed) {
        verdict = "FAILED: " + failed.getMessage();
      }
    } finally {
      abuse.close();
    }
    long errors;
    try (var lines = Files.lines(node.log())) {
      errors = lines.filter(l -> l.contains(" ERROR ") || l.contains("Error:")).count();
    }
    System.out.print(abuse.report());
    System.out.println(
        "hostile run took " + seconds + " s, " + abuse.framesTried.sum() / seconds + " frames/s");
    boolean crashed = !(alive && health == 200);
    System.out.println(
        "crashes " + (crashed ? 1 : 0) + " (process alive " + alive + ", /healthz " + health + ")");
    System.out.println(
        "state changes: seq moved by " + abuse.seqChange + ", state changed " + abuse.stateChanged);
    System.out.println(
        "node live heap before "
            + mib(heapBefore)
            + " MiB, after "
            + mib(heapAfter)
            + " MiB (jcmd GC.class_histogram total, after a full GC)");
    System.out.println("node log lines with ERROR: " + errors + " (" + node.log() + ")");
    if (abuse.framesTried.sum() < frames) {
      System.out.println(
          "note: the deadline came first, "
              + abuse.framesTried.sum()
              + " of "
              + frames
              + " frames tried");
    }
    System.out.println("verdict: " + verdict);
    try {
      node.stop();
    } catch (AssertionError slow) {
      // killed in main's finally
      System.out.println(slow.getMessage());
    }
    return verdict.startsWith("all") && !crashed ? 0 : 1;
  }

  /**
   * A daemon that ends the bench (status 3) if it is still running {@link #GRACE} after the run's
   * deadline plus the node's start: a client blocked for good must not hang the bench.
   */
  private static void startWatchdog(Duration deadline, AtomicReference<NodeProcess> node) {
    long limit = deadline.plus(GRACE).plusMinutes(15).toMillis();
    ScheduledExecutorService dog =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "abuse-bench-watchdog");
              t.setDaemon(true);
              return t;
            });
    dog.schedule(
        () -> {
          System.out.println(
              "verdict: FAILED, the bench still ran "
                  + Duration.ofMillis(limit).toMinutes()
                  + " min after it started; threads:");
          Thread.getAllStackTraces()
              .forEach(
                  (t, stack) -> {
                    System.out.println(t);
                    for (StackTraceElement e : stack) {
                      System.out.println("    at " + e);
                    }
                  });
          stopAll(node.get());
          System.out.flush();
          Runtime.getRuntime().halt(3);
        },
        limit,
        TimeUnit.MILLISECONDS);
  }

  /** Kills the node if it still runs and stops the test Cassandra; reports but never throws. */
  private static void stopAll(NodeProcess node) {
    stopAll(node, true);
  }

  private static void stopAll(NodeProcess node, boolean cassandraToo) {
    if (node != null) {
      try {
        node.close();
      } catch (Exception e) {
        System.out.println("could not stop the node: " + e);
      }
    }
    if (!cassandraToo) {
      return;
    }
    try {
      CassandraExtension.stopShared();
    } catch (RuntimeException e) {
      System.out.println("could not stop the test Cassandra: " + e);
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
