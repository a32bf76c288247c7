package io.tandem.node.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.ParsingErrorHandler;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.model.ErrorInfo;
import org.apache.pekko.http.scaladsl.model.StatusCode;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;

/**
 * The answer to a request too malformed to reach any route (an over-long URI or header, a broken
 * request line): its status with a JSON {@code {code, message}} body like every other error
 * (protocol 9), configured as {@code pekko.http.server.parsing.error-handler}.
 */
public final class JsonParsingErrors extends ParsingErrorHandler {

  @Override
  public HttpResponse handle(
      StatusCode status, ErrorInfo info, LoggingAdapter log, ServerSettings settings) {
    log.debug("refused a malformed request: {}", info.formatPretty());
    return HttpErrors.response(
        status,
        HttpErrors.codeOf(status),
        info.summary().isEmpty() ? status.reason() : info.summary());
  }
}
