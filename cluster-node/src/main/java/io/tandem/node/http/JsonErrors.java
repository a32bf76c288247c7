package io.tandem.node.http;

import io.tandem.protocol.ErrorCode;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.TimeoutAccess;
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

  /**
   * {@code inner} with JSON errors. The timeout's response is set only where the transport times
   * requests out (Pekko HTTP's server adds a {@code Timeout-Access} header): Netty's edge has no
   * request timeout, and Pekko logs a warning for each request that sets one without it.
   */
  public Route wrap(Route inner) {
    Route handled =
        handleExceptions(exceptions(), () -> handleRejections(rejections(), () -> inner));
    return extractRequest(
        request ->
            request.getHeader(TimeoutAccess.class).isPresent()
                ? withRequestTimeoutResponse(
                    timedOut -> HttpErrors.response(ErrorCode.UNAVAILABLE, "the request timed out"),
                    () -> handled)
                : handled);
  }

  private static ExceptionHandler exceptions() {
    return ExceptionHandler.newBuilder()
        .match(
            EntityStreamSizeException.class,
            e ->
                new JsonErrors()
                    .complete(HttpErrors.response(ErrorCode.TOO_BIG, "the body is too large")))
        .match(
            EntityStreamException.class,
            e ->
                new JsonErrors()
                    .complete(
                        tooLarge(e)
                            ? HttpErrors.response(ErrorCode.TOO_BIG, "the body is too large")
                            : HttpErrors.response(
                                ErrorCode.BAD_FRAME, "the body could not be read")))
        .matchAny(
            e -> {
              log.warn("an HTTP route failed", e);
              return new JsonErrors()
                  .complete(HttpErrors.response(ErrorCode.INTERNAL, "internal error"));
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
    return HttpErrors.response(r.status(), HttpErrors.codeOf(r.status()), text)
        .addHeaders(r.getHeaders());
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
}
