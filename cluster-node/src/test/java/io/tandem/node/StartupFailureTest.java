package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.NodeProcess;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.persistence.testing.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node that cannot start ends, with exit code 1 and the reason in its log, rather than living on
 * without serving (its settings are read and checked before anything is started, so neither the
 * embedded Cassandra nor the metrics keep a broken node's JVM up). Real node JVMs; no Cassandra is
 * needed, nothing gets that far.
 */
class StartupFailureTest {
  private static final CassandraTestConfig NOWHERE =
      new CassandraTestConfig("127.0.0.1:" + FreePorts.pick(1)[0], "never_used");

  /** The node's log, once it has ended with code 1 and {@code reason}. */
  private static String assertEndsWith(String name, Map<String, String> env, String reason)
      throws Exception {
    int[] p = FreePorts.pick(3);
    try (NodeProcess node =
        NodeProcess.launch(name, NOWHERE, new NodeProcess.Ports(p[0], p[1], p[2]), env)) {
      assertTrue(node.awaitExit(Duration.ofSeconds(60)), name + " is still running");
      assertEquals(1, node.exitValue());
      String log = Files.readString(node.log());
      assertTrue(log.contains("the node could not start"), log);
      assertTrue(log.contains(reason), log);
      return log;
    }
  }

  @Test
  void aMapValueLimitThatNoPartCanHoldStopsTheNodeAndSaysWhich() throws Exception {
    assertEndsWith(
        "bad-map-limits",
        Map.of("TANDEM_MAP_PART_BYTES", "49152"),
        "tandem.map.max-value-bytes (65536) must leave 300 bytes for its key and frame in one"
            + " part: tandem.map.part-bytes (49152");
  }

  @Test
  void aNodeWithAnEmbeddedCassandraStopsBeforeStartingIt() throws Exception {
    // before the fix the embedded Cassandra started first, and its process kept the broken node
    // alive for ever after the settings failed
    Path data = Files.createTempDirectory("tandem-bad-settings");
    String log =
        assertEndsWith(
            "bad-settings-embedded",
            Map.of(
                "TANDEM_CASSANDRA_CONTACT_POINTS", "",
                "TANDEM_DATA_DIR", data.toString(),
                "TANDEM_MAP_PART_BYTES", "49152"),
            "tandem.map.part-bytes (49152");
    assertFalse(log.contains("starting the embedded Cassandra"), log);
  }

  @Test
  void noTokenKeyOutsideDevModeStopsTheNode() throws Exception {
    assertEndsWith(
        "no-token-key",
        Map.of("TANDEM_AUTH_HS256_SECRET", "", "TANDEM_DEV_MODE", "false"),
        "no token key");
  }
}
