package io.tandem.node.fanout;

import io.tandem.node.cluster.JournalAvailability;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.Subscriber;
import io.tandem.protocol.SessionId;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * One per node: owns the node's {@link SessionHub}s, one per session with local subscribers, and
 * routes local commands to them. A hub with no subscribers left retires through here, so a command
 * never reaches a hub that is stopping. Blocks on nothing.
 */
public final class HubManager extends AbstractBehavior<HubManager.Command> {

  /** What the manager accepts (node-local only). */
  public sealed interface Command extends NoSerializationVerificationNeeded {}

  /** Deliver {@code command} to the session's hub, starting one if there is none. */
  public record Route(SessionId session, SessionHub.Local command) implements Command {}

  /** A hub has no subscribers left. */
  public record Retire(SessionId session, ActorRef<Subscriber.Message> hub) implements Command {}

  /** The journal is available again after an outage: every hub retries its unanswered joins. */
  private enum JournalRestored implements Command {
    INSTANCE
  }

  public static Behavior<Command> create(
      SessionEntities entities, JournalReader journal, SessionHub.Settings settings) {
    return Behaviors.setup(ctx -> new HubManager(ctx, entities, journal, settings));
  }

  private final SessionEntities entities;
  private final JournalReader journal;
  private final SessionHub.Settings settings;
  private final Map<SessionId, ActorRef<Subscriber.Message>> hubs = new HashMap<>();
  private long spawned;

  private HubManager(
      ActorContext<Command> ctx,
      SessionEntities entities,
      JournalReader journal,
      SessionHub.Settings settings) {
    super(ctx);
    this.entities = entities;
    this.journal = journal;
    this.settings = settings;
    ActorRef<Command> self = ctx.getSelf();
    JournalAvailability.get(ctx.getSystem()).onRestored(() -> self.tell(JournalRestored.INSTANCE));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Route.class, this::onRoute)
        .onMessage(Retire.class, this::onRetire)
        .onMessageEquals(JournalRestored.INSTANCE, this::onJournalRestored)
        .build();
  }

  private Behavior<Command> onRoute(Route cmd) {
    ActorRef<Subscriber.Message> hub = hubs.get(cmd.session());
    if (hub == null) {
      if (cmd.command() instanceof SessionHub.Unsubscribe) {
        return this;
      }
      hub =
          getContext()
              .spawn(
                  SessionHub.create(
                      cmd.session(), entities, journal, settings, getContext().getSelf()),
                  "hub-" + (++spawned));
      hubs.put(cmd.session(), hub);
      TandemMetrics.sessionsActive(cmd.session().kind().prefix()).increment();
    }
    hub.tell(cmd.command());
    return this;
  }

  private Behavior<Command> onJournalRestored() {
    hubs.values().forEach(hub -> hub.tell(SessionHub.RetryJoins.INSTANCE));
    return this;
  }

  private Behavior<Command> onRetire(Retire cmd) {
    if (cmd.hub().equals(hubs.get(cmd.session()))) {
      hubs.remove(cmd.session());
      TandemMetrics.sessionsActive(cmd.session().kind().prefix()).decrement();
    }
    // the hub stops on this confirmation: whatever was routed to it before arrives first and is
    // sent back here, so no command is lost to a stopping hub
    cmd.hub().tell(SessionHub.RetireConfirmed.INSTANCE);
    return this;
  }
}
