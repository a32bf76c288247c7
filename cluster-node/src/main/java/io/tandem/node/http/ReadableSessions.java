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
    Optional<SessionId> parsed = SessionId.tryParse(raw);
    if (parsed.isEmpty()) {
      return error(ErrorCode.INVALID_SESSION, "not a session id: " + raw);
    }
    SessionId s = parsed.get();
    if (!principal.grants().allows(s.kind().prefix(), s.name(), Right.READ)) {
      return error(ErrorCode.FORBIDDEN, "no read grant for " + s);
    }
    // the index answers "never existed" without starting the session's entity
    return onComplete(
        index.lookup(s),
        known -> {
          if (known.isFailure()) {
            return error(ErrorCode.UNAVAILABLE, "the session index did not answer");
          }
          if (known.get() == SessionIndex.Known.NO) {
            return error(ErrorCode.NOT_FOUND, s + " never existed");
          }
          return onComplete(
              summary(s),
              result -> {
                if (result.isFailure()) {
                  return error(ErrorCode.UNAVAILABLE, s + " did not answer");
                }
                if (!result.get().exists()) {
                  return error(ErrorCode.NOT_FOUND, s + " never existed");
                }
                if (known.get() == SessionIndex.Known.JOURNAL_ONLY) {
                  index.repair(s, result.get().created());
                }
                return inner.apply(s, result.get());
              });
        });
  }

  private CompletionStage<SessionSummary> summary(SessionId s) {
    return entities.summary(s, settings.askTimeout());
  }
}
