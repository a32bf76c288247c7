package io.tandem.node;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.NodeProcess;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.persistence.testing.FreePorts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dev banner's token (issue 18, item 10): a node process in dev mode writes it to a file only
 * its owner may read, prints the file's path, and no line of its output holds the token.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DevTokenFileTest {
  private final CassandraTestConfig cassandra;

  @TempDir Path dir;

  DevTokenFileTest(CassandraTestConfig cassandra) {
    this.cassandra = cassandra;
  }

  @Test
  void theDevTokenIsInAnOwnerOnlyFileAndNeverInTheLog() throws Exception {
    Path file = dir.resolve("run").resolve("dev-token");
    int[] free = FreePorts.pick(3);
    try (NodeProcess node =
        NodeProcess.start(
            "dev-token-file",
            cassandra,
            new NodeProcess.Ports(free[0], free[1], free[2]),
            Map.of("TANDEM_DEV_MODE", "true", "TANDEM_DEV_TOKEN_FILE", file.toString()))) {
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> Files.readString(node.log()).contains("Tandem node ready at"));
      String token = Files.readString(file).trim();
      assertTrue(token.startsWith("eyJ"), "a JWT in the file");
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

      String log = Files.readString(node.log());
      assertFalse(log.contains(token), "the token is in the node's output");
      assertTrue(log.contains(file.toAbsolutePath().toString()), "the banner names the file");
      assertTrue(log.contains("$(cat " + file.toAbsolutePath()), "and a curl that reads it");

      HttpResponse<String> status =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/status"))
                      .header("Authorization", "Bearer " + token)
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, status.statusCode(), "the file's token has every grant");
    }
  }
}
