package io.tandem.node.cluster;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.CoordinatedShutdown;

/**
 * A Pekko Management readiness check: a node that has begun its coordinated shutdown (SIGTERM, a
 * leave, or being downed) is draining and takes no new clients. Load balancers see it first, so
 * they stop sending connections before the node says {@code bye} to the ones it has.
 */
public final class NotDraining implements Supplier<CompletionStage<Boolean>> {
  private final CoordinatedShutdown shutdown;

  public NotDraining(ActorSystem system) {
    this.shutdown = CoordinatedShutdown.get(system);
  }

  @Override
  public CompletionStage<Boolean> get() {
    return CompletableFuture.completedFuture(shutdown.getShutdownReason().isEmpty());
  }
}
