package io.tandem.node.ws;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.ContinuationWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.tandem.node.fanout.OutFrame;
import io.tandem.node.fanout.Outbox;
import io.tandem.node.fanout.OutboxQueue;
import io.tandem.protocol.CloseCode;
import io.tandem.protocol.Encoding;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One WebSocket on the Netty transport, after the upgrade: everything runs on the channel's event
 * loop, with no stream stage between the socket and the connection's actor.
 *
 * <ul>
 *   <li>Inbound: Netty's decoder unmasks frames (a frame over {@code close-frame-bytes} closes with
 *       1009 before it is read); this handler assembles each message's fragments under {@code
 *       max-frame-bytes} (past it only the size is counted, past {@code close-frame-bytes} the
 *       actor is told at once), decodes it and hands it to the actor. One message at a time: the
 *       socket is read again only when the actor asks for the next ({@link
 *       ConnectionActor.NextFrame}), so a flooding client fills its own TCP window, nothing else.
 *   <li>Outbound: the connection's {@link OutboxQueue} runs here. Producers' offers are collected
 *       in a lock-free queue and applied in one event-loop task, which writes every frame the
 *       socket takes and flushes once; past the channel's high-water mark (64 KiB unsent) the
 *       outbox keeps and coalesces instead, and resumes when the channel is writable again.
 *   <li>Close: the outbox's end writes the close frame with the connection's code, then the socket
 *       is still read (data dropped) until the client's close arrives or 3 s pass.
 * </ul>
 */
final class NettyConnection extends ChannelInboundHandlerAdapter implements OutboxQueue.Port {
  private static final Logger LOG = LoggerFactory.getLogger(NettyConnection.class);

  /** How long the client has to answer our close frame before the socket is closed. */
  private static final long CLOSE_TIMEOUT_MILLIS = 3000;

  private final WebSocketEndpoint endpoint;
  // null: the connection's actor runs on the default dispatcher
  private final EventLoopDispatchers dispatchers;
  private final Encoding encoding;
  private final String address;
  private final String connectionId = WebSocketEndpoint.newConnectionId();
  private final ConnectionLog log;
  private final WebSocketEndpoint.Rates rates;
  private final AtomicReference<Pair<CloseCode, String>> closeSignal = new AtomicReference<>();
  private final ConcurrentLinkedQueue<OutboxQueue.Offer> offers = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean offersScheduled = new AtomicBoolean();
  private final ArrayDeque<ConnectionActor.Incoming> inbound = new ArrayDeque<>();

  private ChannelHandlerContext ctx;
  private OutboxQueue queue;
  private ActorRef<ConnectionActor.Command> actor;
  private final Runnable applyOffers = this::applyOffers;
  private final Runnable requested = this::requested;
  private final ConnectionActor.NextFrame next = this::nextRequested;

  /** An inbound message is with the actor, which has not asked for the next yet. */
  private boolean awaiting;

  // the message being assembled from its fragments
  private boolean assembling;
  private boolean text;
  private long total;
  private boolean overMax;
  private boolean overClose;
  private CompositeByteBuf parts;

  private boolean started;
  private boolean closing;
  private boolean ended;
  private boolean unflushed;
  private ScheduledFuture<?> tick;
  private ScheduledFuture<?> closeTimeout;

  NettyConnection(
      WebSocketEndpoint endpoint,
      Encoding encoding,
      String address,
      EventLoopDispatchers dispatchers) {
    this.endpoint = endpoint;
    this.dispatchers = dispatchers;
    this.encoding = encoding;
    this.address = address;
    this.log = new ConnectionLog(connectionId, encoding);
    this.rates = endpoint.newRates();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /** The handshake's response is out: the connection starts. On the event loop. */
  void start() {
    if (ended) {
      return;
    }
    // text frames must be valid UTF-8 (RFC 6455 8.1): 1007 otherwise
    ctx.pipeline().addBefore(ctx.name(), "utf8", new Utf8FrameValidator());
    queue =
        new OutboxQueue(
            encoding,
            endpoint.codec(),
            endpoint.bounds(),
            session -> actor.tell(new ConnectionActor.ResyncNeeded(session)),
            closeSignal,
            endpoint.stats(),
            log,
            this);
    Outbox outbox = queue.outbox(this::submit);
    actor =
        endpoint.spawn(
            connectionId,
            new ConnectionActor.Outbound(outbox, replays(), encoding, log, rates.mapPublishing()),
            dispatchers == null ? Props.empty() : dispatchers.on(ctx.channel().eventLoop()));
    started = true;
    log.opened();
    ctx.channel().config().setAutoRead(false);
    ctx.read();
  }

  // ------------------------------------------------------------------ inbound

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    try {
      if (msg instanceof WebSocketFrame frame && started) {
        onFrame(frame);
      }
    } finally {
      ReferenceCountUtil.release(msg);
    }
  }

