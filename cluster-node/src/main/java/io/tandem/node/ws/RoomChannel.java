package io.tandem.node.ws;

import io.tandem.node.cluster.JournalAvailability;
import io.tandem.node.room.MemberPose;
import io.tandem.node.room.RoomEntity;
import io.tandem.node.room.RoomSettings;
import io.tandem.node.session.ReplyTo;
import io.tandem.node.session.SessionCommand;
import io.tandem.node.session.SessionReply;
import io.tandem.protocol.ChangeSettings;
import io.tandem.protocol.ClientFrame;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ObjectAction;
import io.tandem.protocol.Op;
import io.tandem.protocol.Pose;
import io.tandem.protocol.Presence;
import io.tandem.protocol.SessionFrame;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A connection's rooms (protocol 4.2): {@code op}, {@code object}, {@code presence}, {@code pose}
 * and {@code settings}, translated by {@link ClientCommands} into {@link RoomEntity} commands.
 * Changes are told with a tag and answered through {@link PendingAnswers} (no ask, no future, no
 * timer per change); past {@code max-changes-in-flight} unanswered the socket is not read. Poses
 * are conflated per room before they cross the cluster. A plain class owned by {@link
 * ConnectionActor}, used on its thread.
 */
final class RoomChannel {

  /** A room answered a change this connection tagged. */
  record Answered(ReplyTo.Answer answer) implements ConnectionActor.Command {}

  /** The oldest tagged change may be overdue. */
  enum AnswerSweep implements ConnectionActor.Command {
    INSTANCE
  }

  /** Time for the next pose of a session to go to its room. */
  record PoseDue(SessionId session) implements ConnectionActor.Command {}

  /** What a tagged change needs to answer its client. */
  private record Request(Long ref, SessionId session, Runnable onAccepted) {}

  private final ConnectionScope scope;
  private final XrLink xr;

  /** Changes sent to rooms that wait for their answer; past the in-flight cap, reading waits. */
  private final PendingAnswers<Request> pending;

  /** Whether the node's journal can store changes now (answers `unavailable` at once if not). */
  private final JournalAvailability journal;

  private final ActorRef<ReplyTo.Answer> answers;

  /** The inbound ack held while too many changes wait for their answer. */
  private ConnectionActor.NextFrame ackAfterAnswers;

  /** The newest pose per session not sent to its room yet (a newer one replaces it). */
  private final Map<SessionId, Pose> unsentPoses = new HashMap<>();

  /** The tick of each joined room as its hub last told (until then, the node's default). */
  private final Map<SessionId, Duration> roomTicks = new HashMap<>();

  /** When the last pose went to each room ({@link System#nanoTime()}). */
  private final Map<SessionId, Long> lastPoseSent = new HashMap<>();

  /** Where each joined room's entity runs, as its hub last said (absent: through sharding). */
  private final Map<SessionId, ActorRef<SessionCommand>> entities = new HashMap<>();

  RoomChannel(ConnectionScope scope, XrLink xr) {
    this.scope = scope;
    this.xr = xr;
    this.pending = new PendingAnswers<>(scope.deps.askTimeout());
    this.journal = JournalAvailability.get(scope.ctx.getSystem());
    this.answers = scope.ctx.messageAdapter(ReplyTo.Answer.class, Answered::new);
  }

  // ------------------------------------------------------------------ frames

  void onOp(Op op) {
    ConnectionScope.Joined joined = scope.editor(op);
    if (joined == null) {
      return;
    }
    int max = scope.deps.rooms().maxOpsPerFrame();
    if (op.ops().size() > max) {
      scope.reply(op, ErrorCode.TOO_BIG, "at most " + max + " ops per frame");
      return;
    }
    var edits = ClientCommands.docEdits(op.ops());
    tellRoom(op, null, replyTo -> new RoomEntity.Edit(joined.memberId(), edits, replyTo, op.key()));
  }

