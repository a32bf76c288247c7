package io.tandem.node.fanout;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.MemberEntry;
import io.tandem.protocol.PoseData;
import io.tandem.protocol.PoseNode;
import io.tandem.protocol.PresenceChanged;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
 * The outbound stage coalesces {@code poses} like presence: a reader that stops reading gets, when
 * it reads again, one frame with the newest tick and the newest pose of every member, never the
 * backlog of ticks. The reader here is an actor sink that reads only when the test acknowledges.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxPosesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SessionId ROOM = SessionId.parse("room:poses");

  private final ActorTestKit kit =
      ActorTestKit.create(
          "OutboxPosesTest",
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

  private static Map<String, PoseData> poses(int members, int tick) {
    Map<String, PoseData> out = new LinkedHashMap<>();
    for (int m = 0; m < members; m++) {
      out.put(
          "m" + m + "/c",
          new PoseData(
              (double) tick,
              new PoseNode(List.of((double) m, 1.6, (double) tick), null),
              null,
              null));
    }
    return out;
  }

  private JsonNode json(Message m) throws Exception {
    return JSON.readTree(m.asTextMessage().getStrictText());
  }

  /** An outbox whose reader is {@code reader}; the reader's first demand is acknowledged. */
  private Outbox reading(TestProbe<Read> reader, OutboundStats stats) {
    return reading(reader, stats, new AtomicReference<>());
  }

  private Outbox reading(
      TestProbe<Read> reader,
      OutboundStats stats,
      AtomicReference<Pair<io.tandem.protocol.CloseCode, String>> closeSignal) {
    Outbox outbox =
        Source.fromGraph(
                new OutboxStage(
                    Encoding.JSON,
                    FrameCodec.create(1 << 20),
                    new OutboxQueue.Bounds(16, 1 << 20, 16),
                    session -> {},
                    closeSignal,
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
                    // reads one element ahead at most, like a socket with a small buffer
                    .withAttributes(org.apache.pekko.stream.Attributes.inputBuffer(1, 1)),
                Keep.left())
            .run(kit.system());
    Init init = (Init) reader.receiveMessage();
    init.ack().tell(Ack.INSTANCE);
    return outbox;
  }

  @Test
  void presenceSharedByTheHubIsSentAsEncodedOnceUntilSomethingMergesIntoIt() throws Exception {
    TestProbe<Read> reader = kit.createTestProbe();
    Outbox outbox = reading(reader, new OutboundStats());
    FrameCodec codec = FrameCodec.create(1 << 20);
    Map<String, MemberEntry> a = Map.of("a/1", member("a"));
    OutFrame shared = new OutFrame(new PresenceChanged(ROOM, a));
    outbox.members(ROOM, a, shared);
    Got first = (Got) reader.receiveMessage(Duration.ofSeconds(3));
    assertSame(shared.message(Encoding.JSON, codec), first.message(), "the hub's own message");

    // the reader is not reading: the next two merge, and the merged frame is this connection's own
    Map<String, MemberEntry> b = Map.of("b/1", member("b"));
    outbox.members(ROOM, b, new OutFrame(new PresenceChanged(ROOM, b)));
    Map<String, MemberEntry> c = Map.of("c/1", member("c"));
    OutFrame third = new OutFrame(new PresenceChanged(ROOM, c));
    outbox.members(ROOM, c, third);
    first.ack().tell(Ack.INSTANCE);
    JsonNode members = JSON.createObjectNode();
    while (members.size() < 2) {
      Got next = (Got) reader.receiveMessage(Duration.ofSeconds(3));
      JsonNode frame = json(next.message());
      frame
          .at("/payload/members")
          .fieldNames()
          .forEachRemaining(
              m -> ((com.fasterxml.jackson.databind.node.ObjectNode) members).put(m, true));
      next.ack().tell(Ack.INSTANCE);
    }
    assertTrue(members.has("b/1") && members.has("c/1"), "nothing lost in the merge: " + members);
  }

  private static MemberEntry member(String name) {
    return new MemberEntry(name, "browser", "editor", JSON.createObjectNode().put("x", 1));
  }

  @Test
  void aReaderThatStopsGetsOnlyTheNewestTick() throws Exception {
    TestProbe<Read> reader = kit.createTestProbe();
    OutboundStats stats = new OutboundStats();
    Outbox outbox = reading(reader, stats);

    // tick 1 goes out at once; the reader then stops reading
    outbox.poses(ROOM, 1, poses(30, 1), null);
    Got first = (Got) reader.receiveMessage(Duration.ofSeconds(3));
    assertEquals(1, json(first.message()).at("/payload/tick").asLong());

    // 90 more ticks while it does not read; member 29 stops moving after tick 50
    for (int tick = 2; tick <= 91; tick++) {
      Map<String, PoseData> p = poses(tick <= 50 ? 30 : 29, tick);
      outbox.poses(ROOM, tick, p, null);
    }
    reader.expectNoMessage(Duration.ofMillis(100));
    first.ack().tell(Ack.INSTANCE);

    // the sink reads one element ahead (as a socket has a buffer): at most that one, then the
    // merged newest tick
    Got next = (Got) reader.receiveMessage(Duration.ofSeconds(3));
    JsonNode frame = json(next.message());
    int frames = 1;
    while (frame.at("/payload/tick").asLong() != 91) {
      next.ack().tell(Ack.INSTANCE);
      next = (Got) reader.receiveMessage(Duration.ofSeconds(3));
      frame = json(next.message());
      frames++;
    }
    assertTrue(frames <= 2, frames + " frames for 90 waiting ticks");
    assertEquals("poses", frame.path("type").asText());
    JsonNode members = frame.at("/payload/poses");
    assertEquals(30, members.size(), "one entry per member");
    assertEquals(91, members.at("/m0~1c/t").asLong());
    assertEquals(50, members.at("/m29~1c/t").asLong(), "a member that stopped: its latest pose");
    next.ack().tell(Ack.INSTANCE);
    reader.expectNoMessage(Duration.ofMillis(100));
    assertTrue(stats.posesCoalesced() >= 88, "the 90 waiting ticks were merged into one");
    assertEquals(0, stats.presenceCoalesced(), "counted as poses, not presence");
  }

  @Test
  void aReaderThatLeavesMoreThanMaxRepliesUnreadIsClosedWith4429AndNothingMoreIsQueued() {
    TestProbe<Read> reader = kit.createTestProbe();
    AtomicReference<Pair<io.tandem.protocol.CloseCode, String>> closeSignal =
        new AtomicReference<>();
    Outbox outbox = reading(reader, new OutboundStats(), closeSignal);
    // the bound is 16 unread replies; the reader takes one and then reads no more
    for (int i = 0; i < 20; i++) {
      outbox.reply(new io.tandem.protocol.Resync(ROOM));
    }
    // offers after the close go nowhere
    outbox.reply(new io.tandem.protocol.Resync(ROOM));
    reader.awaitAssert(
        Duration.ofSeconds(3),
        () -> {
          assertEquals(
              Pair.create(
                  io.tandem.protocol.CloseCode.RATE_LIMITED, "client does not read its replies"),
              closeSignal.get());
          return null;
        });
  }
}
