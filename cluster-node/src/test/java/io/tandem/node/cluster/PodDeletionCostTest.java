package io.tandem.node.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import io.tandem.node.testing.TestNode;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each node keeps its pod's deletion cost in step with its age in the cluster: two real nodes (in
 * this JVM) patch their pods through an HTTP endpoint that stands in for the Kubernetes API (there
 * is no Kubernetes here; the test records the merge-patches it would receive). The oldest node gets
 * the highest cost; when it leaves, the next one takes its cost.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PodDeletionCostTest {
  private final List<String> patches = new ArrayList<>();
  private HttpServer api;
  private Path token;

  @BeforeAll
  void startApi() throws Exception {
    token = Files.createTempFile("sa-token", "");
    Files.writeString(token, "service-account-token\n");
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.createContext(
        "/api/v1/namespaces/",
        exchange -> {
          String body =
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          boolean authorized =
              "Bearer service-account-token"
                      .equals(exchange.getRequestHeaders().getFirst("Authorization"))
                  && "application/merge-patch+json"
                      .equals(exchange.getRequestHeaders().getFirst("Content-Type"));
          synchronized (patches) {
            patches.add(
                exchange.getRequestMethod()
                    + " "
                    + exchange.getRequestURI().getPath()
                    + " "
                    + body
                    + (authorized ? "" : " UNAUTHORIZED"));
          }
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    api.start();
  }

  @AfterAll
  void stopApi() throws Exception {
    api.stop(0);
    Files.deleteIfExists(token);
  }

  private String overrides(String pod, String seed) {
    return String.join(
        "\n",
        "tandem.cluster.pod-deletion-cost {",
        "  api-url = \"http://127.0.0.1:" + api.getAddress().getPort() + "\"",
        "  namespace = tandem",
        "  pod-name = " + pod,
        "  token-file = \"" + token + "\"",
        "  annotated-oldest = 3",
        "}",
        seed == null ? "" : "pekko.cluster.seed-nodes = [\"" + seed + "\"]");
  }

  private static String patch(String pod, int cost) {
    return "PATCH /api/v1/namespaces/tandem/pods/"
        + pod
        + " {\"metadata\":{\"annotations\":{\"controller.kubernetes.io/pod-deletion-cost\":\""
        + cost
        + "\"}}}";
  }

  private void awaitPatch(String expected) {
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              synchronized (patches) {
                assertTrue(patches.contains(expected), "no " + expected + " in " + patches);
              }
            });
  }

  @Test
  void theOldestPodCostsMostAndTheNextTakesOverWhenItLeaves(CassandraTestConfig cassandra)
      throws Exception {
    TestNode oldest = TestNode.start(cassandra, overrides("tandem-a", null));
    TestNode younger = null;
    try {
      awaitPatch(patch("tandem-a", 3));
      String seed = Cluster.get(oldest.system()).selfMember().address().toString();
      younger = TestNode.start(cassandra, overrides("tandem-b", seed));
      awaitPatch(patch("tandem-b", 2));
      oldest.close();
      oldest = null;
      awaitPatch(patch("tandem-b", 3));
      synchronized (patches) {
        assertEquals(
            0, patches.stream().filter(p -> p.endsWith("UNAUTHORIZED")).count(), "token sent");
      }
    } finally {
      if (younger != null) {
        younger.close();
      }
      if (oldest != null) {
        oldest.close();
      }
    }
  }
}
