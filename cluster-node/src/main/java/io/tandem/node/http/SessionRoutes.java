package io.tandem.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.fanout.Frames;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionReply;
import io.tandem.protocol.ErrorCode;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/sessions} (the listing, {@link SessionListing}), {@code GET
 * /v1/sessions/{session}} (one session's summary) and {@code DELETE /v1/sessions/{session}}
 * (protocol 9). Routes only parse, authorise and translate; state comes from the entities and the
 * session index. Blocks on nothing.
 */
final class SessionRoutes extends JsonRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpSettings settings;
  private final SessionEntities entities;
  private final SessionListing listing;
  private final ReadableSessions sessions;

  SessionRoutes(
      ActorSystem<?> system,
      HttpSettings settings,
      TokenVerifier verifier,
      SessionEntities entities,
      SessionListing listing,
      ReadableSessions sessions) {
    super(system, verifier);
    this.settings = settings;
    this.entities = entities;
    this.listing = listing;
    this.sessions = sessions;
  }

  Route route() {
    return concat(
        path(
            segment("v1").slash("sessions"),
            () -> get(() -> authenticated(p -> query(q -> list(p, q))))),
        path(
            segment("v1").slash("sessions").slash(segment()),
            raw ->
                concat(
                    get(() -> authenticated(p -> oneSession(p, raw))),
                    delete(() -> authenticated(p -> deleteSession(p, raw))))));
  }

  /** {@code ?kind=&limit=&cursor=&q=}, each its first value when repeated. */
  private Route list(Principal p, Query q) {
    return listing.list(p, q.get("kind"), q.get("limit"), q.get("cursor"), q.get("q"));
  }

  private Route query(java.util.function.Function<Query, Route> inner) {
    return extractUri(uri -> inner.apply(uri.query()));
  }

  private Route oneSession(Principal principal, String raw) {
    return sessions.readable(
        principal,
        raw,
        (s, sum) -> {
          ObjectNode body = JSON.createObjectNode();
          body.put("session", s.toString());
          body.put("seq", sum.seq());
          body.put("epoch", sum.epoch());
          body.set("members", JSON.valueToTree(Frames.members(sum.members())));
          body.put("created", sum.created());
          body.put("lastActivity", sum.lastActivity());
          body.put("node", sum.node());
          if (sum.tickHz() != null) {
            body.put("tickHz", sum.tickHz());
          }
          if (sum.liveBufferBytes() != null) {
            body.put("liveBufferBytes", sum.liveBufferBytes());
            body.put("droppedBytes", sum.droppedBytes());
            body.put("ended", sum.ended());
          }
          return json(StatusCodes.OK, body);
        });
  }

  /**
   * {@code DELETE /v1/sessions/{session}} (protocol 9): needs {@code admin} on the session (for
   * example {@code room:<name>:admin}); 204 once its history is gone (its members were told {@code
   * not_found} and are no longer joined, its index row is removed, a later join starts a new
   * epoch); 404 when it does not exist (never created, or deleted already); 503 when the history
   * could not be removed in time (the removal goes on; DELETE again).
   */
  private Route deleteSession(Principal principal, String raw) {
    return sessions.indexed(
        principal,
        raw,
        Right.ADMIN,
        s -> "needs " + s + ":admin to delete " + s,
        "does not exist",
        (s, known) ->
            onComplete(
                entities.delete(s, settings.deleteTimeout()),
                result -> {
                  if (result.isFailure()) {
                    return error(ErrorCode.UNAVAILABLE, s + " was not deleted in time, retry");
                  }
                  if (result.get() instanceof SessionReply.Rejected r) {
                    return r.code() == ErrorCode.NOT_FOUND
                        ? error(ErrorCode.NOT_FOUND, r.message())
                        : error(ErrorCode.UNAVAILABLE, r.message());
                  }
                  return complete(StatusCodes.NO_CONTENT);
                }));
  }
}
