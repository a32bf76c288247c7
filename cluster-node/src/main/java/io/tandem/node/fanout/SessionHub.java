package io.tandem.node.fanout;

import io.tandem.node.session.MemberInfo;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionUpdate;
import io.tandem.node.session.Subscriber;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The node-local end of one session's fan-out: one hub per session per node that has subscribers.
 *
 * <p>The session's entity registers this hub (not the clients) and sends each change once; the hub
 * turns it into a frame once ({@link OutFrame} encodes once per encoding) and hands it to the
 * outbox of every local connection in the session. All messages from the entity arrive in the order
 * it sent them, which keeps the rule "snapshot before any delta" per connection: a connection
 * becomes live here only when its snapshot was queued.
 *
 * <p>Resumes the entity cannot answer from memory are read from the journal here; live changes for
 * that connection wait meanwhile, so the client sees the missed changes, then the live ones, none
 * twice. When the last connection leaves, the hub retires through its {@link HubManager}. Blocks on
 * nothing.
 */
public final class SessionHub extends AbstractBehavior<Subscriber.Message> {

  /** Local commands of a hub; never sent across the cluster. */
  public interface Local extends Subscriber.Message, NoSerializationVerificationNeeded {}

  /** Join the session on behalf of a local connection. */
  public record Subscribe(
      String connectionId,
      String memberId,
      MemberInfo info,
      Long ref,
      Long since,
      String epoch,
      Outbox outbox,
      ActorRef<Membership> connection)
      implements Local {}

  /** The connection left the session or closed. */
  public record Unsubscribe(String connectionId) implements Local {}

  /** The connection got {@code resync}: send it a fresh snapshot. */
  public record RequestRefresh(String connectionId) implements Local {}

  /** The manager routes nothing more to this hub: it stops. */
  enum RetireConfirmed implements Local {
    INSTANCE
  }

  private record JoinTimedOut(String connectionId) implements Local {}

  private record JournalRead(
      String connectionId, long upTo, List<SessionUpdate> changes, Throwable failure)
      implements Local {}

  /** What a hub tells a connection about its membership. */
  public sealed interface Membership extends NoSerializationVerificationNeeded {}

  /** The join failed; its error was already sent to the client. */
  public record JoinFailed(SessionId session) implements Membership {}

  /** Settings of a hub. */
  public record Settings(Duration joinTimeout, int maxJournalResume, int maxCatchUpBuffer) {}

  private enum Phase {
    JOINING,
    CATCHING_UP,
    REFRESHING,
    LIVE
  }

  private static final class Sub {
    final Subscribe request;
    Phase phase = Phase.JOINING;
    boolean joinAnswered;
    List<SessionUpdate> buffered;
    long catchUpTo;

    Sub(Subscribe request) {
      this.request = request;
    }
  }

