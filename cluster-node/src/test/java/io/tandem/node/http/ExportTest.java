package io.tandem.node.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/sessions/{session}/events}: NDJSON, CBOR sequences, ETag and byte ranges. */
class ExportTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final CBORMapper CBOR = new CBORMapper();

  private String recording;
  private String token;

  @BeforeAll
  void setUp() throws Exception {
    token = node.token("ops", "recording:*:read");
    recording = "recording:export-" + UUID.randomUUID().toString().substring(0, 8);
    try (WsClient p = WsClient.connect(node.wsUrl())) {
      p.hello(node.token("pub", "recording:*:publish"));
      p.join(recording, "publisher");
      ObjectNode last = null;
      for (int i = 0; i < 120; i++) {
        ObjectNode payload = WsClient.payload().put("checkpoint", i % 20 == 0);
        payload.putArray("events").addObject().put("i", i).put("text", "event " + i);
        if (i % 30 == 0) {
          payload.put(
              "bytes", java.util.Base64.getEncoder().encodeToString(new byte[] {1, 2, (byte) i}));
        }
        last = p.frame("publish", recording, payload);
        p.send(last);
      }
      p.replyTo(last);
      ObjectNode end = p.frame("end", recording, WsClient.payload());
      p.send(end);
      assertEquals(121, p.replyTo(end).at("/payload/seq").asLong());
    }
  }

  private HttpResponse<byte[]> get(String query, String... headers) throws Exception {
    return export(recording, query, token, headers);
  }

  private HttpResponse<byte[]> export(
      String session, String query, String bearer, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(node.httpUrl() + "/v1/sessions/" + session + "/events" + query))
            .header("Authorization", "Bearer " + bearer);
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  @Test
  void ndjsonAndCborExportsHoldTheSameEvents() throws Exception {
    HttpResponse<byte[]> json = get("");
    assertEquals(200, json.statusCode());
    assertTrue(
        json.headers().firstValue("Content-Type").orElse("").startsWith("application/x-ndjson"));
    List<JsonNode> lines = new ArrayList<>();
    for (String line :
        new String(json.body(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
      lines.add(WsClient.JSON.readTree(line));
    }
    HttpResponse<byte[]> cbor = get("", "Accept", "application/cbor-seq");
    assertEquals(200, cbor.statusCode());
    assertEquals("application/cbor-seq", cbor.headers().firstValue("Content-Type").orElse(""));
    List<JsonNode> items = new ArrayList<>();
    try (JsonParser parser = CBOR.getFactory().createParser(cbor.body());
        MappingIterator<JsonNode> it = CBOR.readValues(parser, JsonNode.class)) {
      it.forEachRemaining(items::add);
    }
    assertEquals(121, lines.size(), "120 batches of one event and the end");
    assertEquals(lines.size(), items.size());
    for (int i = 0; i < lines.size(); i++) {
      assertEquals(i + 1, lines.get(i).get("seq").asLong());
      assertEquals(lines.get(i).get("seq"), items.get(i).get("seq"));
      assertEquals(lines.get(i).get("ts").asLong(), items.get(i).get("ts").asLong());
      assertEquals(lines.get(i).at("/frame/type"), items.get(i).at("/frame/type"));
      assertEquals(
          lines.get(i).at("/frame/payload/events"), items.get(i).at("/frame/payload/events"));
    }
    assertEquals("ended", lines.get(120).at("/frame/type").asText());
    byte[] fromJson =
        java.util.Base64.getDecoder().decode(lines.get(30).at("/frame/payload/bytes").asText());
    assertArrayEquals(new byte[] {1, 2, 30}, fromJson);
    assertArrayEquals(
        fromJson,
        items.get(30).at("/frame/payload/bytes").binaryValue(),
        "bytes are a byte string in CBOR");
    List<JsonNode> part = new ArrayList<>();
    for (String line :
        new String(get("?from=10&until=12").body(), java.nio.charset.StandardCharsets.UTF_8)
            .split("\n")) {
      part.add(WsClient.JSON.readTree(line));
    }
    assertEquals(List.of(10L, 11L, 12L), part.stream().map(n -> n.get("seq").asLong()).toList());
  }

  @Test
  void theExportSendsOneAcceptRangesAnswersHeadAndGivesA416InJson() throws Exception {
    HttpResponse<byte[]> whole = get("");
    assertEquals(
        List.of("bytes"),
        whole.headers().allValues("Accept-Ranges"),
        "one Accept-Ranges header: " + whole.headers().map());
    HttpResponse<byte[]> head =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(node.httpUrl() + "/v1/sessions/" + recording + "/events"))
                .header("Authorization", "Bearer " + token)
                .method("HEAD", HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, head.statusCode());
    assertEquals(0, head.body().length, "HEAD has no body");
    assertEquals(
        String.valueOf(whole.body().length),
        head.headers().firstValue("Content-Length").orElse(""),
        "HEAD says the GET's length");
    assertEquals(
        whole.headers().firstValue("ETag"), head.headers().firstValue("ETag"), "and its ETag");
    int total = whole.body().length;
    HttpResponse<byte[]> unsatisfiable =
        get("", "Range", "bytes=" + (total + 10) + "-" + (total + 20));
    assertEquals(416, unsatisfiable.statusCode());
    assertTrue(
        unsatisfiable
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("application/json"),
        unsatisfiable.headers().map().toString());
    JsonNode error = WsClient.JSON.readTree(unsatisfiable.body());
    assertEquals("bad_frame", error.path("code").asText(), error.toString());
    assertFalse(error.path("message").asText().isBlank());
    assertEquals(
        "bytes */" + total,
        unsatisfiable.headers().firstValue("Content-Range").orElse(""),
        "the 416 says the length");
  }

  @Test
  void rangesOfAnEndedRecordingReassembleToTheWhole() throws Exception {
    HttpResponse<byte[]> whole = get("");
    String etag = whole.headers().firstValue("ETag").orElseThrow();
    assertEquals("bytes", whole.headers().firstValue("Accept-Ranges").orElse(""));
    int total = whole.body().length;
    ByteArrayOutputStream pieces = new ByteArrayOutputStream();
    int step = 1000;
    for (int start = 0; start < total; start += step) {
      int end = Math.min(total, start + step) - 1;
      HttpResponse<byte[]> part = get("", "Range", "bytes=" + start + "-" + end);
      assertEquals(206, part.statusCode());
      assertEquals(
          "bytes " + start + "-" + end + "/" + total,
          part.headers().firstValue("Content-Range").orElse(""));
      pieces.writeBytes(part.body());
    }
    assertArrayEquals(
        whole.body(), pieces.toByteArray(), "the pieces are the whole, byte for byte");
    assertEquals(etag, get("").headers().firstValue("ETag").orElse(""), "the export is stable");
    assertEquals(304, get("", "If-None-Match", etag).statusCode());
    assertEquals(416, get("", "Range", "bytes=" + (total + 10) + "-").statusCode());
  }

  @Test
  void theExportNeedsTheReadGrant() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(node.httpUrl() + "/v1/sessions/" + recording + "/events"))
                .header("Authorization", "Bearer " + node.token("x", "room:*:read"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(403, r.statusCode());
    HttpResponse<byte[]> missing =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(
                        node.httpUrl()
                            + "/v1/sessions/recording:nope-"
                            + UUID.randomUUID()
                            + "/events"))
                .header("Authorization", "Bearer " + token)
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(404, missing.statusCode());
  }

  private static List<JsonNode> lines(HttpResponse<byte[]> r) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String line : new String(r.body(), java.nio.charset.StandardCharsets.UTF_8).split("\n")) {
      out.add(WsClient.JSON.readTree(line));
    }
    return out;
  }

  @Test
  void aRoomsExportCarriesItsRecordedPosesOnlyWhenAsked() throws Exception {
    String room = "room:export-xr-" + UUID.randomUUID().toString().substring(0, 8);
    String writer = node.token("w", "room:*:write");
    try (WsClient editor = WsClient.connect(node.wsUrl());
        WsClient headset = WsClient.connect(node.wsUrl())) {
      editor.hello(writer);
      editor.join(room, "editor");
      ObjectNode hello = WsClient.payload().put("token", writer);
      hello.putObject("client").put("name", "headset").put("kind", "xr");
      ObjectNode h = headset.frame("hello", null, hello);
      headset.send(h);
      headset.replyTo(h);
      headset.join(room, "editor");
      editor.set(room, "a", 1);
      for (int i = 1; i <= 2; i++) {
        ObjectNode pose = WsClient.payload().put("t", i);
        pose.putObject("head").putArray("p").add(i).add(1.6).add(0);
        ObjectNode f = headset.frame("pose", room, pose);
        f.remove("ref");
        headset.send(f);
        // the tick that carries it reached the editor: it is recorded before the next change
        double t = i;
        editor.await(
            x -> "poses".equals(x.path("type").asText()) && x.toString().contains("\"t\":" + t),
            Duration.ofSeconds(10));
        editor.set(room, "n" + i, i);
      }
    }
    List<JsonNode> plain = lines(export(room, "", writer));
    assertEquals(List.of(1L, 2L, 3L), plain.stream().map(n -> n.get("seq").asLong()).toList());

    List<JsonNode> withPoses = lines(export(room, "?poses=true", writer));
    assertEquals(
        List.of("delta", "poses", "delta", "poses", "delta"),
        withPoses.stream().map(n -> n.at("/frame/type").asText()).toList(),
        "each recorded tick between the changes it came between");
    assertTrue(!withPoses.get(1).has("seq"), "a tick has no seq");
    assertTrue(withPoses.get(1).get("ts").asLong() >= withPoses.get(0).get("ts").asLong());
    assertEquals(
        2.0, withPoses.get(3).at("/frame/payload/poses").elements().next().path("t").asDouble());
    // from=2: the ticks recorded after seq 1, then seqs 2 and 3
    assertEquals(
        List.of("poses", "delta", "poses", "delta"),
        lines(export(room, "?from=2&poses=true", writer)).stream()
            .map(n -> n.at("/frame/type").asText())
            .toList());
    assertEquals(400, export(room, "?poses=maybe", writer).statusCode());
  }
}
