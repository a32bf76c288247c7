package io.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.auth.AuthException;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.protocol.ErrorCode;
import java.util.List;
import java.util.Optional;
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
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What every route class of the HTTP API shares (protocol 9): a bearer token checked before the
 * inner route runs (401 without one or with an invalid one; a token that may wait for an external
 * issuer's keys is verified on the {@code tandem.auth.verify-dispatcher}, never on a route thread),
 * a token bucket per principal (429 {@code rate_limited} past it, {@code tandem.http.rate-limit}),
 * and JSON answers (resources that signed links may open, {@link #readable}, also take a link
 * instead of the token), errors as {@code {code, message}}.
 */
abstract class JsonRoutes extends AllDirectives {
  /**
   * What a response to a signed link carries so that a viewer on any origin may read it (the link
   * itself is the credential: no cookies, nothing ambient).
   */
  static final List<org.apache.pekko.http.javadsl.model.HttpHeader> LINK_CORS =
      List.of(
          RawHeader.create("Access-Control-Allow-Origin", "*"),
          RawHeader.create(
              "Access-Control-Expose-Headers",
              "Content-Range, Content-Length, Accept-Ranges, ETag, X-Tandem-Lod"));

  private final TokenVerifier verifier;
  private final Optional<SignedLinks> links;
  private final Guard guard;

  JsonRoutes(ActorSystem<?> system, TokenVerifier verifier) {
    this(system, verifier, Optional.empty());
  }

  JsonRoutes(ActorSystem<?> system, TokenVerifier verifier, Optional<SignedLinks> links) {
    this.verifier = verifier;
    this.links = links;
    this.guard = Guard.ID.apply(system);
  }

  /**
   * {@code GET} and {@code HEAD} of {@code resource} (its decoded path, e.g. {@code
   * /v1/assets/chair}): with a signed link in the query the link decides (403 when it is malformed,
   * altered, for another resource or expired) and {@code inner} runs with the link's principal,
   * whose only grant is reading that resource; else the bearer token does. Either way the same
   * {@code inner} route answers, so ranges and validators work the same.
   */
  final Route readable(String resource, Function<Principal, Route> inner) {
    return concat(
        get(() -> linkOrBearer(resource, inner)), head(() -> linkOrBearer(resource, inner)));
  }

  private Route linkOrBearer(String resource, Function<Principal, Route> inner) {
    return parameterList(
        query -> {
          if (!SignedLinks.isSigned(query)) {
            return authenticated(inner);
          }
          return respondWithHeaders(
              LINK_CORS,
              () -> {
                if (links.isEmpty()) {
                  return error(ErrorCode.FORBIDDEN, "signed links are off on this node");
                }
                Principal principal;
                try {
                  principal = links.get().verify(resource, query);
                } catch (AuthException e) {
                  return error(ErrorCode.FORBIDDEN, e.getMessage());
                }
                return inner.apply(principal);
              });
        });
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
            return error(ErrorCode.UNAUTHORIZED, "Authorization: Bearer <token>");
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
                  return error(ErrorCode.UNAUTHORIZED, v.refusal());
                }
                if (!guard.limit.tryAcquire(v.principal().subject())) {
                  return error(
                      ErrorCode.RATE_LIMITED,
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

  /** The error {@code {code, message}} at the status of {@link HttpErrors#status}. */
  final Route error(ErrorCode code, String message) {
    return json(HttpErrors.status(code), HttpErrors.body(code.wire(), message));
  }

  /** 408 {@code timeout} (HTTP only): a request body that stopped arriving. */
  final Route requestTimeout(String message) {
    return json(StatusCodes.REQUEST_TIMEOUT, HttpErrors.body(HttpErrors.TIMEOUT, message));
  }

  final Route json(StatusCode status, JsonNode body) {
    return complete(
        HttpResponse.create()
            .withStatus(status)
            .withEntity(ContentTypes.APPLICATION_JSON, body.toString()));
  }
}
