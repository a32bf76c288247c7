package io.tandem.node.ws;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import io.tandem.node.auth.AuthException;
import io.tandem.node.fanout.OutboundStats;
import io.tandem.node.fanout.OutboxQueue;
import io.tandem.node.fanout.OutboxStage;
import io.tandem.protocol.ClientFrame;
import io.tandem.protocol.CloseCode;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.SourceShape;
import org.apache.pekko.stream.UniformFanInShape;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.GraphDSL;
import org.apache.pekko.stream.javadsl.Merge;
import org.apache.pekko.stream.javadsl.MergeHub;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSink;

/**
 * {@code /v1/ws}: negotiates the encoding, then runs one stream per connection:
 *
 * <pre>
 * socket -> read (size limits) -> decode -> ConnectionActor (backpressured, acknowledged)
 * ConnectionActor, session hubs -> Outbox (bounded, coalescing) -> encode -> socket
 * </pre>
 *
 * Text frames are always decoded as JSON and binary frames as CBOR; replies use the negotiated
 * encoding. Blocks on nothing.
 */
public final class WebSocketEndpoint extends AllDirectives {
  private static final SecureRandom IDS = new SecureRandom();

  /** Messages each replay may have in flight towards the socket. */
  private static final int REPLAY_BUFFER = 16;

  private static final char[] ALPHABET =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".toCharArray();

  private final ActorSystem<?> system;
  private final ConnectionActor.Deps deps;
  private final FrameCodec codec;
  private final CloseCodeFrames closeCodes;
  private final OutboundStats stats;
  private final OriginCheck origins;

  /** An endpoint allowing the origins of {@code deps.ws()}, not in dev mode. */
  public WebSocketEndpoint(ActorSystem<?> system, ConnectionActor.Deps deps, OutboundStats stats) {
    this(system, deps, stats, new OriginCheck(deps.ws().allowedOrigins(), false));
  }

  /** An endpoint allowing the browser origins {@code origins} allows. */
  public WebSocketEndpoint(
      ActorSystem<?> system, ConnectionActor.Deps deps, OutboundStats stats, OriginCheck origins) {
    this.origins = origins;
    this.stats = stats;
    this.system = system;
    this.deps = deps;
    this.codec = deps.codec();
    this.closeCodes = new CloseCodeFrames(system);
  }

  public Route route() {
    return path(
        segment("v1").slash("ws"),
        () ->
            extractRequest(
                request ->
                    optionalHeaderValueByName(
                        "Authorization",
                        authorization ->
                            extractWebSocketUpgrade(
                                upgrade -> upgrade(request, authorization, upgrade)))));
  }

  private Route upgrade(
      HttpRequest request, Optional<String> authorization, WebSocketUpgrade upgrade) {
    List<String> offered = new ArrayList<>();
    upgrade.getRequestedProtocols().forEach(offered::add);
    // the socket's peer, never a header: counted until the connection's stream ends
    String address =
        request
            .getAttribute(AttributeKeys.remoteAddress)
            .flatMap(RemoteAddress::getAddress)
            .map(java.net.InetAddress::getHostAddress)
            .orElse("unknown");
    Admission admission =
        admit(
            request.getHeader("Origin").map(h -> h.value()),
            request.getHeader("Host").map(h -> h.value()),
            authorization,
            offered,
            address);
    if (admission instanceof Refused no) {
      return complete(
          HttpResponse.create()
              .withStatus(StatusCodes.get(no.status()))
              .withEntity(
                  no.json() ? ContentTypes.APPLICATION_JSON : ContentTypes.TEXT_PLAIN_UTF8,
                  no.body()));
    }
    Accepted yes = (Accepted) admission;
    return complete(accept(upgrade, yes.encoding(), yes.subprotocol(), address));
  }

  /** Whether a WebSocket upgrade may go ahead, whichever transport serves it. */
  sealed interface Admission {}

  /** Refused with an HTTP status and a body (JSON {code, message} or plain text). */
  record Refused(int status, boolean json, String body) implements Admission {
    static Refused json(int status, String code, String message) {
      return new Refused(
          status,
          true,
          "{\"code\":\""
              + code
              + "\",\"message\":\""
              + message.replace("\\", "/").replace("\"", "'")
              + "\"}");
    }
  }

