package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.tandem.node.testing.RawWs;
import io.tandem.protocol.CloseCode;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.TestInstance;

/**
 * A close code reaches the client while the client keeps sending: the connection's handler stops
 * reading and closes with a code (as the 1008 rule does) in the middle of a flood of frames. No
 * Cassandra, no node: only the WebSocket edge ({@link CloseCodeFrames}) and a handler shaped like
 * {@link WebSocketEndpoint}'s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CloseUnderFloodTest extends AllDirectives {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private ActorSystem<Void> system;
  private ServerBinding binding;

  @BeforeAll
  void start() throws Exception {
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "close-under-flood",
            ConfigFactory.parseString(
                    "pekko.actor.provider = local\npekko.http.server.remote-address-attribute = on")
                .withFallback(ConfigFactory.load()));
    CloseCodeFrames closeCodes = new CloseCodeFrames(system);
    binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .bind(
                extractWebSocketUpgrade(
                    upgrade -> {
                      AtomicReference<Pair<CloseCode, String>> signal = new AtomicReference<>();
                      return complete(
                          closeCodes.handle(upgrade, closingAfter(21, signal), null, signal));
                    }))
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
  }

  /** Reads {@code n} messages, answers each, then closes with 1008 as the malformed rule does. */
  private static Flow<Message, Message, NotUsed> closingAfter(
      int n, AtomicReference<Pair<CloseCode, String>> signal) {
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger read = new AtomicInteger();
    org.apache.pekko.stream.javadsl.SourceQueueWithComplete<Message>[] queue =
        new org.apache.pekko.stream.javadsl.SourceQueueWithComplete[1];
    Source<Message, NotUsed> out =
        Source.<Message>queue(64, org.apache.pekko.stream.OverflowStrategy.dropNew())
            .mapMaterializedValue(
                q -> {
                  queue[0] = q;
                  return NotUsed.getInstance();
                });
    Sink<Message, NotUsed> in =
        Flow.<Message>create()
            .map(
                m -> {
                  int i = read.incrementAndGet();
                  if (i <= n) {
                    queue[0].offer(TextMessage.create("error " + i));
                  }
                  if (i == n) {
                    signal.compareAndSet(null, Pair.create(CloseCode.MALFORMED, "too many"));
                    queue[0].complete();
                  }
                  return m;
                })
            .to(Sink.ignore());
    return WebSocketEndpoint.handlerOf(in, out);
  }

  @AfterAll
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  @RepeatedTest(8)
  void theCloseCodeArrivesWhileTheClientKeepsSending() throws Exception {
    String url = "ws://127.0.0.1:" + binding.localAddress().getPort() + "/";
    try (RawWs ws = RawWs.connect(url)) {
      assertEquals(101, ws.status());
      long started = System.nanoTime();
      long until = started + WAIT.toNanos();
      int sent = 0;
      while (!ws.isClosed() && System.nanoTime() < until) {
        try {
          ws.text("garbage " + sent++);
          if (sent % 8 == 0) {
            ws.flush();
          }
        } catch (java.io.IOException closedMeanwhile) {
          break;
        }
      }
      long floodMs = (System.nanoTime() - started) / 1_000_000;
      assertEquals(1008, ws.awaitClose(WAIT));
      assertTrue(
          floodMs < WAIT.toMillis() - 1000,
          "the close came while the flood went on, after "
              + floodMs
              + " ms and "
              + sent
              + " frames");
    }
  }
}
