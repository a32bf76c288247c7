package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.ManualClock;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.Subscriber;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * XR in a room, on the entity alone: poses batched per tick (one message per hub, the newest pose
 * of each member, nothing when nothing moved), tick batches persisted together, live moves of held
 * objects persisted only at release, and holds of a disconnected headset kept for the grace period.
 * The tick is sent by hand and time is a manual clock.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoomXrTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration GRACE = Duration.ofSeconds(15);

  private static final RoomSettings SETTINGS =
      RoomSettings.DEFAULTS
          .withMaxOpsPerFrame(5)
          .withMaxDocBytes(10_000)
          .withMaxPresenceBytes(100)
          .withMaxObjects(10)
          .withTickInterval(Duration.ofHours(1)) // the tick is sent by the tests
          .withSnapshotEvery(1000)
          .withRecentChanges(16)
          .withPassivateAfter(Duration.ofHours(1))
          .withIdempotencyKeys(100)
          .withPosesPerWrite(3)
          .withHoldGrace(GRACE);

  private final ActorTestKit testKit =
      ActorTestKit.create(
          "RoomXrTest",
          ConfigFactory.parseString(
                  "pekko.actor.serialization-bindings {"
                      + " \"io.tandem.persistence.CborSerializable\" = jackson-cbor }\n"
                      + "pekko.remote.artery.canonical.port = 0")
              .withFallback(EventSourcedBehaviorTestKit.config())
              .withFallback(ConfigFactory.load()));

  private ManualClock clock;
  private EventSourcedBehaviorTestKit<SessionCommand, RoomEntity.Event, RoomState> room;
  private TestProbe<Subscriber.Message> hub;

  @BeforeEach
  void freshRoom() {
    clock = new ManualClock(1_700_000_000_000L);
    room =
        EventSourcedBehaviorTestKit.create(
            testKit.system(), RoomEntity.create("xr-" + UUID.randomUUID(), null, SETTINGS, clock));
    hub = testKit.createTestProbe();
  }

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private void join(String member, String kind, String device) {
    sendJoin(member, kind, "editor", device, hub);
    fish(Subscriber.Admitted.class);
  }

  private void sendJoin(
      String member, String kind, String role, String device, TestProbe<Subscriber.Message> to) {
    room.runCommand(
        new SessionCommand.Join(
            member,
            "c-" + member,
            new MemberInfo(member, kind, role, JSON.createObjectNode(), device),
            1L,
            null,
            to.ref()));
  }

  private static MemberPose poseAt(double x, double t) {
    return new MemberPose(
        t,
        new MemberPose.Part(List.of(x, 1.6, 0.0), List.of(0.0, 0.0, 0.0, 1.0)),
        new MemberPose.Part(List.of(x - 0.3, 1.0, -0.2), null),
        null);
  }

  @Test
  void thirtyHeadsetsAt90HzGiveOneBatchPerTickWithTheLatestPoseOfEach() {
    int members = 30;
    for (int i = 0; i < members; i++) {
      join("u" + i + "/c", "xr", null);
    }
    room.runCommand(SessionCommand.Tick.INSTANCE); // announces the joins
    hub.receiveSeveralMessages(1, Duration.ofSeconds(3));
    List<RoomEntity.Event> persisted = new ArrayList<>();
    for (int t = 1; t <= 6; t++) {
      // a 90 Hz headset sends 4 or 5 poses per 20 Hz tick; only the latest of each counts
      for (int sample = 0; sample < 5; sample++) {
        for (int i = 0; i < members; i++) {
          room.runCommand(new RoomEntity.SetPose("u" + i + "/c", poseAt(i, t * 100 + sample)));
        }
      }
      var result = room.runCommand(SessionCommand.Tick.INSTANCE);
      persisted.addAll(result.events());
      Subscriber.PosesTicked batch =
          assertInstanceOf(Subscriber.PosesTicked.class, hub.receiveMessage(Duration.ofSeconds(3)));
      hub.expectNoMessage(Duration.ofMillis(10));
      assertEquals(t, batch.tick());
      assertEquals(members, batch.poses().size(), "every member that moved, once");
      for (int i = 0; i < members; i++) {
        assertEquals(t * 100 + 4.0, batch.poses().get("u" + i + "/c").t(), "the newest sample");
      }
    }
    // one event per tick, written three ticks at a time (poses-per-write), never per pose
    assertEquals(6, persisted.size());
    assertTrue(persisted.stream().allMatch(e -> e instanceof RoomEntity.PosesRecorded));
    assertEquals(0, room.getState().seq(), "poses are not durable changes");

    // nothing moved: no batch at all
    room.runCommand(SessionCommand.Tick.INSTANCE);
    hub.expectNoMessage(Duration.ofMillis(50));

    // one member moves: the batch holds only it
    room.runCommand(new RoomEntity.SetPose("u7/c", poseAt(70, 999)));
    room.runCommand(SessionCommand.Tick.INSTANCE);
    Subscriber.PosesTicked only =
        assertInstanceOf(Subscriber.PosesTicked.class, hub.receiveMessage(Duration.ofSeconds(3)));
    assertEquals(Map.of("u7/c", poseAt(70, 999)), only.poses());
  }

  @Test
  void posesOfNonMembersAreIgnored() {
    join("a/1", "xr", null);
    room.runCommand(SessionCommand.Tick.INSTANCE);
    hub.receiveMessage(Duration.ofSeconds(3));
    room.runCommand(new RoomEntity.SetPose("stranger/9", poseAt(1, 1)));
    room.runCommand(SessionCommand.Tick.INSTANCE);
    hub.expectNoMessage(Duration.ofMillis(50));
  }

  private SessionReply object(String member, RoomEntity.ObjectAction action, String id, double x) {
    return room.<SessionReply>runCommand(
            replyTo ->
                new RoomEntity.ChangeObject(
                    member,
                    action,
                    id,
                    "cube",
                    new ObjectTransform(List.of(x, 0.0, 0.0), null, null),
                    replyTo))
        .reply();
  }

  @Test
  void movesByAHeadsetAreLiveAtTheTickAndDurableAtRelease() {
    join("a/1", "xr", null);
    join("b/2", "browser", null);
    assertEquals(
        1L, ((SessionReply.Accepted) object("a/1", RoomEntity.ObjectAction.SPAWN, "o", 0)).seq());
    assertEquals(
        2L, ((SessionReply.Accepted) object("a/1", RoomEntity.ObjectAction.GRAB, "o", 0)).seq());
    for (int i = 1; i <= 9; i++) {
      SessionReply moved = object("a/1", RoomEntity.ObjectAction.MOVE, "o", i);
      assertNull(((SessionReply.Accepted) moved).seq(), "a live move takes no seq");
    }
    assertEquals(2, room.getState().seq(), "no durable change per move");
    assertInstanceOf(
        SessionReply.Rejected.class,
        object("b/2", RoomEntity.ObjectAction.MOVE, "o", 5),
        "only the holder moves it");
    hub.receiveSeveralMessages(0, Duration.ofMillis(1));
    var tickResult = room.runCommand(SessionCommand.Tick.INSTANCE);
    Subscriber.PosesTicked live = fish(Subscriber.PosesTicked.class);
    assertEquals(List.of(9.0, 0.0, 0.0), live.objects().get("o").transform().p());
    assertEquals("a/1", live.objects().get("o").heldBy());
    assertTrue(tickResult.events().isEmpty(), "one recorded tick waits for the next write");

    // release: one durable change with the final transform (recorded ticks written before it)
    var released =
        room.<SessionReply>runCommand(
            replyTo ->
                new RoomEntity.ChangeObject(
                    "a/1", RoomEntity.ObjectAction.RELEASE, "o", null, null, replyTo));
    assertEquals(3L, ((SessionReply.Accepted) released.reply()).seq());
    RoomState s = room.getState();
    assertEquals(List.of(9.0, 0.0, 0.0), s.objects().get("o").view().transform().p());
    assertNull(s.objects().get("o").view().heldBy());
    // the journal holds the recorded tick, then the release
    var restarted = room.restart();
    assertEquals(
        List.of(9.0, 0.0, 0.0), restarted.state().objects().get("o").view().transform().p());
  }

  /**
   * A headset (ann, device quest) holds object o, stands at x = 3, and disconnects; a browser (bob)
   * stays. Returns the room's seq before the disconnect.
   */
  private long aHeadsetHoldingAnObjectDisconnects() {
    join("ann/1", "xr", "quest");
    join("bob/2", "browser", null);
    object("ann/1", RoomEntity.ObjectAction.SPAWN, "o", 0);
    object("ann/1", RoomEntity.ObjectAction.GRAB, "o", 0);
    room.runCommand(new RoomEntity.SetPose("ann/1", poseAt(3, 1)));
    room.runCommand(SessionCommand.Tick.INSTANCE);
    long seq = room.getState().seq();
    var parked = room.runCommand(new SessionCommand.Disconnect("ann/1"));
    assertInstanceOf(RoomEntity.MemberParked.class, parked.events().get(0));
    return seq;
  }

  @Test
  void aHeadsetThatReconnectsWithinTheGracePeriodGetsItsHoldsBack() {
    long seq = aHeadsetHoldingAnObjectDisconnects();
    clock.advance(GRACE.minusSeconds(1));
    room.runCommand(SessionCommand.Tick.INSTANCE);
    assertEquals(seq, room.getState().seq(), "nothing released within the grace period");
    assertEquals("ann/1", room.getState().objects().get("o").view().heldBy());
    hub.receiveSeveralMessages(0, Duration.ofMillis(1));

    // the same principal and device on a new connection
    join("ann/3", "xr", "quest");
    assertEquals(seq + 1, room.getState().seq(), "the hand-over is one durable change");
    assertEquals("ann/3", room.getState().objects().get("o").view().heldBy());
    // and its avatar is where it was, under its new member id, at the next tick
    room.runCommand(SessionCommand.Tick.INSTANCE);
    Subscriber.PosesTicked back = fish(Subscriber.PosesTicked.class);
    assertEquals(poseAt(3, 1), back.poses().get("ann/3"));
    // after the grace period nothing happens: the holds are the new member's
    clock.advance(GRACE.plusSeconds(5));
    room.runCommand(SessionCommand.Tick.INSTANCE);
    assertEquals("ann/3", room.getState().objects().get("o").view().heldBy());
  }

  @Test
  void afterTheGracePeriodTheHoldsOfAGoneHeadsetAreReleased() {
    join("ann/1", "xr", "quest");
    join("bob/2", "browser", null);
    object("ann/1", RoomEntity.ObjectAction.SPAWN, "o", 0);
    object("ann/1", RoomEntity.ObjectAction.GRAB, "o", 0);
    long seq = room.getState().seq();
    room.runCommand(new SessionCommand.Disconnect("ann/1"));
    assertEquals(seq, room.getState().seq());
    clock.advance(GRACE);
    var result = room.runCommand(SessionCommand.Tick.INSTANCE);
    RoomEntity.ObjectsChanged released =
        assertInstanceOf(RoomEntity.ObjectsChanged.class, result.events().get(0));
    assertEquals("ann/1", released.by(), "authored by the former holder");
    assertNull(room.getState().objects().get("o").view().heldBy());
    // a reconnect after it gets nothing back
    join("ann/3", "xr", "quest");
    assertNull(room.getState().objects().get("o").view().heldBy());
    assertEquals(seq + 1, room.getState().seq());
  }

  @Test
  void clientsWithoutADeviceLoseTheirHoldsAtOnce() {
    join("ann/1", "xr", null);
    object("ann/1", RoomEntity.ObjectAction.SPAWN, "o", 0);
    object("ann/1", RoomEntity.ObjectAction.GRAB, "o", 0);
    var result = room.runCommand(new SessionCommand.Disconnect("ann/1"));
    assertEquals(1, result.events().size());
    assertNull(room.getState().objects().get("o").view().heldBy());
  }

  private <T> T fish(Class<T> type) {
    return hub
        .fishForMessage(
            Duration.ofSeconds(3),
            m ->
                type.isInstance(m)
                    ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                    : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes
                        .continueAndIgnore())
        .stream()
        .filter(type::isInstance)
        .map(type::cast)
        .findFirst()
        .orElseThrow();
  }

  private SessionReply changeTick(String member, int hz) {
    return room.<SessionReply>runCommand(
            replyTo -> new RoomEntity.ChangeSettings(member, hz, replyTo))
        .reply();
  }

  @Test
  void anEditorGivesTheRoomItsOwnTickRateWhichIsKeptAndAnnounced() {
    sendJoin("ann/1", "xr", "editor", null, hub);
    // the hub learns the room's rate (the node's default here) before the join's answer
    assertEquals(
        new Subscriber.Settings(SETTINGS.defaultTickHz(), null),
        hub.receiveMessage(Duration.ofSeconds(3)));
    assertInstanceOf(Subscriber.Admitted.class, hub.receiveMessage(Duration.ofSeconds(3)));
    join("viewer/2", "browser", null);
    sendJoin("vic/3", "browser", "viewer", null, hub);
    fish(Subscriber.Admitted.class);

    var changed =
        room.<SessionReply>runCommand(
            replyTo -> new RoomEntity.ChangeSettings("ann/1", 60, replyTo));
    assertEquals(new SessionReply.Accepted(null), changed.reply(), "no seq: not a shared change");
    assertEquals(
        List.of(new RoomEntity.TickRateSet(60, "ann/1", clock.millis())), changed.events());
    assertEquals(new Subscriber.Settings(60, "ann/1"), fish(Subscriber.Settings.class));
    assertEquals(0, room.getState().seq());

    // refused: over the node's maximum, below 1, and by a viewer; nothing changes
    SessionReply tooFast = changeTick("ann/1", 91);
    assertEquals(io.tandem.protocol.ErrorCode.TOO_BIG, ((SessionReply.Rejected) tooFast).code());
    assertEquals(
        io.tandem.protocol.ErrorCode.TOO_BIG,
        ((SessionReply.Rejected) changeTick("ann/1", 0)).code());
    assertEquals(
        io.tandem.protocol.ErrorCode.FORBIDDEN,
        ((SessionReply.Rejected) changeTick("vic/3", 30)).code());
    assertEquals(
        io.tandem.protocol.ErrorCode.NOT_JOINED,
        ((SessionReply.Rejected) changeTick("nobody/9", 30)).code());
    assertEquals(60, room.getState().tickHz());

    // the same rate again is accepted and writes nothing
    var again =
        room.<SessionReply>runCommand(
            replyTo -> new RoomEntity.ChangeSettings("ann/1", 60, replyTo));
    assertTrue(again.events().isEmpty());

    // kept in the journal: a new incarnation ticks at 60 Hz and tells joining hubs so
    var restarted = room.restart();
    assertEquals(60, restarted.state().tickHz());
    TestProbe<Subscriber.Message> otherHub = testKit.createTestProbe();
    sendJoin("ann/4", "xr", "editor", null, otherHub);
    assertEquals(new Subscriber.Settings(60, null), otherHub.receiveMessage(Duration.ofSeconds(3)));
  }

  @Test
  void aRoomThatMovesDuringTheGracePeriodStillGivesTheHoldsBack() {
    long seq = aHeadsetHoldingAnObjectDisconnects();

    // the room stops and starts again elsewhere (its journal is all it keeps)
    var restarted = room.restart();
    assertEquals(
        new ParkedMember("ann/1", clock.millis() + GRACE.toMillis(), poseAt(3, 1)),
        restarted.state().parked().get("ann/quest"));
    clock.advance(GRACE.minusSeconds(2));
    room.runCommand(SessionCommand.Tick.INSTANCE);
    assertEquals("ann/1", room.getState().objects().get("o").view().heldBy());

    join("ann/3", "xr", "quest");
    assertEquals(seq + 1, room.getState().seq(), "the hand-over is one durable change");
    assertEquals("ann/3", room.getState().objects().get("o").view().heldBy());
    assertTrue(room.getState().parked().isEmpty());
    room.runCommand(SessionCommand.Tick.INSTANCE);
    assertEquals(poseAt(3, 1), fish(Subscriber.PosesTicked.class).poses().get("ann/3"));
  }

  @Test
  void aGracePeriodThatRunsOutAfterTheRoomMovedReleasesTheHolds() {
    join("ann/1", "xr", "quest");
    object("ann/1", RoomEntity.ObjectAction.SPAWN, "o", 0);
    object("ann/1", RoomEntity.ObjectAction.GRAB, "o", 0);
    long seq = room.getState().seq();
    room.runCommand(new SessionCommand.Disconnect("ann/1"));
    room.restart();
    clock.advance(GRACE);
    var result = room.runCommand(SessionCommand.Tick.INSTANCE);
    RoomEntity.ObjectsChanged released =
        assertInstanceOf(RoomEntity.ObjectsChanged.class, result.events().get(0));
    assertEquals("ann/1", released.by());
    assertEquals(new RoomEntity.ParkEnded("ann/quest"), result.events().get(1));
    assertEquals(seq + 1, room.getState().seq());
    assertNull(room.getState().objects().get("o").view().heldBy());
    assertTrue(room.restart().state().parked().isEmpty(), "the end of the grace is kept too");
  }
}
