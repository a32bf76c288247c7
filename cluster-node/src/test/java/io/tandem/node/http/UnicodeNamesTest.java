package io.tandem.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A name with letters outside ASCII, as a person types it on the landing page, round-trips
 * unchanged through a real node in dev mode: the dev token's {@code sub} and {@code name} claims
 * (UTF-8 in the body, UTF-8 in the JWT), {@code welcome.principal}, the member id in {@code
 * delta.by}, the member's name in a snapshot, and the export's lines (issue 13, item 5: "Alice
 * Ünïcode" had become "Alice-ncode").
 */
class UnicodeNamesTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String NAME = "Alice Ünïcode 李 🙂";

  UnicodeNamesTest() {
    super("tandem.dev-mode = true");
  }

  @Test
  void aNonAsciiNameRoundTripsThroughTokenWelcomeDeltaSnapshotAndExport() throws Exception {
    // the body as UTF-8 bytes with a bare application/json type, as browsers send it
    ObjectNode body = WsClient.JSON.createObjectNode();
    body.put("sub", NAME).put("name", NAME).put("scope", "room:*:write").put("ttlSeconds", 120);
    HttpResponse<String> minted =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/dev/token"))
                .header("Content-Type", "application/json")
                .POST(
                    HttpRequest.BodyPublishers.ofByteArray(
                        WsClient.JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8)))
                .build(),
            HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertEquals(200, minted.statusCode(), minted.body());
    String token = WsClient.JSON.readTree(minted.body()).get("token").asText();
    JsonNode claims =
        WsClient.JSON.readTree(
            new String(
                Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8));
    assertEquals(NAME, claims.get("sub").asText(), "sub claim");
    assertEquals(NAME, claims.get("name").asText(), "name claim");
    assertTrue(claims.get("dev").asBoolean(), "a dev token says so");

    String room = "room:unicode-" + UUID.randomUUID().toString().substring(0, 8);
    try (WsClient alice = WsClient.connect(node.wsUrl())) {
      ObjectNode p = WsClient.payload().put("token", token);
      p.putObject("client").put("name", NAME).put("kind", "browser");
      ObjectNode hello = alice.frame("hello", null, p);
      alice.send(hello);
      JsonNode welcome = alice.assertReply(hello, "welcome");
      assertEquals(NAME, welcome.at("/payload/principal").asText());

      assertEquals("snapshot", alice.join(room, "editor").path("type").asText());
      JsonNode ok = alice.set(room, "view.timeCursor", 12.5);
      assertEquals(1, ok.at("/payload/seq").asLong(), ok.toString());
      JsonNode delta = alice.awaitPush("delta");
      assertTrue(
          delta.at("/payload/by").asText().startsWith(NAME + "/"),
          "delta.by " + delta.at("/payload/by"));

      JsonNode snapshot;
      try (WsClient bob = WsClient.connect(node.wsUrl())) {
        bob.hello(node.token("bob", "room:*:write"));
        snapshot = bob.join(room, "viewer");
      }
      boolean named = false;
      for (JsonNode member : snapshot.at("/payload/members")) {
        named |= NAME.equals(member.path("name").asText());
      }
      assertTrue(named, "the snapshot's members name Alice as typed: " + snapshot);

      HttpResponse<String> export =
          HTTP.send(
              HttpRequest.newBuilder(
                      URI.create(node.httpUrl() + "/v1/sessions/" + room + "/events"))
                  .header("Authorization", "Bearer " + token)
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      assertEquals(200, export.statusCode(), export.body());
      // each line is JSON (characters outside the BMP may come as JSON escapes, which mean the
      // same)
      JsonNode line = WsClient.JSON.readTree(export.body().lines().findFirst().orElseThrow());
      assertTrue(
          line.at("/frame/payload/by").asText().startsWith(NAME + "/"),
          "the export names Alice as typed: " + export.body());
      assertTrue(export.body().contains("Alice Ünïcode 李"), "UTF-8 on the wire: " + export.body());
    }
  }

  private static Duration seconds(int s) {
    return Duration.ofSeconds(s);
  }
}