  private void onFrame(WebSocketFrame frame) {
    if (frame instanceof PingWebSocketFrame) {
      ctx.write(new PongWebSocketFrame(frame.content().retain()));
      unflushed = true;
      return;
    }
    if (frame instanceof PongWebSocketFrame) {
      return;
    }
    if (frame instanceof CloseWebSocketFrame close) {
      onPeerClose(close);
      return;
    }
    if (closing) {
      // after our close, data is read and dropped until the client's close comes
      return;
    }
    if ((frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame)
        && frame.isFinalFragment()) {
      // a whole message in one frame (nearly all are): read as it is, no buffer to assemble in
      onWhole(frame);
      return;
    }
    if (frame instanceof TextWebSocketFrame || frame instanceof BinaryWebSocketFrame) {
      assembling = true;
      text = frame instanceof TextWebSocketFrame;
      total = 0;
      overMax = false;
      overClose = false;
    } else if (!(frame instanceof ContinuationWebSocketFrame) || !assembling) {
      return;
    }
    ByteBuf content = frame.content();
    total += content.readableBytes();
    if (!overMax) {
      if (total > endpoint.settings().maxFrameBytes()) {
        overMax = true;
        releaseParts();
      } else {
        if (parts == null) {
          parts = ctx.alloc().compositeBuffer();
        }
        parts.addComponent(true, content.retain());
      }
    }
    if (!overClose && total > endpoint.settings().closeFrameBytes()) {
      overClose = true;
      actor.tell(new ConnectionActor.FrameTooLargeNow(total));
    }
    if (frame.isFinalFragment()) {
      assembling = false;
      MessageAssembly.Assembled message;
      if (overMax) {
        message = new MessageAssembly.Oversized(total, overClose);
      } else if (text) {
        // valid UTF-8: the Utf8FrameValidator before this handler closed with 1007 otherwise
        message = new MessageAssembly.Utf8Text(ByteBufUtil.getBytes(parts), total);
      } else {
        message = new MessageAssembly.BinaryBytes(ByteBufUtil.getBytes(parts), total);
      }
      releaseParts();
      handOver(endpoint.read(message, log, rates));
    }
  }

  /** A message of one frame, with the limits of an assembled one. */
  private void onWhole(WebSocketFrame frame) {
    // (a new message while another was assembling: Netty's decoder closes with 1002 before this)
    assembling = false;
    releaseParts();
    ByteBuf content = frame.content();
    long size = content.readableBytes();
    boolean closes = size > endpoint.settings().closeFrameBytes();
    if (closes) {
      actor.tell(new ConnectionActor.FrameTooLargeNow(size));
    }
    MessageAssembly.Assembled message;
    if (size > endpoint.settings().maxFrameBytes()) {
      message = new MessageAssembly.Oversized(size, closes);
    } else if (frame instanceof TextWebSocketFrame) {
      // valid UTF-8: the Utf8FrameValidator before this handler closed with 1007 otherwise
      message = new MessageAssembly.Utf8Text(ByteBufUtil.getBytes(content), size);
    } else {
      message = new MessageAssembly.BinaryBytes(ByteBufUtil.getBytes(content), size);
    }
    handOver(endpoint.read(message, log, rates));
  }

  private void handOver(ConnectionActor.Incoming incoming) {
    if (awaiting) {
      inbound.add(incoming);
    } else {
      toActor(incoming);
    }
  }

  private void toActor(ConnectionActor.Incoming incoming) {
    awaiting = true;
    actor.tell(new ConnectionActor.Inbound(next, incoming));
  }

  /** Called by the actor on its thread: the rest happens on the event loop (at once if on it). */
  private void nextRequested() {
    if (ctx.executor().inEventLoop()) {
      requested();
    } else {
      ctx.executor().execute(requested);
    }
  }

