package io.tandem.persistence;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import io.tandem.persistence.cassandra.ParentWatchingCassandraMain;
import io.tandem.persistence.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher with its own Cassandra: CQL, restart on the same data, the pid file. */
class EmbeddedCassandraTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  @Test
  void rowsSurviveARestartAndThePidFileFollowsTheProcess() throws Exception {
    int[] ports = FreePorts.pick(2);
    Path pidFile = dataDir.resolve(CassandraPidFile.NAME);
    try (EmbeddedCassandra cassandra = EmbeddedCassandra.create(dataDir, ports[0], ports[1])) {
      cassandra.start();
      assertTrue(cassandra.isRunning());
      assertEquals("127.0.0.1:" + ports[0], cassandra.contactPoint());
      assertEquals(cassandra.pid(), Long.parseLong(Files.readString(pidFile).strip()));
      Path slack = Path.of("/proc/" + cassandra.pid() + "/timerslack_ns");
      if (Files.isRegularFile(slack)) {
        // Linux: the JVM runs with the default slack (250 µs), not the system's 50 µs
        assertEquals("250000", Files.readString(slack).strip());
      }
      try (CqlSession cql = open(cassandra)) {
        // one node: no dynamic snitch scoring replicas every 100 ms (the running settings)
        Row snitch =
            cql.execute("SELECT value FROM system_views.settings WHERE name = 'dynamic_snitch'")
                .one();
        assertEquals("false", snitch.getString("value"));
        cql.execute(
            "CREATE KEYSPACE restart_test"
                + " WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 1}");
        cql.execute("CREATE TABLE restart_test.notes (id int PRIMARY KEY, text text)");
        cql.execute("INSERT INTO restart_test.notes (id, text) VALUES (1, 'kept')");
      }

      int[] otherPorts = FreePorts.pick(2);
      EmbeddedCassandra intruder = EmbeddedCassandra.create(dataDir, otherPorts[0], otherPorts[1]);
      IllegalStateException refused = assertThrows(IllegalStateException.class, intruder::start);
      assertTrue(refused.getMessage().contains("already uses"), refused.getMessage());
      assertTrue(cassandra.isRunning());

      long firstPid = cassandra.pid();
      cassandra.stop();
      assertFalse(cassandra.isRunning());
      assertFalse(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false));
      assertFalse(Files.exists(pidFile));

      // a pid file left by a crash, naming a process that is not Cassandra (this JVM): ignored
      Files.writeString(pidFile, ProcessHandle.current().pid() + "\n");
      cassandra.start();
      assertNotEquals(firstPid, cassandra.pid());
      assertEquals(cassandra.pid(), Long.parseLong(Files.readString(pidFile).strip()));
      try (CqlSession cql = open(cassandra)) {
        Row row = cql.execute("SELECT text FROM restart_test.notes WHERE id = 1").one();
        assertEquals("kept", row.getString("text"));
      }
    }
    assertFalse(Files.exists(pidFile));
  }

  @Test
  void anOrphanNamedByThePidFileIsTerminatedButALiveLaunchersCassandraIsNot() throws Exception {
    List<String> identity =
        List.of(
            CassandraPidFile.MARKER_FLAG,
            CassandraPidFile.STORAGE_DIR_FLAG + dataDir.toAbsolutePath().normalize());

    // launched by this (live) JVM: the folder is in use
    List<String> owner =
        List.of(
            "-D" + ParentWatchingCassandraMain.PARENT_PID + "=" + ProcessHandle.current().pid());
    Process owned =
        JavaProcesses.start(
            dataDir.resolve("owned.out"), concat(identity, owner), BlockingMain.class);
    try {
      awaitOutput(dataDir.resolve("owned.out"), "BLOCKING", owned);
      CassandraPidFile.write(dataDir, owned.pid());
      assertThrows(IllegalStateException.class, () -> CassandraPidFile.reclaim(dataDir, TIMEOUT));
      assertTrue(owned.isAlive());
    } finally {
      owned.destroyForcibly().waitFor();
    }

    // no live launcher: an orphan, terminated and its pid file removed
    Process orphan =
        JavaProcesses.start(dataDir.resolve("orphan.out"), identity, BlockingMain.class);
    try {
      awaitOutput(dataDir.resolve("orphan.out"), "BLOCKING", orphan);
      CassandraPidFile.write(dataDir, orphan.pid());
      CassandraPidFile.reclaim(dataDir, TIMEOUT);
      assertFalse(orphan.isAlive());
      assertFalse(Files.exists(dataDir.resolve(CassandraPidFile.NAME)));
    } finally {
      orphan.destroyForcibly().waitFor();
    }
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  @Test
  void aStalePidFileOfADeadProcessIsRemoved() throws Exception {
    Process gone = JavaProcesses.start(dataDir.resolve("gone.out"), List.of(), BlockingMain.class);
    gone.destroyForcibly().waitFor();
    CassandraPidFile.write(dataDir, gone.pid());
    CassandraPidFile.reclaim(dataDir, TIMEOUT);
    assertFalse(Files.exists(dataDir.resolve(CassandraPidFile.NAME)));
  }

  @Test
  void aTimerSlackIsSetByAShellThatThenRunsTheJvmAndZeroLeavesTheSystemsOwn() {
    assertEquals(List.of(), EmbeddedCassandra.withTimerSlack(Duration.ZERO));
    List<String> wrapper = EmbeddedCassandra.withTimerSlack(Duration.ofNanos(250_000));
    if (Files.isRegularFile(EmbeddedCassandra.TIMER_SLACK_FILE)) {
      assertEquals("/bin/sh", wrapper.get(0));
      assertTrue(wrapper.get(2).contains("echo 250000 > /proc/self/timerslack_ns"), wrapper.get(2));
      assertTrue(wrapper.get(2).endsWith("exec \"$@\""), wrapper.get(2));
    } else {
      assertEquals(List.of(), wrapper);
    }
  }

  private static CqlSession open(EmbeddedCassandra cassandra) {
    return CqlSessions.open(
        cassandra.contactPoint(), CassandraSettings.EMBEDDED_DATACENTER, TIMEOUT);
  }

  static void awaitOutput(Path output, String text, Process process) {
    await()
        .atMost(TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (!process.isAlive()) {
                throw new AssertionError(
                    "exited with " + process.exitValue() + ": " + Files.readString(output));
              }
              return Files.exists(output) && Files.readString(output).contains(text);
            });
  }
}