  /**
   * Accepted in {@code encoding}, answering with {@code subprotocol} (null when none was offered).
   * The source address is counted from here: {@link #closedFrom} once the socket ends.
   */
  record Accepted(Encoding encoding, String subprotocol) implements Admission {}

  /**
   * The checks before an upgrade, in order: a foreign browser origin, a bad Authorization header,
   * no subprotocol of ours, a draining node, too many sockets from the address.
   */
  Admission admit(
      Optional<String> origin,
      Optional<String> host,
      Optional<String> authorization,
      List<String> offered,
      String address) {
    // a browser page of a foreign site must not use the visitor's reach (loopback, intranet)
    Optional<String> foreign = origins.refusal(origin, host);
    if (foreign.isPresent()) {
      return Refused.json(403, "forbidden", foreign.get());
    }
    Optional<String> headerFailure = checkAuthorizationHeader(authorization);
    if (headerFailure.isPresent()) {
      return Refused.json(401, "unauthorized", headerFailure.get());
    }
    Optional<Encoding> encoding = Encoding.negotiate(offered);
    if (encoding.isEmpty()) {
      return new Refused(400, false, "offer the subprotocol tandem.v1.json or tandem.v1.cbor");
    }
    if (deps.registry().draining()) {
      return new Refused(503, false, "node is draining, use another");
    }
    if (!deps.registry().openFrom(address, deps.ws().maxConnectionsPerAddress())) {
      return Refused.json(
          429,
          "rate_limited",
          "at most "
              + deps.ws().maxConnectionsPerAddress()
              + " WebSocket connections per source address");
    }
    return new Accepted(encoding.get(), offered.isEmpty() ? null : encoding.get().subprotocol());
  }

  /** A socket from {@code address} that {@link #admit} counted has ended. */
  void closedFrom(String address) {
    deps.registry().closedFrom(address);
  }

  private Optional<String> checkAuthorizationHeader(Optional<String> authorization) {
    if (authorization.isEmpty()) {
      return Optional.empty();
    }
    String value = authorization.get();
    if (!value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return Optional.of("Authorization must be 'Bearer <token>'");
    }
    try {
      deps.verifier().verify(value.substring(7).trim());
      return Optional.empty();
    } catch (AuthException e) {
      return Optional.of(e.getMessage());
    }
  }

