package io.tandem.node.ws;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethod;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.settings.ParserSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's port served by Netty ({@code tandem.http.transport = netty}): WebSockets on {@code
 * /v1/ws} are read, assembled, decoded and written on Netty's event loops ({@link
 * NettyConnection}), with no stream stages between the socket and the connection's actor; every
 * other request is collected whole and handed to the same Pekko HTTP routes as with the Pekko
 * transport ({@link Route#handler}), so the HTTP API behaves the same on both.
 *
 * <p>One acceptor thread and {@code eventLoops} event loops (one per core by default). Each
 * connection's handlers run on one event loop; nothing here blocks it: route futures and replay
 * streams complete elsewhere and hop back.
 *
 * <p>Why this file is over 500 lines: the pipeline's own handlers (idle close, the bounded body
 * aggregator, the body timeout, and the edge that upgrades to a WebSocket or hands a request to the
 * routes) are nested classes that share the transport's settings and bootstrap; each is short, and
 * the connection itself is its own class ({@link NettyConnection}).
 */
public final class NettyTransport {
  private static final Logger LOG = LoggerFactory.getLogger(NettyTransport.class);

  /** Where a WebSocket upgrade is served; every other path goes to the routes. */
  private static final String WS_PATH = "/v1/ws";

  /** The largest request line and header block accepted (Pekko HTTP's defaults are close). */
  private static final int MAX_INITIAL_LINE = 8192;

  private static final int MAX_HEADER_BYTES = 16384;

  /**
   * Messages one connection actor handles before its event loop turns to its other channels; a loop
   * serves hundreds of connections, so a short turn each.
   */
  private static final int LOOP_THROUGHPUT = 8;

  private final EventLoopGroup acceptor;
  private final EventLoopGroup loops;
  private final Channel server;

  private NettyTransport(EventLoopGroup acceptor, EventLoopGroup loops, Channel server) {
    this.acceptor = acceptor;
    this.loops = loops;
    this.server = server;
  }

  /**
   * Binds {@code host:port} and serves it until {@link #unbind} (no new connections) and {@link
   * #shutdown} (the event loops end).
   *
   * @param maxBodyBytes the largest request body collected for a route (larger: 413)
   * @param bodyTimeoutMillis how long a request's body may take to arrive (then 408)
   */
  public static NettyTransport bind(
      ActorSystem<?> system,
      String host,
      int port,
      int eventLoops,
      WebSocketEndpoint webSocket,
      Route routes,
      long maxBodyBytes,
      long bodyTimeoutMillis,
      long idleTimeoutMillis,
      long timeoutMillis,
      boolean actorsOnLoops)
      throws InterruptedException {
    EventLoopGroup acceptor = new NioEventLoopGroup(1, new DefaultThreadFactory("tandem-accept"));
    EventLoopGroup loops =
        new NioEventLoopGroup(
            eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors(),
            new DefaultThreadFactory("tandem-io"));
    org.apache.pekko.japi.function.Function<HttpRequest, CompletionStage<HttpResponse>> sealed =
        routes.handler(system);
    Function<HttpRequest, CompletionStage<HttpResponse>> handler =
        request -> {
          try {
            return sealed.apply(request);
          } catch (Exception e) {
            return CompletableFuture.failedFuture(e);
          }
        };
    Materializer materializer = Materializer.matFromSystem(system);
    ParserSettings parser = ParserSettings.forServer(system);
    long defaultBodyLimit =
        system.settings().config().getBytes("pekko.http.parsing.max-content-length");
    // each connection's actor on its socket's event loop (EventLoopDispatchers), or on the default
    // dispatcher
    EventLoopDispatchers dispatchers =
        actorsOnLoops ? EventLoopDispatchers.register(system, loops, LOOP_THROUGHPUT) : null;
    Edge.Shared shared =
        new Edge.Shared(
            webSocket,
            handler,
            materializer,
            parser,
            defaultBodyLimit,
            system.classicSystem(),
            dispatchers);
    int maxAggregated = (int) Math.min(Integer.MAX_VALUE, maxBodyBytes);
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(acceptor, loops)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            // past 64 KiB unsent the outbox stops handing frames over and coalesces instead
            .childOption(
                ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 << 10, 64 << 10))
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast("idle", new IdleClose(idleTimeoutMillis))
                        .addLast(
                            "http", new HttpServerCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, 65536))
                        .addLast("body-timeout", new BodyTimeout(bodyTimeoutMillis))
                        .addLast("aggregate", new Aggregator(maxAggregated))
                        .addLast("edge", new Edge(shared));
                  }
                });
    var bound = bootstrap.bind(host, port);
    if (!bound.await(timeoutMillis, TimeUnit.MILLISECONDS) || !bound.isSuccess()) {
      acceptor.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
      Throwable cause = bound.cause();
      throw new IllegalStateException(
          "cannot bind " + host + ":" + port + (cause == null ? "" : ": " + cause), cause);
    }
    return new NettyTransport(acceptor, loops, bound.channel());
  }

  public InetSocketAddress localAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  /** Stops accepting; open connections go on until they end or {@link #shutdown}. */
  public CompletionStage<Done> unbind() {
    CompletableFuture<Done> done = new CompletableFuture<>();
    server.close().addListener(f -> done.complete(Done.getInstance()));
    return done;
  }

  /** Closes every connection and ends the event loops. */
  public CompletionStage<Done> shutdown() {
    CompletableFuture<Done> done = new CompletableFuture<>();
    acceptor.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    loops
        .shutdownGracefully(0, 2, TimeUnit.SECONDS)
        .addListener(f -> done.complete(Done.getInstance()));
    return done;
  }

  /** A JSON error {@code {code, message}} as every route answers one (protocol 9). */
  private static FullHttpResponse jsonError(
      HttpResponseStatus status, String code, String message) {
    String body =
        "{\"code\":\""
            + code
            + "\",\"message\":\""
            + String.valueOf(message).replace("\\", "/").replace("\"", "'")
            + "\"}";
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, status, Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
    response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON);
    HttpUtil.setContentLength(response, response.content().readableBytes());
    return response;
  }

  /**
   * A connection that neither reads nor writes for {@code pekko.http.server.idle-timeout} is
   * closed, as Pekko HTTP closes it: an HTTP keep-alive connection left open, or a WebSocket whose
   * peer stopped answering the protocol's heartbeats and whose close never came.
   */
  private static final class IdleClose extends IdleStateHandler {
    IdleClose(long millis) {
      super(0, 0, millis, TimeUnit.MILLISECONDS);
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
      LOG.debug("closing {}: idle", ctx.channel().remoteAddress());
      ctx.close();
    }
  }

  /** A body declared larger than the largest one collected: 413 JSON before it is read. */
  private static final class Aggregator extends HttpObjectAggregator {
    Aggregator(int maxContentLength) {
      super(maxContentLength);
    }

    @Override
    protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
      FullHttpResponse response =
          jsonError(
              HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE,
              "too_big",
              "the request body is over the limit of " + maxContentLength() + " bytes");
      HttpUtil.setKeepAlive(response, false);
      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }
  }

  /**
   * A request whose body stops arriving gets 408 JSON after {@code tandem.http.upload-timeout}, and
   * the connection closes (its rest would be read as the next request).
   */
  private static final class BodyTimeout extends io.netty.channel.ChannelDuplexHandler {
    private final long millis;
    private io.netty.util.concurrent.ScheduledFuture<?> pending;

    BodyTimeout(long millis) {
      this.millis = millis;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof io.netty.handler.codec.http.HttpRequest
          && !(msg instanceof LastHttpContent)) {
        cancel();
        pending =
            ctx.executor()
                .schedule(
                    () -> {
                      FullHttpResponse response =
                          jsonError(
                              HttpResponseStatus.REQUEST_TIMEOUT,
                              "timeout",
                              "the request body did not arrive within " + millis + " ms");
                      HttpUtil.setKeepAlive(response, false);
                      ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
                    },
                    millis,
                    TimeUnit.MILLISECONDS);
      }
      if (msg instanceof LastHttpContent) {
        cancel();
      }
      ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      cancel();
      ctx.fireChannelInactive();
    }

    private void cancel() {
      if (pending != null) {
        pending.cancel(false);
        pending = null;
      }
    }
  }

  /** The HTTP side of one connection: upgrades to a WebSocket, or requests for the routes. */
  private static final class Edge extends SimpleChannelInboundHandler<FullHttpRequest> {
    record Shared(
        WebSocketEndpoint webSocket,
        Function<HttpRequest, CompletionStage<HttpResponse>> handler,
        Materializer materializer,
        ParserSettings parser,
        long defaultBodyLimit,
        org.apache.pekko.actor.ActorSystem classic,
        EventLoopDispatchers dispatchers) {}

    private final Shared shared;

    Edge(Shared shared) {
      super(false);
      this.shared = shared;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      try {
        if (!request.decoderResult().isSuccess()) {
          Throwable cause = request.decoderResult().cause();
          // as Pekko HTTP answers them: an over-long request line 414, header block 431
          HttpResponseStatus status =
              cause instanceof io.netty.handler.codec.http.TooLongHttpLineException
                  ? HttpResponseStatus.REQUEST_URI_TOO_LONG
                  : cause instanceof io.netty.handler.codec.http.TooLongHttpHeaderException
                      ? HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                      : HttpResponseStatus.BAD_REQUEST;
          respond(
              ctx,
              status,
              "bad_frame",
              "malformed request: " + (cause == null ? "unreadable" : cause.getMessage()),
              false);
          return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (WS_PATH.equals(path)
            && request.headers().containsValue(HttpHeaderNames.UPGRADE, "websocket", true)) {
          upgrade(ctx, request);
        } else {
          route(ctx, request);
        }
      } finally {
        request.release();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.debug("HTTP connection failed: {}", cause.toString());
      ctx.close();
    }

    private void upgrade(ChannelHandlerContext ctx, FullHttpRequest request) {
      WebSocketEndpoint ws = shared.webSocket();
      List<String> offered = new ArrayList<>();
      for (String header : request.headers().getAll(HttpHeaderNames.SEC_WEBSOCKET_PROTOCOL)) {
        for (String p : header.split(",")) {
          if (!p.isBlank()) {
            offered.add(p.trim());
          }
        }
      }
      String address = addressOf(ctx);
      WebSocketEndpoint.Admission admission =
          ws.admit(
              Optional.ofNullable(request.headers().get(HttpHeaderNames.ORIGIN)),
              Optional.ofNullable(request.headers().get(HttpHeaderNames.HOST)),
              Optional.ofNullable(request.headers().get(HttpHeaderNames.AUTHORIZATION)),
              offered,
              address);
      if (admission instanceof WebSocketEndpoint.Refused no) {
        FullHttpResponse response =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(no.status()),
                Unpooled.copiedBuffer(no.body(), StandardCharsets.UTF_8));
        response
            .headers()
            .set(
                HttpHeaderNames.CONTENT_TYPE,
                no.json() ? "application/json" : "text/plain; charset=UTF-8");
        HttpUtil.setContentLength(response, response.content().readableBytes());
        write(ctx, response, HttpUtil.isKeepAlive(request));
        return;
      }
      WebSocketEndpoint.Accepted yes = (WebSocketEndpoint.Accepted) admission;
      WebSocketDecoderConfig decoder =
          WebSocketDecoderConfig.newBuilder()
              .maxFramePayloadLength(
                  (int) Math.min(Integer.MAX_VALUE, ws.settings().closeFrameBytes()))
              .expectMaskedFrames(true)
              .allowExtensions(false)
              .closeOnProtocolViolation(true)
              .build();
      String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
      WebSocketServerHandshaker handshaker =
          new WebSocketServerHandshakerFactory("ws://" + host + WS_PATH, yes.subprotocol(), decoder)
              .newHandshaker(request);
      if (handshaker == null) {
        ws.closedFrom(address);
        WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ctx.channel());
        return;
      }
      NettyConnection connection =
          new NettyConnection(ws, yes.encoding(), address, shared.dispatchers());
      // the body timeout is for requests; the handshaker swaps the HTTP codec for WebSocket's
      ctx.pipeline().remove(BodyTimeout.class);
      ctx.pipeline().replace(this, "ws", connection);
      handshaker
          .handshake(ctx.channel(), request)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      connection.start();
                    } else {
                      // the connection's handler counts the address down when the channel ends
                      f.channel().close();
                    }
                  });
    }

    private void route(ChannelHandlerContext ctx, FullHttpRequest request) {
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      boolean head = request.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD);
      HttpRequest pekko;
      try {
        pekko = toPekko(ctx, request, head);
      } catch (RuntimeException e) {
        respond(ctx, HttpResponseStatus.BAD_REQUEST, "bad_frame", e.getMessage(), keepAlive);
        return;
      }
      // one request at a time per connection: the next is read once this one is answered
      ctx.channel().config().setAutoRead(false);
      CompletionStage<HttpResponse> answer;
      try {
        answer = shared.handler().apply(pekko);
      } catch (RuntimeException e) {
        answer = CompletableFuture.failedFuture(e);
      }
      answer.whenComplete(
          (response, failure) ->
              ctx.executor()
                  .execute(
                      () -> {
                        if (failure != null) {
                          LOG.warn("a route failed: {}", failure.toString());
                          respond(
                              ctx,
                              HttpResponseStatus.INTERNAL_SERVER_ERROR,
                              "internal",
                              "the request failed; the node logged it",
                              false);
                        } else {
                          render(ctx, response, head, keepAlive);
                        }
                      }));
    }

    private HttpRequest toPekko(ChannelHandlerContext ctx, FullHttpRequest request, boolean head) {
      String method = head ? "GET" : request.method().name();
      HttpMethod m =
          HttpMethods.lookup(method)
              .orElseThrow(() -> new IllegalArgumentException("unknown method " + method));
      String host = request.headers().get(HttpHeaderNames.HOST, "localhost");
      String target = request.uri();
      Uri uri = Uri.create(target.startsWith("/") ? "http://" + host + target : target);
      List<HttpHeader> headers = new ArrayList<>();
      ContentType contentType = null;
      for (Map.Entry<String, String> h : request.headers()) {
        String name = h.getKey();
        if (name.equalsIgnoreCase("Content-Length") || name.equalsIgnoreCase("Transfer-Encoding")) {
          continue;
        }
        if (name.equalsIgnoreCase("Content-Type")) {
          contentType = ContentTypes.parse(h.getValue());
          continue;
        }
        headers.add(parseHeader(name, h.getValue()));
      }
      ByteBuf content = request.content();
      RequestEntity entity;
      if (content.readableBytes() == 0 && contentType == null) {
        entity = HttpEntities.EMPTY;
      } else {
        byte[] body = ByteBufUtil.getBytes(content);
        // the default limit of every route's body; a route's own withSizeLimit replaces it
        entity =
            (RequestEntity)
                HttpEntities.create(
                        contentType == null ? ContentTypes.APPLICATION_OCTET_STREAM : contentType,
                        body)
                    .withSizeLimit(shared.defaultBodyLimit());
      }
      return HttpRequest.create()
          .withMethod(m)
          .withUri(uri)
          .addHeaders(headers)
          .withEntity(entity)
          .addAttribute(
              AttributeKeys.remoteAddress,
              RemoteAddress.create((InetSocketAddress) ctx.channel().remoteAddress()));
    }

    /** A modelled header where Pekko knows the name (Host, Authorization...), else a raw one. */
    private HttpHeader parseHeader(String name, String value) {
      var parsed =
          org.apache.pekko.http.scaladsl.model.HttpHeader$.MODULE$.parse(
              name, value, shared.parser());
      if (parsed instanceof org.apache.pekko.http.scaladsl.model.HttpHeader$ParsingResult$Ok ok) {
        return ok.header();
      }
      return HttpHeader.parse(name, value);
    }

    private void render(
        ChannelHandlerContext ctx, HttpResponse response, boolean head, boolean keepAliveAsked) {
      boolean keepAlive =
          keepAliveAsked
              && response
                  .getHeader("Connection")
                  .map(h -> !h.value().equalsIgnoreCase("close"))
                  .orElse(true);
      HttpResponseStatus status =
          new HttpResponseStatus(response.status().intValue(), response.status().reason());
      ResponseEntity entity = response.entity();
      io.netty.handler.codec.http.HttpHeaders headers;
      if (entity.isStrict()) {
        ByteBuf body =
            head
                ? Unpooled.EMPTY_BUFFER
                : Unpooled.wrappedBuffer(((HttpEntity.Strict) entity).getData().toArray());
        FullHttpResponse full = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        headers = full.headers();
        copyHeaders(response, entity, headers);
        HttpUtil.setContentLength(full, ((HttpEntity.Strict) entity).getData().size());
        write(ctx, full, keepAlive);
        return;
      }
      DefaultHttpResponse start = new DefaultHttpResponse(HttpVersion.HTTP_1_1, status);
      copyHeaders(response, entity, start.headers());
      if (entity.getContentLengthOption().isPresent()) {
        HttpUtil.setContentLength(start, entity.getContentLengthOption().getAsLong());
      } else {
        HttpUtil.setTransferEncodingChunked(start, true);
      }
      HttpUtil.setKeepAlive(start, keepAlive);
      ctx.writeAndFlush(start);
      if (head) {
        entity.discardBytes(shared.materializer());
        finish(ctx, keepAlive);
        return;
      }
      entity
          .getDataBytes()
          .runWith(
              Sink.foreachAsync(
                  1,
                  bytes -> {
                    CompletableFuture<Void> written = new CompletableFuture<>();
                    ctx.writeAndFlush(
                            new DefaultHttpContent(Unpooled.wrappedBuffer(bytes.toArray())))
                        .addListener(
                            f -> {
                              if (f.isSuccess()) {
                                written.complete(null);
                              } else {
                                written.completeExceptionally(f.cause());
                              }
                            });
                    return written;
                  }),
              shared.materializer())
          .whenComplete(
              (done, failure) ->
                  ctx.executor()
                      .execute(
                          () -> {
                            if (failure != null) {
                              // the client sees the response cut short, never a false end
                              LOG.debug("a streamed response failed: {}", failure.toString());
                              ctx.close();
                            } else {
                              finish(ctx, keepAlive);
                            }
                          }));
    }

    private static void copyHeaders(
        HttpResponse response,
        ResponseEntity entity,
        io.netty.handler.codec.http.HttpHeaders headers) {
      for (HttpHeader h : response.getHeaders()) {
        headers.add(h.name(), h.value());
      }
      if (!entity.getContentType().equals(ContentTypes.NO_CONTENT_TYPE)) {
        headers.set(HttpHeaderNames.CONTENT_TYPE, entity.getContentType().toString());
      }
    }

    private void finish(ChannelHandlerContext ctx, boolean keepAlive) {
      var last = ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
      if (keepAlive) {
        readNext(ctx);
      } else {
        last.addListener(ChannelFutureListener.CLOSE);
      }
    }

    private void write(ChannelHandlerContext ctx, FullHttpResponse response, boolean keepAlive) {
      HttpUtil.setKeepAlive(response, keepAlive);
      var written = ctx.writeAndFlush(response);
      if (keepAlive) {
        readNext(ctx);
      } else {
        written.addListener(ChannelFutureListener.CLOSE);
      }
    }

    private static void readNext(ChannelHandlerContext ctx) {
      ctx.channel().config().setAutoRead(true);
    }

    private void respond(
        ChannelHandlerContext ctx,
        HttpResponseStatus status,
        String code,
        String message,
        boolean keepAlive) {
      write(ctx, jsonError(status, code, message), keepAlive);
    }

    private static String addressOf(ChannelHandlerContext ctx) {
      InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
      return remote == null || remote.getAddress() == null
          ? "unknown"
          : remote.getAddress().getHostAddress();
    }
  }
}
