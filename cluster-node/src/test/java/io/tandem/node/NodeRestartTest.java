package io.tandem.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.NodeProcess;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.persistence.testing.FreePorts;
import java.net.http.HttpClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node in its own JVM ({@code io.tandem.node.Main}, as operators run it), stopped gracefully or
 * killed with SIGKILL, then started again on the same Cassandra keyspace: every acknowledged change
 * is still there.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeRestartTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final CassandraTestConfig cassandra;

  NodeRestartTest(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
  }

  @Test
  void aKilledNodeLosesNoAcknowledgedChange() throws Exception {
    restartKeepsEveryAcknowledgedChange("kill", true);
  }

  @Test
  void aStoppedNodeLosesNoAcknowledgedChange() throws Exception {
    restartKeepsEveryAcknowledgedChange("stop", false);
  }

  private void restartKeepsEveryAcknowledgedChange(String label, boolean kill) throws Exception {
    String room = "room:restart-" + label + "-" + System.nanoTime();
    int[] free = FreePorts.pick(3);
    NodeProcess.Ports ports = new NodeProcess.Ports(free[0], free[1], free[2]);
    NodeProcess first = NodeProcess.start(label + "-1", cassandra, ports);
    long lastAcked;
    String epoch;
    try (WsClient c = WsClient.connect(first.wsUrl())) {
      c.hello(NodeProcess.token("ops", "room:*:write"));
      epoch = c.join(room, "editor").at("/payload/epoch").asText();
      lastAcked = 0;
      for (int i = 1; i <= 30; i++) {
        JsonNode ok = c.set(room, "items.i" + i, i);
        assertEquals("ok", ok.path("type").asText(), ok.toString());
        lastAcked = ok.at("/payload/seq").asLong();
      }
    }
    if (kill) {
      first.kill();
    } else {
      first.stop();
    }
    NodeProcess second = NodeProcess.start(label + "-2", cassandra, ports);
    try (WsClient c = WsClient.connect(second.wsUrl())) {
      c.hello(NodeProcess.token("ops", "room:*:write"));
      JsonNode snap = c.join(room, "viewer");
      assertEquals(lastAcked, snap.at("/payload/seq").asLong());
      assertEquals(epoch, snap.at("/payload/epoch").asText(), "the same history");
      JsonNode items = snap.at("/payload/state/doc/items");
      assertEquals(30, items.size());
      for (int i = 1; i <= 30; i++) {
        assertEquals(i, items.get("i" + i).asInt());
      }
    } finally {
      second.stop();
    }
  }
}
