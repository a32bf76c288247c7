package io.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.AuthException;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.SignedLinks;
import io.tandem.node.auth.TokenVerifier;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What every route class of the HTTP API shares (protocol 9): a bearer token checked before the
 * inner route runs (401 without one or with an invalid one), and JSON answers, errors as {@code
 * {code, message}}. Resources that signed links may open ({@link #readable}) also take a link
 * instead of the token.
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

  JsonRoutes(TokenVerifier verifier) {
    this(verifier, Optional.empty());
  }

  JsonRoutes(TokenVerifier verifier, Optional<SignedLinks> links) {
    this.verifier = verifier;
    this.links = links;
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
                  return error(
                      StatusCodes.FORBIDDEN, "forbidden", "signed links are off on this node");
                }
                Principal principal;
                try {
                  principal = links.get().verify(resource, query);
                } catch (AuthException e) {
                  return error(StatusCodes.FORBIDDEN, "forbidden", e.getMessage());
                }
                return inner.apply(principal);
              });
        });
  }

  /** Runs {@code inner} with the principal of the request's {@code Authorization: Bearer} token. */
  final Route authenticated(Function<Principal, Route> inner) {
    return optionalHeaderValueByName(
        "Authorization",
        header -> {
          if (header.isEmpty() || !header.get().regionMatches(true, 0, "Bearer ", 0, 7)) {
            return error(StatusCodes.UNAUTHORIZED, "unauthorized", "Authorization: Bearer <token>");
          }
          try {
            return inner.apply(verifier.verify(header.get().substring(7).trim()));
          } catch (AuthException e) {
            return error(StatusCodes.UNAUTHORIZED, "unauthorized", e.getMessage());
          }
        });
  }

  final Route error(StatusCode status, String code, String message) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("code", code);
    body.put("message", message);
    return json(status, body);
  }

  final Route json(StatusCode status, JsonNode body) {
    return complete(
        HttpResponse.create()
            .withStatus(status)
            .withEntity(ContentTypes.APPLICATION_JSON, body.toString()));
  }
}
