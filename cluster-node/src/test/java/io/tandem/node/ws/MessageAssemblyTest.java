package io.tandem.node.ws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.node.testing.LocalActors;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.impl.engine.ws.FrameEvent$;
import org.apache.pekko.http.impl.engine.ws.FrameHandler;
import org.apache.pekko.http.impl.engine.ws.FrameStart;
import org.apache.pekko.http.impl.engine.ws.Protocol;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import scala.Option;

/** The message layer alone, fed with what Pekko's frame handler emits. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessageAssemblyTest {
  private final ActorSystem system = ActorSystem.create("assembly", LocalActors.config());

  @AfterAll
  void stop() {
    system.terminate();
  }

  /** Runs {@code upstream} through a layer whose handler keeps what it reads and answers "ok". */
  private Run run(long max, long close, List<Object> upstream) throws Exception {
    List<Long> told = new CopyOnWriteArrayList<>();
    List<MessageAssembly.Assembled> read = new CopyOnWriteArrayList<>();
    MessageAssembly layer = new MessageAssembly(max, close, Duration.ofSeconds(1), told::add);
    Flow<MessageAssembly.Assembled, Message, ?> handler =
        Flow.<MessageAssembly.Assembled>create()
            .map(
                m -> {
                  read.add(m);
                  return (Message) TextMessage.create("ok");
                });
    // the frame handler's side: the events upwards, and what goes down to the socket collected
    List<Object> down =
        Source.from(upstream)
            .via(BidiFlow.fromGraph(layer).join(handler))
            .takeWhile(e -> !(e instanceof FrameHandler.UserHandlerCompleted$), true)
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    return new Run(read, new ArrayList<>(down), told);
  }

  private record Run(List<MessageAssembly.Assembled> read, List<Object> down, List<Long> told) {}

  private static FrameHandler.TextMessagePart text(String s, boolean last) {
    return new FrameHandler.TextMessagePart(s, last);
  }

  private static FrameHandler.BinaryMessagePart binary(int n, boolean last) {
    return new FrameHandler.BinaryMessagePart(ByteString.fromArray(new byte[n]), last);
  }

  private static FrameHandler.PeerClosed peerClosed() {
    return new FrameHandler.PeerClosed(Option.apply((Object) 1000), "bye");
  }

  @Test
  void fragmentsBecomeOneMessageEachAndEveryAnswerIsAFrame() throws Exception {
    Run r =
        run(
            100,
            1000,
            List.of(
                text("ab", false),
                text("", false),
                text("cé", true),
                binary(3, false),
                binary(4, true),
                peerClosed()));
    assertEquals(2, r.read().size());
    assertEquals(new MessageAssembly.Text("abcé", 5), r.read().get(0));
    MessageAssembly.Binary b = assertInstanceOf(MessageAssembly.Binary.class, r.read().get(1));
    assertEquals(7, b.data().size());
    long frames = r.down().stream().filter(e -> e instanceof FrameStart).count();
    assertEquals(2, frames, "one text frame per answer: " + r.down());
    FrameStart first =
        (FrameStart) r.down().stream().filter(e -> e instanceof FrameStart).findFirst().get();
    assertEquals(1, first.header().opcode().code(), "a text frame");
    assertEquals("ok", first.data().utf8String());
    assertTrue(r.down().get(r.down().size() - 1) instanceof FrameHandler.UserHandlerCompleted$);
    assertTrue(r.down().stream().anyMatch(e -> e instanceof FrameHandler.PeerClosed));
    assertTrue(r.told().isEmpty());
  }

  @Test
  void aMessageOverTheLimitIsCountedNotKeptAndTheNextOneIsWhole() throws Exception {
    Run r =
        run(4, 1000, List.of(text("abc", false), text("de", true), text("xy", true), peerClosed()));
    assertEquals(new MessageAssembly.Oversized(5, false), r.read().get(0));
    assertEquals(new MessageAssembly.Text("xy", 2), r.read().get(1));
    assertTrue(r.told().isEmpty());
  }

  @Test
  void pastTheCloseSizeTheConnectionIsToldWhileTheMessageStillArrives() throws Exception {
    Run r =
        run(
            4,
            8,
            List.of(
                binary(6, false),
                binary(6, false),
                binary(6, false),
                binary(1, true),
                peerClosed()));
    assertEquals(List.of(12L), r.told(), "told once, at the part that crossed the size");
    assertEquals(new MessageAssembly.Oversized(19, true), r.read().get(0));
  }

  @Test
  void theFrameHandlersOwnAnswersPassDownInOrder() throws Exception {
    FrameStart pong =
        FrameEvent$.MODULE$.fullFrame(
            Protocol.Opcode$.MODULE$.forCode((byte) 0xA),
            Option.empty(),
            ByteString.emptyByteString(),
            true,
            false,
            false,
            false);
    Run r =
        run(100, 1000, List.of(new FrameHandler.DirectAnswer(pong), text("a", true), peerClosed()));
    assertEquals(new FrameHandler.DirectAnswer(pong), r.down().get(0), "handed to FrameOutHandler");
    assertEquals(1, r.read().size());
  }

  /**
   * After the handler's last frame (the close began) the socket is still read: what arrives is
   * dropped, not handed up, and the peer's close behind a thousand frames reaches the frame
   * handler's out side, which then ends the close handshake (issue 18, finding 12).
   */
  @Test
  void afterTheCloseBeganFramesAreReadAndDroppedUntilThePeersClose() throws Exception {
    List<MessageAssembly.Assembled> read = new CopyOnWriteArrayList<>();
    List<Object> upstream = new ArrayList<>();
    upstream.add(text("last one read", true));
    for (int i = 0; i < 1000; i++) {
      upstream.add(i % 2 == 0 ? binary(100, true) : text("dropped", i % 3 == 0));
    }
    upstream.add(peerClosed());
    // the handler reads one message, answers it and ends: its outbound completes (the close)
    Flow<MessageAssembly.Assembled, Message, ?> handler =
        Flow.<MessageAssembly.Assembled>create()
            .take(1)
            .map(
                m -> {
                  read.add(m);
                  return (Message) TextMessage.create("ok");
                });
    List<Object> down =
        Source.from(upstream)
            .via(
                BidiFlow.fromGraph(new MessageAssembly(100, 1000, Duration.ofSeconds(1), t -> {}))
                    .join(handler))
            .runWith(Sink.seq(), system)
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    assertEquals(List.of(new MessageAssembly.Text("last one read", 13)), read);
    int completed = down.indexOf(FrameHandler.UserHandlerCompleted$.MODULE$);
    int peer = -1;
    for (int i = 0; i < down.size(); i++) {
      if (down.get(i) instanceof FrameHandler.PeerClosed) {
        peer = i;
      }
    }
    assertTrue(completed >= 0 && peer > completed, "the peer's close came down after: " + down);
  }
}