  private HttpResponse accept(
      WebSocketUpgrade upgrade, Encoding encoding, String subprotocol, String address) {
    String connectionId = newConnectionId();
    ConnectionLog connectionLog = new ConnectionLog(connectionId, encoding);
    Rates rates = newRates();
    AtomicReference<Pair<CloseCode, String>> closeSignal = new AtomicReference<>();
    AtomicReference<ActorRef<ConnectionActor.Command>> actor = new AtomicReference<>();
    OutboxQueue.Bounds bounds = bounds();
    OutboxStage stage =
        new OutboxStage(
            encoding,
            codec,
            bounds,
            session -> {
              ActorRef<ConnectionActor.Command> ref = actor.get();
              if (ref != null) {
                ref.tell(new ConnectionActor.ResyncNeeded(session));
              }
            },
            closeSignal,
            stats,
            connectionLog);

    // The outbox exists once the outbound source is materialized; the actor is spawned then, and
    // the inbound sink waits for it through a future (the first inbound frame arrives after).
    CompletableFuture<ActorRef<ConnectionActor.Command>> spawned = new CompletableFuture<>();
    // The outbox and the replays of this connection share the socket: a merge that ends when the
    // outbox ends (the close), with a MergeHub that replay streams attach to with backpressure.
    Source<Message, NotUsed> outbound =
        Source.fromGraph(
                GraphDSL.create(
                    stage,
                    MergeHub.of(Message.class, REPLAY_BUFFER),
                    Pair::create,
                    (b, outboxShape, replayShape) -> {
                      UniformFanInShape<Message, Message> merge = b.add(Merge.create(2, true));
                      b.from(outboxShape).toInlet(merge.in(0));
                      b.from(replayShape).toInlet(merge.in(1));
                      return SourceShape.of(merge.out());
                    }))
            .mapMaterializedValue(
                pair -> {
                  ActorRef<ConnectionActor.Command> ref =
                      spawn(
                          connectionId,
                          new ConnectionActor.Outbound(
                              pair.first(),
                              pair.second(),
                              encoding,
                              connectionLog,
                              rates.mapPublishing()));
                  actor.set(ref);
                  spawned.complete(ref);
                  return NotUsed.getInstance();
                });

    Sink<MessageAssembly.Assembled, CompletionStage<NotUsed>> inbound =
        Flow.<MessageAssembly.Assembled>create()
            .map(message -> read(message, connectionLog, rates))
            .toMat(
                Sink.lazyCompletionStageSink(() -> spawned.thenApply(this::actorSink)),
                (a, b) -> b);
    // past close-frame-bytes the connection closes with 1009 while the message still arrives
    MessageAssembly assembly =
        new MessageAssembly(
            deps.ws().maxFrameBytes(),
            deps.ws().closeFrameBytes(),
            CloseCodeFrames.CLOSE_TICK,
            total ->
                spawned.thenAccept(ref -> ref.tell(new ConnectionActor.FrameTooLargeNow(total))));

    Flow<MessageAssembly.Assembled, Message, NotUsed> handler =
        handlerOf(inbound, outbound)
            .watchTermination(
                (notUsed, done) -> {
                  connectionLog.opened();
                  done.whenComplete(
                      (ok, failure) -> {
                        closedFrom(address);
                        // the inbound sink is lazy: a socket that ends before its first frame
                        // (closed before hello, 4408) never told the actor, which then stayed
                        // counted in /v1/status for ever. However the socket ends, the actor stops.
                        spawned.thenAccept(ref -> ref.tell(ConnectionActor.StreamEnded.INSTANCE));
                        Pair<CloseCode, String> signal = closeSignal.get();
                        if (signal != null) {
                          connectionLog.closed(
                              Integer.toString(signal.first().code()), signal.second());
                        } else {
                          connectionLog.closed(
                              "client", failure == null ? "closed by the client" : "socket failed");
                        }
                      });
                  return notUsed;
                });
    return closeCodes.handle(upgrade, assembly, handler, subprotocol, closeSignal);
  }

  /** A new connection's byte buckets. */
  Rates newRates() {
    // a map publisher's puts have a bucket of their own (tandem.map.publisher-max-bytes-per-second)
    return new Rates(
        new ByteRate(deps.ws().maxBytesPerSecond(), deps.ws().burstBytes(), System.nanoTime()),
        new ByteRate(
            deps.maps().publisherBytesPerSecond(),
            deps.maps().publisherBurstBytes(),
            System.nanoTime()),
        java.util.concurrent.ConcurrentHashMap.newKeySet());
  }

  /** The bounds of each connection's outbox. */
  OutboxQueue.Bounds bounds() {
    return new OutboxQueue.Bounds(
        deps.ws().outboundMaxFrames(),
        deps.ws().outboundMaxBytes(),
        deps.ws().outboundMaxReplies());
  }

  FrameCodec codec() {
    return codec;
  }

  OutboundStats stats() {
    return stats;
  }

  WsSettings settings() {
    return deps.ws();
  }

  /**
   * The handler of one connection: what it reads goes to {@code inbound}, what it writes comes from
   * {@code outbound}.
   */
  static <I> Flow<I, Message, NotUsed> handlerOf(Sink<I, ?> inbound, Source<Message, ?> outbound) {
    return Flow.fromSinkAndSourceCoupled(inbound, outbound);
  }

  private Sink<ConnectionActor.Incoming, NotUsed> actorSink(ActorRef<ConnectionActor.Command> ref) {
    return ActorSink.actorRefWithBackpressure(
        ref,
        (ackTo, incoming) ->
            new ConnectionActor.Inbound(() -> ackTo.tell(ConnectionActor.Ack.INSTANCE), incoming),
        ackTo -> new ConnectionActor.StreamInit(() -> ackTo.tell(ConnectionActor.Ack.INSTANCE)),
        ConnectionActor.Ack.INSTANCE,
        ConnectionActor.StreamEnded.INSTANCE,
        failure -> ConnectionActor.StreamEnded.INSTANCE);
  }

