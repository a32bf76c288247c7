package io.tandem.node.room;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.typesafe.config.ConfigFactory;
import io.tandem.node.ManualClock;
import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.StreamPosition;
import io.tandem.node.session.Subscriber;
import io.tandem.protocol.ErrorCode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.ProcessingSuccess$;
import org.apache.pekko.persistence.testkit.WriteEvents;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The room's rules, checked on the entity alone (in-memory journal; the testkit also round-trips
 * every command, event and state through the CBOR serializer). Time is a manual clock and the tick
 * is sent by hand, so nothing depends on timing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RoomEntityTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static final RoomSettings SETTINGS =
      RoomSettings.DEFAULTS
          .withMaxMembers(3)
          .withMaxOpsPerFrame(5)
          .withMaxDocBytes(200)
          .withMaxPresenceBytes(100)
          .withMaxObjects(2)
          .withTickInterval(Duration.ofHours(1)) // the tick is sent by the tests
          .withSnapshotEvery(5)
          .withRecentChanges(4)
          .withMaxChangesPerWrite(8)
          .withPassivateAfter(Duration.ofHours(1))
          .withIdempotencyKeys(300)
          .withHoldGrace(Duration.ZERO);

  private final ActorTestKit testKit =
      ActorTestKit.create(
          "RoomEntityTest",
          ConfigFactory.parseString(
                  "pekko.actor.serialization-bindings {"
                      + " \"io.tandem.persistence.CborSerializable\" = jackson-cbor }\n"
                      // any free port: another node on this machine may hold the default
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
            testKit.system(), RoomEntity.create("r-" + UUID.randomUUID(), null, SETTINGS, clock));
    hub = testKit.createTestProbe();
  }

  /** Waits until the hub gets a message of {@code type}, ignoring the others before it. */
  private void awaitAtHub(Class<? extends Subscriber.Message> type) {
    hub.fishForMessage(
        Duration.ofSeconds(3),
        m ->
            type.isInstance(m)
                ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete()
                : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.continueAndIgnore());
  }

  @AfterAll
  void shutdown() {
    testKit.shutdownTestKit();
  }

  private Subscriber.Message join(String member, String role, Long since, String epoch) {
    room.runCommand(
        new SessionCommand.Join(
            member,
            "c-" + member,
            new MemberInfo(member, "browser", role, JSON.createObjectNode()),
            7L,
            StreamPosition.of(since, epoch),
            hub.ref()));
    return hub.fishForMessage(
            Duration.ofSeconds(3),
            m ->
                m instanceof Subscriber.MembersChanged
                        || m instanceof Subscriber.Updated
                        || m instanceof Subscriber.Settings
                    ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes
                        .continueAndIgnore()
                    : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete())
        .get(0);
  }

  /** The next hub message that is not a presence batch (or the room's settings). */
  private Subscriber.Message nextNonPresence() {
    return hub.fishForMessage(
            Duration.ofSeconds(3),
            m ->
                m instanceof Subscriber.MembersChanged || m instanceof Subscriber.Settings
                    ? org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes
                        .continueAndIgnore()
                    : org.apache.pekko.actor.testkit.typed.javadsl.FishingOutcomes.complete())
        .get(0);
  }

  private SessionReply edit(String member, DocEdit... ops) {
    CommandResultWithReply<SessionCommand, RoomEntity.Event, RoomState, SessionReply> r =
        room.<SessionReply>runCommand(
            replyTo -> new RoomEntity.Edit(member, List.of(ops), replyTo));
    return r.reply();
  }

  private SessionReply object(
      String member, RoomEntity.ObjectAction action, String id, ObjectTransform t) {
    return room.<SessionReply>runCommand(
            replyTo -> new RoomEntity.ChangeObject(member, action, id, "cube.glb", t, replyTo))
        .reply();
  }

  private static ObjectTransform at(double x) {
    return new ObjectTransform(List.of(x, 0.0, 0.0), null, null);
  }

  @Test
  void firstJoinCreatesTheRoomAndAnswersWithAnEmptySnapshot() {
    Subscriber.Message answer = join("alice/1", "editor", null, null);
    Subscriber.Admitted admitted = assertInstanceOf(Subscriber.Admitted.class, answer);
    assertEquals(0, admitted.view().seq());
    assertNotNull(admitted.view().epoch());
    assertTrue(admitted.view().members().containsKey("alice/1"));
    RoomView state = (RoomView) admitted.view().state();
    assertEquals(0, state.doc().size());
    assertEquals(7L, admitted.ref());
  }

  @Test
  void aDeletedRoomTellsItsHubsForgetsItsMembersAndStartsANewEpochOnTheNextJoin() {
    Subscriber.Admitted first =
        assertInstanceOf(Subscriber.Admitted.class, join("alice/1", "editor", null, null));
    String epoch = first.view().epoch();
    assertEquals(new SessionReply.Accepted(1L), edit("alice/1", DocEdit.set("a", new IntNode(1))));
    var deleted = room.<SessionReply>runCommand(SessionCommand.Delete::new);
    assertEquals(new SessionReply.Accepted(null), deleted.reply());
    assertEquals(1, deleted.events().size());
    assertInstanceOf(RoomEntity.Deleted.class, deleted.events().get(0));
    awaitAtHub(Subscriber.Deleted.class);
    assertFalse(room.getState().exists());
    // its members are gone: their next change is not_joined, and it stays deleted on recovery
    assertEquals(
        ErrorCode.NOT_JOINED,
        assertInstanceOf(
                SessionReply.Rejected.class, edit("alice/1", DocEdit.set("b", new IntNode(2))))
            .code());
    assertFalse(room.restart().state().exists());
    assertEquals(
        ErrorCode.NOT_FOUND,
        assertInstanceOf(
                SessionReply.Rejected.class,
                room.<SessionReply>runCommand(SessionCommand.Delete::new).reply())
            .code());
    Subscriber.Admitted again =
        assertInstanceOf(Subscriber.Admitted.class, join("alice/1", "editor", null, null));
    assertEquals(0, again.view().seq());
    assertNotEquals(epoch, again.view().epoch());
    assertEquals(0, ((RoomView) again.view().state()).doc().size());
  }

  @Test
  void opsInOneFrameApplyAtomicallyAndTakeOneSeq() {
    join("alice/1", "editor", null, null);
    SessionReply reply =
        edit(
            "alice/1",
            DocEdit.set("view.timeCursor", new IntNode(12)),
            DocEdit.set("view.zoom", new IntNode(2)));
    assertEquals(new SessionReply.Accepted(1L), reply);
    Subscriber.Updated update = assertInstanceOf(Subscriber.Updated.class, nextNonPresence());
    assertEquals(1, update.update().seq());
    JsonNode doc = room.getState().doc();
    assertEquals(12, doc.at("/view/timeCursor").asInt());
    assertEquals(2, doc.at("/view/zoom").asInt());

    assertEquals(new SessionReply.Accepted(2L), edit("alice/1", DocEdit.del("view.zoom")));
    assertTrue(room.getState().doc().at("/view/zoom").isMissingNode());
    assertEquals(12, room.getState().doc().at("/view/timeCursor").asInt());
  }

  @Test
  void lastWriterWinsPerPathInSeqOrder() {
    join("alice/1", "editor", null, null);
    join("bob/2", "editor", null, null);
    edit(
        "alice/1",
        DocEdit.set("selection", new TextNode("a")),
        DocEdit.set("camera.x", new IntNode(1)));
    edit("bob/2", DocEdit.set("selection", new TextNode("b")));
    edit("alice/1", DocEdit.set("camera", new TextNode("reset")));
    JsonNode doc = room.getState().doc();
    assertEquals("b", doc.get("selection").asText());
    assertEquals(
        "reset", doc.get("camera").asText(), "a later set of a parent replaces its subtree");
    edit("bob/2", DocEdit.set("camera.y", new IntNode(3)));
    assertEquals(
        3, room.getState().doc().at("/camera/y").asInt(), "setting below a value replaces it");
    assertEquals(4, room.getState().seq());
  }

  @Test
  void onlyJoinedEditorsEdit() {
    join("viewer/1", "viewer", null, null);
    SessionReply.Rejected notEditor =
        assertInstanceOf(
            SessionReply.Rejected.class, edit("viewer/1", DocEdit.set("a", IntNode.valueOf(1))));
    assertEquals(ErrorCode.FORBIDDEN, notEditor.code());
    SessionReply.Rejected stranger =
        assertInstanceOf(
            SessionReply.Rejected.class, edit("nobody/9", DocEdit.set("a", IntNode.valueOf(1))));
    assertEquals(ErrorCode.NOT_JOINED, stranger.code());
    assertEquals(0, room.getState().seq(), "refused frames change nothing");
  }

  @Test
  void limitsOnMembersOpsAndDocSize() {
    join("a/1", "editor", null, null);
    join("b/2", "editor", null, null);
    join("c/3", "editor", null, null);
    Subscriber.Refused full =
        assertInstanceOf(Subscriber.Refused.class, join("d/4", "editor", null, null));
    assertEquals(ErrorCode.CONFLICT, full.code());

    DocEdit[] six = new DocEdit[6];
    for (int i = 0; i < six.length; i++) {
      six[i] = DocEdit.set("k" + i, IntNode.valueOf(i));
    }
    SessionReply.Rejected tooMany = assertInstanceOf(SessionReply.Rejected.class, edit("a/1", six));
    assertEquals(ErrorCode.TOO_BIG, tooMany.code());

    SessionReply.Rejected tooLarge =
        assertInstanceOf(
            SessionReply.Rejected.class,
            edit("a/1", DocEdit.set("blob", new TextNode("x".repeat(300)))));
    assertEquals(ErrorCode.TOO_BIG, tooLarge.code());
    assertEquals(0, room.getState().seq());
    assertEquals(0, room.getState().doc().size());
  }

  @Test
  void holdsAreExclusiveAndOnlyTheHolderMovesOrReleases() {
    join("alice/1", "editor", null, null);
    join("bob/2", "editor", null, null);
    assertEquals(
        new SessionReply.Accepted(1L),
        object("alice/1", RoomEntity.ObjectAction.SPAWN, "cube", at(0)));
    assertEquals(
        ErrorCode.NOT_OWNER,
        rejected(object("alice/1", RoomEntity.ObjectAction.MOVE, "cube", at(1))));
    assertEquals(
        new SessionReply.Accepted(2L),
        object("alice/1", RoomEntity.ObjectAction.GRAB, "cube", null));
    assertEquals(
        ErrorCode.CONFLICT, rejected(object("bob/2", RoomEntity.ObjectAction.GRAB, "cube", null)));
    assertEquals(
        ErrorCode.NOT_OWNER,
        rejected(object("bob/2", RoomEntity.ObjectAction.MOVE, "cube", at(5))));
    assertEquals(
        ErrorCode.NOT_OWNER,
        rejected(object("bob/2", RoomEntity.ObjectAction.RELEASE, "cube", null)));
    assertEquals(
        new SessionReply.Accepted(3L),
        object("alice/1", RoomEntity.ObjectAction.MOVE, "cube", at(2)));
    assertEquals(
        new SessionReply.Accepted(4L),
        object("alice/1", RoomEntity.ObjectAction.RELEASE, "cube", null));
    ObjectView cube = room.getState().objects().get("cube").view();
    assertNull(cube.heldBy());
    assertEquals(List.of(2.0, 0.0, 0.0), cube.transform().p());
    assertEquals(
        List.of(0.0, 0.0, 0.0, 1.0), cube.transform().q(), "untouched parts keep their value");
    assertEquals(
        new SessionReply.Accepted(5L), object("bob/2", RoomEntity.ObjectAction.GRAB, "cube", null));
    assertEquals(
        ErrorCode.CONFLICT, rejected(object("bob/2", RoomEntity.ObjectAction.SPAWN, "cube", null)));
    assertEquals(
        ErrorCode.NOT_FOUND,
        rejected(object("bob/2", RoomEntity.ObjectAction.GRAB, "ghost", null)));
    object("bob/2", RoomEntity.ObjectAction.SPAWN, "second", null);
    assertEquals(
        ErrorCode.TOO_BIG, rejected(object("bob/2", RoomEntity.ObjectAction.SPAWN, "third", null)));
    assertEquals(
        ErrorCode.NOT_OWNER,
        rejected(object("alice/1", RoomEntity.ObjectAction.REMOVE, "cube", null)));
    assertEquals(
        new SessionReply.Accepted(7L),
        object("bob/2", RoomEntity.ObjectAction.REMOVE, "cube", null));
    assertNull(room.getState().objects().get("cube"));
  }

  @Test
  void aHoldExpiresAfterTheTimeoutWithoutAMove() {
    join("alice/1", "editor", null, null);
    object("alice/1", RoomEntity.ObjectAction.SPAWN, "cube", null);
    object("alice/1", RoomEntity.ObjectAction.GRAB, "cube", null);
    clock.advance(Duration.ofSeconds(20));
    object("alice/1", RoomEntity.ObjectAction.MOVE, "cube", at(1));
    clock.advance(Duration.ofSeconds(20));
    assertTrue(
        room.runCommand(SessionCommand.Tick.INSTANCE).events().isEmpty(),
        "the move renewed the hold");
    clock.advance(Duration.ofSeconds(11));
    List<RoomEntity.Event> events = room.runCommand(SessionCommand.Tick.INSTANCE).events();
    RoomEntity.ObjectsChanged released =
        assertInstanceOf(RoomEntity.ObjectsChanged.class, events.get(0));
    assertEquals("alice/1", released.by(), "the former holder is the author of the release");
    assertNull(released.objects().get("cube").heldBy());
    assertEquals(4, released.seq());
    assertNull(room.getState().objects().get("cube").view().heldBy());
  }

  @Test
  void leavingReleasesHoldsAsDurableChanges() {
    join("alice/1", "editor", null, null);
    join("bob/2", "editor", null, null);
    object("alice/1", RoomEntity.ObjectAction.SPAWN, "cube", null);
    object("alice/1", RoomEntity.ObjectAction.GRAB, "cube", null);
    SessionReply left =
        room.<SessionReply>runCommand(replyTo -> new SessionCommand.Leave("alice/1", replyTo))
            .reply();
    assertEquals(new SessionReply.Accepted(3L), left);
    assertNull(room.getState().objects().get("cube").view().heldBy());
    assertEquals(
        new SessionReply.Accepted(4L), object("bob/2", RoomEntity.ObjectAction.GRAB, "cube", null));
    room.runCommand(new SessionCommand.Disconnect("bob/2"));
    assertNull(room.getState().objects().get("cube").view().heldBy(), "a disconnect releases too");
    assertEquals(5, room.getState().seq());
  }

  @Test
  void presenceIsCoalescedToTheLatestPerMemberAtTheTick() {
    join("alice/1", "editor", null, null);
    room.runCommand(SessionCommand.Tick.INSTANCE);
    hub.receiveMessage(); // alice's join announcement
    room.runCommand(new RoomEntity.SetPresence("alice/1", JSON.createObjectNode().put("x", 1)));
    room.runCommand(new RoomEntity.SetPresence("alice/1", JSON.createObjectNode().put("x", 2)));
    hub.expectNoMessage(Duration.ofMillis(100));
    room.runCommand(SessionCommand.Tick.INSTANCE);
    Subscriber.MembersChanged batch = hub.expectMessageClass(Subscriber.MembersChanged.class);
    assertEquals(
        Map.of(
            "alice/1",
            new MemberInfo("alice/1", "browser", "editor", JSON.createObjectNode().put("x", 2))),
        batch.members());
    assertTrue(room.getState().recent().isEmpty(), "presence is never persisted");
  }

  @Test
  void recoveryAfterRestartKeepsEveryChange() {
    join("alice/1", "editor", null, null);
    for (int i = 0; i < 12; i++) {
      edit("alice/1", DocEdit.set("n", IntNode.valueOf(i)));
    }
    object("alice/1", RoomEntity.ObjectAction.SPAWN, "cube", at(3));
    RoomState before = room.getState();
    RoomState after = room.restart().state();
    assertEquals(before.seq(), after.seq());
    assertEquals(13, after.seq());
    assertEquals(before.epoch(), after.epoch());
    assertEquals(before.doc(), after.doc());
    assertEquals(before.objects(), after.objects());
  }

  @Test
  void aRetriedChangeWithTheSameKeyIsAppliedOnceEvenAcrossARestartAndAnotherConnection() {
    join("alice/1", "editor", null, null);
    join("bob/2", "editor", null, null);
    SessionReply first = keyedEdit("alice/1", "k1", DocEdit.set("n", IntNode.valueOf(1)));
    assertEquals(new SessionReply.Accepted(1L), first);
    assertEquals(
        new SessionReply.Accepted(2L),
        keyedEdit("alice/1", "k2", DocEdit.set("m", IntNode.valueOf(5))));
    // the same key from bob is bob's own change
    assertEquals(
        new SessionReply.Accepted(3L),
        keyedEdit("bob/2", "k1", DocEdit.set("n", IntNode.valueOf(3))));
    room.restart();
    join("alice/9", "editor", null, null);
    // alice retries her first change from a new connection: answered with its seq, not applied
    assertEquals(first, keyedEdit("alice/9", "k1", DocEdit.set("n", IntNode.valueOf(1))));
    assertEquals(3, room.getState().seq());
    assertEquals(3, room.getState().doc().get("n").asInt(), "bob's later write still wins");
    SessionReply grab =
        room.<SessionReply>runCommand(
                r ->
                    new RoomEntity.ChangeObject(
                        "alice/9", RoomEntity.ObjectAction.SPAWN, "cube", "c.glb", at(1), r, "k3"))
            .reply();
    assertEquals(new SessionReply.Accepted(4L), grab);
    SessionReply again =
        room.<SessionReply>runCommand(
                r ->
                    new RoomEntity.ChangeObject(
                        "alice/9", RoomEntity.ObjectAction.SPAWN, "cube", "c.glb", at(1), r, "k3"))
            .reply();
    assertEquals(grab, again, "a retried spawn is not a conflict: it was applied once");
  }

  @Test
  void onlyTheMostRecentKeysAreRemembered() {
    join("alice/1", "editor", null, null);
    // the bound is 300: the oldest keys leave memory
    for (int i = 0; i < 800; i++) {
      keyedEdit("alice/1", "k" + i, DocEdit.set("n", IntNode.valueOf(i)));
    }
    assertEquals(300, room.getState().keys().size(), "the key log keeps the last 300 keys");
    assertEquals(new SessionReply.Accepted(800L), keyedEdit("alice/1", "k799", DocEdit.del("n")));
    assertEquals(
        new SessionReply.Accepted(801L),
        keyedEdit("alice/1", "k0", DocEdit.set("n", IntNode.valueOf(0))),
        "a forgotten key is a new change");
  }

  private SessionReply keyedEdit(String member, String key, DocEdit... ops) {
    return room.<SessionReply>runCommand(
            replyTo -> new RoomEntity.Edit(member, List.of(ops), replyTo, key))
        .reply();
  }

  @Test
  void resumeGetsExactlyTheMissedChangesOrTheJournalOrASnapshot() {
    Subscriber.Admitted first = (Subscriber.Admitted) join("alice/1", "editor", null, null);
    String epoch = first.view().epoch();
    for (int i = 1; i <= 6; i++) {
      edit("alice/1", DocEdit.set("n", IntNode.valueOf(i)));
    }
    Subscriber.Resumed resumed =
        assertInstanceOf(Subscriber.Resumed.class, join("bob/2", "viewer", 4L, epoch));
    assertEquals(List.of(5L, 6L), resumed.changes().stream().map(c -> c.seq()).toList());

    Subscriber.ResumeFromJournal fromJournal =
        assertInstanceOf(Subscriber.ResumeFromJournal.class, join("carol/3", "viewer", 1L, epoch));
    assertEquals(1, fromJournal.since());
    assertEquals(6, fromJournal.upTo());

    room.runCommand(new SessionCommand.Disconnect("carol/3"));
    Subscriber.Admitted otherEpoch =
        assertInstanceOf(
            Subscriber.Admitted.class, join("carol/3", "viewer", 4L, "another-history"));
    assertEquals(6, otherEpoch.view().seq());
  }

  @Test
  void changesThatQueueUpGoIntoOneJournalWrite() {
    List<Integer> writes = new java.util.concurrent.CopyOnWriteArrayList<>();
    String name = "batch-" + UUID.randomUUID();
    PersistenceTestKit journal = PersistenceTestKit.create(testKit.system());
    journal.withPolicy(
        (pid, op) -> {
          if (pid.endsWith(name) && op instanceof WriteEvents w) {
            writes.add(w.batch().size());
          }
          return ProcessingSuccess$.MODULE$;
        });
    try {
      // the room starts only when every command below was sent: they reach it together, the way
      // commands pile up behind a journal write in a busy room (without the gate, a fast machine
      // could apply the first ones one by one before the rest arrive)
      var room =
          testKit.spawn(
              org.apache.pekko.actor.typed.javadsl.Behaviors.<SessionCommand>withStash(
                  100,
                  stash ->
                      org.apache.pekko.actor.typed.javadsl.Behaviors.receiveMessage(
                          cmd -> {
                            if (cmd == SessionCommand.IdleCheck.INSTANCE) {
                              return stash.unstashAll(
                                  RoomEntity.create(name, null, SETTINGS, clock));
                            }
                            stash.stash(cmd);
                            return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
                          })));
      TestProbe<SessionReply> replies = testKit.createTestProbe();
      room.tell(
          new SessionCommand.Join(
              "a/1",
              "c-1",
              new MemberInfo("a", "bot", "editor", JSON.createObjectNode()),
              1L,
              null,
              hub.ref()));
      int n = 20;
      // the cap is 8 changes per write

      for (int i = 1; i <= n; i++) {
        room.tell(
            new RoomEntity.Edit(
                "a/1", List.of(DocEdit.set("n", IntNode.valueOf(i))), replies.ref()));
      }
      room.tell(SessionCommand.IdleCheck.INSTANCE); // open the gate
      java.util.Set<Long> seqs = new java.util.TreeSet<>();
      for (int i = 0; i < n; i++) {
        seqs.add(replies.expectMessageClass(SessionReply.Accepted.class).seq());
      }
      assertEquals(n, seqs.size(), "every change got its own seq");
      assertEquals(1L, (long) ((java.util.TreeSet<Long>) seqs).first());
      assertEquals(1, writes.get(0), "the room's creation");
      List<Integer> changeWrites = writes.subList(1, writes.size());
      assertEquals(n, changeWrites.stream().mapToInt(Integer::intValue).sum());
      assertTrue(changeWrites.size() <= 5, "queued changes share writes: " + writes);
      assertTrue(changeWrites.stream().allMatch(size -> size <= 8), "at most 8 a write: " + writes);
    } finally {
      journal.resetPolicy();
    }
  }

  private static ErrorCode rejected(SessionReply reply) {
    return assertInstanceOf(SessionReply.Rejected.class, reply).code();
  }

  /**
   * Holds the room's flush back until the room got its stop, as happens when the stop was stashed
   * behind a journal write and the changes that queued up meanwhile wait for their flush (a message
   * to self, behind the stop).
   */
  private static final class FlushAfterStop
      extends org.apache.pekko.actor.typed.BehaviorInterceptor<SessionCommand, SessionCommand> {
    private boolean stopped;

    FlushAfterStop() {
      super(SessionCommand.class);
    }

    @Override
    public org.apache.pekko.actor.typed.Behavior<SessionCommand> aroundReceive(
        org.apache.pekko.actor.typed.TypedActorContext<SessionCommand> ctx,
        SessionCommand msg,
        ReceiveTarget<SessionCommand> target) {
      if (msg == SessionCommand.Stop.INSTANCE) {
        stopped = true;
      } else if (msg == RoomEntity.FlushChanges.INSTANCE && !stopped) {
        ctx.asJava().getSelf().tell(msg);
        return org.apache.pekko.actor.typed.javadsl.Behaviors.same();
      }
      return target.apply(ctx, msg);
    }
  }

  @Test
  void changesQueuedWhenTheRoomStopsAreAnsweredUnavailableNotLeftToTheirTimeout() {
    var entity =
        testKit.spawn(
            org.apache.pekko.actor.typed.javadsl.Behaviors.intercept(
                FlushAfterStop::new,
                RoomEntity.create("r-" + UUID.randomUUID(), null, SETTINGS, clock)));
    entity.tell(
        new SessionCommand.Join(
            "m1",
            "c-m1",
            new MemberInfo("m1", "browser", "editor", JSON.createObjectNode()),
            7L,
            StreamPosition.of(null, null),
            hub.ref()));
    awaitAtHub(Subscriber.Admitted.class);
    TestProbe<SessionReply> writer = testKit.createTestProbe();
    entity.tell(new RoomEntity.Edit("m1", List.of(DocEdit.set("a", new IntNode(1))), writer.ref()));
    entity.tell(SessionCommand.Stop.INSTANCE);
    SessionReply reply = writer.expectMessageClass(SessionReply.class, Duration.ofSeconds(3));
    assertEquals(
        ErrorCode.UNAVAILABLE, ((SessionReply.Rejected) reply).code(), String.valueOf(reply));
    writer.expectTerminated(entity, Duration.ofSeconds(3));
  }
}
