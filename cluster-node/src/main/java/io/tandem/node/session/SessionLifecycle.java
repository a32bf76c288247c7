package io.tandem.node.session;

import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * The lifecycle every session entity shares, in one place: admitting members (capacity, the join
 * answer), removing them, the tick that announces joins, leaves and presence, the idle check that
 * asks the shard to passivate an entity without members, and the answers every kind gives alike
 * (not joined, wrong role, summary, snapshot). Each entity owns one, made in its constructor with
 * its {@link ActorContext} and {@link TimerScheduler}, and calls it from its command handlers; it
 * is actor-confined like those two (not thread-safe, never sent anywhere) and blocks on nothing.
 *
 * <p>Invariants it keeps: the tick runs while there are announcements to send or the entity asks
 * for more ticks ({@link #onTick}), and sleeps otherwise, also with members (an idle room of ten
 * costs no timer firing twenty times a second); a queued announcement wakes it ({@link #wake}); the
 * idle check is scheduled exactly while there are no members, from the start of the incarnation and
 * from the last leave, and cancelled by a join.
 *
 * <p>Why a helper the entity owns, not a common base class: an {@code
 * EventSourcedBehaviorWithEnforcedReplies} is already a subclass, and sharing its command handler
 * builder would take a base generic over event and state, with the effects of each kind threaded
 * through it. The parts that persist (creating the session on its first join, releasing a room's
 * holds) stay in the entities, typed to their own events; this class only touches members, timers,
 * the shard and replies that persist nothing. The commands it serves are the shared {@link
 * SessionCommand.Common} family, so it needs no type parameter.
 */
public final class SessionLifecycle {

  private final SessionId sessionId;
  private final ActorContext<SessionCommand> ctx;
  private final TimerScheduler<SessionCommand> timers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Duration passivateAfter;
  private final int maxMembers;
  private final SessionMembers members;

  /** The interval the tick last ran at, for {@link #wake}; null before the first start. */
  private Duration tickInterval;

  /**
   * Schedules the first idle check: an entity that nobody joins passivates after {@code
   * passivateAfter}.
   *
   * @param shard the entity's shard; null outside sharding (tests), then it never passivates
   */
  public SessionLifecycle(
      SessionId sessionId,
      ActorContext<SessionCommand> ctx,
      TimerScheduler<SessionCommand> timers,
      ActorRef<ClusterSharding.ShardCommand> shard,
      Duration passivateAfter,
      int maxMembers) {
    this.sessionId = sessionId;
    this.ctx = ctx;
    this.timers = timers;
    this.shard = shard;
    this.passivateAfter = passivateAfter;
    this.maxMembers = maxMembers;
    this.members = new SessionMembers(ctx, this::wake);
    scheduleIdleCheck();
  }

  /** The members, their hubs and unannounced presence (for publishing and entity rules). */
  public SessionMembers members() {
    return members;
  }

  /**
   * The answer to a join when the session is full (a member joining again always fits), or null.
   */
  public Subscriber.Refused refuseWhenFull(SessionCommand.Join join) {
    if (members.contains(join.memberId()) || members.size() < maxMembers) {
      return null;
    }
    return new Subscriber.Refused(
        join.connectionId(),
        join.ref(),
        ErrorCode.CONFLICT,
        sessionId.kind().prefix() + " is full (" + maxMembers + " members)");
  }

  /**
   * Adds the joining member (announced at the next tick, which runs every {@code tickInterval}),
   * cancels the idle check, and returns the answer for {@code join.hub()}: the missed changes, or a
   * {@code snapshot}. The caller sends it, after the session exists in {@code state}.
   */
  public Subscriber.Message admit(
      SessionCommand.Join join,
      DurableSession state,
      Duration tickInterval,
      Supplier<SessionView> snapshot) {
    members.add(join.memberId(), join.info(), join.hub());
    timers.cancel(SessionCommand.IdleCheck.INSTANCE);
    startTicking(tickInterval);
    return JoinAnswer.answer(
        join,
        state,
        SessionEntities.persistenceId(sessionId),
        members.view(),
        snapshot,
        ctx.getSelf());
  }

  /**
   * Removes a member: its leave is announced at the next tick, and the last one to leave schedules
   * the idle check. Null when it was not a member (then nothing changes).
   */
  public SessionMembers.Member remove(String memberId, Duration tickInterval) {
    SessionMembers.Member gone = members.remove(memberId);
    if (gone != null) {
      startTicking(tickInterval);
      if (members.isEmpty()) {
        scheduleIdleCheck();
      }
    }
    return gone;
  }

  /**
   * The session was deleted: its members are told (through their hubs) and forgotten, and with none
   * left the idle check runs again.
   */
  public void deleted() {
    members.deleted();
    scheduleIdleCheck();
  }

  /** The reply to a delete of a session that does not exist. */
  public SessionReply.Rejected notFound() {
    return new SessionReply.Rejected(ErrorCode.NOT_FOUND, sessionId + " does not exist");
  }

  /**
   * At each tick: sends the joins, leaves and presence since the last tick once to every hub; then
   * the tick sleeps unless the entity still needs it ({@code keepTicking}: motion to send, holds or
   * grace periods to time out). Whatever is queued later wakes it again.
   */
  public void onTick(boolean keepTicking) {
    members.takeAnnouncements().ifPresent(members::broadcast);
    if (!keepTicking) {
      timers.cancel(SessionCommand.Tick.INSTANCE);
    }
  }

  /**
   * The idle check fired. Without members the entity asks its shard to passivate it, or, when it
   * may not stop yet ({@code mayPassivate} false), checks again after the idle time. With members
   * (one joined while the check was queued), nothing.
   */
  public void onIdleCheck(boolean mayPassivate) {
    if (members.isEmpty() && shard != null) {
      if (mayPassivate) {
        shard.tell(new ClusterSharding.Passivate<>(ctx.getSelf()));
      } else {
        scheduleIdleCheck();
      }
    }
  }

  /** Starts the tick at {@code interval}, unless it runs already. */
  public void startTicking(Duration interval) {
    tickInterval = interval;
    if (!timers.isTimerActive(SessionCommand.Tick.INSTANCE)) {
      timers.startTimerAtFixedRate(SessionCommand.Tick.INSTANCE, interval);
    }
  }

  /** Something to send at the next tick: the tick runs again at its last interval. */
  public void wake() {
    if (tickInterval != null) {
      startTicking(tickInterval);
    }
  }

  /** The tick rate changed: the next tick comes {@code interval} from now. */
  public void restartTicking(Duration interval) {
    timers.cancel(SessionCommand.Tick.INSTANCE);
    startTicking(interval);
  }

  /** The reply to a request from someone who is not a member. */
  public SessionReply.Rejected notJoined() {
    return new SessionReply.Rejected(ErrorCode.NOT_JOINED, "not joined to " + sessionId);
  }

  /** Why {@code memberId} may not do what needs {@code role}, or null when it may. */
  public SessionReply.Rejected checkRole(String memberId, String role) {
    SessionMembers.Member m = members.get(memberId);
    if (m == null) {
      return notJoined();
    }
    if (!role.equals(m.info().role())) {
      return new SessionReply.Rejected(
          ErrorCode.FORBIDDEN, "joined as " + m.info().role() + ", not " + role);
    }
    return null;
  }

  /** A full snapshot: {@code view} is the durable state as a late joiner sees it now. */
  public SessionView view(DurableSession state, SessionState view) {
    return new SessionView(state.seq(), state.epoch(), view, members.view());
  }

  /** The summary for the HTTP API; the last four are one kind's (null for the other). */
  public SessionSummary summary(
      DurableSession state,
      Long liveBufferBytes,
      Long droppedBytes,
      Boolean ended,
      Integer tickHz) {
    return new SessionSummary(
        state.exists(),
        state.seq(),
        state.epoch(),
        members.view(),
        state.created(),
        state.lastActivity(),
        liveBufferBytes,
        droppedBytes,
        ended,
        SessionMembers.nodeOf(ctx),
        tickHz);
  }

  private void scheduleIdleCheck() {
    timers.startSingleTimer(SessionCommand.IdleCheck.INSTANCE, passivateAfter);
  }
}
