package io.tandem.node.http;

import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionIndex;
import io.tandem.node.session.SessionSummary;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What a route that reads one session asks first (its summary, {@code GET /v1/sessions/{session}},
 * and its export): whether the id parses, the principal may read it, and it exists, without
 * starting an entity for a session the index never knew. Blocks on nothing.
 */
final class ReadableSessions extends JsonRoutes {
  private final HttpSettings settings;
  private final SessionEntities entities;
  private final SessionIndex index;

  ReadableSessions(
      ActorSystem<?> system,
      HttpSettings settings,
      TokenVerifier verifier,
      SessionEntities entities,
      SessionIndex index) {
    super(system, verifier);
    this.settings = settings;
    this.entities = entities;
    this.index = index;
  }

  /**
   * Resolves a session the principal may read, and its summary: 400 for an invalid id, 403 without
   * the read grant, 404 when it never existed, 503 when it does not answer.
   */
  Route readable(
      Principal principal, String raw, BiFunction<SessionId, SessionSummary, Route> inner) {
    return indexed(
        principal,
        raw,
        Right.READ,
        s -> "no read grant for " + s,
        "never existed",
        (s, known) ->
            onComplete(
                summary(s),
                result -> {
                  if (result.isFailure()) {
                    return error(ErrorCode.UNAVAILABLE, s + " did not answer");
                  }
                  if (!result.get().exists()) {
                    return error(ErrorCode.NOT_FOUND, s + " never existed");
                  }
                  if (known == SessionIndex.Known.JOURNAL_ONLY) {
                    index.repair(s, result.get().created());
                  }
                  return inner.apply(s, result.get());
                }));
  }

  /**
   * The checks every route on one session makes first: 400 for an invalid id, 403 without {@code
   * right} ({@code forbidden} says why), 503 when the session index does not answer, 404 ({@code s
   * + " " + absent}) when the index says the session never existed; so a session nobody knew is not
   * woken just to say so. {@code inner} gets the id and what the index knows of it.
   */
  Route indexed(
      Principal principal,
      String raw,
      Right right,
      Function<SessionId, String> forbidden,
      String absent,
      BiFunction<SessionId, SessionIndex.Known, Route> inner) {
    Optional<SessionId> parsed = SessionId.tryParse(raw);
    if (parsed.isEmpty()) {
      return error(ErrorCode.INVALID_SESSION, "not a session id: " + raw);
    }
    SessionId s = parsed.get();
    if (!principal.grants().allows(s.kind().prefix(), s.name(), right)) {
      return error(ErrorCode.FORBIDDEN, forbidden.apply(s));
    }
    return onComplete(
        index.lookup(s),
        known -> {
          if (known.isFailure()) {
            return error(ErrorCode.UNAVAILABLE, "the session index did not answer");
          }
          if (known.get() == SessionIndex.Known.NO) {
            return error(ErrorCode.NOT_FOUND, s + " " + absent);
          }
          return inner.apply(s, known.get());
        });
  }

  private CompletionStage<SessionSummary> summary(SessionId s) {
    return entities.summary(s, settings.askTimeout());
  }
}
