package io.tandem.persistence;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.persistence.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** An embedded Cassandra never outlives the JVM that launched it, even after {@code kill -9}. */
class EmbeddedCassandraOrphanTest {

  private static final Pattern READY = Pattern.compile("READY (\\d+)");

  @TempDir Path dir;

  @Test
  void cassandraExitsOnItsOwnWhenItsLauncherIsKilled() throws Exception {
    int[] ports = FreePorts.pick(2);
    Path output = dir.resolve("launcher.out");
    Process launcher =
        JavaProcesses.start(
            output,
            List.of("-D" + CassandraLibDir.PROPERTY + "=" + CassandraLibDir.locate()),
            OrphanLauncherMain.class,
            dir.resolve("data").toString(),
            Integer.toString(ports[0]),
            Integer.toString(ports[1]));
    Optional<ProcessHandle> cassandra = Optional.empty();
    try {
      long cassandraPid =
          await()
              .atMost(Duration.ofMinutes(3))
              .pollInterval(Duration.ofMillis(200))
              .until(() -> readyPid(output, launcher), Optional::isPresent)
              .orElseThrow();
      cassandra = ProcessHandle.of(cassandraPid);
      assertTrue(cassandra.isPresent() && cassandra.get().isAlive());

      launcher.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook of the launcher runs

      ProcessHandle orphan = cassandra.get();
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> !orphan.isAlive());
    } finally {
      launcher.destroyForcibly();
      cassandra.filter(ProcessHandle::isAlive).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  private static Optional<Long> readyPid(Path output, Process launcher) throws Exception {
    String text = Files.exists(output) ? Files.readString(output) : "";
    Matcher ready = READY.matcher(text);
    if (ready.find()) {
      return Optional.of(Long.parseLong(ready.group(1)));
    }
    if (!launcher.isAlive()) {
      throw new AssertionError("launcher exited with " + launcher.exitValue() + ":\n" + text);
    }
    return Optional.empty();
  }
}
