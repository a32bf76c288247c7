package io.tandem.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.JwksServer;
import io.tandem.node.testing.OneNodeTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A node with an external issuer (issue 18, item 9): its RS256 tokens open the API, and verifying
 * them happens off the HTTP route threads, so an issuer whose key endpoint stalls holds up only the
 * requests waiting for its keys, never the node's other routes.
 */
class ExternalIssuerTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final JwksServer ISSUER = start();

  private static JwksServer start() {
    try {
      JwksServer server = new JwksServer();
      server.stall();
      return server;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  ExternalIssuerTest() {
    super(
        "tandem.auth.jwks-url = \"" + ISSUER.url() + "\"",
        "tandem.auth.issuer = \"" + JwksServer.ISSUER + "\"",
        "tandem.auth.audience = \"" + JwksServer.AUDIENCE + "\"",
        "tandem.auth.jwks-http-timeout = 60s",
        "tandem.http.rate-limit.requests-per-second = 1000",
        "tandem.http.rate-limit.burst = 1000");
  }

  @AfterAll
  void stopIssuer() {
    ISSUER.close();
  }

  @Test
  void aStalledIssuerHoldsUpItsTokensOnlyNotTheRoutes() throws Exception {
    String token = ISSUER.token("sam", "room:*:read", JwksServer.AUDIENCE);
    List<CompletableFuture<HttpResponse<String>>> waiting = new ArrayList<>();
    for (int i = 0; i < 32; i++) {
      waiting.add(
          HTTP.sendAsync(
              HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/sessions?kind=room&limit=1"))
                  .header("Authorization", "Bearer " + token)
                  .build(),
              HttpResponse.BodyHandlers.ofString()));
    }
    // the first verification is fetching the issuer's keys, which the issuer holds back
    await().atMost(Duration.ofSeconds(20)).until(() -> ISSUER.fetches() >= 1);

    for (int i = 0; i < 5; i++) {
      HttpResponse<String> health =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(node.httpUrl() + "/healthz"))
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, health.statusCode());
      HttpResponse<String> garbage =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/sessions?limit=1"))
                  .header("Authorization", "Bearer not-a-token")
                  .timeout(Duration.ofSeconds(3))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(401, garbage.statusCode(), "a token that needs no keys is answered at once");
    }
    assertTrue(
        waiting.stream().noneMatch(CompletableFuture::isDone), "the issuer's tokens still wait");

    ISSUER.release();
    for (CompletableFuture<HttpResponse<String>> r : waiting) {
      HttpResponse<String> answer = r.get(60, TimeUnit.SECONDS);
      assertEquals(200, answer.statusCode(), answer.body());
    }
  }
}
