package io.tandem.node.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.protocol.ErrorCode;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;

/**
 * The one table of the HTTP API's errors (protocol 9, docs/protocol.md "HTTP"): every error is JSON
 * {@code {code, message}}, its {@code code} one of the protocol's {@link ErrorCode}s with the
 * status of {@link #status}, except 408 {@code timeout} (HTTP only: a request body that stopped
 * arriving). {@link #codeOf} goes back from a status, for the refusals Pekko HTTP makes itself.
 */
final class HttpErrors {
  /** The code of 408: HTTP only, not one of the frames' {@link ErrorCode}s. */
  static final String TIMEOUT = "timeout";

  private HttpErrors() {}

  /** The status an error with {@code code} is answered with. */
  static StatusCode status(ErrorCode code) {
    return switch (code) {
      case BAD_FRAME, UNSUPPORTED_VERSION, UNKNOWN_TYPE, INVALID_SESSION, NOT_JOINED, NOT_OWNER ->
          StatusCodes.BAD_REQUEST;
      case UNAUTHORIZED -> StatusCodes.UNAUTHORIZED;
      case FORBIDDEN -> StatusCodes.FORBIDDEN;
      case NOT_FOUND -> StatusCodes.NOT_FOUND;
      case CONFLICT -> StatusCodes.CONFLICT;
      case TOO_BIG -> StatusCodes.PAYLOAD_TOO_LARGE;
      case RATE_LIMITED -> StatusCodes.TOO_MANY_REQUESTS;
      case UNAVAILABLE -> StatusCodes.SERVICE_UNAVAILABLE;
      case INTERNAL -> StatusCodes.INTERNAL_SERVER_ERROR;
    };
  }

  /** The code of an error with {@code status} that no route chose (405, 406, 415, 416 ...). */
  static String codeOf(StatusCode status) {
    int s = status.intValue();
    return switch (s) {
      case 401 -> ErrorCode.UNAUTHORIZED.wire();
      case 403 -> ErrorCode.FORBIDDEN.wire();
      case 404 -> ErrorCode.NOT_FOUND.wire();
      case 408 -> TIMEOUT;
      case 413 -> ErrorCode.TOO_BIG.wire();
      case 429 -> ErrorCode.RATE_LIMITED.wire();
      case 503 -> ErrorCode.UNAVAILABLE.wire();
      default -> s >= 500 ? ErrorCode.INTERNAL.wire() : ErrorCode.BAD_FRAME.wire();
    };
  }

  /** The body {@code {code, message}}. */
  static ObjectNode body(String code, String message) {
    ObjectNode body = JsonNodeFactory.instance.objectNode();
    body.put("code", code);
    body.put("message", message);
    return body;
  }

  /** The response of an error with {@code code}, at its status. */
  static HttpResponse response(ErrorCode code, String message) {
    return response(status(code), code.wire(), message);
  }

  static HttpResponse response(StatusCode status, String code, String message) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, body(code, message).toString());
  }
}