  void onObject(ObjectAction action) {
    ConnectionScope.Joined joined = scope.editor(action);
    if (joined == null) {
      return;
    }
    var transform = ClientCommands.objectTransform(action.transform());
    RoomEntity.ObjectAction kind = ClientCommands.objectAction(action.action());
    // a grab, release, spawn or remove changes what the participant holds through a reconnect
    Runnable onAccepted =
        kind == RoomEntity.ObjectAction.MOVE
            ? null
            : xr.onHoldAccepted(
                action.session().toString(), action.id(), kind == RoomEntity.ObjectAction.GRAB);
    tellRoom(
        action,
        onAccepted,
        replyTo ->
            new RoomEntity.ChangeObject(
                joined.memberId(),
                kind,
                action.id(),
                action.asset(),
                transform,
                replyTo,
                action.key()));
  }

  void onPresence(Presence presence) {
    ConnectionScope.Joined joined = scope.editor(presence);
    if (joined == null) {
      return;
    }
    int max = scope.deps.rooms().maxPresenceBytes();
    if (ConnectionScope.tooBig(presence.presence(), max)) {
      scope.reply(presence, ErrorCode.TOO_BIG, "presence over " + max + " bytes");
      return;
    }
    toRoom(presence.session(), new RoomEntity.SetPresence(joined.memberId(), presence.presence()));
  }

  void onChangeSettings(ChangeSettings change) {
    ConnectionScope.Joined joined = scope.editor(change);
    if (joined == null) {
      return;
    }
    SessionId session = change.session();
    Long ref = change.ref();
    scope.ctx.ask(
        SessionReply.class,
        scope.deps.entities().entity(session),
        scope.deps.askTimeout(),
        replyTo ->
            new RoomEntity.ChangeSettings(joined.memberId(), change.settings().tickHz(), replyTo),
        (reply, error) -> new ConnectionActor.EntityReplied(ref, session, reply, error));
  }

  /**
   * Poses are conflated here, before they cross the cluster, always keeping the newest: a pose goes
   * to the room at once when three quarters of the room's tick have passed since the last one this
   * connection forwarded; otherwise it waits (a newer one replaces it) and goes when that time
   * comes. So the room has every member's newest pose before each of its ticks although the two
   * clocks are not in step, and a 90 Hz headset in a 20 Hz room sends the room 20 to 27 poses a
   * second. A steady sender needs no timer (its next pose is due by then); one that stops gets its
   * last pose through with one. Never acknowledged.
   */
  void onPose(Pose pose) {
    ConnectionScope.Joined joined = scope.editor(pose);
    if (joined == null) {
      return;
    }
    // recordings have no editors: editor() refused a pose for one already
    SessionId session = pose.session();
    long now = System.nanoTime();
    long wait = poseSpacingNanos(session) - (now - lastPoseSent.getOrDefault(session, 0L));
    if (wait <= 0 || !lastPoseSent.containsKey(session)) {
      unsentPoses.remove(session);
      sendPose(joined, pose);
      lastPoseSent.put(session, now);
    } else {
      unsentPoses.put(session, pose);
      PoseDue due = new PoseDue(session);
      if (!scope.timers.isTimerActive(due)) {
        scope.timers.startSingleTimer(due, due, Duration.ofNanos(wait));
      }
    }
  }

  void onPoseDue(PoseDue due) {
    Pose pose = unsentPoses.remove(due.session());
    ConnectionScope.Joined joined = scope.sessions.get(due.session());
    if (pose != null && joined != null && !scope.closing()) {
      sendPose(joined, pose);
      lastPoseSent.put(due.session(), System.nanoTime());
    }
  }

  /** The least time between two poses forwarded to a room: three quarters of its tick. */
  private long poseSpacingNanos(SessionId session) {
    return roomTicks.getOrDefault(session, scope.deps.rooms().tickInterval()).toNanos() * 3 / 4;
  }

