package io.tandem.persistence;

import io.tandem.persistence.cassandra.ParentWatchingCassandraMain;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code <dataDir>/cassandra.pid}: the pid of the embedded Cassandra using a data folder, so that a
 * launcher can clean up after a previous run that died before its Cassandra noticed.
 */
final class CassandraPidFile {

  static final String NAME = "cassandra.pid";
  static final String STORAGE_DIR_FLAG = "-Dcassandra.storagedir=";

  /** Marks the command line of an embedded Cassandra, early enough to survive truncation. */
  static final String MARKER_FLAG = "-Dtandem.cassandra.embedded=true";

  private static final Logger log = LoggerFactory.getLogger(CassandraPidFile.class);

  private CassandraPidFile() {}

  static Path path(Path dataDir) {
    return dataDir.resolve(NAME);
  }

  static void write(Path dataDir, long pid) {
    try {
      Files.writeString(path(dataDir), pid + System.lineSeparator());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + path(dataDir), e);
    }
  }

  static OptionalLong read(Path dataDir) {
    Path file = path(dataDir);
    try {
      return OptionalLong.of(Long.parseLong(Files.readString(file).strip()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  /** Deletes the file if it still names {@code pid} (another launcher may have replaced it). */
  static void deleteIfNames(Path dataDir, long pid) {
    OptionalLong named = read(dataDir);
    if (named.isPresent() && named.getAsLong() == pid) {
      delete(dataDir);
    }
  }

  /**
   * Makes the data folder free for a new Cassandra. A pid file naming no live process, or a process
   * that is not an embedded Cassandra of this folder, is removed. An embedded Cassandra of this
   * folder whose launching process is gone (an orphan) is terminated: SIGTERM, then SIGKILL after
   * {@code stopTimeout}.
   *
   * @throws IllegalStateException if a Cassandra whose launcher is alive uses the folder
   */
  static void reclaim(Path dataDir, Duration stopTimeout) {
    OptionalLong pid = read(dataDir);
    if (pid.isEmpty()) {
      if (Files.exists(path(dataDir))) {
        delete(dataDir);
      }
      return;
    }
    Optional<ProcessHandle> handle =
        ProcessHandle.of(pid.getAsLong()).filter(ProcessHandle::isAlive);
    if (handle.isEmpty() || !isEmbeddedCassandraOf(handle.get(), dataDir)) {
      log.info(
          "Removing stale {} (pid {} is not a running Cassandra)", path(dataDir), pid.getAsLong());
      delete(dataDir);
      return;
    }
    List<String> args = arguments(handle.get());
    OptionalLong parent = longFlag(args, ParentWatchingCassandraMain.PARENT_PID);
    OptionalLong parentStart = longFlag(args, ParentWatchingCassandraMain.PARENT_START);
    if (parent.isPresent()
        && ParentWatchingCassandraMain.isAlive(
            parent.getAsLong(), parentStart.isPresent() ? parentStart.getAsLong() : -1)) {
      throw new IllegalStateException(
          "Cassandra pid "
              + pid.getAsLong()
              + " started by the running process "
              + parent.getAsLong()
              + " already uses "
              + dataDir
              + "; stop it first or choose another data folder");
    }
    log.warn(
        "Terminating orphaned embedded Cassandra pid {} of {} left by an earlier run",
        pid.getAsLong(),
        dataDir);
    terminate(handle.get(), stopTimeout);
    delete(dataDir);
  }

  static boolean isEmbeddedCassandraOf(ProcessHandle process, Path dataDir) {
    String storageFlag = STORAGE_DIR_FLAG + dataDir.toAbsolutePath().normalize();
    List<String> args = arguments(process);
    boolean cassandraMain =
        args.contains(MARKER_FLAG)
            || args.contains(ParentWatchingCassandraMain.class.getName())
            || args.contains(ParentWatchingCassandraMain.CASSANDRA_DAEMON);
    return cassandraMain && args.contains(storageFlag);
  }

  /** Ends a process: SIGTERM, wait, SIGKILL, wait. Returns when it is gone (or after two waits). */
  static void terminate(ProcessHandle process, Duration gracePeriod) {
    process.destroy();
    if (!awaitExit(process, gracePeriod)) {
      log.warn("pid {} ignored SIGTERM for {}; killing it", process.pid(), gracePeriod);
      process.destroyForcibly();
      awaitExit(process, Duration.ofSeconds(30));
    }
  }

  static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return !process.isAlive();
    } catch (ExecutionException e) {
      return !process.isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !process.isAlive();
    }
  }

  private static List<String> arguments(ProcessHandle process) {
    // the JDK reads only the first 4 KiB of /proc/<pid>/cmdline, and gives no arguments at all
    // when they are longer, as a classpath of Cassandra's jars is: read it ourselves where it
    // exists
    Path procCmdline = Path.of("/proc", Long.toString(process.pid()), "cmdline");
    if (Files.isReadable(procCmdline)) {
      try {
        String[] vector = Files.readString(procCmdline).split("\0");
        if (vector.length > 0) {
          return Arrays.asList(vector).subList(1, vector.length);
        }
      } catch (IOException e) {
        // the process is gone or not ours to read: fall back to what the JDK reports
      }
    }
    ProcessHandle.Info info = process.info();
    return info.arguments()
        .map(Arrays::asList)
        // without an argument vector, fall back to splitting the command line on spaces
        .or(() -> info.commandLine().map(line -> Arrays.asList(line.split(" "))))
        .orElse(List.of());
  }

  private static OptionalLong longFlag(List<String> args, String property) {
    String prefix = "-D" + property + "=";
    for (String arg : args) {
      if (arg.startsWith(prefix)) {
        try {
          return OptionalLong.of(Long.parseLong(arg.substring(prefix.length()).strip()));
        } catch (NumberFormatException e) {
          return OptionalLong.empty();
        }
      }
    }
    return OptionalLong.empty();
  }

  private static void delete(Path dataDir) {
    try {
      Files.deleteIfExists(path(dataDir));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot delete " + path(dataDir), e);
    }
  }
}
