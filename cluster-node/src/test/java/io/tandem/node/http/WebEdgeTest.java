package io.tandem.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.RawWs;
import io.tandem.node.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The node's HTTP edge as a browser and an operator meet it: the XR page's sample models, {@code
 * HEAD} wherever {@code GET} is served, the connection count of {@code /v1/status} after sockets
 * that never said hello, and the one name a node has in {@code welcome} and in the status.
 */
class WebEdgeTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final Duration WAIT = Duration.ofSeconds(20);

  WebEdgeTest() {
    super("tandem.dev-mode = true", "tandem.ws.hello-timeout = 1s");
  }

  private HttpResponse<byte[]> send(String method, String path, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private JsonNode status() throws Exception {
    HttpResponse<byte[]> r = send("GET", "/v1/status", node.token("ops", "node:*:admin"));
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    return WsClient.JSON.readTree(r.body());
  }

  @Test
  void theXrSampleModelsAreServedAsGltfBinary() throws Exception {
    for (String name : List.of("cube-high.glb", "cube-low.glb")) {
      HttpResponse<byte[]> r = send("GET", "/samples/" + name, null);
      assertEquals(200, r.statusCode(), name);
      assertEquals("model/gltf-binary", r.headers().firstValue("Content-Type").orElse(""), name);
      // a binary glTF starts with the magic "glTF" and version 2
      assertArrayEquals(
          "glTF".getBytes(StandardCharsets.US_ASCII), Arrays.copyOf(r.body(), 4), name);
      assertEquals(2, r.body()[4], name);
      HttpResponse<byte[]> head = send("HEAD", "/samples/" + name, null);
      assertEquals(200, head.statusCode());
      assertEquals(0, head.body().length);
      assertEquals(
          String.valueOf(r.body().length),
          head.headers().firstValue("Content-Length").orElse(""),
          name);
    }
    HttpResponse<byte[]> missing = send("GET", "/samples/cube-none.glb", null);
    assertEquals(404, missing.statusCode());
    assertEquals("not_found", WsClient.JSON.readTree(missing.body()).path("code").asText());
    assertEquals(404, send("GET", "/samples/..%2Findex.html", null).statusCode());
  }

  @Test
  void headIsAnsweredWhereverGetIs() throws Exception {
    String room = "room:head-" + UUID.randomUUID().toString().substring(0, 8);
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      c.hello(node.token("alice", "room:*:write"));
      c.join(room, "editor");
      c.set(room, "a", 1);
    }
    String reader = node.token("reader", "room:*:read");
    HttpResponse<byte[]> page = send("GET", "/", null);
    Matcher asset =
        Pattern.compile("\\./assets/([A-Za-z0-9._-]+\\.js)")
            .matcher(new String(page.body(), StandardCharsets.UTF_8));
    assertTrue(asset.find(), "the landing page names its script");
    List<String[]> gets =
        List.of(
            new String[] {"/", null},
            new String[] {"/room.html", null},
            new String[] {"/assets/" + asset.group(1), null},
            new String[] {"/v1/sessions?kind=room", reader},
            new String[] {"/v1/sessions/" + room, reader},
            new String[] {"/v1/sessions/" + room + "/events", reader},
            new String[] {"/healthz", null});
    List<String> wrong = new ArrayList<>();
    for (String[] g : gets) {
      HttpResponse<byte[]> get = send("GET", g[0], g[1]);
      HttpResponse<byte[]> head = send("HEAD", g[0], g[1]);
      if (get.statusCode() != 200
          || head.statusCode() != 200
          || head.body().length != 0
          || !get.headers()
              .firstValue("Content-Type")
              .equals(head.headers().firstValue("Content-Type"))) {
        wrong.add(g[0] + ": GET " + get.statusCode() + ", HEAD " + head.statusCode());
      }
    }
    assertEquals(List.of(), wrong);
    // HEAD keeps the GET's refusals, and they stay JSON where a body is sent
    assertEquals(401, send("HEAD", "/v1/sessions/" + room, null).statusCode());
    HttpResponse<byte[]> post = send("POST", "/v1/sessions/" + room, reader);
    assertEquals(405, post.statusCode());
    assertEquals("bad_frame", WsClient.JSON.readTree(post.body()).path("code").asText());
  }

  @Test
  void connectionsThatEndBeforeHelloAreNotCounted() throws Exception {
    await().atMost(WAIT).until(() -> status().path("connections").asInt() == 0);
    List<RawWs> abandoned = new ArrayList<>();
    List<RawWs> timedOut = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      abandoned.add(RawWs.connect(node.wsUrl()));
      timedOut.add(RawWs.connect(node.wsUrl()));
    }
    try (WsClient greeted = WsClient.connect(node.wsUrl())) {
      greeted.hello(node.token("alice", "room:*:read"));
      // five close their socket before any frame, five wait for the hello timeout (4408)
      abandoned.forEach(RawWs::close);
      for (RawWs ws : timedOut) {
        assertEquals(4408, ws.awaitClose(WAIT));
      }
      await().atMost(WAIT).until(() -> status().path("connections").asInt() == 1);
    } finally {
      timedOut.forEach(RawWs::close);
    }
    await().atMost(WAIT).until(() -> status().path("connections").asInt() == 0);
  }

  @Test
  void theWelcomesNodeIsFoundInTheStatus() throws Exception {
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      JsonNode welcome = c.hello(node.token("alice", "room:*:read"));
      String name = welcome.at("/payload/node").asText();
      assertTrue(name.matches("tandem@127\\.0\\.0\\.1:\\d+"), name);
      JsonNode status = status();
      assertEquals(name, status.path("node").asText(), "the status names this node the same way");
      List<String> members = new ArrayList<>();
      status.path("members").forEach(m -> members.add(m.path("address").asText()));
      assertTrue(members.contains(name), name + " among " + members);
      assertEquals(name, status.path("leader").asText());
      for (JsonNode region : status.path("shardRegions")) {
        region.path("cluster").fieldNames().forEachRemaining(n -> assertEquals(name, n));
      }
    }
    String room = "room:node-" + UUID.randomUUID().toString().substring(0, 8);
    try (WsClient c = WsClient.connect(node.wsUrl())) {
      String name = c.hello(node.token("alice", "room:*:write")).at("/payload/node").asText();
      c.join(room, "editor");
      HttpResponse<byte[]> one =
          send("GET", "/v1/sessions/" + room, node.token("reader", "room:*:read"));
      assertEquals(name, WsClient.JSON.readTree(one.body()).path("node").asText());
    }
    assertFalse(status().path("node").asText().startsWith("pekko://"));
  }
}
