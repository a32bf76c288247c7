package io.tandem.node;

import java.util.concurrent.ForkJoinPool;
import org.slf4j.Logger;

/**
 * The JDK's common {@link ForkJoinPool} must have at least two threads on a node.
 *
 * <p>Its parallelism defaults to the number of CPUs minus one. On a machine or a container with two
 * CPUs or fewer that is 1, and then {@code CompletableFuture} runs every {@code *Async}
 * continuation on a thread of its own ({@code ThreadPerTaskExecutor}). Pekko's javadsl asks and the
 * Cassandra driver's futures reach it; under load the node then starts hundreds of threads a
 * second. Every launcher sets {@value #PROPERTY}; {@link #ensure()} is the fallback for a {@code
 * java -jar} without it, and {@link #check(Logger)} says so loudly when neither took effect.
 */
public final class CommonPool {
  /** The system property the JDK reads once, when the common pool is first used. */
  public static final String PROPERTY = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /** What a node needs at least. */
  public static final int MIN_PARALLELISM = 2;

  private CommonPool() {}

  /**
   * Sets {@value #PROPERTY} to at least {@value #MIN_PARALLELISM} unless a launcher set it; has an
   * effect only before the common pool's first use, so it is the first thing {@code main} does.
   */
  public static void ensure() {
    if (System.getProperty(PROPERTY) == null) {
      int cpus = Runtime.getRuntime().availableProcessors();
      System.setProperty(PROPERTY, Integer.toString(Math.max(MIN_PARALLELISM, cpus - 1)));
    }
  }

  /** Logs an error when the common pool ended up with fewer than two threads. */
  public static boolean check(Logger log) {
    int parallelism = ForkJoinPool.getCommonPoolParallelism();
    if (parallelism < MIN_PARALLELISM) {
      log.error(
          "the common ForkJoinPool has parallelism {}: every CompletableFuture continuation will"
              + " start a thread of its own. Start the JVM with -D{}={}",
          parallelism,
          PROPERTY,
          MIN_PARALLELISM);
      return false;
    }
    return true;
  }
}
