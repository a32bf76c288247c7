package io.tandem.node.participant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.tandem.node.room.MemberPose;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A participant outlives its connection for the grace period: a reconnect within it finds the pose,
 * holds, bandwidth and level of detail the previous connection left; after it the participant is
 * gone. Messages go through the CBOR serializer (serialize-messages on).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ParticipantEntityTest {
  private static final Duration GRACE = Duration.ofMillis(300);

  private final ActorTestKit kit =
      ActorTestKit.create(
          "ParticipantEntityTest",
          ConfigFactory.parseString(
                  "pekko.remote.artery.canonical.port = 0\n"
                      + "pekko.actor.serialize-messages = on\n"
                      + "pekko.actor.serialization-bindings {"
                      + " \"io.tandem.persistence.CborSerializable\" = jackson-cbor }")
              .withFallback(ConfigFactory.load()));

  @AfterAll
  void stop() {
    kit.shutdownTestKit();
  }

  private static final MemberPose POSE =
      new MemberPose(
          12.0,
          new MemberPose.Part(List.of(1.0, 1.6, -2.0), List.of(0.0, 0.0, 0.0, 1.0)),
          null,
          null);

  private ParticipantEntity.Remembered attach(
      ActorRef<ParticipantEntity.Command> p, String connection) {
    TestProbe<ParticipantEntity.Remembered> probe = kit.createTestProbe();
    p.tell(new ParticipantEntity.Attach(connection, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(3));
  }

  private ActorRef<ParticipantEntity.Command> used() {
    ActorRef<ParticipantEntity.Command> p = kit.spawn(ParticipantEntity.create(GRACE));
    assertTrue(attach(p, "c1").isEmpty(), "a new participant remembers nothing");
    p.tell(new ParticipantEntity.Report("c1", POSE, "low", 40_000L));
    p.tell(new ParticipantEntity.Hold("c1", "room:r", "cube", true));
    p.tell(new ParticipantEntity.Hold("c1", "room:r", "ball", true));
    p.tell(new ParticipantEntity.Hold("c1", "room:r", "ball", false));
    p.tell(new ParticipantEntity.Detach("c1"));
    return p;
  }

  @Test
  void aReconnectWithinTheGracePeriodFindsWhatThePreviousConnectionLeft() {
    ActorRef<ParticipantEntity.Command> p = used();
    ParticipantEntity.Remembered back = attach(p, "c2");
    assertEquals(POSE, back.pose());
    assertEquals("low", back.lod());
    assertEquals(40_000L, back.bytesPerSecond());
    assertEquals(Map.of("room:r", List.of("cube")), back.holds());
    // attached again: it stays past the grace period
    TestProbe<Object> watcher = kit.createTestProbe();
    watcher.expectNoMessage(GRACE.multipliedBy(3));
    assertEquals("low", attach(p, "c3").lod());
    // a late detach of an older connection does not start the grace period
    p.tell(new ParticipantEntity.Detach("c2"));
    assertEquals(POSE, attach(p, "c3").pose());
  }

  @Test
  void afterTheGracePeriodTheParticipantIsGone() {
    ActorRef<ParticipantEntity.Command> p = used();
    TestProbe<Object> watcher = kit.createTestProbe();
    watcher.expectTerminated(p, Duration.ofSeconds(3));
  }
}
