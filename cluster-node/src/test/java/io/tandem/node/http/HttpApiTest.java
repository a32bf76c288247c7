package io.tandem.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Protocol section 9 over real HTTP against a node in dev mode. */
class HttpApiTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final String prefix = "h" + UUID.randomUUID().toString().substring(0, 6);

  HttpApiTest() {
    super("tandem.dev-mode = true");
  }

  private HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.httpUrl() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return WsClient.JSON.readTree(r.body());
  }

  @Test
  void healthAndReadiness() throws Exception {
    assertEquals(200, get("/healthz", null).statusCode());
    assertEquals(200, get("/readyz", null).statusCode());
  }

  @Test
  void sessionsAreListedForTheGrantsOfTheToken() throws Exception {
    String mine = "room:" + prefix + "-list";
    String other = "room:" + prefix + "x-other";
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.hello(node.token("alice", "room:*:write"));
      c.join(mine, "editor");
      c.set(mine, "a", 1);
      c.set(mine, "b", 2);
      c.join(other, "editor");
      String reader = node.token("bob", "room:" + prefix + "-*:read");
      // the session index is written just after the room's creation
      JsonNode row =
          await()
              .atMost(Duration.ofSeconds(10))
              .until(
                  () -> {
                    JsonNode list = json(get("/v1/sessions?kind=room", reader));
                    JsonNode found = null;
                    for (JsonNode s : list.get("sessions")) {
                      assertFalse(
                          s.get("session").asText().equals(other),
                          "a room without a grant is hidden");
                      if (s.get("session").asText().equals(mine)) {
                        found = s;
                      }
                    }
                    return found;
                  },
                  java.util.Objects::nonNull);
      assertEquals(2, row.get("seq").asLong(), "live figures: the room runs on this node");
      assertEquals(1, row.get("members").asInt());
      assertTrue(row.get("created").asLong() > 0);
      assertTrue(row.get("lastActivity").asLong() >= row.get("created").asLong());

      HttpResponse<String> one = get("/v1/sessions/" + mine, reader);
      assertEquals(200, one.statusCode());
      JsonNode body = json(one);
      assertEquals(mine, body.get("session").asText());
      assertEquals(2, body.get("seq").asLong());
      assertFalse(body.get("epoch").asText().isEmpty());
      assertEquals("editor", body.get("members").elements().next().get("role").asText());
    }
  }

  @Test
  void errorsAreJsonWithTheirStatus() throws Exception {
    String reader = node.token("bob", "room:" + prefix + "-*:read");
    HttpResponse<String> none = get("/v1/sessions", null);
    assertEquals(401, none.statusCode());
    assertEquals("unauthorized", json(none).get("code").asText());
    assertEquals(401, get("/v1/sessions", "not-a-token").statusCode());
    HttpResponse<String> missing = get("/v1/sessions/room:" + prefix + "-never", reader);
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", json(missing).get("code").asText());
    HttpResponse<String> forbidden = get("/v1/sessions/room:elsewhere", reader);
    assertEquals(403, forbidden.statusCode());
    assertEquals("forbidden", json(forbidden).get("code").asText());
    assertEquals(400, get("/v1/sessions/notasession", reader).statusCode());
  }

  @Test
  void devTokensAreMintedForLoopbackCallersAndWork() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/dev/token"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"sub\":\"dana\",\"scope\":\"room:*:write\",\"ttlSeconds\":60}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    String token = json(r).get("token").asText();
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      assertEquals("dana", c.hello(token).at("/payload/principal").asText());
    }
    HttpResponse<String> bad =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/dev/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"scope\":\"room:*:write\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, bad.statusCode());
  }
}
