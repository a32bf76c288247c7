package io.tandem.node.cluster;

import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.management.HealthCheckSettings;
import org.apache.pekko.management.javadsl.CheckResult;
import org.apache.pekko.management.javadsl.HealthChecks;

/**
 * The node's liveness and readiness, as Pekko Management computes them from the checks listed in
 * {@code pekko.management.health-checks}: readiness is cluster membership Up (or WeaklyUp), the
 * journal reachable and the node not draining; liveness is the actor system answering. The same
 * checks serve Pekko Management's own {@code /ready} and {@code /alive} and the main port's {@code
 * /readyz} and {@code /healthz}, so the two can never disagree.
 */
public final class NodeHealth {
  private final HealthChecks checks;

  public NodeHealth(ActorSystem<?> system) {
    this.checks =
        new HealthChecks(
            (ExtendedActorSystem) system.classicSystem(),
            HealthCheckSettings.create(
                system.settings().config().getConfig("pekko.management.health-checks")));
  }

  public CompletionStage<CheckResult> ready() {
    return checks.readyResult();
  }

  public CompletionStage<CheckResult> alive() {
    return checks.aliveResult();
  }
}
