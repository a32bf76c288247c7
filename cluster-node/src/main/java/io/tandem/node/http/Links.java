package io.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.LinkSettings;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.Right;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.protocol.ErrorCode;
import io.tandem.protocol.SessionId;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST /v1/links} (protocol 9): {@code {path, ttlSeconds}} to {@code {url, expires}}, a
 * signed, read-only, time-limited URL for the export of a session or an asset that the caller may
 * read, for viewers that cannot send an {@code Authorization} header. The link carries one grant,
 * reading that resource; it lives at most {@code tandem.links.max-ttl} and never past the caller's
 * own token. Also answers the CORS preflight ({@code OPTIONS}) of a signed URL, so that a viewer on
 * another origin may send {@code Range} and {@code If-None-Match}. Blocks on nothing.
 */
public final class Links extends JsonRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern EVENTS = Pattern.compile("/v1/sessions/([^/]+)/events");
  private static final Pattern ASSET = Pattern.compile("/v1/assets/([^/]+)");

  private final Optional<SignedLinks> links;
  private final LinkSettings settings;

  public Links(
      org.apache.pekko.actor.typed.ActorSystem<?> system,
      TokenVerifier verifier,
      Optional<SignedLinks> links,
      LinkSettings settings) {
    super(system, verifier, links);
    this.links = links;
    this.settings = settings;
  }

  public Route route() {
    return pathPrefix(
        "v1",
        () ->
            concat(
                path("links", () -> post(() -> authenticated(this::create))),
                options(
                    () ->
                        parameterList(
                            query -> SignedLinks.isSigned(query) ? preflight() : reject()))));
  }

  private Route preflight() {
    return complete(
        HttpResponse.create()
            .withStatus(StatusCodes.NO_CONTENT)
            .addHeader(RawHeader.create("Access-Control-Allow-Origin", "*"))
            .addHeader(RawHeader.create("Access-Control-Allow-Methods", "GET, HEAD"))
            .addHeader(RawHeader.create("Access-Control-Allow-Headers", "Range, If-None-Match"))
            .addHeader(RawHeader.create("Access-Control-Max-Age", "600")));
  }

  private Route create(Principal principal) {
    if (links.isEmpty()) {
      return error(
          ErrorCode.NOT_FOUND,
          "signed links are off: set TANDEM_LINKS_SECRET or TANDEM_AUTH_HS256_SECRET");
    }
    return entity(
        Unmarshaller.entityToString(),
        body ->
            extractUri(
                uri -> {
                  JsonNode req;
                  try {
                    req = JSON.readTree(body);
                  } catch (Exception e) {
                    return error(ErrorCode.BAD_FRAME, "body must be JSON");
                  }
                  if (req == null || !req.path("path").isTextual()) {
                    return error(ErrorCode.BAD_FRAME, "path is required");
                  }
                  JsonNode ttlNode = req.path("ttlSeconds");
                  long maxTtl = links.get().maxTtl().toSeconds();
                  if (!ttlNode.isMissingNode() && !ttlNode.canConvertToExactIntegral()) {
                    return error(ErrorCode.BAD_FRAME, "ttlSeconds is an integer");
                  }
                  long ttl =
                      ttlNode.isMissingNode()
                          ? settings.defaultTtl().toSeconds()
                          : ttlNode.asLong();
                  if (ttl <= 0 || ttl > maxTtl) {
                    return error(ErrorCode.BAD_FRAME, "ttlSeconds is 1 to " + maxTtl);
                  }
                  String base =
                      settings
                          .baseUrl()
                          .orElseGet(
                              () -> {
                                String whole = uri.toString();
                                return whole.substring(
                                    0, whole.length() - uri.toRelative().toString().length());
                              });
                  return sign(principal, req.get("path").asText(), ttl, base);
                }));
  }

  private Route sign(Principal principal, String requested, long ttl, String base) {
    URI target;
    try {
      target = new URI(requested);
    } catch (URISyntaxException e) {
      return error(ErrorCode.BAD_FRAME, "path is not a URL path: " + requested);
    }
    if (target.isAbsolute()
        || target.getRawAuthority() != null
        || target.getRawFragment() != null
        || target.getPath() == null) {
      return error(ErrorCode.BAD_FRAME, "path is a path such as /v1/assets/{id}");
    }
    List<Map.Entry<String, String>> query = new ArrayList<>();
    String rawQuery = target.getRawQuery();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq));
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1));
        if (SignedLinks.isLinkParameter(name)) {
          return error(ErrorCode.BAD_FRAME, name + " is the link's own");
        }
        query.add(Map.entry(name, value));
      }
    }
    String path = target.getPath();
    String grant;
    Matcher events = EVENTS.matcher(path);
    Matcher asset = ASSET.matcher(path);
    if (events.matches()) {
      Optional<SessionId> session = SessionId.tryParse(events.group(1));
      if (session.isEmpty()) {
        return error(ErrorCode.INVALID_SESSION, "not a session id: " + events.group(1));
      }
      SessionId s = session.get();
      if (!principal.grants().allows(s.kind().prefix(), s.name(), Right.READ)) {
        return error(ErrorCode.FORBIDDEN, "no read grant for " + s);
      }
      grant = s.kind().prefix() + ":" + s.name() + ":read";
    } else if (asset.matches()) {
      String id = asset.group(1);
      if (!Assets.ID.matcher(id).matches()) {
        return error(ErrorCode.BAD_FRAME, "an asset id matches " + Assets.ID.pattern());
      }
      if (!Assets.mayRead(principal, id)) {
        return error(ErrorCode.FORBIDDEN, "no read grant for asset:" + id);
      }
      grant = "asset:" + id + ":read";
    } else {
      return error(
          ErrorCode.BAD_FRAME,
          "only /v1/sessions/{session}/events and /v1/assets/{id} can be linked");
    }
    Instant now = links.get().now();
    Instant expires = now.plusSeconds(ttl);
    if (principal.expiresAt().isBefore(expires)) {
      // never longer than the caller's own token
      expires = principal.expiresAt();
    }
    if (!expires.isAfter(now)) {
      return error(ErrorCode.FORBIDDEN, "the token expires now");
    }
    String signed = links.get().sign(path, query, expires, grant);
    String url =
        base
            + target.getRawPath()
            + "?"
            + (rawQuery == null || rawQuery.isEmpty() ? "" : rawQuery + "&")
            + signed;
    ObjectNode out = JSON.createObjectNode();
    out.put("url", url);
    out.put("expires", expires.toEpochMilli());
    return json(StatusCodes.OK, out);
  }

  private static String decode(String s) {
    return URLDecoder.decode(s, StandardCharsets.UTF_8);
  }
}
