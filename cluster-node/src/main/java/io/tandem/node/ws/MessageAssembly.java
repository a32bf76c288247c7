package io.tandem.node.ws;

import io.tandem.protocol.FrameCodec;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.function.LongConsumer;
import org.apache.pekko.http.impl.engine.ws.FrameEvent$;
import org.apache.pekko.http.impl.engine.ws.FrameHandler;
import org.apache.pekko.http.impl.engine.ws.Protocol;
import org.apache.pekko.http.impl.engine.ws.WebSocket;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.BidiShape;
import org.apache.pekko.stream.Inlet;
import org.apache.pekko.stream.Outlet;
import org.apache.pekko.stream.stage.AbstractInHandler;
import org.apache.pekko.stream.stage.AbstractOutHandler;
import org.apache.pekko.stream.stage.GraphStage;
import org.apache.pekko.stream.stage.GraphStageLogic;
import org.apache.pekko.stream.stage.TimerGraphStageLogic;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import scala.Option;

/**
 * The message layer of a server WebSocket, in one stage: between Pekko HTTP's frame handling
 * (control frames, UTF-8 decoding, the close handshake) and one connection's handler.
 *
 * <p>Upwards it assembles the data frames of each message into one {@link Assembled} under the
 * connection's limits: up to {@code maxBytes} a message is kept whole; past it only its size is
 * counted; past {@code closeBytes} {@code onOverClose} is told at once (the connection closes with
 * 1009) and the rest is drained, never kept. Downwards it renders each strict {@link Message} as
 * one frame and passes the frame handler's own events (pongs, the peer's close, protocol errors)
 * and, once a close has begun, the ticks that time the close handshake out.
 *
 * <p>Once the close has begun (the handler's outbound side ended, its inbound side went away, or
 * the frame handler closes for a protocol error), the socket is still read: every data frame is
 * counted and dropped, never kept nor handed up, until the peer's close frame arrives or the close
 * handshake times out. Pekko's frame handling reads the peer's close only as far as this layer
 * pulls; a layer that stopped reading with its handler left a client that keeps sending blocked on
 * a full TCP window, its close reply unread, and after the close timeout the socket was torn down
 * with unread data (a reset that can discard the close frame the client has not read yet). Issue
 * 18, finding 12: every close code must reach a client that keeps sending.
 *
 * <p>It replaces Pekko HTTP's message API ({@code WebSocket.messageAPI}), which opens a substream
 * and a streamed message per inbound message (splitAfter, prefixAndTail, concatSubstreams) and
 * keeps a 3-second tick source per connection for its whole life: about a sixth of a node's CPU
 * under many small messages (docs/benchmarks.md). Outbound messages must be strict: the outbox only
 * produces strict ones.
 */
