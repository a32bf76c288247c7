package io.tandem.node.ws;

import io.tandem.protocol.CloseCode;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.ws.FrameEvent;
import org.apache.pekko.http.impl.engine.ws.FrameEvent$;
import org.apache.pekko.http.impl.engine.ws.FrameStart;
import org.apache.pekko.http.impl.engine.ws.UpgradeToWebSocketLowLevel;
import org.apache.pekko.http.impl.engine.ws.WebSocket$;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.scaladsl.settings.ServerSettings$;
import org.apache.pekko.http.scaladsl.settings.WebSocketSettings;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.FlowShape;
import org.apache.pekko.stream.Graph;
import org.apache.pekko.stream.javadsl.Flow;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * Lets a WebSocket handler close with a protocol close code (4401, 4408, 1008, 1009, 1012, ...).
 *
 * <p>Pekko HTTP's message-level API closes only with 1000 (the handler completed) or 1011 (it
 * failed). So the handler is joined here with Pekko's masking and frame handling at the frame
 * level, through our own message layer ({@link MessageAssembly}), and the close frame the stack
 * writes when the handler completes is replaced by one carrying the code the handler put into its
 * close signal. The close handshake itself stays Pekko's. This uses Pekko HTTP's internal frame API
 * ({@code UpgradeToWebSocketLowLevel.handleFrames}); the end-to-end tests check every close code,
 * so an incompatible Pekko HTTP upgrade fails them.
 */
final class CloseCodeFrames {
  /** RFC 6455 opcode of a close frame. */
  private static final byte CLOSE_OPCODE = 0x8;

  private static final FiniteDuration CLOSE_TIMEOUT = FiniteDuration.create(3, TimeUnit.SECONDS);

  /** How often an unanswered close is checked against {@code CLOSE_TIMEOUT}, once it has begun. */
  static final java.time.Duration CLOSE_TICK = java.time.Duration.ofSeconds(1);

  private final WebSocketSettings settings;
  private final LoggingAdapter log;

  CloseCodeFrames(ActorSystem<?> system) {
    this.settings = ServerSettings$.MODULE$.apply(system.settings().config()).websocketSettings();
    this.log = Logging.getLogger(system.classicSystem(), CloseCodeFrames.class);
  }

  /**
   * Upgrades with {@code handler}, which reads whole messages assembled by {@code assembly} and
   * writes strict ones; when it completes, the socket closes with the signalled code.
   */
  HttpResponse handle(
      WebSocketUpgrade upgrade,
      MessageAssembly assembly,
      Flow<MessageAssembly.Assembled, Message, NotUsed> handler,
      String subprotocol,
      AtomicReference<Pair<CloseCode, String>> closeSignal) {
    // Pekko's masking and frame handling (control frames, UTF-8, the close handshake), then our
    // one-stage message layer instead of Pekko's message API (see MessageAssembly)
    @SuppressWarnings({"unchecked", "rawtypes"})
    org.apache.pekko.stream.scaladsl.BidiFlow<FrameEvent, Object, Object, FrameEvent, NotUsed>
        lower =
            (org.apache.pekko.stream.scaladsl.BidiFlow)
                WebSocket$.MODULE$
                    .masking(true, settings.randomFactory())
                    .atop((Graph) WebSocket$.MODULE$.frameHandling(true, CLOSE_TIMEOUT, log));
    @SuppressWarnings({"unchecked", "rawtypes"})
    org.apache.pekko.stream.scaladsl.Flow<FrameEvent, FrameEvent, NotUsed> frames =
        (org.apache.pekko.stream.scaladsl.Flow)
            lower.atop((Graph) assembly).join((Graph) handler.asScala());
    Flow<FrameEvent, FrameEvent, NotUsed> withCodes =
        frames.asJava().map(frame -> withSignalledCode(frame, closeSignal));
    @SuppressWarnings({"unchecked", "rawtypes"})
    Graph<FlowShape<FrameEvent, FrameEvent>, Object> graph = (Graph) withCodes;
    return (HttpResponse)
        ((UpgradeToWebSocketLowLevel) upgrade).handleFrames(graph, Option.apply(subprotocol));
  }

  private static FrameEvent withSignalledCode(
      FrameEvent frame, AtomicReference<Pair<CloseCode, String>> closeSignal) {
    if (frame instanceof FrameStart start && start.header().opcode().code() == CLOSE_OPCODE) {
      Pair<CloseCode, String> signal = closeSignal.get();
      if (signal != null) {
        return FrameEvent$.MODULE$.closeFrame(
            signal.first().code(), truncate(signal.second()), Option.empty());
      }
    }
    return frame;
  }

  /** A close reason must fit in a control frame (123 bytes of UTF-8); ours are ASCII. */
  private static String truncate(String reason) {
    return reason.length() <= 120 ? reason : reason.substring(0, 120);
  }
}
