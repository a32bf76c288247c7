package io.tandem.node.http;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.DevTokens;
import io.tandem.node.auth.TokenVerifier;
import io.tandem.protocol.ErrorCode;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/dev/token} (protocol 9, dev mode only): {@code {sub, name?, scope?, ttlSeconds?}}
 * to {@code {token}}, for callers on this machine ({@link DevTokenGate}); 404 when dev mode is off.
 * Blocks on nothing.
 */
final class DevTokenRoute extends JsonRoutes {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Optional<DevTokens> devTokens;
  private final Duration devTokenMaxTtl;
  private final Duration devTokenDefaultTtl;
  private final Clock clock;

  DevTokenRoute(
      ActorSystem<?> system,
      TokenVerifier verifier,
      Optional<DevTokens> devTokens,
      Duration devTokenMaxTtl,
      Duration devTokenDefaultTtl,
      Clock clock) {
    super(system, verifier);
    this.devTokens = devTokens;
    this.devTokenMaxTtl = devTokenMaxTtl;
    this.devTokenDefaultTtl = devTokenDefaultTtl;
    this.clock = clock;
  }

  Route route() {
    return path(segment("v1").slash("dev").slash("token"), () -> post(this::devToken));
  }

  private Route devToken() {
    if (devTokens.isEmpty()) {
      return error(ErrorCode.NOT_FOUND, "dev mode is off");
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
            return error(ErrorCode.FORBIDDEN, refused.get());
          }
          return entity(
              org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(),
              body -> {
                JsonNode req;
                try {
                  req = JSON.readTree(body);
                } catch (Exception e) {
                  return error(ErrorCode.BAD_FRAME, "body must be JSON");
                }
                if (req == null
                    || !req.path("sub").isTextual()
                    || req.path("sub").asText().isBlank()) {
                  return error(ErrorCode.BAD_FRAME, "sub is required");
                }
                long ttl = req.path("ttlSeconds").asLong(devTokenDefaultTtl.toSeconds());
                if (ttl <= 0 || ttl > devTokenMaxTtl.toSeconds()) {
                  return error(
                      ErrorCode.BAD_FRAME, "ttlSeconds is 1 to " + devTokenMaxTtl.toSeconds());
                }
                if (req.has("name") && !req.get("name").isTextual()) {
                  return error(ErrorCode.BAD_FRAME, "name must be a string");
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
}
