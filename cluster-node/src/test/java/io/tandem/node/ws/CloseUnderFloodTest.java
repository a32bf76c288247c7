package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.LocalActors;
import io.tandem.node.testing.RawWs;
import io.tandem.protocol.CloseCode;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
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
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every close code of protocol section 3 reaches a client that keeps sending (issue 18, finding
 * 12): the connection's handler closes with a code in the middle of a flood of frames, the server
 * reads on and drops what arrives after its close frame, reads the client's close reply and ends
 * the socket in order. No Cassandra, no node: only the WebSocket edge ({@link CloseCodeFrames},
 * {@link MessageAssembly}) and a handler shaped like {@link WebSocketEndpoint}'s. The close code of
 * a connection is the last segment of its path.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CloseUnderFloodTest extends AllDirectives {
  private static final Duration WAIT = Duration.ofSeconds(10);

  /** Past this many bytes of one message the test handler closes with 1009, as the node does. */
  private static final long CLOSE_BYTES = 1 << 20;

  private ActorSystem<Void> system;
  private ServerBinding binding;

  @BeforeAll
  void start() throws Exception {
    system =
        ActorSystem.create(
            Behaviors.empty(),
            "close-under-flood",
            LocalActors.config("pekko.http.server.remote-address-attribute = on"));
    CloseCodeFrames closeCodes = new CloseCodeFrames(system);
    binding =
        Http.get(system)
            .newServerAt("127.0.0.1", 0)
            .bind(
                extractUri(
                    uri ->
                        extractWebSocketUpgrade(
                            upgrade -> {
                              String path = uri.path();
                              CloseCode code =
                                  CloseCode.fromCode(
                                          Integer.parseInt(
                                              path.substring(path.lastIndexOf('/') + 1)))
                                      .orElseThrow();
                              AtomicReference<Pair<CloseCode, String>> signal =
                                  new AtomicReference<>();
                              Closing closing = new Closing(code, signal);
                              return complete(
                                  closeCodes.handle(
                                      upgrade,
                                      new MessageAssembly(
                                          1 << 16,
                                          CLOSE_BYTES,
                                          CloseCodeFrames.CLOSE_TICK,
                                          total -> closing.close()),
                                      closing.after(21),
                                      null,
                                      signal));
                            })))
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
  }

  /**
   * A connection's handler that answers what it reads and closes with {@code code}, as the node's
   * rules do: after {@code n} messages (as the 1008 rule), or at once when told a message is over
   * the close size (as the 1009 rule).
   */
  private static final class Closing {
    private final CloseCode code;
    private final AtomicReference<Pair<CloseCode, String>> signal;
    private final CompletableFuture<SourceQueueWithComplete<Message>> queue =
        new CompletableFuture<>();

    Closing(CloseCode code, AtomicReference<Pair<CloseCode, String>> signal) {
      this.code = code;
      this.signal = signal;
    }

    void close() {
      if (signal.compareAndSet(null, Pair.create(code, "closing under a flood"))) {
        queue.thenAccept(SourceQueueWithComplete::complete);
      }
    }

    Flow<MessageAssembly.Assembled, Message, NotUsed> after(int n) {
      AtomicInteger read = new AtomicInteger();
      Source<Message, NotUsed> out =
          Source.<Message>queue(64, OverflowStrategy.dropNew())
              .mapMaterializedValue(
                  q -> {
                    queue.complete(q);
                    return NotUsed.getInstance();
                  });
      Sink<MessageAssembly.Assembled, NotUsed> in =
          Flow.<MessageAssembly.Assembled>create()
              .map(
                  m -> {
                    int i = read.incrementAndGet();
                    if (i <= n) {
                      queue.join().offer(TextMessage.create("error " + i));
                    }
                    if (i == n) {
                      close();
                    }
                    return m;
                  })
              .to(Sink.ignore());
      return WebSocketEndpoint.handlerOf(in, out);
    }
  }

  @AfterAll
  void stop() throws Exception {
    binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private String url(CloseCode code) {
    return "ws://127.0.0.1:" + binding.localAddress().getPort() + "/" + code.code();
  }

  /**
   * After the close frame arrived: 4 MiB more, more than the socket buffers take, so these writes
   * finish only if the server still reads; then the client's close reply, after which the server
   * ends the socket in order (end of stream, not a reset after Pekko's close timeout).
   */
  private static void floodOnAndReplyClose(RawWs ws) throws Exception {
    byte[] chunk = new byte[16 * 1024];
    long afterClose = System.nanoTime();
    for (int i = 0; i < 256; i++) {
      ws.binary(chunk);
    }
    ws.replyClose();
    long writtenMs = (System.nanoTime() - afterClose) / 1_000_000;
    assertTrue(ws.awaitEnd(WAIT), "the server ended the socket in order");
    System.out.printf(
        "after the close: 4 MiB written in %d ms, socket ended after %d ms%n",
        writtenMs, (System.nanoTime() - afterClose) / 1_000_000);
  }

  /**
   * A client with a reader thread floods small frames; the close arrives during the flood, the
   * client keeps sending, then answers the close.
   */
  @ParameterizedTest
  @EnumSource(CloseCode.class)
  void theCloseCodeArrivesWhileTheClientKeepsSending(CloseCode code) throws Exception {
    try (RawWs ws = RawWs.connect(url(code))) {
      assertEquals(101, ws.status());
      long until = System.nanoTime() + WAIT.toNanos();
      int sent = 0;
      while (!ws.isClosed() && System.nanoTime() < until) {
        ws.text("garbage " + sent++);
        if (sent % 8 == 0) {
          ws.flush();
        }
      }
      assertEquals(code.code(), ws.awaitClose(WAIT), "after " + sent + " frames");
      floodOnAndReplyClose(ws);
    }
  }

  /**
   * A single-threaded client, as the one of the finding: it writes large frames with blocking
   * writes and reads only between them. It sees the close before its writes stall; before the fix
   * they stalled until the socket was reset (a broken pipe, the close never seen).
   */
  @ParameterizedTest
  @EnumSource(CloseCode.class)
  void aClientReadingOnlyBetweenBlockingWritesSeesTheClose(CloseCode code) throws Exception {
    byte[] big = new byte[60_000];
    Arrays.fill(big, (byte) 'x');
    try (RawWs ws = RawWs.connect(url(code), Map.of(), false)) {
      assertEquals(101, ws.status());
      long until = System.nanoTime() + WAIT.toNanos();
      int sent = 0;
      while (!ws.readAvailable() && System.nanoTime() < until) {
        ws.frame(0x1, big, true);
        ws.flush();
        sent++;
      }
      assertEquals(code.code(), ws.awaitClose(Duration.ofMillis(1)), "after " + sent + " frames");
      floodOnAndReplyClose(ws);
    }
  }

  /**
   * 1009 while the message over the close size still arrives: one binary message of 8 MiB in 16 KiB
   * fragments; the close comes after about 1 MiB, the rest is read and dropped.
   */
  @RepeatedTest(3)
  void the1009CloseArrivesWhileTheMessageStillArrives() throws Exception {
    byte[] chunk = new byte[16 * 1024];
    try (RawWs ws = RawWs.connect(url(CloseCode.TOO_BIG))) {
      assertEquals(101, ws.status());
      ws.frame(0x2, chunk, false);
      int fragments = 8 * 64;
      for (int i = 1; i < fragments; i++) {
        ws.frame(0x0, chunk, i == fragments - 1);
      }
      ws.flush();
      assertEquals(1009, ws.awaitClose(WAIT));
      floodOnAndReplyClose(ws);
    }
  }

  /**
   * A client that never answers the close and keeps sending: it still gets the close code, its
   * writes go on (the server reads them) until the close handshake times out and the server ends
   * the socket.
   */
  @RepeatedTest(2)
  void aClientThatNeverAnswersTheCloseGetsItAndTheSocketEnds() throws Exception {
    try (RawWs ws = RawWs.connect(url(CloseCode.MALFORMED))) {
      assertEquals(101, ws.status());
      long until = System.nanoTime() + 2 * WAIT.toNanos();
      int afterClose = 0;
      byte[] chunk = new byte[1024];
      try {
        while (System.nanoTime() < until) {
          ws.binary(chunk);
          ws.flush();
          if (ws.isClosed()) {
            afterClose++;
          }
        }
      } catch (java.io.IOException endedByTheServer) {
        // expected: the server ended the socket after its close timeout
      }
      assertEquals(1008, ws.awaitClose(Duration.ofMillis(1)));
      assertTrue(afterClose > 100, "the server read on after its close: " + afterClose);
      assertTrue(System.nanoTime() < until, "the server ended the socket");
      ws.awaitEnd(WAIT);
    }
  }
}
