package io.tandem.node.session;

import org.apache.pekko.actor.AllDeadLetters;
import org.apache.pekko.actor.DeadLetter;
import org.apache.pekko.actor.Dropped;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * Answers the session requests that this node's actors could not deliver, at once, instead of
 * leaving their senders to wait out a timeout.
 *
 * <p>Two places lose commands while a session moves. A shard region drops what reaches it for a
 * shard between the coordinator's begin-hand-off and hand-off (Pekko's "Dropping [n] buffered
 * messages to shard [...] during hand off to avoid re-ordering"): during a rolling restart that is
 * every command that reaches the leaving node in that window. And an entity that stops leaves what
 * is still in its mailbox behind. Both end as dead letters on the node where they were lost. A
 * {@link SessionCommand.Request} among them reached no entity and changed nothing, so it is told
 * so: a change is answered {@code unavailable} (its client sends it again, under the same
 * idempotency key), a join or refresh goes back to its hub, which sends it again.
 *
 * <p>Only dead and dropped letters are answered, never unhandled ones: an entity that read a
 * command and did not handle it would refuse its copy too.
 */
public final class UndeliveredRequests {
  private UndeliveredRequests() {}

  /** Starts the node's listener (one per node). */
  public static void start(ActorSystem<?> system) {
    system.systemActorOf(create(), "undelivered-requests", Props.empty());
  }

  static Behavior<AllDeadLetters> create() {
    return Behaviors.setup(
        ctx -> {
          ctx.getSystem()
              .eventStream()
              .tell(new EventStream.Subscribe<>(AllDeadLetters.class, ctx.getSelf()));
          return Behaviors.receiveMessage(
              letter -> {
                answer(letter);
                return Behaviors.same();
              });
        });
  }

  /**
   * Answers {@code letter} if it carries a request that reached no entity; true if it did. A
   * dropped message arrives as a dead letter around the drop, and a command sent through sharding
   * is inside its envelope.
   */
  static boolean answer(AllDeadLetters letter) {
    Object message = letter;
    while (message instanceof DeadLetter || message instanceof Dropped) {
      message = ((AllDeadLetters) message).message();
    }
    if (message instanceof ShardingEnvelope<?> envelope) {
      message = envelope.message();
    }
    if (message instanceof SessionCommand.Request request) {
      request.undelivered();
      return true;
    }
    return false;
  }
}
