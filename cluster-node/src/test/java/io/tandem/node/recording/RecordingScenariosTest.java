package io.tandem.node.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.datastax.oss.driver.api.core.CqlSession;
import com.datastax.oss.driver.api.core.cql.Row;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.replay.Replays;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.CassandraSettings;
import io.tandem.persistence.CqlSessions;
import io.tandem.persistence.blob.BlobRef;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.protocol.SessionId;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The three kinds of producers Tandem is built for, end to end on real WebSockets and the real
 * Cassandra: a 3D reconstruction publishing point-cloud shards (large payloads, content-addressed
 * in the blob store) with a full refetch every tenth image, an rrweb recorder (full snapshot,
 * periodic checkouts, incremental events), and a log stream (static scene and coordinate frame,
 * then frames past the live-buffer bound).
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RecordingScenariosTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int BUFFER = 256 * 1024;
  private static final int SHARD_BYTES = 100 * 1024;
  private static final int MAX_BYTES = 150_000;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private CassandraTestConfig cassandra;
  private String overrides;
  private TestNode node;
  private CqlSession cql;

  @BeforeAll
  void startNode(CassandraTestConfig cassandra) throws Exception {
    this.cassandra = cassandra;
    overrides =
        String.join(
            "\n",
            "tandem.recording.live-buffer-bytes = " + BUFFER,
            "tandem.recording.max-bytes = " + MAX_BYTES,
            "tandem.ws.max-frames-per-second = 100000",
            "tandem.ws.burst-frames = 100000");
    node = TestNode.start(cassandra, overrides);
    cql =
        CqlSessions.open(
            cassandra.contactPoint(),
            CassandraSettings.EMBEDDED_DATACENTER,
            Duration.ofSeconds(30));
  }

  @AfterAll
  void stopNode() throws Exception {
    cql.close();
    node.close();
  }

  private static WsClient client(TestNode on, String sub, String... subprotocols) {
    WsClient c = WsClient.connect(on.wsUrl(), subprotocols);
    c.hello(on.token(sub, "recording:*:publish recording:*:read"));
    return c;
  }

  private static String recording(String kind) {
    return "recording:" + kind + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Shard {@code k} of the reconstruction: 100 KiB, pseudo-random, the same for the same k. */
  private static byte[] shard(int k) {
    byte[] b = new byte[SHARD_BYTES];
    new Random(1000 + k).nextBytes(b);
    return b;
  }

  /** The payload's bytes equal {@code expected} (never printed: they are large). */
  private static void assertBytes(byte[] expected, JsonNode bytesNode, String what) {
    byte[] actual;
    try {
      actual = bytesNode.isMissingNode() || bytesNode.isNull() ? null : bytesNode.binaryValue();
    } catch (IOException e) {
      throw new AssertionError(what + ": bytes not decodable", e);
    }
    assertTrue(actual != null, what + ": no bytes");
    assertEquals(expected.length, actual.length, what + ": length");
    assertTrue(Arrays.equals(expected, actual), what + ": bytes differ");
  }

  private static boolean isType(JsonNode frame, String type) {
    return frame.path("type").asText().equals(type);
  }

  // ------------------------------------------------------------------ point cloud

  /** Image i's batch: a new shard, or (refetch) shard k of the full refetch on image 10. */
  private static ObjectNode shardFrame(
      WsClient c, String rec, int image, int shard, boolean refetch, boolean checkpoint) {
    ObjectNode p = WsClient.payload().put("checkpoint", checkpoint);
    ObjectNode e = p.putArray("events").addObject().put("image", image).put("shard", shard);
    if (refetch) {
      e.put("refetch", true);
    }
    p.put("bytes", shard(shard));
    return c.frame("publish", rec, p);
  }

  /** The expected stream: images 1-9 one shard each, image 10 a refetch of shards 1-10, 11-14. */
  private record Published(int image, int shard, boolean refetch) {}

  private static List<Published> pointCloudStream() {
    List<Published> out = new ArrayList<>();
    for (int image = 1; image <= 14; image++) {
      if (image == 10) {
        for (int k = 1; k <= 10; k++) {
          out.add(new Published(10, k, true));
        }
      } else {
        out.add(new Published(image, image, false));
      }
    }
    return out;
  }

  private static void assertShardBatch(Published expected, JsonNode batch, String what) {
    assertEquals(expected.image(), batch.at("/events/0/image").asInt(), what + ": image");
    assertEquals(expected.shard(), batch.at("/events/0/shard").asInt(), what + ": shard");
    assertEquals(expected.refetch(), batch.at("/events/0/refetch").asBoolean(), what);
    assertBytes(shard(expected.shard()), batch.path("bytes"), what);
  }

  @Test
  void pointCloudShardsAreStoredOnceAndALateViewerGetsTheRefetchAndTheShardsAfterIt()
      throws Exception {
    String rec = recording("pointcloud");
    List<Published> stream = pointCloudStream();
    try (WsClient producer = client(node, "reconstruction", "tandem.v1.cbor");
        WsClient live = client(node, "live", "tandem.v1.cbor")) {
      assertEquals("snapshot", producer.join(rec, "publisher").path("type").asText());
      assertEquals("snapshot", live.join(rec, "viewer").path("type").asText());
      List<ObjectNode> sent = new ArrayList<>();
      for (Published p : stream) {
        boolean checkpoint = p.refetch() && p.shard() == 1;
        ObjectNode f = shardFrame(producer, rec, p.image(), p.shard(), p.refetch(), checkpoint);
        producer.send(f);
        sent.add(f);
      }
      for (int i = 0; i < sent.size(); i++) {
        JsonNode ok = producer.replyTo(sent.get(i));
        assertEquals("ok", ok.path("type").asText(), "image batch " + i);
        assertEquals(i + 1, ok.at("/payload/seq").asLong(), "one seq per bytes-only batch");
      }

      // the live viewer got every batch with its bytes, in order
      for (int i = 0; i < stream.size(); i++) {
        JsonNode f = live.await(x -> isType(x, "events"), WAIT);
        assertEquals(i + 1, f.at("/payload/fromSeq").asLong());
        assertShardBatch(stream.get(i), f.path("payload"), "live batch " + (i + 1));
      }

      // a viewer joining after image 14 (JSON: base64) gets the refetch, then shards 11 to 14
      try (WsClient late = client(node, "late")) {
        JsonNode snap = late.join(rec, "viewer");
        JsonNode batches = snap.at("/payload/state/events");
        assertEquals(14, batches.size(), "ten refetched shards and four new ones");
        assertTrue(batches.get(0).path("checkpoint").asBoolean(), "it starts at the refetch");
        for (int i = 0; i < 14; i++) {
          assertShardBatch(stream.get(9 + i), batches.get(i), "late batch " + i);
        }
        for (JsonNode b : batches) {
          assertTrue(b.at("/events/0/image").asInt() >= 10, "no shard of images 1-9 by itself");
        }
      }

      // 23 payloads published, 14 distinct: one blob each, one chunk each
      Set<String> hashes = new HashSet<>();
      for (int k = 1; k <= 14; k++) {
        hashes.add(BlobRef.of(shard(k)).hash());
      }
      int stored = 0;
      for (String hash : hashes) {
        List<Row> rows =
            cql.execute(
                    "SELECT chunk, size, chunks FROM "
                        + cassandra.keyspace()
                        + ".blobs WHERE hash = ?",
                    hash)
                .all();
        assertEquals(1, rows.size(), "one chunk row for " + hash);
        assertEquals(SHARD_BYTES, rows.get(0).getLong("size"));
        stored++;
      }
      assertEquals(14, stored);
      long distinct =
          cql.execute("SELECT DISTINCT hash FROM " + cassandra.keyspace() + ".blobs").all().stream()
              .filter(r -> hashes.contains(r.getString("hash")))
              .count();
      assertEquals(14, distinct);

      // the journal holds references, not 2.3 MB of payloads
      String pid = Replays.persistenceId(SessionId.parse(rec));
      long journalBytes = 0;
      for (Row r :
          cql.execute(
              "SELECT event FROM "
                  + cassandra.keyspace()
                  + ".messages WHERE persistence_id = ? AND partition_nr = 0",
              pid)) {
        journalBytes += r.getByteBuffer("event").remaining();
      }
      assertTrue(journalBytes < 23 * 1024, "journal events are small: " + journalBytes + " bytes");

      ObjectNode end = producer.frame("end", rec, WsClient.payload());
      producer.send(end);
      JsonNode ended = producer.replyTo(end);
      assertEquals(24, ended.at("/payload/seq").asLong(), ended.toString());
    }

    // replay (CBOR) and export (NDJSON) give the bytes back, not the references
    try (WsClient viewer = client(node, "replayer", "tandem.v1.cbor")) {
      ObjectNode replay =
          viewer.frame("replay", rec, WsClient.payload().put("from", 1).put("speed", 0));
      viewer.send(replay);
      assertEquals("ok", viewer.replyTo(replay).path("type").asText());
      List<JsonNode> items = new ArrayList<>();
      while (true) {
        JsonNode f = viewer.await(x -> isType(x, "replay.events") || isType(x, "replay.end"), WAIT);
        if (isType(f, "replay.end")) {
          break;
        }
        f.at("/payload/items").forEach(items::add);
      }
      List<Long> seqs = new ArrayList<>();
      items.forEach(i -> seqs.add(i.path("seq").asLong()));
      assertEquals(24, items.size(), "23 batches and the end: " + seqs);
      for (int i = 0; i < 23; i++) {
        assertShardBatch(stream.get(i), items.get(i).at("/frame/payload"), "replayed " + i);
      }
    }
    HttpResponse<String> export =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/sessions/" + rec + "/events"))
                .header("Authorization", "Bearer " + node.token("ops", "recording:*:read"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, export.statusCode());
    String[] lines = export.body().split("\n");
    assertEquals(24, lines.length);
    for (int i = 0; i < 23; i++) {
      assertShardBatch(
          stream.get(i), WsClient.JSON.readTree(lines[i]).at("/frame/payload"), "exported " + i);
    }

    // a node that recovers the recording from the journal reads the payloads back before it
    // answers a join
    try (TestNode fresh = TestNode.start(cassandra, overrides);
        WsClient viewer = client(fresh, "after-restart")) {
      JsonNode snap = viewer.join(rec, "viewer");
      JsonNode batches = snap.at("/payload/state/events");
      assertEquals(14, batches.size());
      for (int i = 0; i < 14; i++) {
        assertShardBatch(stream.get(9 + i), batches.get(i), "recovered batch " + i);
      }
      assertTrue(snap.at("/payload/state/ended").asBoolean());
    }
  }

  @Test
  void aPayloadOverTheMaximumIsRefusedWithTooBig() {
    String rec = recording("toobig");
    try (WsClient producer = client(node, "big", "tandem.v1.cbor")) {
      producer.join(rec, "publisher");
      ObjectNode p = WsClient.payload().put("bytes", new byte[MAX_BYTES + 1]);
      p.putArray("events");
      ObjectNode f = producer.frame("publish", rec, p);
      producer.send(f);
      assertEquals("too_big", producer.replyTo(f).at("/payload/code").asText());
      ObjectNode ok = producer.frame("publish", rec, WsClient.payload().put("bytes", shard(99)));
      producer.send(ok);
      assertEquals(1, producer.replyTo(ok).at("/payload/seq").asLong(), "nothing was recorded");
    }
  }

  // ------------------------------------------------------------------ rrweb

  /** An rrweb batch: Meta + FullSnapshot (checkpoint) or incremental events. */
  private static ObjectNode rrwebFrame(WsClient c, String rec, int batch, boolean checkout) {
    ObjectNode p = WsClient.payload().put("checkpoint", checkout);
    ArrayNode events = p.putArray("events");
    long ts = 1_700_000_000_000L + batch * 100L;
    if (checkout) {
      events.addObject().put("type", 4).put("timestamp", ts).putObject("data").put("href", "/app");
      ObjectNode full = events.addObject().put("type", 2).put("timestamp", ts);
      full.putObject("data").put("checkout", batch).put("node", "<html>" + "x".repeat(2000));
    } else {
      for (int k = 0; k < 3; k++) {
        ObjectNode e = events.addObject().put("type", 3).put("timestamp", ts + k);
        e.putObject("data").put("source", 1).put("batch", batch).put("k", k);
      }
    }
    return c.frame("publish", rec, p);
  }

  @Test
  void rrwebALateJoinerStartsAtTheLatestCheckoutAndFollowsLive() {
    String rec = recording("rrweb");
    try (WsClient recorder = client(node, "rrweb-recorder")) {
      recorder.join(rec, "publisher");
      // batch 0 is the first full snapshot; a checkout every 40 batches
      ObjectNode last = null;
      for (int batch = 0; batch < 130; batch++) {
        last = rrwebFrame(recorder, rec, batch, batch % 40 == 0);
        recorder.send(last);
      }
      long seq = recorder.replyTo(last).at("/payload/seq").asLong();

      try (WsClient late = client(node, "support-agent", "tandem.v1.cbor")) {
        JsonNode snap = late.join(rec, "viewer");
        assertEquals(seq, snap.at("/payload/seq").asLong());
        JsonNode batches = snap.at("/payload/state/events");
        JsonNode first = batches.get(0);
        assertTrue(first.path("checkpoint").asBoolean());
        assertEquals(4, first.at("/events/0/type").asInt(), "Meta first");
        assertEquals(2, first.at("/events/1/type").asInt(), "then the FullSnapshot");
        assertEquals(120, first.at("/events/1/data/checkout").asInt(), "the latest checkout");
        assertEquals(10, batches.size(), "the checkout and the nine batches after it");
        long next = first.path("fromSeq").asLong();
        for (JsonNode b : batches) {
          assertEquals(next, b.path("fromSeq").asLong(), "no gap");
          next += b.path("events").size();
          if (b != first) {
            assertFalse(b.path("checkpoint").asBoolean());
            assertEquals(3, b.at("/events/0/type").asInt(), "incremental");
          }
        }
        assertEquals(seq + 1, next);

        // and then follows live
        ObjectNode more = rrwebFrame(recorder, rec, 130, false);
        recorder.send(more);
        JsonNode live = late.await(x -> isType(x, "events"), WAIT);
        assertEquals(seq + 1, live.at("/payload/fromSeq").asLong());
        assertEquals(130, live.at("/payload/events/0/data/batch").asInt());
      }
    }
  }

  // ------------------------------------------------------------------ log stream

  @Test
  void aLogStreamsStaticBatchesSurviveTheBufferBound() throws Exception {
    String rec = recording("logstream");
    byte[] mesh = shard(500); // a static asset large enough for the blob store
    try (WsClient logger = client(node, "robot-logger")) {
      logger.join(rec, "publisher");
      ObjectNode scene = WsClient.payload().put("static", true);
      scene
          .putArray("events")
          .addObject()
          .put("entity", "world/robot")
          .put("kind", "scene")
          .put("mesh", "arm.glb");
      scene.put("bytes", mesh);
      ObjectNode sceneFrame = logger.frame("publish", rec, scene);
      logger.send(sceneFrame);
      ObjectNode frame = WsClient.payload().put("static", true);
      frame.putArray("events").addObject().put("frame", "world").put("up", "+Z");
      ObjectNode coordinates = logger.frame("publish", rec, frame);
      logger.send(coordinates);

      String pad = "p".repeat(2000);
      ObjectNode last = null;
      for (int i = 0; i < 300; i++) {
        ObjectNode p = WsClient.payload().put("checkpoint", i % 50 == 0);
        p.putArray("events").addObject().put("t", i).put("joint", "elbow").put("pad", pad);
        last = logger.frame("publish", rec, p);
        logger.send(last);
      }
      JsonNode sceneOk = logger.replyTo(sceneFrame);
      assertEquals(1, sceneOk.at("/payload/seq").asLong(), sceneOk.toString());
      assertEquals(2, logger.replyTo(coordinates).at("/payload/seq").asLong());
      assertEquals(302, logger.replyTo(last).at("/payload/seq").asLong());

      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/sessions/" + rec))
                  .header("Authorization", "Bearer " + node.token("ops", "recording:*:read"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      JsonNode summary = WsClient.JSON.readTree(r.body());
      assertTrue(summary.get("droppedBytes").asLong() > 0, "the bound was exceeded");
      assertTrue(summary.get("liveBufferBytes").asLong() <= BUFFER);

      try (WsClient late = client(node, "operator")) {
        JsonNode state = late.join(rec, "viewer").at("/payload/state");
        JsonNode statics = state.path("static");
        assertEquals(2, statics.size(), "both static batches, sent once, long ago");
        assertEquals("world/robot", statics.get(0).at("/events/0/entity").asText());
        assertBytes(mesh, statics.get(0).path("bytes"), "the static mesh");
        assertEquals("+Z", statics.get(1).at("/events/0/up").asText());
        JsonNode events = state.path("events");
        assertEquals(253, events.get(0).path("fromSeq").asLong(), "the latest keyframe (t=250)");
        assertEquals(50, events.size());
      }
    }
  }
}