  private void requested() {
    awaiting = false;
    ConnectionActor.Incoming queued = inbound.poll();
    if (queued != null) {
      toActor(queued);
    } else if (!closing && !ended) {
      ctx.read();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    // a partial frame, control frames only, or fragments: nothing reached the actor, read on
    if (started && !awaiting && inbound.isEmpty() && !closing) {
      ctx.read();
    }
    flush();
  }

  private void onPeerClose(CloseWebSocketFrame close) {
    if (closing) {
      // the answer to our close: the handshake is complete
      ctx.close();
      return;
    }
    closing = true;
    int code = close.statusCode();
    log.closed("client", "closed by the client");
    ctx.writeAndFlush(new CloseWebSocketFrame(code < 0 ? 1000 : code, ""))
        .addListener(ChannelFutureListener.CLOSE);
  }

  // ----------------------------------------------------------------- outbound

  /** A producer's offer, from any thread: applied with the others in one event-loop task. */
  private void submit(OutboxQueue.Offer offer) {
    offers.add(offer);
    if (offersScheduled.compareAndSet(false, true)) {
      ctx.executor().execute(applyOffers);
    }
  }

  private void applyOffers() {
    offersScheduled.set(false);
    OutboxQueue.Offer offer;
    while ((offer = offers.poll()) != null) {
      if (ended) {
        offers.clear();
        return;
      }
      queue.offer(offer);
    }
    drain();
  }

  /** Hands the socket everything it takes now, then flushes once. */
  private void drain() {
    while (ready() && queue.hasNext()) {
      queue.pull();
    }
    flush();
  }

  private void flush() {
    if (unflushed) {
      unflushed = false;
      ctx.flush();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (started && ctx.channel().isWritable()) {
      drain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public boolean ready() {
    return !ended && !closing && ctx.channel().isWritable();
  }

  @Override
  public void push(OutFrame frame) {
    ByteBuf bytes = Unpooled.wrappedBuffer(frame.bytes(encoding, endpoint.codec()));
    ctx.write(
        encoding == Encoding.JSON ? new TextWebSocketFrame(bytes) : new BinaryWebSocketFrame(bytes),
        ctx.voidPromise());
    unflushed = true;
  }

  @Override
  public void complete() {
    if (closing || ended) {
      return;
    }
    closing = true;
    Pair<CloseCode, String> signal = closeSignal.get();
    int code = signal == null ? 1000 : signal.first().code();
    String reason = signal == null ? "" : truncate(signal.second());
    if (signal != null) {
      log.closed(Integer.toString(code), reason);
    }
    inbound.clear();
    unflushed = false;
    ctx.writeAndFlush(new CloseWebSocketFrame(code, reason));
    closeTimeout =
        ctx.executor().schedule(() -> ctx.close(), CLOSE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
    // read on, so that the client's close (behind whatever it still sends) is seen
    ctx.channel().config().setAutoRead(true);
  }

  @Override
  public void every(Duration period, Runnable task) {
    long millis = Math.max(1, period.toMillis());
    tick =
        ctx.executor()
            .scheduleAtFixedRate(
                () -> {
                  if (!ended && !closing) {
                    task.run();
                    drain();
                  }
                },
                millis,
                millis,
                TimeUnit.MILLISECONDS);
  }

  /**
   * Where replays write: each materialization writes its messages in order, the next once the
   * socket took the one before.
   */
  private Sink<Message, NotUsed> replays() {
    return Flow.<Message>create()
        .mapAsync(1, this::writeReplayed)
        .to(Sink.ignore())
        .mapMaterializedValue(m -> NotUsed.getInstance());
  }

  private CompletableFuture<Done> writeReplayed(Message message) {
    WebSocketFrame frame =
        message.isText()
            ? new TextWebSocketFrame(message.asTextMessage().getStrictText())
            : new BinaryWebSocketFrame(
                Unpooled.wrappedBuffer(message.asBinaryMessage().getStrictData().toArray()));
    CompletableFuture<Done> written = new CompletableFuture<>();
    ctx.channel()
        .writeAndFlush(frame)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                written.complete(Done.getInstance());
              } else {
                written.completeExceptionally(f.cause());
              }
            });
    return written;
  }

  // ---------------------------------------------------------------------- end

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    ended = true;
    if (tick != null) {
      tick.cancel(false);
    }
    if (closeTimeout != null) {
      closeTimeout.cancel(false);
    }
    releaseParts();
    inbound.clear();
    offers.clear();
    endpoint.closedFrom(address);
    if (started) {
      queue.stopped();
      actor.tell(ConnectionActor.StreamEnded.INSTANCE);
      if (closeSignal.get() == null && !closing) {
        log.closed("client", "socket closed");
      }
    }
    ctx.fireChannelInactive();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    LOG.debug("connection {} failed: {}", connectionId, cause.toString());
    ctx.close();
  }

  private void releaseParts() {
    if (parts != null) {
      parts.release();
      parts = null;
    }
  }

  /** A close reason must fit in a control frame (123 bytes of UTF-8); ours are ASCII. */
  private static String truncate(String reason) {
    return reason.length() <= 120 ? reason : reason.substring(0, 120);
  }
}
