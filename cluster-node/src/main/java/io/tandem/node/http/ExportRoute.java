package io.tandem.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.tandem.node.auth.Principal;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.ErrorCode;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.Query;
import org.apache.pekko.http.javadsl.model.headers.EntityTag;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /v1/sessions/{session}/events?from=&until=&poses=} (protocol 9): a session's history
 * as NDJSON, or CBOR sequence when {@code Accept} asks for {@code application/cbor-seq}, with the
 * bearer token or a signed link; an ended recording with a known length, an ETag and byte ranges.
 * The bytes come from {@link SessionExport}. Blocks on nothing.
 */
final class ExportRoute extends JsonRoutes {
  private final SessionExport export;
  private final ReadableSessions sessions;

  ExportRoute(
      ActorSystem<?> system,
      TokenVerifier verifier,
      Optional<SignedLinks> links,
      SessionExport export,
      ReadableSessions sessions) {
    super(system, verifier, links);
    this.export = export;
    this.sessions = sessions;
  }

  Route route() {
    return path(
        segment("v1").slash("sessions").slash(segment()).slash("events"),
        raw ->
            readable(
                "/v1/sessions/" + raw + "/events",
                p ->
                    extractUri(
                        uri ->
                            optionalHeaderValueByName(
                                "Accept", accept -> export(p, raw, uri.query(), accept)))));
  }

  private static final ContentType NDJSON =
      ContentTypes.create(
          MediaTypes.customWithFixedCharset(
              "application", "x-ndjson", HttpCharsets.UTF_8, java.util.Map.of(), false));
  private static final ContentType CBOR_SEQ =
      ContentTypes.create(MediaTypes.customBinary("application", "cbor-seq", false));

  /** {@code ?from=&until=&poses=}, each its first value when repeated. */
  private Route export(Principal principal, String raw, Query query, Optional<String> accept) {
    Optional<String> fromParam = query.get("from");
    Optional<String> untilParam = query.get("until");
    Optional<String> posesParam = query.get("poses");
    long from;
    Long until;
    try {
      from = fromParam.map(Long::parseLong).orElse(1L);
      until = untilParam.map(Long::parseLong).orElse(null);
    } catch (NumberFormatException e) {
      return error(ErrorCode.BAD_FRAME, "from and until are integers");
    }
    if (posesParam.isPresent() && !posesParam.get().matches("true|false")) {
      return error(ErrorCode.BAD_FRAME, "poses is true or false");
    }
    boolean poses = posesParam.map(Boolean::parseBoolean).orElse(false);
    Encoding encoding =
        accept.isPresent() && accept.get().contains("application/cbor-seq")
            ? Encoding.CBOR
            : Encoding.JSON;
    ContentType type = encoding == Encoding.CBOR ? CBOR_SEQ : NDJSON;
    return sessions.readable(
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
}
