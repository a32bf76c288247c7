package io.tandem.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.tandem.node.testing.OneNodeTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * On the Netty edge no request carries Pekko HTTP's {@code Timeout-Access} header, and a route that
 * sets a timeout response without it makes Pekko log a warning per request: a fault run's node logs
 * held two a second, one per readiness probe, burying the warnings that mattered. The routes answer
 * as before (a JSON error for an unknown path) and log nothing about it.
 */
class RequestTimeoutWarningTest extends OneNodeTest {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @Test
  void requestsOnTheNettyEdgeLogNoTimeoutWarning() throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger("org.apache.pekko.actor.ActorSystemImpl");
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try {
      for (String path : List.of("/healthz", "/v1/no-such-route", "/healthz")) {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(node.httpUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (path.startsWith("/v1/")) {
          assertEquals(404, r.statusCode(), r.body());
          assertTrue(r.body().contains("\"code\""), "a JSON error: " + r.body());
        } else {
          assertEquals(200, r.statusCode(), r.body());
        }
      }
    } finally {
      logger.detachAppender(seen);
    }
    List<String> warnings =
        seen.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .filter(m -> m.contains("withRequestTimeoutResponse"))
            .toList();
    assertEquals(List.of(), warnings);
  }
}
