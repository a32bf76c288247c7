package io.tandem.node.http;

import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.cluster.NodeHealth;
import io.tandem.protocol.ErrorCode;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.CheckResult;

/**
 * {@code GET /healthz} and {@code GET /readyz} (protocol 9), without a token: 200 when every check
 * of {@link NodeHealth} passes, else 503 {@code unavailable} naming the failure. Blocks on nothing.
 */
final class HealthRoutes extends JsonRoutes {
  private final NodeHealth health;

  HealthRoutes(ActorSystem<?> system, TokenVerifier verifier, NodeHealth health) {
    super(system, verifier);
    this.health = health;
  }

  Route route() {
    return concat(
        path("healthz", () -> get(() -> check(health.alive(), "ok"))),
        path("readyz", () -> get(() -> check(health.ready(), "ready"))));
  }

  private Route check(CompletionStage<CheckResult> check, String okText) {
    return onSuccess(
        check.exceptionally(e -> new CheckResult(scala.util.Left.apply(e.toString()))),
        result ->
            result.isSuccess()
                ? complete(StatusCodes.OK, okText)
                : error(ErrorCode.UNAVAILABLE, result.failure().orElse("a health check failed")));
  }
}
