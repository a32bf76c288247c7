package io.tandem.persistence.cassandra;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.time.Instant;
import java.util.Optional;

/**
 * Main class of the forked Cassandra JVM: starts a watcher of the launching process, then runs
 * {@code org.apache.cassandra.service.CassandraDaemon}.
 *
 * <p>When the launching process is gone (even after {@code kill -9}), the watcher calls {@code
 * System.exit}, so Cassandra's own shutdown hooks flush and stop it: an embedded Cassandra never
 * outlives the node or test run that started it. If the hooks hang, the JVM halts after {@value
 * #HALT_AFTER_MILLIS} ms.
 *
 * <p>This class runs on Cassandra's classpath, not ours: it uses the JDK only, reaches Cassandra by
 * reflection, and compiles to a single class file (no nested classes) that the launcher copies next
 * to the data folder.
 */
public final class ParentWatchingCassandraMain {

  /** System property: pid of the process whose death stops Cassandra. */
  public static final String PARENT_PID = "tandem.cassandra.parent-pid";

  /**
   * System property: start time of that process in epoch milliseconds, so a recycled pid is not
   * mistaken for the parent.
   */
  public static final String PARENT_START = "tandem.cassandra.parent-start";

  /** Cassandra's own main class. */
  public static final String CASSANDRA_DAEMON = "org.apache.cassandra.service.CassandraDaemon";

  static final long POLL_MILLIS = 500;
  static final long HALT_AFTER_MILLIS = 60_000;

  private ParentWatchingCassandraMain() {}

  /** Starts the watcher (when {@value #PARENT_PID} is set), then Cassandra. */
  public static void main(String[] args) throws Throwable {
    String parentPid = System.getProperty(PARENT_PID);
    if (parentPid != null && !parentPid.isBlank()) {
      String parentStart = System.getProperty(PARENT_START);
      watch(
          Long.parseLong(parentPid.strip()),
          parentStart == null || parentStart.isBlank() ? -1 : Long.parseLong(parentStart.strip()));
    }
    Method main = Class.forName(CASSANDRA_DAEMON).getMethod("main", String[].class);
    try {
      main.invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  /** Whether the process {@code pid}, started at {@code startMillis} (or -1: any), is alive. */
  public static boolean isAlive(long pid, long startMillis) {
    Optional<ProcessHandle> handle = ProcessHandle.of(pid);
    if (handle.isEmpty() || !handle.get().isAlive()) {
      return false;
    }
    if (startMillis < 0) {
      return true;
    }
    Optional<Instant> started = handle.get().info().startInstant();
    // start times are read from /proc with clock-tick resolution: allow a little slack
    return started.isEmpty() || Math.abs(started.get().toEpochMilli() - startMillis) < 2_000;
  }

  private static void watch(long parentPid, long parentStartMillis) {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (isAlive(parentPid, parentStartMillis)) {
                  Thread.sleep(POLL_MILLIS);
                }
              } catch (InterruptedException e) {
                return;
              }
              System.err.println(
                  "Launching process " + parentPid + " is gone: shutting Cassandra down");
              Thread halter =
                  new Thread(
                      () -> {
                        try {
                          Thread.sleep(HALT_AFTER_MILLIS);
                        } catch (InterruptedException e) {
                          return;
                        }
                        Runtime.getRuntime().halt(1);
                      },
                      "tandem-shutdown-halter");
              halter.setDaemon(true);
              halter.start();
              System.exit(0);
            },
            "tandem-parent-watcher");
    watcher.setDaemon(true);
    watcher.start();
  }
}
