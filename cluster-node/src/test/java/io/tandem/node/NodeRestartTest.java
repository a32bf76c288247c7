package io.tandem.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.persistence.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
    int[] ports = FreePorts.pick(2);
    NodeProcess first = NodeProcess.start(cassandra, ports[0], ports[1], label + "-1");
    long lastAcked;
    String epoch;
    try (WsClient c = WsClient.connect(first.wsUrl())) {
      c.hello(first.token());
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
    NodeProcess second = NodeProcess.start(cassandra, ports[0], ports[1], label + "-2");
    try (WsClient c = WsClient.connect(second.wsUrl())) {
      c.hello(second.token());
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

  /** A node JVM started with the same classpath as the tests. */
  static final class NodeProcess {
    private final Process process;
    private final int httpPort;

    private NodeProcess(Process process, int httpPort) {
      this.process = process;
      this.httpPort = httpPort;
    }

    static NodeProcess start(
        CassandraTestConfig cassandra, int httpPort, int clusterPort, String name)
        throws Exception {
      Path log = Files.createDirectories(Path.of("target", "node-logs")).resolve(name + ".log");
      String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      ProcessBuilder pb =
          new ProcessBuilder(
              java, "-Xmx256m", "-cp", System.getProperty("java.class.path"), Main.class.getName());
      Map<String, String> env = pb.environment();
      env.put("TANDEM_HTTP_PORT", Integer.toString(httpPort));
      env.put("TANDEM_CLUSTER_PORT", Integer.toString(clusterPort));
      env.put("TANDEM_CASSANDRA_CONTACT_POINTS", cassandra.contactPoint());
      env.put("TANDEM_CASSANDRA_KEYSPACE", cassandra.keyspace());
      env.put("TANDEM_AUTH_HS256_SECRET", TestNode.SECRET);
      env.put("TANDEM_DEV_MODE", "false");
      pb.redirectErrorStream(true).redirectOutput(log.toFile());
      NodeProcess node = new NodeProcess(pb.start(), httpPort);
      await()
          .atMost(Duration.ofSeconds(90))
          .pollInterval(Duration.ofMillis(250))
          .until(
              () -> {
                if (!node.process.isAlive()) {
                  throw new AssertionError("node exited, see " + log.toAbsolutePath());
                }
                return node.ready();
              });
      return node;
    }

    boolean ready() {
      try {
        HttpResponse<Void> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/readyz"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        return r.statusCode() == 200;
      } catch (Exception e) {
        return false;
      }
    }

    String wsUrl() {
      return "ws://127.0.0.1:" + httpPort + "/v1/ws";
    }

    String token() {
      return new io.tandem.node.auth.DevTokens(TestNode.SECRET)
          .mint("ops", "room:*:write", Duration.ofMinutes(10), java.time.Instant.now());
    }

    /** SIGKILL: no shutdown hook, no coordinated shutdown. */
    void kill() throws Exception {
      process.destroyForcibly();
      assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    }

    /** SIGTERM: coordinated shutdown drains and exits. */
    void stop() throws Exception {
      process.destroy();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("node did not stop on SIGTERM within 60 s");
      }
    }
  }
}
