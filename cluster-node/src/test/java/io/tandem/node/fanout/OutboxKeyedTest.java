package io.tandem.node.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.map.MapSizes;
import io.tandem.protocol.Changes;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A map's ephemeral values coalesce per key in the outbound stage (protocol 4.5 and 6): a reader
 * that stops gets the latest value of each key when it reads again, never the backlog, in frames
 * within the frame limit; no value overtakes a durable change queued before it; past the byte bound
 * the map gets {@code resync}. The reader is an actor sink that reads only when acknowledged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxKeyedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SessionId MAP = SessionId.map("keyed");
  private static final int MAX_FRAME = 16 * 1024;

  private final ActorTestKit kit =
      ActorTestKit.create(
          "OutboxKeyedTest",
          ConfigFactory.parseString("pekko.remote.artery.canonical.port = 0")
              .withFallback(ConfigFactory.load()));

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  sealed interface Read {}

  record Init(org.apache.pekko.actor.typed.ActorRef<Ack> ack) implements Read {}

  record Got(org.apache.pekko.actor.typed.ActorRef<Ack> ack, Message message) implements Read {}

  record Done() implements Read {}

  enum Ack {
    INSTANCE
  }

  private final List<SessionId> resyncs = new CopyOnWriteArrayList<>();

  private Outbox outbox(TestProbe<Read> reader, long maxBytes, OutboundStats stats) {
    Outbox outbox =
        Source.fromGraph(
                new OutboxStage(
                    Encoding.JSON,
                    FrameCodec.create(MAX_FRAME),
                    new OutboxQueue.Bounds(64, maxBytes, 64),
                    resyncs::add,
                    new AtomicReference<Pair<io.tandem.protocol.CloseCode, String>>(),
                    stats,
                    (frame, bytes) -> {}))
            .toMat(
                ActorSink.actorRefWithBackpressure(
                        reader.ref(),
                        Got::new,
                        Init::new,
                        Ack.INSTANCE,
                        new Done(),
                        e -> new Done())
                    .withAttributes(org.apache.pekko.stream.Attributes.inputBuffer(1, 1)),
                Keep.left())
            .run(kit.system());
    ((Init) reader.receiveMessage()).ack().tell(Ack.INSTANCE);
    return outbox;
  }

  /** Values {@code key<i> = tick} for {@code keys} keys. */
  private static Map<String, JsonNode> tick(int keys, int tick) {
    Map<String, JsonNode> out = new LinkedHashMap<>();
    for (int k = 0; k < keys; k++) {
      out.put("node/" + k, IntNode.valueOf(tick));
    }
    return out;
  }

  private static void offer(Outbox outbox, Map<String, JsonNode> values) {
    long bytes = 0;
    for (Map.Entry<String, JsonNode> e : values.entrySet()) {
      bytes += MapSizes.entry(e.getKey(), e.getValue());
    }
    outbox.keyed(MAP, values, bytes, new OutFrame(Changes.ephemeral(MAP, values)));
  }

  private static JsonNode json(Message m) throws Exception {
    return JSON.readTree(m.asTextMessage().getStrictText());
  }

  @Test
  void aReaderThatStopsGetsTheLatestValueOfEachKeyInFramesWithinTheLimit() throws Exception {
    TestProbe<Read> reader = kit.createTestProbe();
    OutboundStats stats = new OutboundStats();
    Outbox outbox = outbox(reader, 1 << 20, stats);
    offer(outbox, tick(2000, 1));
    Got first = (Got) reader.receiveMessage(Duration.ofSeconds(3));
    // 100 more ticks while it does not read; keys 1000 and up stop changing after tick 40
    for (int t = 2; t <= 101; t++) {
      offer(outbox, tick(t <= 40 ? 2000 : 1000, t));
    }
    first.ack().tell(Ack.INSTANCE);

    Map<String, Integer> latest = new HashMap<>();
    int frames = 0;
    while (true) {
      Got got = (Got) reader.receiveMessage(Duration.ofSeconds(3));
      JsonNode frame = json(got.message());
      frames++;
      assertEquals("changes", frame.path("type").asText());
      assertTrue(frame.at("/payload/seq").isMissingNode(), "ephemeral values carry no seq");
      assertTrue(
          got.message().asTextMessage().getStrictText().length() <= MAX_FRAME,
          "every frame within the frame limit");
      frame
          .at("/payload/entries")
          .fields()
          .forEachRemaining(e -> latest.put(e.getKey(), e.getValue().asInt()));
      got.ack().tell(Ack.INSTANCE);
      if (allLatest(latest)) {
        break;
      }
    }
    reader.expectNoMessage(Duration.ofMillis(200));
    assertEquals(2000, latest.size());
    for (int k = 0; k < 2000; k++) {
      assertEquals(k < 1000 ? 101 : 40, latest.get("node/" + k), "node/" + k);
    }
    // a tick of 2000 values is about 2 frames; 100 waiting ticks became a handful, not 200
    assertTrue(frames <= 10, frames + " frames for 100 waiting ticks");
    assertTrue(stats.valuesCoalesced() >= 90_000, "merged values are counted");
  }

  private static boolean allLatest(Map<String, Integer> latest) {
    for (int k = 0; k < 2000; k++) {
      if (latest.getOrDefault("node/" + k, 0) != (k < 1000 ? 101 : 40)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void noValueOvertakesADurableChangeQueuedBeforeIt() throws Exception {
    TestProbe<Read> reader = kit.createTestProbe();
    Outbox outbox = outbox(reader, 1 << 20, new OutboundStats());
    offer(outbox, Map.of("blocker", IntNode.valueOf(0)));
    Got first = (Got) reader.receiveMessage(Duration.ofSeconds(3));
    offer(outbox, Map.of("k", IntNode.valueOf(1)));
    outbox.durable(
        MAP, 1, new OutFrame(new Changes(MAP, 1L, "p/c", 5L, Map.of("k", IntNode.valueOf(100)))));
    offer(outbox, Map.of("k", IntNode.valueOf(2)));
    offer(outbox, Map.of("k", IntNode.valueOf(3)));
    first.ack().tell(Ack.INSTANCE);
    List<String> seen = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Got got = (Got) reader.receiveMessage(Duration.ofSeconds(3));
      JsonNode f = json(got.message());
      seen.add(
          (f.at("/payload/seq").isMissingNode() ? "e" : "d") + f.at("/payload/entries/k").asInt());
      got.ack().tell(Ack.INSTANCE);
    }
    assertEquals(List.of("e1", "d100", "e3"), seen);
  }

  @Test
  void valuesPastTheByteBoundGiveResync() throws Exception {
    TestProbe<Read> reader = kit.createTestProbe();
    Outbox outbox = outbox(reader, 20_000, new OutboundStats());
    offer(outbox, Map.of("blocker", IntNode.valueOf(0)));
    Got first = (Got) reader.receiveMessage(Duration.ofSeconds(3));
    // more distinct keys than 20,000 bytes can hold, however they coalesce
    for (int t = 0; t < 10; t++) {
      Map<String, JsonNode> values = new LinkedHashMap<>();
      for (int k = 0; k < 300; k++) {
        values.put("key/" + t + "/" + k, IntNode.valueOf(k));
      }
      offer(outbox, values);
    }
    first.ack().tell(Ack.INSTANCE);
    boolean resync = false;
    for (int i = 0; i < 20 && !resync; i++) {
      Got got = (Got) reader.receiveMessage(Duration.ofSeconds(3));
      JsonNode f = json(got.message());
      resync = "resync".equals(f.path("type").asText());
      got.ack().tell(Ack.INSTANCE);
    }
    assertTrue(resync, "the map got resync");
    assertEquals(List.of(MAP), resyncs);
    assertFalse(resyncs.isEmpty());
  }
}
