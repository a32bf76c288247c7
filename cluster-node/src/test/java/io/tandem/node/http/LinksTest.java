package io.tandem.node.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Signed links ({@code POST /v1/links}, protocol 9): a link opens the export of a session or an
 * asset without a token, with ranges, ETag and {@code If-None-Match} as with the token; an altered,
 * expired or moved link gets 403 JSON; a link is only made for what the caller may read, for at
 * most {@code max-ttl} (1 h here, crossed) and never past the caller's token.
 */
class LinksTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private String recording;
  private String other;
  private String reader;

  LinksTest() {
    super("tandem.links.max-ttl = 1h");
  }

  @BeforeAll
  void publishTwoEndedRecordings() throws Exception {
    reader = node.token("reader", "recording:links-*:read");
    String suffix = UUID.randomUUID().toString().substring(0, 8);
    recording = "recording:links-" + suffix;
    other = "recording:links-other-" + suffix;
    try (WsClient p = WsClient.connect(node.wsUrl())) {
      p.hello(node.token("pub", "recording:*:publish"));
      for (String rec : new String[] {recording, other}) {
        p.join(rec, "publisher");
        ObjectNode last = null;
        for (int i = 0; i < 60; i++) {
          ObjectNode payload = WsClient.payload().put("checkpoint", i % 10 == 0);
          payload.putArray("events").addObject().put("i", i).put("text", "event " + i);
          last = p.frame("publish", rec, payload);
          p.send(last);
        }
        p.replyTo(last);
        ObjectNode end = p.frame("end", rec, WsClient.payload());
        p.send(end);
        p.assertReply(end, "ok");
      }
    }
  }

  private HttpResponse<String> link(String path, Object ttlSeconds, String bearer)
      throws Exception {
    ObjectNode body = WsClient.JSON.createObjectNode().put("path", path);
    if (ttlSeconds != null) {
      body.set("ttlSeconds", WsClient.JSON.valueToTree(ttlSeconds));
    }
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/links"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
    if (bearer != null) {
      b.header("Authorization", "Bearer " + bearer);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonNode signed(String path, long ttlSeconds, String bearer) throws Exception {
    HttpResponse<String> res = link(path, ttlSeconds, bearer);
    assertEquals(200, res.statusCode(), res.body());
    return WsClient.JSON.readTree(res.body());
  }

  /** A GET without any Authorization header. */
  private static HttpResponse<byte[]> open(String url, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> bearerExport(String session, String... headers) throws Exception {
    String[] all = Arrays.copyOf(headers, headers.length + 2);
    all[headers.length] = "Authorization";
    all[headers.length + 1] = "Bearer " + reader;
    return open(node.httpUrl() + "/v1/sessions/" + session + "/events", all);
  }

  private static void assertForbidden(HttpResponse<byte[]> res, String what) throws Exception {
    assertEquals(403, res.statusCode(), what);
    assertTrue(
        res.headers().firstValue("Content-Type").orElse("").startsWith("application/json"), what);
    assertEquals("forbidden", WsClient.JSON.readTree(res.body()).path("code").asText(), what);
  }

  @Test
  void aLinkOpensTheExportWithoutATokenWithRangesAndValidatorsAsWithTheToken() throws Exception {
    JsonNode made = signed("/v1/sessions/" + recording + "/events", 600, reader);
    String url = made.path("url").asText();
    assertTrue(url.startsWith(node.httpUrl() + "/v1/sessions/" + recording + "/events?"), url);
    long expires = made.path("expires").asLong();
    long now = System.currentTimeMillis();
    assertTrue(expires > now + 590_000 && expires <= now + 600_000, "expires in 10 min: " + made);

    HttpResponse<byte[]> withToken = bearerExport(recording);
    HttpResponse<byte[]> whole = open(url);
    assertEquals(200, whole.statusCode());
    assertArrayEquals(withToken.body(), whole.body(), "the same export as with the token");
    String etag = whole.headers().firstValue("ETag").orElseThrow();
    assertEquals(withToken.headers().firstValue("ETag").orElseThrow(), etag);
    assertEquals("bytes", whole.headers().firstValue("Accept-Ranges").orElse(""));
    assertEquals("*", whole.headers().firstValue("Access-Control-Allow-Origin").orElse(""));

    int total = whole.body().length;
    ByteArrayOutputStream pieces = new ByteArrayOutputStream();
    for (int start = 0; start < total; start += 700) {
      int end = Math.min(total, start + 700) - 1;
      HttpResponse<byte[]> part = open(url, "Range", "bytes=" + start + "-" + end);
      assertEquals(206, part.statusCode());
      assertEquals(
          "bytes " + start + "-" + end + "/" + total,
          part.headers().firstValue("Content-Range").orElse(""));
      pieces.writeBytes(part.body());
    }
    assertArrayEquals(whole.body(), pieces.toByteArray(), "the ranges make the whole");
    assertEquals(304, open(url, "If-None-Match", etag).statusCode());
    assertEquals(416, open(url, "Range", "bytes=" + (total + 5) + "-").statusCode());

    HttpResponse<Void> head =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertEquals(200, head.statusCode());
    assertEquals(
        String.valueOf(total), head.headers().firstValue("Content-Length").orElse(""), "HEAD");

    // the preflight of a viewer on another origin that sends Range
    HttpResponse<Void> preflight =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://viewer.example")
                .header("Access-Control-Request-Method", "GET")
                .header("Access-Control-Request-Headers", "range")
                .build(),
            HttpResponse.BodyHandlers.discarding());
    assertEquals(204, preflight.statusCode());
    assertTrue(
        preflight
            .headers()
            .firstValue("Access-Control-Allow-Headers")
            .orElse("")
            .contains("Range"));
  }

  @Test
  void anAlteredLinkOrOneMovedToAnotherPathGets403() throws Exception {
    String url =
        signed("/v1/sessions/" + recording + "/events?from=5", 600, reader).path("url").asText();
    HttpResponse<byte[]> ok = open(url);
    assertEquals(200, ok.statusCode());
    assertTrue(
        new String(ok.body(), StandardCharsets.UTF_8).startsWith("{\"seq\":5,"), "from=5 kept");

    int at = url.indexOf("link-sig=") + "link-sig=".length();
    char c = url.charAt(at);
    String altered = url.substring(0, at) + (c == 'A' ? 'B' : 'A') + url.substring(at + 1);
    assertForbidden(open(altered), "one character of the signature changed");
    assertForbidden(open(url.replace("from=5", "from=1")), "another from");
    assertForbidden(open(url.replace(recording, other)), "another recording, same signature");
    long exp = Long.parseLong(url.replaceAll(".*link-expires=([0-9]+).*", "$1"));
    assertForbidden(
        open(url.replace("link-expires=" + exp, "link-expires=" + (exp + 3_600_000))),
        "a later expiry");
    assertForbidden(open(url.replace("link-grant=", "link-grant=x")), "another grant");
    assertForbidden(open(url.replaceAll("&link-sig=[^&]*", "") + "&link-sig="), "no signature");
    assertForbidden(open(url + "&link-sig=x"), "two signatures");
    // the link never writes: a PUT goes by the bearer token, and there is none
    HttpResponse<byte[]> put =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        node.httpUrl()
                            + "/v1/assets/x?"
                            + url.substring(url.indexOf("link-expires"))))
                .PUT(HttpRequest.BodyPublishers.ofByteArray(new byte[] {1}))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(401, put.statusCode());
  }

  @Test
  void aLinkEndsWithTheCallersTokenAndThenGets403() throws Exception {
    Instant issued = Instant.now();
    String shortLived =
        node.token("brief", "recording:links-*:read", Duration.ofSeconds(3), issued);
    JsonNode made = signed("/v1/sessions/" + recording + "/events", 3600, shortLived);
    long tokenExp = issued.plusSeconds(3).getEpochSecond() * 1000;
    assertEquals(tokenExp, made.path("expires").asLong(), "clamped to the token's exp");
    String url = made.path("url").asText();
    await()
        .atMost(Duration.ofSeconds(15))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> open(url).statusCode() == 403);
    HttpResponse<byte[]> expired = open(url);
    assertForbidden(expired, "expired");
    assertTrue(
        WsClient.JSON.readTree(expired.body()).path("message").asText().contains("expired"),
        "says why");
  }

  @Test
  void linksAreMadeOnlyForReadableLinkablePathsWithinTheLimits() throws Exception {
    String path = "/v1/sessions/" + recording + "/events";
    assertEquals(401, link(path, 60, null).statusCode(), "no token");
    assertEquals(
        403,
        link(path, 60, node.token("x", "recording:elsewhere-*:read")).statusCode(),
        "no read grant");
    assertEquals(
        403,
        link(path, 60, node.token("x", "recording:*:publish")).statusCode(),
        "publish is not read");
    assertEquals(400, link(path, 3601, reader).statusCode(), "past max-ttl (1h here)");
    assertEquals(200, link(path, 3600, reader).statusCode(), "max-ttl itself");
    assertEquals(400, link(path, 0, reader).statusCode());
    assertEquals(400, link(path, "soon", reader).statusCode());
    assertEquals(400, link("/v1/sessions/" + recording, 60, reader).statusCode(), "not linkable");
    assertEquals(400, link("/v1/status", 60, reader).statusCode());
    assertEquals(400, link("http://evil.example/v1/assets/a", 60, reader).statusCode());
    assertEquals(400, link("/v1/sessions/nope/events", 60, reader).statusCode());
    assertEquals(400, link(path + "?link-grant=node:*:admin", 60, reader).statusCode());
    HttpResponse<String> noPath =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/links"))
                .header("Authorization", "Bearer " + reader)
                .POST(HttpRequest.BodyPublishers.ofString("{\"ttlSeconds\": 5}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(400, noPath.statusCode());
    assertEquals("bad_frame", WsClient.JSON.readTree(noPath.body()).path("code").asText());
    JsonNode defaulted = WsClient.JSON.readTree(link(path, null, reader).body());
    assertTrue(
        defaulted.path("expires").asLong() <= System.currentTimeMillis() + 600_000,
        "ttlSeconds defaults to 600");
  }

  @Test
  void anAssetLinkServesTheAssetWithRanges() throws Exception {
    String id = "linked-" + UUID.randomUUID().toString().substring(0, 8);
    byte[] glb = new byte[50_000];
    new Random(7).nextBytes(glb);
    HttpResponse<byte[]> put =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/assets/" + id))
                .header("Authorization", "Bearer " + node.token("p", "asset:*:publish"))
                .header("Content-Type", "model/gltf-binary")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(glb))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(201, put.statusCode());
    String assetReader = node.token("r", "asset:*:read");
    assertEquals(
        403,
        link("/v1/assets/" + id, 60, reader).statusCode(),
        "a recording grant does not read assets");
    String url = signed("/v1/assets/" + id + "?lod=high", 60, assetReader).path("url").asText();
    HttpResponse<byte[]> whole = open(url);
    assertEquals(200, whole.statusCode());
    assertArrayEquals(glb, whole.body());
    HttpResponse<byte[]> part = open(url, "Range", "bytes=100-199");
    assertEquals(206, part.statusCode());
    assertArrayEquals(Arrays.copyOfRange(glb, 100, 200), part.body());
    String etag = whole.headers().firstValue("ETag").orElseThrow();
    assertEquals(304, open(url, "If-None-Match", etag).statusCode());
    assertForbidden(open(url.replace(id, id + "x")), "another asset");
  }
}