  ActorRef<ConnectionActor.Command> spawn(String connectionId, ConnectionActor.Outbound outbound) {
    return spawn(connectionId, outbound, Props.empty());
  }

  /** A connection's actor with {@code props} (its dispatcher: the socket's event loop on Netty). */
  ActorRef<ConnectionActor.Command> spawn(
      String connectionId, ConnectionActor.Outbound outbound, Props props) {
    // connections live under the system guardian: the typed user guardian cannot be asked to
    // spawn from outside, and a connection has no parent in the domain
    return system.systemActorOf(
        ConnectionActor.create(connectionId, outbound, deps), "conn-" + connectionId, props);
  }

  /**
   * Decodes one whole message (JSON for text, CBOR for binary); a message over max-frame-bytes is
   * refused with too_big, one over close-frame-bytes closes the connection with 1009.
   */
  ConnectionActor.Incoming read(
      MessageAssembly.Assembled message, ConnectionLog connectionLog, Rates rates) {
    ConnectionActor.Incoming incoming;
    if (message instanceof MessageAssembly.Text t) {
      incoming = decodeText(t.text());
    } else if (message instanceof MessageAssembly.Utf8Text u) {
      incoming = new ConnectionActor.Decoded(codec.decodeClient(Encoding.JSON, u.utf8()));
    } else if (message instanceof MessageAssembly.BinaryBytes b) {
      incoming = new ConnectionActor.Decoded(codec.decodeClient(Encoding.CBOR, b.data()));
    } else if (message instanceof MessageAssembly.Binary b) {
      incoming = new ConnectionActor.Decoded(codec.decodeClient(Encoding.CBOR, b.data().toArray()));
    } else if (((MessageAssembly.Oversized) message).closing()) {
      incoming = new ConnectionActor.FrameTooLarge(message.bytes());
    } else {
      incoming =
          new ConnectionActor.Decoded(
              new io.tandem.protocol.DecodeResult.Rejected<>(
                  new io.tandem.protocol.ProtocolError(
                      io.tandem.protocol.ErrorCode.TOO_BIG,
                      "frame of " + message.bytes() + " bytes is over the limit",
                      null,
                      null)));
    }
    return counted(incoming, message.bytes(), connectionLog, rates);
  }

  /**
   * A connection's byte buckets: its own, and its map publisher's, for {@code put} frames to the
   * maps in {@code mapPublishing} (those it joined as publisher; kept by its actor).
   */
  record Rates(
      ByteRate connection,
      ByteRate publisher,
      java.util.Set<io.tandem.protocol.SessionId> mapPublishing) {}

  /**
   * Counts an inbound frame by its type (or as invalid) and its size, for logs and metrics, and
   * against the connection's byte rate: a frame over it is handed on as {@link
   * ConnectionActor.OverByteRate}, to be refused.
   */
  private static ConnectionActor.Incoming counted(
      ConnectionActor.Incoming incoming, long bytes, ConnectionLog connectionLog, Rates rates) {
    if (incoming instanceof ConnectionActor.Decoded d
        && d.result() instanceof io.tandem.protocol.DecodeResult.Decoded<ClientFrame> ok) {
      connectionLog.received(ok.frame().type(), bytes);
    } else {
      connectionLog.received("invalid", bytes);
    }
    if (incoming instanceof ConnectionActor.Decoded d) {
      boolean publisher =
          d.result() instanceof io.tandem.protocol.DecodeResult.Decoded<ClientFrame> ok
              && ok.frame() instanceof io.tandem.protocol.Put put
              && rates.mapPublishing().contains(put.session());
      ByteRate rate = publisher ? rates.publisher() : rates.connection();
      if (!rate.take(bytes, System.nanoTime())) {
        return new ConnectionActor.OverByteRate(d.result(), bytes, publisher);
      }
    }
    return incoming;
  }

  private ConnectionActor.Incoming decodeText(String text) {
    return new ConnectionActor.Decoded(codec.decodeClient(text));
  }

  static String newConnectionId() {
    char[] id = new char[12];
    for (int i = 0; i < id.length; i++) {
      id[i] = ALPHABET[IDS.nextInt(ALPHABET.length)];
    }
    return new String(id);
  }
}
