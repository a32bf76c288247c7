package io.tandem.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.DevTokens;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.node.cluster.JournalReadiness;
import io.tandem.node.cluster.NodeAddress;
import io.tandem.node.cluster.NodeHealth;
import io.tandem.node.cluster.ShardRegions;
import io.tandem.node.fanout.FanoutStats;
import io.tandem.node.fanout.Frames;
import io.tandem.node.session.SessionEntities;
import io.tandem.node.session.SessionIndex;
import io.tandem.node.session.SessionReply;
import io.tandem.node.session.SessionSummary;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.CheckResult;

/**
 * The HTTP API of protocol section 9 (health, readiness, sessions, dev tokens). Routes only parse,
 * authorise and translate; state comes from the entities and the journal. Every error is JSON
 * {@code {code, message}} with its status. Blocks on nothing.
 */
public final class HttpApi extends JsonRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final HttpSettings settings;
  private final SessionEntities entities;
  private final NodeHealth health;
  private final java.util.function.IntSupplier connections;
  private final Optional<DevTokens> devTokens;
  private final Duration devTokenMaxTtl;
  private final Clock clock;
  private final SessionExport export;
  private final ShardRegions regions;
  private final JournalReadiness journal;
  private final SessionIndex index;
  private final SessionListing listing;

  /** {@code tandem.node-name} when set: shown as the status's {@code name}. */
  private final Optional<String> nodeName;

  public HttpApi(
      ActorSystem<?> system,
      HttpSettings settings,
      TokenVerifier verifier,
      SessionEntities entities,
      NodeHealth health,
      java.util.function.IntSupplier connections,
      Optional<DevTokens> devTokens,
      Duration devTokenMaxTtl,
      Clock clock,
      SessionExport export,
      ShardRegions regions,
      JournalReadiness journal,
      Optional<SignedLinks> links,
      Optional<String> nodeName) {
    super(system, verifier, links);
    this.nodeName = nodeName;
    this.system = system;
    this.settings = settings;
    this.entities = entities;
    this.health = health;
    this.connections = connections;
    this.devTokens = devTokens;
    this.devTokenMaxTtl = devTokenMaxTtl;
    this.clock = clock;
    this.export = export;
    this.regions = regions;
    this.journal = journal;
    this.index = new SessionIndex(system);
    this.listing = new SessionListing(system, verifier, settings, index, entities, regions);
  }

  public Route route() {
    return concat(
        path("healthz", () -> get(this::liveness)),
        path("readyz", () -> get(this::readiness)),
        pathPrefix(
            "v1",
            () ->
                concat(
                    path(
                        "sessions",
                        () ->
                            get(
                                () ->
                                    authenticated(
                                        p ->
                                            parameterOptional(
                                                "kind",
                                                kind ->
                                                    parameterOptional(
                                                        "limit",
                                                        limit ->
                                                            parameterOptional(
                                                                "cursor",
                                                                cursor ->
                                                                    parameterOptional(
                                                                        "q",
                                                                        q ->
                                                                            listing.list(
                                                                                p, kind, limit,
                                                                                cursor, q)))))))),
                    path(
                        segment("sessions").slash(segment()),
                        raw ->
                            concat(
                                get(() -> authenticated(p -> oneSession(p, raw))),
                                delete(() -> authenticated(p -> deleteSession(p, raw))))),
                    path(
                        segment("sessions").slash(segment()).slash("events"),
                        raw ->
                            readable(
                                "/v1/sessions/" + raw + "/events",
                                p ->
                                    parameterOptional(
                                        "from",
                                        from ->
                                            parameterOptional(
                                                "until",
                                                until ->
                                                    parameterOptional(
                                                        "poses",
                                                        poses ->
                                                            optionalHeaderValueByName(
                                                                "Accept",
                                                                accept ->
                                                                    export(
                                                                        p, raw, from, until, poses,
                                                                        accept))))))),
                    path("status", () -> get(() -> authenticated(this::status))),
                    path(segment("dev").slash("token"), () -> post(this::devToken)))));
  }

  // ---------------------------------------------------------------- status

  /**
   * This node and its cluster, for operators ({@code node:*:admin}): its address, version and
   * uptime, the members with status and roles, the shard regions with their shard and entity counts
   * (here and per member), open connections, the journal's health, and what its entities fanned
   * out. The shard and journal questions are asks with the ask timeout; a part that does not answer
   * in time is reported as such, the rest still answers.
   */
  private Route status(Principal principal) {
    if (!principal.grants().isAdmin()) {
      return error(StatusCodes.FORBIDDEN, "forbidden", "needs the node:*:admin grant");
    }
    Duration timeout = settings.askTimeout();
    CompletableFuture<List<ShardRegions.Hosted>> local =
        regions.local(timeout).toCompletableFuture().exceptionally(e -> null);
    CompletableFuture<List<ShardRegions.ClusterWide>> clusterWide =
        regions.cluster(timeout).toCompletableFuture().exceptionally(e -> null);
    long journalStart = System.nanoTime();
    CompletableFuture<Boolean> journalUp =
        journal
            .get()
            .toCompletableFuture()
            .completeOnTimeout(false, timeout.toMillis(), TimeUnit.MILLISECONDS)
            .exceptionally(e -> false);
    CompletableFuture<Long> journalMs =
        journalUp.thenApply(ok -> (System.nanoTime() - journalStart) / 1_000_000);
    CompletableFuture<Void> all = CompletableFuture.allOf(local, clusterWide, journalMs);
    return onSuccess(
        all,
        x ->
            json(
                StatusCodes.OK,
                statusBody(local.join(), clusterWide.join(), journalUp.join(), journalMs.join())));
  }

  private ObjectNode statusBody(
      List<ShardRegions.Hosted> local,
      List<ShardRegions.ClusterWide> clusterWide,
      boolean journalUp,
      long journalMs) {
    org.apache.pekko.cluster.Cluster cluster =
        org.apache.pekko.cluster.Cluster.get(system.classicSystem());
    ObjectNode body = JSON.createObjectNode();
    body.put("node", NodeAddress.of(cluster.selfAddress()));
    nodeName.ifPresent(n -> body.put("name", n));
    body.put("version", version());
    body.put("uptimeMs", system.uptime() * 1000);
    body.put("status", cluster.selfMember().status().toString());
    ArrayNode members = body.putArray("members");
    java.util.Set<org.apache.pekko.cluster.Member> unreachable = cluster.state().getUnreachable();
    cluster
        .state()
        .getMembers()
        .forEach(
            m -> {
              ObjectNode row = members.addObject();
              row.put("address", NodeAddress.of(m.address()));
              row.put("status", m.status().toString());
              row.put("reachable", !unreachable.contains(m));
              ArrayNode roles = row.putArray("roles");
              m.getRoles().forEach(roles::add);
            });
    body.put("unreachable", unreachable.size());
    if (cluster.state().getLeader() != null) {
      body.put("leader", NodeAddress.of(cluster.state().getLeader()));
    }
    body.put("connections", connections.getAsInt());
    ArrayNode shardRegions = body.putArray("shardRegions");
    if (local == null || clusterWide == null) {
      body.put("shardRegionsError", "the shard regions did not answer in time");
    } else {
      for (ShardRegions.Hosted h : local) {
        ObjectNode row = shardRegions.addObject();
        row.put("type", h.type());
        row.put("shards", h.shards());
        row.put("entities", h.entities());
        ObjectNode byNode = row.putObject("cluster");
        clusterWide.stream()
            .filter(c -> c.type().equals(h.type()))
            .findFirst()
            .ifPresent(
                c -> {
                  c.byNode()
                      .forEach(
                          (address, counts) ->
                              byNode
                                  .putObject(address)
                                  .put("shards", counts[0])
                                  .put("entities", counts[1]));
                  if (!c.failed().isEmpty() || c.error() != null) {
                    row.put("clusterIncomplete", true);
                  }
                });
      }
    }
    body.putObject("journal").put("healthy", journalUp).put("checkMs", journalMs);
    FanoutStats fanout = FanoutStats.get(system);
    body.putObject("fanout")
        .put("changes", fanout.changes())
        .put("hubMessages", fanout.hubMessages());
    return body;
  }

  /** The node's version: the jar's Implementation-Version, "dev" when run from classes. */
  static String version() {
    String v = HttpApi.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  // ---------------------------------------------------------------- readiness

  /**
   * 200 when every readiness check passes (see {@link NodeHealth}); else 503 naming the failure.
   */
  private Route readiness() {
    return health(health.ready(), "ready");
  }

  private Route liveness() {
    return health(health.alive(), "ok");
  }

  private Route health(CompletionStage<CheckResult> check, String okText) {
    return onSuccess(
        check.exceptionally(e -> new CheckResult(scala.util.Left.apply(e.toString()))),
        result ->
            result.isSuccess()
                ? complete(StatusCodes.OK, okText)
                : error(
                    StatusCodes.SERVICE_UNAVAILABLE,
                    "unavailable",
                    result.failure().orElse("a health check failed")));
  }

  // ---------------------------------------------------------------- sessions

  private Route oneSession(Principal principal, String raw) {
    return readableSession(
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
    Optional<SessionId> parsed = SessionId.tryParse(raw);
    if (parsed.isEmpty()) {
      return error(StatusCodes.BAD_REQUEST, "invalid_session", "not a session id: " + raw);
    }
    SessionId s = parsed.get();
    if (!principal.grants().allows(s.kind().prefix(), s.name(), Right.ADMIN)) {
      return error(StatusCodes.FORBIDDEN, "forbidden", "needs " + s + ":admin to delete " + s);
    }
    // a session the index and the journal never knew is not woken just to say so
    return onComplete(
        index.lookup(s),
        known -> {
          if (known.isFailure()) {
            return error(
                StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "the session index did not answer");
          }
          if (known.get() == SessionIndex.Known.NO) {
            return error(StatusCodes.NOT_FOUND, "not_found", s + " does not exist");
          }
          return onComplete(
              entities.delete(s, settings.deleteTimeout()),
              result -> {
                if (result.isFailure()) {
                  return error(
                      StatusCodes.SERVICE_UNAVAILABLE,
                      "unavailable",
                      s + " was not deleted in time, retry");
                }
                if (result.get() instanceof SessionReply.Rejected r) {
                  return r.code() == ErrorCode.NOT_FOUND
                      ? error(StatusCodes.NOT_FOUND, "not_found", r.message())
                      : error(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", r.message());
                }
                return complete(StatusCodes.NO_CONTENT);
              });
        });
  }

  /**
   * Resolves a session the principal may read, and its summary: 400 for an invalid id, 403 without
   * the read grant, 404 when it never existed, 503 when it does not answer.
   */
  private Route readableSession(
      Principal principal, String raw, BiFunction<SessionId, SessionSummary, Route> inner) {
    Optional<SessionId> parsed = SessionId.tryParse(raw);
    if (parsed.isEmpty()) {
      return error(StatusCodes.BAD_REQUEST, "invalid_session", "not a session id: " + raw);
    }
    SessionId s = parsed.get();
    if (!principal.grants().allows(s.kind().prefix(), s.name(), Right.READ)) {
      return error(StatusCodes.FORBIDDEN, "forbidden", "no read grant for " + s);
    }
    // the index answers "never existed" without starting the session's entity
    return onComplete(
        index.lookup(s),
        known -> {
          if (known.isFailure()) {
            return error(
                StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "the session index did not answer");
          }
          if (known.get() == SessionIndex.Known.NO) {
            return error(StatusCodes.NOT_FOUND, "not_found", s + " never existed");
          }
          return onComplete(
              summary(s),
              result -> {
                if (result.isFailure()) {
                  return error(
                      StatusCodes.SERVICE_UNAVAILABLE, "unavailable", s + " did not answer");
                }
                if (!result.get().exists()) {
                  return error(StatusCodes.NOT_FOUND, "not_found", s + " never existed");
                }
                if (known.get() == SessionIndex.Known.JOURNAL_ONLY) {
                  index.repair(s, result.get().created());
                }
                return inner.apply(s, result.get());
              });
        });
  }

  // ---------------------------------------------------------------- export

  private static final ContentType NDJSON =
      ContentTypes.create(
          MediaTypes.customWithFixedCharset(
              "application", "x-ndjson", HttpCharsets.UTF_8, java.util.Map.of(), false));
  private static final ContentType CBOR_SEQ =
      ContentTypes.create(MediaTypes.customBinary("application", "cbor-seq", false));

  private Route export(
      Principal principal,
      String raw,
      Optional<String> fromParam,
      Optional<String> untilParam,
      Optional<String> posesParam,
      Optional<String> accept) {
    long from;
    Long until;
    try {
      from = fromParam.map(Long::parseLong).orElse(1L);
      until = untilParam.map(Long::parseLong).orElse(null);
    } catch (NumberFormatException e) {
      return error(StatusCodes.BAD_REQUEST, "bad_frame", "from and until are integers");
    }
    if (posesParam.isPresent() && !posesParam.get().matches("true|false")) {
      return error(StatusCodes.BAD_REQUEST, "bad_frame", "poses is true or false");
    }
    boolean poses = posesParam.map(Boolean::parseBoolean).orElse(false);
    Encoding encoding =
        accept.isPresent() && accept.get().contains("application/cbor-seq")
            ? Encoding.CBOR
            : Encoding.JSON;
    ContentType type = encoding == Encoding.CBOR ? CBOR_SEQ : NDJSON;
    return readableSession(
        principal,
        raw,
        (s, sum) -> {
          long last = until == null ? sum.seq() : Math.min(until, sum.seq());
          if (!Boolean.TRUE.equals(sum.ended())) {
            return complete(
                HttpResponse.create()
                    .withEntity(
                        HttpEntities.createChunked(
                            type, export.bytes(s, from, last, encoding, poses))));
          }
          // an ended recording never changes: a known length, an ETag, and byte ranges
          String key =
              s + "|" + sum.epoch() + "|" + from + "|" + last + "|" + encoding + "|" + poses;
          EntityTag tag = EntityTag.create(SessionExport.etag(key), false);
          return onSuccess(
              export.length(key, s, from, last, encoding, poses),
              length ->
                  conditional(
                      tag,
                      () ->
                          withRangeSupport(
                              () ->
                                  // withRangeSupport adds Accept-Ranges: bytes itself
                                  complete(
                                      HttpResponse.create()
                                          .withEntity(
                                              HttpEntities.create(
                                                  type,
                                                  length,
                                                  export.bytes(
                                                      s, from, last, encoding, poses)))))));
        });
  }

  private CompletionStage<SessionSummary> summary(SessionId s) {
    return entities.summary(s, settings.askTimeout());
  }

  // ---------------------------------------------------------------- dev tokens

  private Route devToken() {
    if (devTokens.isEmpty()) {
      return error(StatusCodes.NOT_FOUND, "not_found", "dev mode is off");
    }
    // the socket's peer address (remote-address-attribute), never X-Forwarded-For / X-Real-IP
    return extractRequest(
        request -> {
          Optional<String> refused =
              DevTokenGate.refusal(
                  request
                      .getAttribute(AttributeKeys.remoteAddress)
                      .flatMap(RemoteAddress::getAddress),
                  request.getHeader("Host").map(HttpHeader::value),
                  request.getHeader("Origin").map(HttpHeader::value),
                  request.getHeader("Sec-Fetch-Site").map(HttpHeader::value),
                  request.entity().getContentType().mediaType().toString());
          if (refused.isPresent()) {
            return error(StatusCodes.FORBIDDEN, "forbidden", refused.get());
          }
          return entity(
              org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(),
              body -> {
                JsonNode req;
                try {
                  req = JSON.readTree(body);
                } catch (Exception e) {
                  return error(StatusCodes.BAD_REQUEST, "bad_frame", "body must be JSON");
                }
                if (req == null
                    || !req.path("sub").isTextual()
                    || req.path("sub").asText().isBlank()) {
                  return error(StatusCodes.BAD_REQUEST, "bad_frame", "sub is required");
                }
                long ttl = req.path("ttlSeconds").asLong(3600);
                if (ttl <= 0 || ttl > devTokenMaxTtl.toSeconds()) {
                  return error(
                      StatusCodes.BAD_REQUEST,
                      "bad_frame",
                      "ttlSeconds is 1 to " + devTokenMaxTtl.toSeconds());
                }
                if (req.has("name") && !req.get("name").isTextual()) {
                  return error(StatusCodes.BAD_REQUEST, "bad_frame", "name must be a string");
                }
                // sub and name as sent (UTF-8 JSON): never narrowed to ASCII
                String token =
                    devTokens
                        .get()
                        .mint(
                            req.get("sub").asText(),
                            req.has("name") ? req.get("name").asText() : null,
                            req.path("scope").asText(""),
                            Duration.ofSeconds(ttl),
                            clock.instant());
                ObjectNode out = JSON.createObjectNode();
                out.put("token", token);
                return json(StatusCodes.OK, out);
              });
        });
  }

  // ---------------------------------------------------------------- helpers

}
