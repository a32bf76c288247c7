package io.tandem.node.ws;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.tandem.node.participant.ParticipantEntity;
import io.tandem.node.room.MemberPose;
import io.tandem.protocol.Ping;
import io.tandem.protocol.Pong;
import io.tandem.protocol.Quality;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityRef;

/**
 * What an XR client's connection adds to its room channels: the level of detail it is told (the
 * outbound stage watches the queue delay and the drain rate; this pings the client every {@code
 * tandem.ws.xr-ping-interval} for its round trip), and, with a device id, the participant that
 * outlives the connection (its last pose, its holds, its level of detail). A plain class owned by
 * {@link ConnectionActor}, used on its thread.
 */
final class XrLink {

  /** The level of detail the outbound stage recommended last changed. */
  record QualityChanged(Quality quality) implements ConnectionActor.Command {}

  /** Time to ping the client for its round trip. */
  enum PingDue implements ConnectionActor.Command {
    INSTANCE
  }

  /** What this XR client's participant remembered from its previous connection. */
  record ParticipantAttached(ParticipantEntity.Remembered remembered)
      implements ConnectionActor.Command {}

  private final ConnectionScope scope;

  /** The participant of an XR client with a device id, or null. */
  private EntityRef<ParticipantEntity.Command> participant;

  /** The {@code t} of the server's ping waiting for its pong (ms of the node's clock), or -1. */
  private double pingSentAt = -1;

  private long lastPoseReport;

  XrLink(ConnectionScope scope) {
    this.scope = scope;
  }

  /** The client said hello as an XR client: its level of detail is tracked from now on. */
  void startQualityTracking() {
    ActorRef<ConnectionActor.Command> self = scope.ctx.getSelf();
    scope.outbox.trackQuality(scope.deps.xr(), q -> self.tell(new QualityChanged(q)));
    scope.timers.startTimerWithFixedDelay(PingDue.INSTANCE, scope.deps.ws().xrPingInterval());
  }

  void onPingDue() {
    if (!scope.closing()) {
      pingSentAt = scope.deps.clock().millis();
      scope.outbox.reply(new Ping(null, JsonNodeFactory.instance.numberNode(pingSentAt)));
    }
  }

  /** A pong from the client: if it answers our ping, its round trip counts for the detail. */
  void onPong(Pong pong) {
    if (pingSentAt >= 0
        && pong.t() != null
        && pong.t().isNumber()
        && pong.t().asDouble() == pingSentAt) {
      scope.outbox.roundTrip(Math.round(scope.deps.clock().millis() - pingSentAt));
      pingSentAt = -1;
    }
  }

  void onQualityChanged(QualityChanged msg) {
    if (participant != null) {
      participant.tell(
          new ParticipantEntity.Report(
              scope.connectionId, null, msg.quality().lod(), msg.quality().bytesPerSecond()));
    }
  }

  /** An XR client with a device id: its participant outlives this connection. */
  void attachParticipant(String subject, String device) {
    participant = ParticipantEntity.ref(scope.ctx.getSystem(), subject, device);
    String connectionId = scope.connectionId;
    scope.ctx.ask(
        ParticipantEntity.Remembered.class,
        participant,
        scope.deps.askTimeout(),
        replyTo -> new ParticipantEntity.Attach(connectionId, replyTo),
        (remembered, error) -> new ParticipantAttached(remembered));
  }

  void onParticipantAttached(ParticipantAttached msg) {
    ParticipantEntity.Remembered r = msg.remembered();
    if (r != null && r.lod() != null && !scope.closing()) {
      // a headset back from a struggling connection starts at the detail it was told last
      scope.outbox.quality(
          new Quality(r.lod(), "as on the previous connection", r.bytesPerSecond(), null));
    }
  }

  /**
   * What to do once a grab or release of {@code objectId} is accepted: tell the participant, which
   * keeps the hold through a reconnect. Null without a participant.
   */
  Runnable onHoldAccepted(String session, String objectId, boolean held) {
    if (participant == null) {
      return null;
    }
    var p = participant;
    String connectionId = scope.connectionId;
    return () -> p.tell(new ParticipantEntity.Hold(connectionId, session, objectId, held));
  }

  /** A pose sent to a room; the participant hears of one at most every pose-report-interval. */
  void posed(MemberPose pose) {
    long now = scope.deps.clock().millis();
    if (participant != null
        && now - lastPoseReport >= scope.deps.ws().poseReportInterval().toMillis()) {
      lastPoseReport = now;
      participant.tell(new ParticipantEntity.Report(scope.connectionId, pose, null, null));
    }
  }

  /** The connection stopped: the participant keeps the holds for the grace period. */
  void detach() {
    if (participant != null) {
      participant.tell(new ParticipantEntity.Detach(scope.connectionId));
    }
  }
}
