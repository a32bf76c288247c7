package io.tandem.node.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.cluster.ShardRegions;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionIndex;
import io.tandem.node.session.SessionSummary;
import io.tandem.persistence.index.CassandraSessionIndex;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/sessions?kind=&limit=&cursor=&q=} (protocol 9, paged as docs/protocol.md says):
 * the sessions the token may read, from the {@link SessionIndex}. It never starts an entity: live
 * figures ({@code seq}, {@code members}, {@code lastActivity}) come only from entities already
 * running on this node, as this node's shard regions report them; other rows carry what the index
 * holds. Blocks on nothing.
 */
final class SessionListing extends JsonRoutes {
  private final HttpSettings settings;
  private final SessionIndex index;
  private final SessionEntities entities;
  private final ShardRegions regions;

  SessionListing(
      ActorSystem<?> system,
      TokenVerifier verifier,
      HttpSettings settings,
      SessionIndex index,
      SessionEntities entities,
      ShardRegions regions) {
    super(system, verifier);
    this.settings = settings;
    this.index = index;
    this.entities = entities;
    this.regions = regions;
  }

  Route list(
      Principal principal,
      Optional<String> kind,
      Optional<String> limitParam,
      Optional<String> cursor,
      Optional<String> q) {
    List<String> kinds = SessionIndex.kinds();
    if (kind.isPresent() && !kinds.contains(kind.get())) {
      return error(ErrorCode.BAD_FRAME, "kind is one of " + kinds);
    }
    int limit;
    try {
      limit = limitParam.map(Integer::parseInt).orElse(settings.defaultPageSize());
    } catch (NumberFormatException e) {
      limit = -1;
    }
    if (limit < 1 || limit > settings.maxPageSize()) {
      return error(ErrorCode.BAD_FRAME, "limit is 1 to " + settings.maxPageSize());
    }
    if (q.isPresent() && (q.get().isEmpty() || q.get().length() > 128)) {
      return error(ErrorCode.BAD_FRAME, "q is 1 to 128 characters");
    }
    CompletionStage<SessionIndex.Page> page;
    try {
      page =
          index.list(
              kind.map(List::of).orElse(kinds),
              cursor,
              q,
              e -> principal.grants().allows(e.kind(), e.name(), Right.READ),
              limit,
              settings.listScanRows());
    } catch (IllegalArgumentException e) {
      return error(ErrorCode.BAD_FRAME, "cursor: " + e.getMessage());
    }
    CompletionStage<ObjectNode> body = page.thenCompose(this::withLiveFigures);
    return onComplete(
        body,
        result ->
            result.isSuccess()
                ? json(StatusCodes.OK, result.get())
                : error(ErrorCode.UNAVAILABLE, "the session index did not answer"));
  }

  /** The page as JSON, with live figures for the rows whose entity runs on this node. */
  private CompletionStage<ObjectNode> withLiveFigures(SessionIndex.Page page) {
    return regions
        .localEntityIds(settings.askTimeout())
        .exceptionally(e -> Map.of())
        .thenCompose(
            running -> {
              List<CompletableFuture<ObjectNode>> rows = new ArrayList<>();
              for (CassandraSessionIndex.Entry e : page.entries()) {
                rows.add(row(e, running).toCompletableFuture());
              }
              return CompletableFuture.allOf(rows.toArray(CompletableFuture[]::new))
                  .thenApply(
                      x -> {
                        ObjectNode out = JsonNodeFactory.instance.objectNode();
                        ArrayNode arr = out.putArray("sessions");
                        rows.forEach(r -> arr.add(r.join()));
                        page.next().ifPresent(n -> out.put("next", n));
                        return out;
                      });
            });
  }

  private CompletionStage<ObjectNode> row(
      CassandraSessionIndex.Entry e, Map<String, Set<String>> running) {
    ObjectNode row = JsonNodeFactory.instance.objectNode();
    row.put("session", e.kind() + ":" + e.name());
    row.put("kind", e.kind());
    row.put("name", e.name());
    row.put("created", e.created());
    Optional<SessionId> id = SessionId.tryParse(e.kind() + ":" + e.name());
    if (id.isEmpty() || !running.getOrDefault(e.kind(), Set.of()).contains(e.name())) {
      return CompletableFuture.completedFuture(row);
    }
    return entities
        .summary(id.get(), settings.askTimeout())
        .thenApply(
            (SessionSummary sum) -> {
              if (sum.exists()) {
                row.put("live", true);
                row.put("seq", sum.seq());
                row.put("members", sum.members().size());
                row.put("lastActivity", sum.lastActivity());
              }
              return row;
            })
        .exceptionally(x -> row);
  }
}
