package io.tandem.node.fanout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.Subscriber;
import io.tandem.node.testing.TestNode;
import io.tandem.node.testing.WsClient;
import io.tandem.persistence.testing.CassandraExtension;
import io.tandem.persistence.testing.CassandraTestConfig;
import io.tandem.protocol.CloseCode;
import io.tandem.protocol.MemberEntry;
import io.tandem.protocol.ServerFrame;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hub's own sequence check, on a real node: a hub that loses a change on its way from the entity
 * (as a message between nodes can be lost) reads it from the journal and hands it over before any
 * later change; a change that arrives twice is handed over once.
 */
@ExtendWith(CassandraExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HubSequenceTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private TestNode node;
  private ActorTestKit testKit;

  @BeforeAll
  void start(CassandraTestConfig cassandra) throws Exception {
    node = TestNode.start(cassandra, "");
    testKit = ActorTestKit.create(node.system());
  }

  @AfterAll
  void stop() throws Exception {
    node.close();
  }

  /** Drops the {@code drop}-th change the hub is sent and delivers the {@code twice}-th twice. */
  private static final class LossyLink
      extends BehaviorInterceptor<Subscriber.Message, Subscriber.Message> {
    private final int drop;
    private final int twice;
    private int updates;

    LossyLink(int drop, int twice) {
      super(Subscriber.Message.class);
      this.drop = drop;
      this.twice = twice;
    }

    @Override
    public Behavior<Subscriber.Message> aroundReceive(
        TypedActorContext<Subscriber.Message> ctx,
        Subscriber.Message msg,
        ReceiveTarget<Subscriber.Message> target) {
      if (msg instanceof Subscriber.Updated) {
        updates++;
        if (updates == drop) {
          return Behaviors.same();
        }
        if (updates == twice) {
          target.apply(ctx, msg);
          return target.apply(ctx, msg);
        }
      }
      return target.apply(ctx, msg);
    }
  }

  /** Drops the first fresh view the entity sends the hub (an answer lost between nodes). */
  private static final class LostRefresh
      extends BehaviorInterceptor<Subscriber.Message, Subscriber.Message> {
    private boolean dropped;

    LostRefresh() {
      super(Subscriber.Message.class);
    }

    @Override
    public Behavior<Subscriber.Message> aroundReceive(
        TypedActorContext<Subscriber.Message> ctx,
        Subscriber.Message msg,
        ReceiveTarget<Subscriber.Message> target) {
      if (msg instanceof Subscriber.Refreshed && !dropped) {
        dropped = true;
        return Behaviors.same();
      }
      return target.apply(ctx, msg);
    }
  }

  /** An outbox that records what a connection would have been sent. */
  private static final class RecordingOutbox implements Outbox {
    final List<String> frames = new ArrayList<>();

    @Override
    public synchronized void reply(ServerFrame frame) {
      frames.add("reply:" + frame.frameType().wire());
    }

    @Override
    public synchronized void snapshot(SessionId session, OutFrame snapshot) {
      frames.add("snapshot");
    }

    @Override
    public synchronized void durable(SessionId session, long seq, OutFrame frame) {
      frames.add("seq:" + seq);
    }

    @Override
    public void members(SessionId session, Map<String, MemberEntry> members) {}

    @Override
    public void poses(
        SessionId session,
        long tick,
        Map<String, io.tandem.protocol.PoseData> poses,
        Map<String, io.tandem.protocol.ObjectState> objects) {}

    @Override
    public void close(CloseCode code, String reason) {}

    @Override
    public void forget(SessionId session) {}

    synchronized List<String> frames() {
      return new ArrayList<>(frames);
    }
  }

  @Test
  void aLostChangeIsReadFromTheJournalBeforeAnyLaterOneAndADuplicateIsDropped() {
    SessionId room = SessionId.room("gap-" + UUID.randomUUID().toString().substring(0, 8));
    try (WsClient editor = WsClient.connect(node.wsUrl())) {
      editor.hello(node.token("alice", "room:*:write"));
      editor.join(room.toString(), "editor");

      RecordingOutbox outbox = new RecordingOutbox();
      ActorRef<Subscriber.Message> hub =
          node.system()
              .systemActorOf(
                  Behaviors.intercept(
                      () -> new LossyLink(2, 4),
                      SessionHub.create(
                          room,
                          new SessionEntities(node.system()),
                          new JournalReader(node.system()),
                          new SessionHub.Settings(Duration.ofSeconds(5), 512, 512, 3),
                          testKit.<HubManager.Command>createTestProbe().ref())),
                  "lossy-hub-" + UUID.randomUUID(),
                  Props.empty());
      hub.tell(
          new SessionHub.Subscribe(
              "lossy-1",
              "observer/lossy-1",
              new MemberInfo("observer", "bot", "viewer", JSON.createObjectNode()),
              1L,
              null,
              outbox,
              testKit.<SessionHub.Membership>createTestProbe().ref()));
      await().atMost(Duration.ofSeconds(10)).until(() -> outbox.frames().contains("snapshot"));

      for (int i = 1; i <= 5; i++) {
        assertEquals("ok", editor.set(room.toString(), "n", i).path("type").asText());
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertEquals(
                      List.of("snapshot", "seq:1", "seq:2", "seq:3", "seq:4", "seq:5"),
                      outbox.frames(),
                      "every change once, in order, the lost one repaired in its place"));
    }
  }

  /**
   * A connection that fell behind gets a fresh snapshot ({@code resync}); when the entity's answer
   * is lost (its node died, the session moved), the hub asks again after the join timeout instead
   * of leaving the connection without snapshot and without any later change for good.
   */
  @Test
  void aLostRefreshIsAskedAgainAndTheConnectionGoesOn() {
    SessionId room = SessionId.room("refresh-" + UUID.randomUUID().toString().substring(0, 8));
    try (WsClient editor = WsClient.connect(node.wsUrl())) {
      editor.hello(node.token("alice", "room:*:write"));
      editor.join(room.toString(), "editor");
      assertEquals("ok", editor.set(room.toString(), "n", 1).path("type").asText());

      RecordingOutbox outbox = new RecordingOutbox();
      ActorRef<Subscriber.Message> hub =
          node.system()
              .systemActorOf(
                  Behaviors.intercept(
                      LostRefresh::new,
                      SessionHub.create(
                          room,
                          new SessionEntities(node.system()),
                          new JournalReader(node.system()),
                          new SessionHub.Settings(Duration.ofSeconds(1), 512, 512, 3),
                          testKit.<HubManager.Command>createTestProbe().ref())),
                  "refresh-hub-" + UUID.randomUUID(),
                  Props.empty());
      hub.tell(
          new SessionHub.Subscribe(
              "refresh-1",
              "observer/refresh-1",
              new MemberInfo("observer", "bot", "viewer", JSON.createObjectNode()),
              1L,
              null,
              outbox,
              testKit.<SessionHub.Membership>createTestProbe().ref()));
      await().atMost(Duration.ofSeconds(10)).until(() -> outbox.frames().contains("snapshot"));

      hub.tell(new SessionHub.RequestRefresh("refresh-1"));
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertEquals(
                      List.of("snapshot", "snapshot"),
                      outbox.frames(),
                      "the refresh whose answer was lost is asked again"));
      assertEquals("ok", editor.set(room.toString(), "n", 2).path("type").asText());
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertEquals(
                      List.of("snapshot", "snapshot", "seq:2"),
                      outbox.frames(),
                      "and the connection gets the changes after it"));
    }
  }
}