  private void sendPose(ConnectionScope.Joined joined, Pose pose) {
    MemberPose memberPose = ClientCommands.memberPose(pose.pose());
    toRoom(pose.session(), new RoomEntity.SetPose(joined.memberId(), memberPose));
    xr.posed(memberPose);
  }

  /**
   * An ephemeral command (presence, a pose) to the room: straight to its entity where the hub said
   * it runs, through sharding while it moves or before its join was answered.
   */
  private void toRoom(SessionId session, RoomEntity.Command command) {
    ActorRef<SessionCommand> entity = entities.get(session);
    if (entity != null) {
      entity.tell(command);
    } else {
      scope.deps.entities().entity(session).tell(command);
    }
  }

  /** The room's hub told where its entity runs now (null: it moves). */
  void entityAt(SessionId session, ActorRef<SessionCommand> entity) {
    if (entity == null) {
      entities.remove(session);
    } else {
      entities.put(session, entity);
    }
  }

  /** The room's hub told its tick rate: poses go at the new rate from the next one on. */
  void onTickRate(SessionId session, int tickHz) {
    roomTicks.put(session, RoomSettings.tickOf(tickHz));
  }

  /** The connection left the session (or is closing). */
  void forget(SessionId session) {
    entities.remove(session);
    unsentPoses.remove(session);
    roomTicks.remove(session);
    lastPoseSent.remove(session);
  }

  // ------------------------------------------------------------------ answers

  /**
   * Sends a change to its room with this connection's answer adapter and a tag: no ask, no future,
   * no timer per change ({@link PendingAnswers}).
   */
  private void tellRoom(
      ClientFrame frame, Runnable onAccepted, Function<ReplyTo, RoomEntity.Command> command) {
    SessionId session = ((SessionFrame) frame).session();
    if (!journal.available()) {
      // its entity could neither store the change nor recover to answer: say so at once
      scope.reply(frame, ErrorCode.UNAVAILABLE, "the journal (Cassandra) is unreachable, retry");
      return;
    }
    long now = System.nanoTime();
    long tag = pending.add(new Request(frame.ref(), session, onAccepted), now);
    if (!scope.timers.isTimerActive(AnswerSweep.INSTANCE)) {
      scope.timers.startSingleTimer(AnswerSweep.INSTANCE, scope.deps.askTimeout());
    }
    scope.deps.entities().entity(session).tell(command.apply(new ReplyTo.Tagged(answers, tag)));
  }

  /**
   * Keeps the inbound ack while {@code max-changes-in-flight} changes wait for their answer; true
   * if it did (the socket is read again once the rooms answered some of them).
   */
  boolean holdUntilAnswered(ConnectionActor.NextFrame ack) {
    if (pending.size() < scope.deps.ws().maxChangesInFlight()) {
      return false;
    }
    ackAfterAnswers = ack;
    return true;
  }

  void onAnswered(Answered msg) {
    Request request = pending.take(msg.answer().tag());
    if (request != null) {
      SessionReply reply = msg.answer().reply();
      if (request.onAccepted() != null && reply instanceof SessionReply.Accepted) {
        request.onAccepted().run();
      }
      scope.answer(request.ref(), request.session(), reply, null);
      readAfterAnswers();
    }
    // else: answered late, after the sweep had told the client unavailable
  }

  void onAnswerSweep() {
    long now = System.nanoTime();
    for (Request request : pending.takeOverdue(now)) {
      scope.answer(
          request.ref(),
          request.session(),
          null,
          new TimeoutException("no answer in " + scope.deps.askTimeout()));
    }
    long next = pending.nanosToNextDeadline(now);
    if (next >= 0) {
      scope.timers.startSingleTimer(
          AnswerSweep.INSTANCE, Duration.ofNanos(Math.max(next, 1_000_000)));
    }
    readAfterAnswers();
  }

  private void readAfterAnswers() {
    if (ackAfterAnswers != null && pending.size() < scope.deps.ws().maxChangesInFlight()) {
      ackAfterAnswers.request();
      ackAfterAnswers = null;
    }
  }
}
