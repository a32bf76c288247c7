package io.tandem.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.RawHttp;
import io.tandem.node.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Assets with levels of detail: {@code PUT /v1/assets/{id}?lod=} into the blob store (publish
 * grant), {@code GET} with a strong ETag (304) and byte ranges (206), a missing level served by the
 * other one.
 */
class AssetsTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  AssetsTest() {
    super("tandem.http.upload-timeout = 2s");
  }

  private HttpResponse<byte[]> put(String id, String lod, byte[] body, String token)
      throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/assets/" + id + "?lod=" + lod))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "model/gltf-binary")
            .PUT(HttpRequest.BodyPublishers.ofByteArray(body))
            .build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private HttpResponse<byte[]> get(String path, String token, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.httpUrl() + path))
            .header("Authorization", "Bearer " + token);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void publishedLevelsAreServedWithETagAndRanges() throws Exception {
    String id = "chair-" + UUID.randomUUID().toString().substring(0, 8);
    byte[] high = new byte[300_000];
    new Random(1).nextBytes(high);
    byte[] low = Arrays.copyOf(high, 20_000);
    String viewer = node.token("v", "asset:chair-*:read");
    String publisher = node.token("p", "asset:chair-*:publish");

    assertEquals(403, put(id, "high", high, viewer).statusCode(), "publishing needs the grant");
    assertEquals(404, get("/v1/assets/" + id, viewer).statusCode());
    assertEquals(201, put(id, "high", high, publisher).statusCode());

    // only high exists: a request for low gets high
    HttpResponse<byte[]> fallback = get("/v1/assets/" + id + "?lod=low", viewer);
    assertEquals(200, fallback.statusCode());
    assertEquals("high", fallback.headers().firstValue("X-Tandem-Lod").orElseThrow());
    assertEquals(201, put(id, "low", low, publisher).statusCode());

    HttpResponse<byte[]> full = get("/v1/assets/" + id + "?lod=high", viewer);
    assertEquals(200, full.statusCode());
    assertArrayEquals(high, full.body());
    assertEquals("model/gltf-binary", full.headers().firstValue("Content-Type").orElseThrow());
    String etag = full.headers().firstValue("ETag").orElseThrow();
    assertEquals(List.of("bytes"), full.headers().allValues("Accept-Ranges"), "one header");

    assertEquals(
        304, get("/v1/assets/" + id + "?lod=high", viewer, "If-None-Match", etag).statusCode());

    HttpResponse<byte[]> part =
        get("/v1/assets/" + id + "?lod=high", viewer, "Range", "bytes=1000-1999");
    assertEquals(206, part.statusCode());
    assertArrayEquals(Arrays.copyOfRange(high, 1000, 2000), part.body());
    assertEquals(
        "bytes 1000-1999/300000", part.headers().firstValue("Content-Range").orElseThrow());
    HttpResponse<byte[]> unsatisfiable =
        get("/v1/assets/" + id + "?lod=high", viewer, "Range", "bytes=400000-");
    assertEquals(416, unsatisfiable.statusCode());
    assertEquals(
        "bad_frame",
        io.tandem.node.testing.WsClient.JSON.readTree(unsatisfiable.body()).path("code").asText(),
        "a 416 is a JSON error");

    HttpResponse<byte[]> small = get("/v1/assets/" + id + "?lod=low", viewer);
    assertArrayEquals(low, small.body());
    assertEquals("low", small.headers().firstValue("X-Tandem-Lod").orElseThrow());

    assertEquals(401, get("/v1/assets/" + id, "not-a-token").statusCode());
    assertEquals(403, get("/v1/assets/" + id, node.token("x", "recording:*:read")).statusCode());
    // a room grant, even on every room, reads no asset; the asset's own grants do
    HttpResponse<byte[]> tenant = get("/v1/assets/" + id, node.token("t", "room:*:write"));
    assertEquals(403, tenant.statusCode());
    assertEquals("forbidden", WsClient.JSON.readTree(tenant.body()).path("code").asText());
    assertEquals(403, get("/v1/assets/" + id, node.token("o", "asset:other-*:read")).statusCode());
    assertEquals(200, get("/v1/assets/" + id, publisher).statusCode(), "publish includes read");
    assertEquals(200, get("/v1/assets/" + id, node.token("w", "asset:*:write")).statusCode());
  }

  @Test
  void theAssetLimitNotTheApiLimitBoundsAnUpload() throws Exception {
    String id = "big-" + UUID.randomUUID().toString().substring(0, 8);
    String publisher = node.token("p", "asset:big-*:publish");
    byte[] nine = new byte[9 * 1024 * 1024];
    new Random(2).nextBytes(nine);
    HttpResponse<byte[]> stored = put(id, "high", nine, publisher);
    assertEquals(201, stored.statusCode(), new String(stored.body()));
    assertEquals(
        nine.length, WsClient.JSON.readTree(stored.body()).path("size").asLong(), "9 MB stored");

    // over tandem.xr.max-asset-bytes (16 MiB): 413 JSON, before the body is read
    RawHttp.Response tooBig =
        RawHttp.send(
            "127.0.0.1",
            node.node().port(),
            "PUT /v1/assets/"
                + id
                + "?lod=low HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer "
                + publisher
                + "\r\nContent-Type: model/gltf-binary\r\nContent-Length: "
                + (17 * 1024 * 1024),
            new byte[0],
            Duration.ofSeconds(10));
    assertEquals(413, tooBig.status(), tooBig.body());
    assertEquals("too_big", tooBig.json().path("code").asText());

    // a body that stops arriving: 408 JSON after tandem.http.upload-timeout (2 s here)
    RawHttp.Response stalled =
        RawHttp.send(
            "127.0.0.1",
            node.node().port(),
            "PUT /v1/assets/"
                + id
                + "?lod=low HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Authorization: Bearer "
                + publisher
                + "\r\nContent-Type: model/gltf-binary\r\nContent-Length: 1000",
            new byte[10],
            Duration.ofSeconds(20));
    assertEquals(408, stalled.status(), stalled.body());
    assertEquals("timeout", stalled.json().path("code").asText());
  }
}
