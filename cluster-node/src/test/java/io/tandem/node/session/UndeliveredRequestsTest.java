package io.tandem.node.session;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tandem.node.map.MapEntity;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.testing.LocalActors;
import io.tandem.protocol.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.UnhandledMessage;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A session request that reaches no entity is answered at once by the node where it was lost: a
 * change with {@code unavailable}, a join or refresh by telling its hub. The letters are made the
 * way Pekko makes them: a shard region's drop in hand-off sends {@link Dropped} with the sharding
 * envelope to dead letters, and a stopped actor's mail goes to dead letters.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UndeliveredRequestsTest {
  private static final Duration PROMPTLY = Duration.ofSeconds(3);

  private ActorTestKit testKit;

  @BeforeAll
  void start() {
    testKit =
        ActorTestKit.create(
            "UndeliveredRequestsTest", LocalActors.config("pekko.log-dead-letters = off"));
    testKit.spawn(UndeliveredRequests.create(), "undelivered-requests");
    // the listener subscribes on its own time: wait until a lost request is answered
    TestProbe<SessionReply> ready = testKit.createTestProbe();
    await()
        .atMost(PROMPTLY)
        .until(
            () -> {
              droppedInHandOff(new RoomEntity.ChangeSettings("warm-up", 30, ready.getRef()));
              try {
                ready.expectMessageClass(SessionReply.class, Duration.ofMillis(50));
                return true;
              } catch (AssertionError notYet) {
                return false;
              }
            });
  }

  @AfterAll
  void stop() {
    testKit.shutdownTestKit();
  }

  /** What a region does with a message it drops in a shard's hand-off. */
  private void droppedInHandOff(Object command) {
    Adapter.toClassic(testKit.system())
        .deadLetters()
        .tell(
            new Dropped(
                new ShardingEnvelope<>("r-1", command),
                "Avoiding reordering of buffered messages at shard handoff",
                org.apache.pekko.actor.ActorRef.noSender(),
                org.apache.pekko.actor.ActorRef.noSender()),
            org.apache.pekko.actor.ActorRef.noSender());
  }

  private static void assertUnavailable(SessionReply reply) {
    assertTrue(reply instanceof SessionReply.Rejected, String.valueOf(reply));
    assertEquals(ErrorCode.UNAVAILABLE, ((SessionReply.Rejected) reply).code());
  }

  @Test
  void aChangeDroppedInAHandOffIsAnsweredUnavailableUnderItsTag() {
    TestProbe<ReplyTo.Answer> connection = testKit.createTestProbe();
    droppedInHandOff(
        new RoomEntity.Edit("m1", List.of(), new ReplyTo.Tagged(connection.getRef(), 42), "k"));
    ReplyTo.Answer answer = connection.expectMessageClass(ReplyTo.Answer.class, PROMPTLY);
    assertEquals(42, answer.tag());
    assertUnavailable(answer.reply());
  }

  @Test
  void aChangeLeftInAStoppedEntitysMailboxIsAnsweredUnavailable() {
    TestProbe<SessionReply> caller = testKit.createTestProbe();
    ActorRef<SessionCommand> entity = testKit.spawn(Behaviors.stopped());
    testKit.createTestProbe().expectTerminated(entity, PROMPTLY);
    entity.tell(new RoomEntity.ChangeSettings("m1", 30, caller.getRef()));
    assertUnavailable(caller.expectMessageClass(SessionReply.class, PROMPTLY));
  }

  @Test
  void aLostJoinOrRefreshGoesBackToItsHub() {
    TestProbe<Subscriber.Message> hub = testKit.createTestProbe();
    droppedInHandOff(new SessionCommand.Join("m1", "c-7", null, 3L, null, hub.getRef()));
    assertEquals(
        new Subscriber.Undelivered("c-7"),
        hub.expectMessageClass(Subscriber.Undelivered.class, PROMPTLY));
    droppedInHandOff(new SessionCommand.Refresh("c-8", hub.getRef()));
    assertEquals(
        new Subscriber.Undelivered("c-8"),
        hub.expectMessageClass(Subscriber.Undelivered.class, PROMPTLY));
  }

  @Test
  void everyPutOfALostBatchIsAnsweredUnavailable() {
    TestProbe<MapEntity.PutsReply> publisher = testKit.createTestProbe();
    var value = JsonNodeFactory.instance.numberNode(1);
    droppedInHandOff(
        new MapEntity.Put(
            "p1",
            List.of(
                new MapEntity.PutRequest(Map.of("a", value), true),
                new MapEntity.PutRequest(Map.of("b", value), false)),
            publisher.getRef()));
    List<SessionReply> results =
        publisher.expectMessageClass(MapEntity.PutsReply.class, PROMPTLY).results();
    assertEquals(2, results.size());
    results.forEach(UndeliveredRequestsTest::assertUnavailable);
  }

  @Test
  void anUnhandledCommandAndACommandWithoutAnswerAreLeftAlone() {
    TestProbe<SessionReply> caller = testKit.createTestProbe();
    // an entity read this one and did not handle it: a copy would fare no better
    Adapter.toClassic(testKit.system())
        .eventStream()
        .publish(
            new UnhandledMessage(
                new RoomEntity.ChangeSettings("m1", 30, caller.getRef()),
                org.apache.pekko.actor.ActorRef.noSender(),
                org.apache.pekko.actor.ActorRef.noSender()));
    assertTrue(!UndeliveredRequests.answer(new Dropped("not a request", "r", null, null)));
    droppedInHandOff(new SessionCommand.Disconnect("m1"));
    // the listener handles letters in order: a request dropped after them is answered first
    TestProbe<SessionReply> later = testKit.createTestProbe();
    droppedInHandOff(new RoomEntity.ChangeSettings("m2", 30, later.getRef()));
    assertUnavailable(later.expectMessageClass(SessionReply.class, PROMPTLY));
    caller.expectNoMessage(Duration.ofMillis(100));
  }
}