  public static Behavior<Subscriber.Message> create(
      SessionId session,
      SessionEntities entities,
      JournalReader journal,
      Settings settings,
      ActorRef<HubManager.Command> manager) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new SessionHub(ctx, timers, session, entities, journal, settings, manager)));
  }

  private final TimerScheduler<Subscriber.Message> timers;
  private final SessionId session;
  private final SessionEntities entities;
  private final JournalReader journal;
  private final Settings settings;
  private final ActorRef<HubManager.Command> manager;
  private final Map<String, Sub> subs = new HashMap<>();
  private boolean retiring;

  private SessionHub(
      ActorContext<Subscriber.Message> ctx,
      TimerScheduler<Subscriber.Message> timers,
      SessionId session,
      SessionEntities entities,
      JournalReader journal,
      Settings settings,
      ActorRef<HubManager.Command> manager) {
    super(ctx);
    this.timers = timers;
    this.session = session;
    this.entities = entities;
    this.journal = journal;
    this.settings = settings;
    this.manager = manager;
  }

  @Override
  public Receive<Subscriber.Message> createReceive() {
    return newReceiveBuilder()
        .onMessage(Subscribe.class, this::onSubscribe)
        .onMessage(Unsubscribe.class, this::onUnsubscribe)
        .onMessage(RequestRefresh.class, this::onRequestRefresh)
        .onMessage(JoinTimedOut.class, this::onJoinTimedOut)
        .onMessage(JournalRead.class, this::onJournalRead)
        .onMessage(Subscriber.Admitted.class, this::onAdmitted)
        .onMessage(Subscriber.Resumed.class, this::onResumed)
        .onMessage(Subscriber.ResumeFromJournal.class, this::onResumeFromJournal)
        .onMessage(Subscriber.Refused.class, this::onRefused)
        .onMessage(Subscriber.Refreshed.class, this::onRefreshed)
        .onMessage(Subscriber.Updated.class, this::onUpdated)
        .onMessage(Subscriber.MembersChanged.class, this::onMembersChanged)
        .onMessageEquals(RetireConfirmed.INSTANCE, Behaviors::stopped)
        .build();
  }

  private Behavior<Subscriber.Message> onSubscribe(Subscribe cmd) {
    if (retiring) {
      // this hub is on its way out: the manager routes the command to a fresh hub
      manager.tell(new HubManager.Route(session, cmd));
      return this;
    }
    Sub previous = subs.put(cmd.connectionId(), new Sub(cmd));
    if (previous != null) {
      previous.request.outbox().forget(session);
    }
    timers.startSingleTimer(
        cmd.connectionId(), new JoinTimedOut(cmd.connectionId()), settings.joinTimeout());
    entities.join(
        session,
        cmd.memberId(),
        cmd.connectionId(),
        cmd.info(),
        cmd.ref(),
        cmd.since(),
        cmd.epoch(),
        getContext().getSelf());
    return this;
  }

  private Behavior<Subscriber.Message> onUnsubscribe(Unsubscribe cmd) {
    if (retiring) {
      manager.tell(new HubManager.Route(session, cmd));
      return this;
    }
    subs.remove(cmd.connectionId());
    timers.cancel(cmd.connectionId());
    return retireIfIdle();
  }

  private Behavior<Subscriber.Message> onRequestRefresh(RequestRefresh cmd) {
    if (retiring) {
      manager.tell(new HubManager.Route(session, cmd));
      return this;
    }
    Sub sub = subs.get(cmd.connectionId());
    if (sub != null && sub.phase == Phase.LIVE) {
      sub.phase = Phase.REFRESHING;
      entities.refresh(session, cmd.connectionId(), getContext().getSelf());
    }
    return this;
  }

  private Behavior<Subscriber.Message> onJoinTimedOut(JoinTimedOut cmd) {
    Sub sub = subs.get(cmd.connectionId());
    if (sub != null && sub.phase == Phase.JOINING) {
      subs.remove(cmd.connectionId());
      fail(sub, ErrorCode.UNAVAILABLE, session + " did not answer in time, retry");
      return retireIfIdle();
    }
    return this;
  }

  private Behavior<Subscriber.Message> onAdmitted(Subscriber.Admitted msg) {
    Sub sub = joining(msg.connectionId(), msg.memberId());
    if (sub != null) {
      sub.request
          .outbox()
          .snapshot(session, new OutFrame(Frames.snapshot(msg.ref(), session, msg.view())));
      goLive(sub);
    }
    return this;
  }

  private Behavior<Subscriber.Message> onResumed(Subscriber.Resumed msg) {
    Sub sub = joining(msg.connectionId(), msg.memberId());
    if (sub != null) {
      Outbox outbox = sub.request.outbox();
      outbox.snapshot(
          session,
          new OutFrame(
              Frames.resumed(msg.ref(), session, msg.since(), msg.epoch(), msg.members())));
      for (SessionUpdate u : msg.changes()) {
        outbox.durable(session, u.seq(), new OutFrame(Frames.update(session, u)));
      }
      goLive(sub);
    }
    return this;
  }

  private Behavior<Subscriber.Message> onResumeFromJournal(Subscriber.ResumeFromJournal msg) {
    Sub sub = joining(msg.connectionId(), msg.memberId());
    if (sub == null) {
      return this;
    }
    if (msg.upTo() - msg.since() > settings.maxJournalResume()) {
      // more missed changes than the connection may hold: a fresh snapshot is cheaper for both
      sub.phase = Phase.REFRESHING;
      entities.refresh(session, msg.connectionId(), getContext().getSelf());
      return this;
    }
    sub.phase = Phase.CATCHING_UP;
    sub.buffered = new ArrayList<>();
    sub.catchUpTo = msg.upTo();
    sub.request
        .outbox()
        .snapshot(
            session,
            new OutFrame(
                Frames.resumed(msg.ref(), session, msg.since(), msg.epoch(), msg.members())));
    markAnswered(sub);
    getContext()
        .pipeToSelf(
            journal.changes(msg.persistenceId(), msg.since(), msg.upTo()),
            (changes, failure) ->
                new JournalRead(msg.connectionId(), msg.upTo(), changes, failure));
    return this;
  }

  private Behavior<Subscriber.Message> onJournalRead(JournalRead msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub == null || sub.phase != Phase.CATCHING_UP) {
      return this;
    }
    if (msg.failure() != null || !contiguous(msg.changes(), sub.request.since(), msg.upTo())) {
      // the journal cannot give every missed change: the client gets a fresh snapshot instead
      getContext()
          .getLog()
          .warn(
              "resume of {} from the journal failed ({}), sending a snapshot",
              session,
              msg.failure() != null ? msg.failure().toString() : "incomplete history");
      sub.phase = Phase.REFRESHING;
      sub.buffered = null;
      entities.refresh(session, msg.connectionId(), getContext().getSelf());
      return this;
    }
    Outbox outbox = sub.request.outbox();
    for (SessionUpdate u : msg.changes()) {
      outbox.durable(session, u.seq(), new OutFrame(Frames.update(session, u)));
    }
    for (SessionUpdate u : sub.buffered) {
      if (u.seq() > sub.catchUpTo) {
        outbox.durable(session, u.seq(), new OutFrame(Frames.update(session, u)));
      }
    }
    sub.buffered = null;
    sub.phase = Phase.LIVE;
    return this;
  }

  private Behavior<Subscriber.Message> onRefused(Subscriber.Refused msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub != null && sub.phase == Phase.JOINING) {
      subs.remove(msg.connectionId());
      timers.cancel(msg.connectionId());
      fail(sub, msg.code(), msg.message());
      return retireIfIdle();
    }
    return this;
  }

  private Behavior<Subscriber.Message> onRefreshed(Subscriber.Refreshed msg) {
    Sub sub = subs.get(msg.connectionId());
    if (sub != null && sub.phase == Phase.REFRESHING) {
      // a join that turned into a refresh still owes the client the reply to its `ref`
      Long ref = sub.request.ref();
      boolean wasJoin = !sub.joinAnswered;
      sub.request
          .outbox()
          .snapshot(
              session, new OutFrame(Frames.snapshot(wasJoin ? ref : null, session, msg.view())));
      goLive(sub);
    }
    return this;
  }

  private Behavior<Subscriber.Message> onUpdated(Subscriber.Updated msg) {
    OutFrame frame = null;
    for (Sub sub : subs.values()) {
      if (sub.phase == Phase.LIVE) {
        if (frame == null) {
          frame = new OutFrame(Frames.update(session, msg.update()));
        }
        sub.request.outbox().durable(session, msg.update().seq(), frame);
      } else if (sub.phase == Phase.CATCHING_UP) {
        if (sub.buffered.size() >= settings.maxCatchUpBuffer()) {
          sub.phase = Phase.REFRESHING;
          sub.buffered = null;
          entities.refresh(session, sub.request.connectionId(), getContext().getSelf());
        } else {
          sub.buffered.add(msg.update());
        }
      }
    }
    return this;
  }

  private Behavior<Subscriber.Message> onMembersChanged(Subscriber.MembersChanged msg) {
    Map<String, io.tandem.protocol.MemberEntry> entries = null;
    for (Sub sub : subs.values()) {
      if (sub.phase == Phase.LIVE) {
        if (entries == null) {
          entries = Frames.members(msg.members());
        }
        sub.request.outbox().members(session, entries);
      }
    }
    return this;
  }

  /** Whether {@code changes} are exactly the seqs {@code (since, upTo]}, each once, in order. */
  private static boolean contiguous(List<SessionUpdate> changes, long since, long upTo) {
    long next = since + 1;
    for (SessionUpdate u : changes) {
      if (u.firstSeq() != next) {
        return false;
      }
      next = u.seq() + 1;
    }
    return next == upTo + 1;
  }

  /** The pending join of this connection, or null when it is gone (then the member is dropped). */
  private Sub joining(String connectionId, String memberId) {
    Sub sub = subs.get(connectionId);
    if (sub == null || sub.phase != Phase.JOINING) {
      // the connection left or timed out meanwhile: the entity must not keep a ghost member
      if (sub == null) {
        entities.disconnect(session, memberId);
      }
      return null;
    }
    timers.cancel(connectionId);
    return sub;
  }

  private void goLive(Sub sub) {
    sub.phase = Phase.LIVE;
    markAnswered(sub);
  }

  /** The join's reply (with its ref) went out; a later refresh is a plain snapshot. */
  private void markAnswered(Sub sub) {
    sub.joinAnswered = true;
  }

  private void fail(Sub sub, ErrorCode code, String message) {
    sub.request
        .outbox()
        .reply(new ErrorFrame(sub.request.ref(), session.toString(), code, message));
    sub.request.connection().tell(new JoinFailed(session));
  }

  private Behavior<Subscriber.Message> retireIfIdle() {
    if (subs.isEmpty() && !retiring) {
      retiring = true;
      manager.tell(new HubManager.Retire(session, getContext().getSelf()));
    }
    return this;
  }
}
