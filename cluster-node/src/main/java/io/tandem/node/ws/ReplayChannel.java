package io.tandem.node.ws;

import io.tandem.node.auth.Right;
import io.tandem.node.replay.ReplayPacer;
import io.tandem.node.replay.Replays;
import io.tandem.node.session.SessionIndex;
import io.tandem.node.session.SessionSummary;
import io.tandem.protocol.ClientFrame;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.Ok;
import io.tandem.protocol.Replay;
import io.tandem.protocol.ReplayPause;
import io.tandem.protocol.ReplayResume;
import io.tandem.protocol.ReplaySeek;
import io.tandem.protocol.ReplaySpeed;
import io.tandem.protocol.SessionFrame;
import io.tandem.protocol.SessionId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;

/**
 * A connection's replays (protocol 4.4): {@code replay} and its controls. A replay is a stream of
 * its own ({@link Replays}) merged into the connection's outbound side; it holds a slot like a
 * joined session. A plain class owned by {@link ConnectionActor}, used on its thread.
 */
final class ReplayChannel {

  /** The session's summary arrived (or did not): the replay can start. */
  record ReplayReady(Replay request, SessionSummary summary, Throwable error)
      implements ConnectionActor.Command {}

  /** The replay {@code id} of the session ended. */
  record ReplayFinished(SessionId session, long id) implements ConnectionActor.Command {}

  /** A running replay of one session on this connection. */
  private record Running(
      long id, Replays.Request request, ReplayPacer pacer, UniqueKillSwitch kill) {}

  private final ConnectionScope scope;
  private final Map<SessionId, Running> replays = new HashMap<>();
  private final SessionIndex sessionIndex;
  private long replayIds;

  ReplayChannel(ConnectionScope scope) {
    this.scope = scope;
    this.sessionIndex = new SessionIndex(scope.ctx.getSystem());
  }

  /** Replays running: they count toward the connection's session cap. */
  int count() {
    return replays.size();
  }

  void onReplay(Replay replay) {
    SessionId session = replay.session();
    if (!scope.principal.grants().allows(session.kind().prefix(), session.name(), Right.READ)) {
      scope.reply(replay, ErrorCode.FORBIDDEN, "no read grant for " + session);
      return;
    }
    int max = scope.deps.ws().maxSessionsPerConnection();
    // a replay holds a stream like a joined session: it counts toward the connection's cap
    if (!replays.containsKey(session) && scope.sessions.size() + replays.size() >= max) {
      scope.reply(
          replay, ErrorCode.CONFLICT, "a connection joins or replays at most " + max + " sessions");
      return;
    }
    // the session index answers "never existed" without starting the session's entity
    scope.ctx.pipeToSelf(
        sessionIndex
            .exists(session)
            .thenCompose(
                known ->
                    known
                        ? scope.deps.entities().summary(session, scope.deps.askTimeout())
                        : CompletableFuture.completedFuture((SessionSummary) null)),
        (summary, error) -> new ReplayReady(replay, summary, error));
  }

  void onReplayReady(ReplayReady msg) {
    Replay replay = msg.request();
    if (msg.error() != null) {
      scope.reply(
          replay, ErrorCode.UNAVAILABLE, replay.session() + " did not answer in time, retry");
    } else if (msg.summary() == null || !msg.summary().exists()) {
      scope.reply(replay, ErrorCode.NOT_FOUND, replay.session() + " never existed");
    } else if (!scope.closing()) {
      long until =
          replay.until() == null
              ? msg.summary().seq()
              : Math.min(replay.until(), msg.summary().seq());
      start(
          new Replays.Request(replay.session(), replay.from(), until, replay.speed()),
          replay.ref());
    }
  }

  void onPause(ReplayPause pause) {
    control(pause, r -> r.pacer().pause());
  }

  void onResume(ReplayResume resume) {
    control(resume, r -> r.pacer().resume());
  }

  void onSpeed(ReplaySpeed speed) {
    control(speed, r -> r.pacer().setSpeed(speed.speed()));
  }

  void onSeek(ReplaySeek seek) {
    Running r = replays.get(seek.session());
    if (r == null) {
      scope.reply(seek, ErrorCode.NOT_FOUND, "no replay of " + seek.session() + " running");
      return;
    }
    Replays.Request old = r.request();
    start(
        new Replays.Request(old.session(), Math.max(1, seek.seq()), old.until(), r.pacer().speed()),
        seek.ref());
  }

  void onReplayFinished(ReplayFinished msg) {
    Running r = replays.get(msg.session());
    if (r != null && r.id() == msg.id()) {
      replays.remove(msg.session());
    }
  }

  /** The connection stopped: every replay stream ends. */
  void stopAll() {
    replays.values().forEach(r -> r.kill().shutdown());
  }

  /** Starts (or restarts) the session's replay; its first frame is the ok for {@code ref}. */
  private void start(Replays.Request request, Long ref) {
    Running previous = replays.remove(request.session());
    if (previous != null) {
      previous.kill().shutdown();
    }
    ReplayPacer pacer = scope.deps.replays().pacer(request.session(), request.speed());
    if (previous != null && previous.pacer().isPaused()) {
      pacer.pause();
    }
    long id = ++replayIds;
    SessionId session = request.session();
    var pair =
        scope
            .deps
            .replays()
            .source(
                request,
                new Ok(ref, session, null),
                pacer,
                scope.outbound.encoding(),
                scope.deps.codec())
            .watchTermination(Keep.both())
            .toMat(scope.outbound.replays(), Keep.left())
            .run(scope.ctx.getSystem());
    replays.put(session, new Running(id, request, pacer, pair.first()));
    scope.ctx.pipeToSelf(pair.second(), (done, error) -> new ReplayFinished(session, id));
  }

  private void control(SessionFrame frame, Consumer<Running> control) {
    Running r = replays.get(frame.session());
    if (r == null) {
      scope.reply(
          (ClientFrame) frame, ErrorCode.NOT_FOUND, "no replay of " + frame.session() + " running");
      return;
    }
    control.accept(r);
    ClientFrame f = (ClientFrame) frame;
    if (f.ref() != null) {
      scope.outbox.reply(new Ok(f.ref(), frame.session(), null));
    }
  }
}
