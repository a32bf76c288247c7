package io.tandem.node.http;

import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes every error the routes of a node give JSON {@code {code, message}} (protocol 9): Pekko
 * HTTP's rejections (unknown path, wrong method, unsatisfiable range, ...) keep their status and
 * text but in that shape, a body over its limit is 413 {@code too_big}, a request that times out is
 * 503 {@code unavailable}, and an exception no route handled is 500 {@code internal} (logged, its
 * text not shown).
 */
public final class JsonErrors extends AllDirectives {
  private static final Logger log = LoggerFactory.getLogger(JsonErrors.class);

  /** {@code inner} with JSON errors. */
  public Route wrap(Route inner) {
    return withRequestTimeoutResponse(
        request ->
            response(StatusCodes.SERVICE_UNAVAILABLE, "unavailable", "the request timed out"),
        () -> handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> inner)));
  }

  private static ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .match(
            EntityStreamSizeException.class,
            e ->
                new JsonErrors()
                    .complete(
                        response(
                            StatusCodes.PAYLOAD_TOO_LARGE, "too_big", "the body is too large")))
        .match(
            EntityStreamException.class,
            e ->
                new JsonErrors()
                    .complete(
                        tooLarge(e)
                            ? response(
                                StatusCodes.PAYLOAD_TOO_LARGE, "too_big", "the body is too large")
                            : response(
                                StatusCodes.BAD_REQUEST,
                                "bad_frame",
                                "the body could not be read")))
        .matchAny(
            e -> {
              log.warn("an HTTP route failed", e);
              return new JsonErrors()
                  .complete(
                      response(StatusCodes.INTERNAL_SERVER_ERROR, "internal", "internal error"));
            })
        .build();
  }

  private static RejectionHandler rejections() {
    return RejectionHandler.defaultHandler().mapRejectionResponse(JsonErrors::asJson);
  }

  /** A plain-text error response as the same status with a JSON body. */
  static HttpResponse asJson(HttpResponse r) {
    if (r.entity().getContentType().equals(ContentTypes.APPLICATION_JSON)) {
      return r;
    }
    String text =
        r.entity() instanceof HttpEntity.Strict strict
            ? strict.getData().utf8String()
            : r.status().reason();
    return response(r.status(), codeOf(r.status()), text).addHeaders(r.getHeaders());
  }

  /**
   * Whether {@code e} says a body was over its limit: Pekko HTTP fails a stream past its size limit
   * with {@code EntityStreamSizeException}, and {@code toStrict} a body declared larger with an
   * {@code EntityStreamException} "Request too large".
   */
  static boolean tooLarge(Throwable e) {
    return e instanceof EntityStreamSizeException
        || (e instanceof EntityStreamException s
            && s.info().summary().startsWith("Request too large"));
  }

  /** The protocol's error code for an HTTP status. */
  static String codeOf(StatusCode status) {
    int s = status.intValue();
    return switch (s) {
      case 401 -> "unauthorized";
      case 403 -> "forbidden";
      case 404 -> "not_found";
      case 408 -> "timeout";
      case 413 -> "too_big";
      case 429 -> "rate_limited";
      case 503 -> "unavailable";
      default -> s >= 500 ? "internal" : "bad_frame";
    };
  }

  static HttpResponse response(StatusCode status, String code, String message) {
    return HttpResponse.create()
        .withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, JsonRoutes.errorBody(code, message).toString());
  }
}
