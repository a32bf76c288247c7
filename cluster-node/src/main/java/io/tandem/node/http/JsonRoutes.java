package io.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.AuthException;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.TokenVerifier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What every route class of the HTTP API shares (protocol 9): a bearer token checked before the
 * inner route runs (401 without one or with an invalid one; a token that may wait for an external
 * issuer's keys is verified on the {@code tandem.auth.verify-dispatcher}, never on a route thread),
 * a token bucket per principal (429 {@code rate_limited} past it, {@code tandem.http.rate-limit}),
 * and JSON answers, errors as {@code {code, message}}.
 */
abstract class JsonRoutes extends AllDirectives {
  private final TokenVerifier verifier;
  private final Guard guard;

  JsonRoutes(ActorSystem<?> system, TokenVerifier verifier) {
    this.verifier = verifier;
    this.guard = Guard.ID.apply(system);
  }

  /** What the route classes of one node share: the verify executor and the rate limit. */
  static final class Guard implements Extension {
    static final ExtensionId<Guard> ID =
        new ExtensionId<>() {
          @Override
          public Guard createExtension(ActorSystem<?> system) {
            return new Guard(system);
          }
        };

    final Executor verify;
    final PrincipalRateLimit limit;

    private Guard(ActorSystem<?> system) {
      HttpSettings s = HttpSettings.fromConfig(system.settings().config());
      this.verify =
          system
              .dispatchers()
              .lookup(DispatcherSelector.fromConfig("tandem.auth.verify-dispatcher"));
      this.limit =
          new PrincipalRateLimit(s.requestsPerSecond(), s.requestBurst(), System::nanoTime);
    }
  }

  /** What verifying a token gave: a principal, or the reason it was refused. */
  private record Verified(Principal principal, String refusal) {}

  /** Runs {@code inner} with the principal of the request's {@code Authorization: Bearer} token. */
  final Route authenticated(Function<Principal, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        header -> {
          if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return error(StatusCodes.UNAUTHORIZED, "unauthorized", "Authorization: Bearer <token>");
          }
          String token = header.get().substring(7).trim();
          // only a token that may wait for the issuer's keys leaves the route thread
          CompletableFuture<Verified> verified =
              verifier.mayFetchKeys(token)
                  ? CompletableFuture.supplyAsync(() -> verify(token), guard.verify)
                  : CompletableFuture.completedFuture(verify(token));
          return onSuccess(
              verified,
              v -> {
                if (v.principal() == null) {
                  return error(StatusCodes.UNAUTHORIZED, "unauthorized", v.refusal());
                }
                if (!guard.limit.tryAcquire(v.principal().subject())) {
                  return error(
                      StatusCodes.TOO_MANY_REQUESTS,
                      "rate_limited",
                      "too many requests for " + v.principal().subject() + ", slow down");
                }
                return inner.apply(v.principal());
              });
        });
  }

  private Verified verify(String token) {
    try {
      return new Verified(verifier.verify(token), null);
    } catch (AuthException e) {
      return new Verified(null, e.getMessage());
    }
  }

  final Route error(StatusCode status, String code, String message) {
    return json(status, errorBody(code, message));
  }

  static ObjectNode errorBody(String code, String message) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("code", code);
    body.put("message", message);
    return body;
  }

  final Route json(StatusCode status, JsonNode body) {
    return complete(
        HttpResponse.create()
            .withStatus(status)
            .withEntity(ContentTypes.APPLICATION_JSON, body.toString()));
  }
}
