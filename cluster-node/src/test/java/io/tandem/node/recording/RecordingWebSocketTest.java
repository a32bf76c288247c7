package io.tandem.node.recording;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.testing.OneNodeTest;
import io.tandem.node.testing.WsClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Live recordings end to end (protocol 4.3): a publisher and viewers on real WebSockets, the real
 * Cassandra journal.
 */
class RecordingWebSocketTest extends OneNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int BUFFER = 64 * 1024;

  RecordingWebSocketTest() {
    super(
        "tandem.recording.live-buffer-bytes = " + BUFFER,
        "tandem.ws.max-frames-per-second = 100000",
        "tandem.ws.burst-frames = 100000");
  }

  private WsClient client(String sub) {
    WsClient c = WsClient.connect(node.wsUrl());
    c.hello(node.token(sub, "recording:*:publish recording:*:read"));
    return c;
  }

  private static String recording() {
    return "recording:r-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** Event k of the rrweb-like stream; a checkpoint batch holds a "full snapshot". */
  private static ObjectNode publishFrame(
      WsClient c, String session, int from, int count, boolean checkpoint) {
    ObjectNode p = WsClient.payload();
    ArrayNode events = p.putArray("events");
    for (int k = from; k < from + count; k++) {
      events.addObject().put("type", checkpoint && k == from ? 2 : 3).put("n", k);
    }
    p.put("checkpoint", checkpoint);
    return c.frame("publish", session, p);
  }

  /**
   * What a viewer shows after applying batches: the events since the latest checkpoint (the
   * checkpoint replaces everything before it, like an rrweb full snapshot).
   */
  private static final class Viewer {
    final List<Integer> shown = new ArrayList<>();
    long lastSeq;

    void apply(JsonNode batch) {
      long from = batch.get("fromSeq").asLong();
      assertEquals(lastSeq + 1, from, "no gap and no repetition");
      if (batch.path("checkpoint").asBoolean()) {
        shown.clear();
      }
      batch.get("events").forEach(e -> shown.add(e.get("n").asInt()));
      lastSeq = from + batch.get("events").size() - 1;
    }
  }

  @Test
  void aLateViewerStartsAtTheLatestCheckpointAndEndsWithTheSameState() {
    String rec = recording();
    int total = 10_000;
    int perBatch = 10;
    try (WsClient publisher = client("producer");
        WsClient early = client("early")) {
      assertEquals("snapshot", publisher.join(rec, "publisher").path("type").asText());
      JsonNode first = early.join(rec, "viewer");
      assertEquals(0, first.at("/payload/seq").asLong());
      Viewer earlyView = new Viewer();

      List<ObjectNode> sent = new ArrayList<>();
      WsClient late = null;
      Viewer lateView = new Viewer();
      try {
        for (int from = 1; from <= total; from += perBatch) {
          ObjectNode f = publishFrame(publisher, rec, from, perBatch, (from - 1) % 500 == 0);
          publisher.send(f);
          sent.add(f);
          if (from + perBatch - 1 == 7_300) {
            // wait until event 7,300 is recorded, then a viewer joins late
            JsonNode ok = publisher.replyTo(f);
            assertEquals(7_300, ok.at("/payload/seq").asLong());
            late = client("late");
            JsonNode snap = late.join(rec, "viewer");
            long snapSeq = snap.at("/payload/seq").asLong();
            assertTrue(snapSeq >= 7_300);
            JsonNode batches = snap.at("/payload/state/events");
            assertTrue(batches.get(0).get("checkpoint").asBoolean(), "it starts at a checkpoint");
            assertEquals(7_001, batches.get(0).get("fromSeq").asLong(), "the latest one, 7,001");
            lateView.lastSeq = 7_000;
            batches.forEach(lateView::apply);
            assertEquals(snapSeq, lateView.lastSeq);
          }
        }
        for (ObjectNode f : sent) {
          if (f != sent.get(729)) {
            assertEquals("ok", publisher.replyTo(f).path("type").asText());
          }
        }
        ObjectNode end = publisher.frame("end", rec, WsClient.payload());
        publisher.send(end);
        assertEquals(total + 1, publisher.replyTo(end).at("/payload/seq").asLong());

        for (WsClient c : List.of(early, late)) {
          Viewer v = c == early ? earlyView : lateView;
          while (v.lastSeq < total) {
            JsonNode f = c.await(x -> x.path("type").asText().equals("events"), WAIT);
            v.apply(f.get("payload"));
          }
          JsonNode ended = c.await(x -> x.path("type").asText().equals("ended"), WAIT);
          assertEquals(total + 1, ended.at("/payload/seq").asLong());
        }
        assertEquals(earlyView.shown, lateView.shown, "both viewers show the same state");
        assertEquals(500, earlyView.shown.size());
        assertEquals(total, (int) earlyView.shown.get(earlyView.shown.size() - 1));

        ObjectNode tooLate = publishFrame(publisher, rec, total + 1, 1, false);
        publisher.send(tooLate);
        assertEquals("conflict", publisher.replyTo(tooLate).at("/payload/code").asText());
      } finally {
        if (late != null) {
          late.close();
        }
      }
    }
  }

  @Test
  void theLiveBufferBoundHoldsUnderAFastPublisherAndStaticBatchesSurvive() throws Exception {
    String rec = recording();
    String filler = "p".repeat(1000);
    try (WsClient publisher = client("fast")) {
      publisher.join(rec, "publisher");
      ObjectNode scene = WsClient.payload().put("static", true);
      scene.putArray("events").addObject().put("scene", "robot-arm").put("frame", "world");
      ObjectNode staticFrame = publisher.frame("publish", rec, scene);
      publisher.send(staticFrame);
      ObjectNode last = null;
      for (int i = 0; i < 400; i++) {
        ObjectNode p = WsClient.payload().put("checkpoint", i % 50 == 0);
        p.putArray("events").addObject().put("i", i).put("pad", filler);
        last = publisher.frame("publish", rec, p);
        publisher.send(last);
      }
      long lastSeq = publisher.replyTo(last).at("/payload/seq").asLong();
      assertEquals(401, lastSeq);

      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/sessions/" + rec))
                      .header("Authorization", "Bearer " + node.token("ops", "recording:*:read"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      JsonNode summary = WsClient.JSON.readTree(r.body());
      assertTrue(summary.get("liveBufferBytes").asLong() <= BUFFER, summary.toString());
      assertTrue(summary.get("droppedBytes").asLong() > 300_000, summary.toString());

      try (WsClient viewer = client("viewer")) {
        JsonNode snap = viewer.join(rec, "viewer");
        JsonNode statics = snap.at("/payload/state/static");
        assertEquals(1, statics.size(), "the static batch survived the bound");
        assertEquals("robot-arm", statics.get(0).at("/events/0/scene").asText());
        JsonNode events = snap.at("/payload/state/events");
        assertEquals(352, events.get(0).get("fromSeq").asLong(), "the latest checkpoint (i=350)");
        assertEquals(50, events.size());
        assertFalse(events.get(1).get("checkpoint").asBoolean());
      }
    }
  }

  @Test
  void viewersCannotPublishAndPublishersNeedTheGrant() {
    String rec = recording();
    // a publisher creates the recording (a viewer's join of a missing one gets not_found)
    try (WsClient publisher = client("p");
        WsClient viewer = client("v")) {
      assertEquals("snapshot", publisher.join(rec, "publisher").path("type").asText());
      assertEquals("snapshot", viewer.join(rec, "viewer").path("type").asText());
      ObjectNode f = publishFrame(viewer, rec, 1, 1, false);
      viewer.send(f);
      assertEquals("forbidden", viewer.replyTo(f).at("/payload/code").asText());
    }
    try (WsClient reader = WsClient.connect(node.wsUrl())) {
      reader.hello(node.token("r", "recording:*:read"));
      assertEquals("forbidden", reader.join(rec, "publisher").at("/payload/code").asText());
      assertEquals("forbidden", reader.join(rec, "editor").at("/payload/code").asText());
    }
  }

  @Test
  void aViewersJoinOfARecordingThatDoesNotExistGetsNotFoundAndCreatesNothing() throws Exception {
    String rec = recording();
    try (WsClient viewer = client("v")) {
      JsonNode refused = viewer.join(rec, "viewer");
      assertEquals("error", refused.path("type").asText(), refused.toString());
      assertEquals("not_found", refused.at("/payload/code").asText());
      assertEquals(rec, refused.path("session").asText());
      // not joined: nothing of the session reaches it, and a publish is refused as not joined
      ObjectNode f = publishFrame(viewer, rec, 1, 1, false);
      viewer.send(f);
      assertEquals("not_joined", viewer.replyTo(f).at("/payload/code").asText());
    }
    HttpResponse<String> one =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(node.httpUrl() + "/v1/sessions/" + rec))
                    .header("Authorization", "Bearer " + node.token("reader", "recording:*:read"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(404, one.statusCode(), "the viewer created nothing: " + one.body());
    // the publisher still creates it, and a viewer then joins
    try (WsClient publisher = client("p");
        WsClient viewer = client("v")) {
      assertEquals("snapshot", publisher.join(rec, "publisher").path("type").asText());
      assertEquals("snapshot", viewer.join(rec, "viewer").path("type").asText());
    }
  }

  @Test
  void aViewerResumesARecordingWithSince() {
    String rec = recording();
    try (WsClient publisher = client("p")) {
      publisher.join(rec, "publisher");
      ObjectNode f1 = publishFrame(publisher, rec, 1, 5, true);
      publisher.send(f1);
      publisher.replyTo(f1);
      String epoch;
      try (WsClient v = client("v")) {
        epoch = v.join(rec, "viewer").at("/payload/epoch").asText();
      }
      ObjectNode f2 = publishFrame(publisher, rec, 6, 5, false);
      publisher.send(f2);
      publisher.replyTo(f2);
      try (WsClient v = client("v")) {
        JsonNode snap = v.join(rec, "viewer", 3L, epoch);
        assertTrue(snap.at("/payload/recovered").asBoolean());
        Viewer view = new Viewer();
        view.lastSeq = 3;
        view.apply(v.await(x -> x.path("type").asText().equals("events"), WAIT).get("payload"));
        view.apply(v.await(x -> x.path("type").asText().equals("events"), WAIT).get("payload"));
        assertEquals(10, view.lastSeq);
        assertEquals(List.of(4, 5, 6, 7, 8, 9, 10), view.shown);
      }
    }
  }

  @Test
  void aViewerWhoseMissedBatchesLeftTheLiveBufferResumesFromTheJournal() {
    String rec = recording();
    String padding = "p".repeat(2048);
    try (WsClient publisher = client("p")) {
      publisher.join(rec, "publisher");
      String epoch;
      try (WsClient v = client("v")) {
        epoch = v.join(rec, "viewer").at("/payload/epoch").asText();
      }
      // 40 batches of 5 events (200 seqs in 41 journal events), a checkpoint every 4 batches, 10
      // KiB each: the 64 KiB live buffer keeps only the last few, so seqs 4 to 200 are in the
      // journal alone, where one event holds five seqs
      ObjectNode last = null;
      for (int b = 0; b < 40; b++) {
        last = publishFrame(publisher, rec, b * 5 + 1, 5, b % 4 == 0);
        for (JsonNode e : last.at("/payload/events")) {
          ((ObjectNode) e).put("pad", padding);
        }
        publisher.send(last);
      }
      assertEquals(200, publisher.replyTo(last).at("/payload/seq").asLong());
      try (WsClient v = client("v")) {
        JsonNode snap = v.join(rec, "viewer", 3L, epoch);
        assertTrue(snap.at("/payload/recovered").asBoolean(), snap.toString());
        List<Integer> seen = new ArrayList<>();
        long lastSeq = 3;
        while (lastSeq < 200) {
          JsonNode events =
              v.await(x -> x.path("type").asText().equals("events"), WAIT).get("payload");
          assertEquals(lastSeq + 1, events.get("fromSeq").asLong(), "no gap, no repeat");
          for (JsonNode e : events.get("events")) {
            seen.add(e.get("n").asInt());
          }
          lastSeq = events.get("fromSeq").asLong() + events.get("events").size() - 1;
        }
        assertEquals(197, seen.size());
        assertEquals(4, seen.get(0));
        assertEquals(200, seen.get(196));
      }
    }
  }
}