final class MessageAssembly
    extends GraphStage<BidiShape<Object, MessageAssembly.Assembled, Message, Object>> {

  /** A whole inbound message, or what is left of one that went over a limit. */
  sealed interface Assembled {
    /** Its size in bytes on the wire (UTF-8 for text). */
    long bytes();
  }

  /** A text message within the limit. */
  record Text(String text, long bytes) implements Assembled {}

  /** A binary message within the limit. */
  record Binary(ByteString data, long bytes) implements Assembled {}

  /**
   * A text message within the limit as its UTF-8 bytes, already checked to be valid UTF-8 (the
   * Netty transport's frames: decoded straight from the bytes, never made a string).
   */
  record Utf8Text(byte[] utf8, long bytes) implements Assembled {}

  /**
   * A binary message within the limit as a plain array (the Netty transport's: no copy into a
   * {@link ByteString} and out again).
   */
  record BinaryBytes(byte[] data, long bytes) implements Assembled {}

  /**
   * A message over {@code maxBytes} (its content dropped); over {@code closeBytes} when {@code
   * closing}.
   */
  record Oversized(long bytes, boolean closing) implements Assembled {}

  /**
   * Frame-handler events and rendered frames queued for the socket past this many: stop reading.
   */
  private static final int MAX_QUEUED_DOWN = 16;

  private static final Protocol.Opcode TEXT = Protocol.Opcode$.MODULE$.forCode((byte) 0x1);
  private static final Protocol.Opcode BINARY = Protocol.Opcode$.MODULE$.forCode((byte) 0x2);

  private final Inlet<Object> fromNet = Inlet.create("MessageAssembly.fromNet");
  private final Outlet<Assembled> toUser = Outlet.create("MessageAssembly.toUser");
  private final Inlet<Message> fromUser = Inlet.create("MessageAssembly.fromUser");
  private final Outlet<Object> toNet = Outlet.create("MessageAssembly.toNet");
  private final BidiShape<Object, Assembled, Message, Object> shape =
      BidiShape.of(fromNet, toUser, fromUser, toNet);

  private final long maxBytes;
  private final long closeBytes;
  private final Duration closeTick;
  private final LongConsumer onOverClose;

  /**
   * @param maxBytes largest message kept (larger: {@link Oversized})
   * @param closeBytes size past which {@code onOverClose} is told, while the message still arrives
   * @param closeTick how often the close handshake's timeout is checked once a close has begun
   * @param onOverClose told once per message, on the stream's thread, with the bytes seen so far
   */
  MessageAssembly(long maxBytes, long closeBytes, Duration closeTick, LongConsumer onOverClose) {
    this.maxBytes = maxBytes;
    this.closeBytes = closeBytes;
    this.closeTick = closeTick;
    this.onOverClose = onOverClose;
  }

  @Override
  public BidiShape<Object, Assembled, Message, Object> shape() {
    return shape;
  }

  @Override
  public Attributes initialAttributes() {
    return Attributes.name("MessageAssembly");
  }

  @Override
  public GraphStageLogic createLogic(Attributes inheritedAttributes) {
    return new Logic();
  }

  private final class Logic extends TimerGraphStageLogic {
    private final ArrayDeque<Object> down = new ArrayDeque<>();
    private final StringBuilder text = new StringBuilder();
    private final ByteStringBuilder binary = new ByteStringBuilder();
    private long size;
    private boolean told;

    /** A whole message the handler has not pulled yet: the socket is not read meanwhile. */
    private Assembled waiting;

    /** The handler's inbound side cancelled: messages are drained, events still pass. */
    private boolean userGone;

    private boolean netDone;
    private boolean endAfterWaiting;
    private boolean userDone;
    private boolean ticking;

    Logic() {
      super(shape);
      setHandler(
          fromNet,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              onNet(grab(fromNet));
            }

            @Override
            public void onUpstreamFinish() {
              netDone = true;
              if (waiting == null) {
                complete(toUser);
              }
              maybeComplete();
            }
          });
      setHandler(
          toUser,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              if (waiting != null) {
                Assembled m = waiting;
                waiting = null;
                push(toUser, m);
                if (netDone || endAfterWaiting) {
                  complete(toUser);
                } else {
                  pullNet();
                }
              }
            }

            @Override
            public void onDownstreamFinish(Throwable cause) {
              userGone = true;
              waiting = null;
              pullNet();
            }
          });
      setHandler(
          fromUser,
          new AbstractInHandler() {
            @Override
            public void onPush() {
              down.add(render(grab(fromUser)));
              flush();
            }

            @Override
            public void onUpstreamFinish() {
              userDone = true;
              down.add(FrameHandler.UserHandlerCompleted$.MODULE$);
              closeBegan();
            }

            @Override
            public void onUpstreamFailure(Throwable failure) {
              userDone = true;
              down.add(new FrameHandler.UserHandlerErredOut(failure));
              closeBegan();
            }
          });
      setHandler(
          toNet,
          new AbstractOutHandler() {
            @Override
            public void onPull() {
              flush();
            }
          });
    }

    @Override
    public void preStart() {
      pull(fromNet);
      pull(fromUser);
    }

    private void onNet(Object event) {
      if (event instanceof FrameHandler.MessageDataPart && draining()) {
        // after the close began: read on (the peer's close frame is behind these), keep nothing
        pullNet();
      } else if (event instanceof FrameHandler.TextMessagePart part) {
        if (part.data().length() > 0) {
          long bytes = FrameCodec.utf8Length(part.data());
          if (grow(bytes)) {
            text.append(part.data());
          }
        }
        if (part.last()) {
          String whole = text.toString();
          text.setLength(0);
          deliver(size <= maxBytes ? new Text(whole, size) : oversized());
        } else {
          pullNet();
        }
      } else if (event instanceof FrameHandler.BinaryMessagePart part) {
        if (grow(part.data().size())) {
          binary.append(part.data());
        }
        if (part.last()) {
          ByteString whole = binary.result();
          binary.clear();
          deliver(size <= maxBytes ? new Binary(whole, size) : oversized());
        } else {
          pullNet();
        }
      } else {
        if (event instanceof FrameHandler.BypassEvent) {
          down.add(event);
          if (event instanceof FrameHandler.ActivelyCloseWithCode) {
            startTicking();
          }
          flush();
        }
        if (event instanceof FrameHandler.PeerClosed closed) {
          endUser(closed.code());
        } else if (event instanceof FrameHandler.ActivelyCloseWithCode close) {
          endUser(close.code());
        }
        pullNet();
      }
    }

    /**
     * The handler wrote its last frame (the close follows): it reads nothing more, what arrives is
     * drained until the peer's close or the close timeout.
     */
    private void closeBegan() {
      startTicking();
      waiting = null;
      text.setLength(0);
      binary.clear();
      size = 0;
      if (!isClosed(toUser)) {
        complete(toUser);
      }
      flush();
    }

    /** Whether inbound data is dropped: the close began or the handler reads no more. */
    private boolean draining() {
      return userDone || userGone || isClosed(toUser);
    }

    /** Counts {@code bytes} more of the current message; whether they are to be kept. */
    private boolean grow(long bytes) {
      long before = size;
      size += bytes;
      if (before <= closeBytes && size > closeBytes && !told) {
        told = true;
        onOverClose.accept(size);
      }
      if (size > maxBytes && before <= maxBytes) {
        text.setLength(0);
        text.trimToSize();
        binary.clear();
      }
      return size <= maxBytes;
    }

    private Oversized oversized() {
      return new Oversized(size, size > closeBytes);
    }

    private void deliver(Assembled message) {
      size = 0;
      told = false;
      if (userGone || isClosed(toUser)) {
        pullNet();
      } else if (isAvailable(toUser)) {
        push(toUser, message);
        pullNet();
      } else {
        waiting = message;
      }
    }

    /**
     * The peer closed or broke the protocol: the handler's inbound side ends (failing on errors).
     */
    private void endUser(Option<Object> code) {
      if (isClosed(toUser)) {
        return;
      }
      boolean error =
          code.isDefined() && Protocol.CloseCodes$.MODULE$.isError((Integer) code.get());
      if (error) {
        waiting = null;
        fail(toUser, new IllegalStateException("peer closed with " + code.get()));
      } else if (waiting != null) {
        endAfterWaiting = true;
      } else {
        complete(toUser);
      }
    }

    private void pullNet() {
      if (!isClosed(fromNet)
          && !hasBeenPulled(fromNet)
          && waiting == null
          && down.size() < MAX_QUEUED_DOWN) {
        pull(fromNet);
      }
    }

    private void flush() {
      if (isAvailable(toNet) && !down.isEmpty()) {
        push(toNet, down.poll());
      }
      if (down.isEmpty() && !isClosed(fromUser) && !hasBeenPulled(fromUser)) {
        pull(fromUser);
      }
      pullNet();
      maybeComplete();
    }

    /** Both sides over and everything handed down: the frame handler completes the close. */
    private void maybeComplete() {
      if (netDone && userDone && down.isEmpty()) {
        completeStage();
      }
    }

    private void startTicking() {
      if (!ticking) {
        ticking = true;
        scheduleWithFixedDelay("close", closeTick, closeTick);
      }
    }

    @Override
    public void onTimer(Object key) {
      down.add(WebSocket.Tick$.MODULE$);
      flush();
    }
  }

  private static Object render(Message message) {
    if (message.isText()) {
      String t = message.asTextMessage().getStrictText();
      return FrameEvent$.MODULE$.fullFrame(
          TEXT, Option.empty(), ByteString.fromString(t), true, false, false, false);
    }
    ByteString data = message.asBinaryMessage().getStrictData();
    return FrameEvent$.MODULE$.fullFrame(BINARY, Option.empty(), data, true, false, false, false);
  }
}
