package io.tandem.node.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.node.auth.AuthException;
import io.tandem.node.auth.Principal;
import io.tandem.node.auth.TokenVerifier;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * What every route class of the HTTP API shares (protocol 9): a bearer token checked before the
 * inner route runs (401 without one or with an invalid one), and JSON answers, errors as {@code
 * {code, message}}.
 */
abstract class JsonRoutes extends AllDirectives {
  private final TokenVerifier verifier;

  JsonRoutes(TokenVerifier verifier) {
    this.verifier = verifier;
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
