package io.tandem.node.ws;

import static net.logstash.logback.argument.StructuredArguments.kv;

import io.tandem.node.fanout.OutboxQueue;
import io.tandem.node.metrics.TandemMetrics;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.ErrorFrame;
import io.tandem.protocol.ServerFrame;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * One connection's story for logs and metrics: its id, principal and client kind, its traffic, and
 * the two lines every connection writes (opened, closed with code, duration, frames and bytes).
 * Every line about the connection carries {@code connection} and {@code principal} (and {@code
 * session} where one applies) in the logging context. Never holds or logs a token or a payload.
 *
 * <p>Written from the inbound stream, the outbound stage and the connection actor: thread-safe.
 */
public final class ConnectionLog implements OutboxQueue.SentFrames {
  private static final Logger log = LoggerFactory.getLogger("io.tandem.node.ws.Connection");

  /** The client kind tag before the hello is accepted. */
  static final String NO_CLIENT = "none";

  private final String connectionId;
  private final String encoding;
  private final long openedNanos = System.nanoTime();
  private final AtomicLong framesIn = new AtomicLong();
  private final AtomicLong bytesIn = new AtomicLong();
  private final AtomicLong framesOut = new AtomicLong();
  private final AtomicLong bytesOut = new AtomicLong();
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile String principal;
  private volatile String client = NO_CLIENT;

  ConnectionLog(String connectionId, Encoding encoding) {
    this.connectionId = connectionId;
    this.encoding = encoding == Encoding.JSON ? "json" : "cbor";
  }

  public String connectionId() {
    return connectionId;
  }

  /** The logging context of a line about this connection, and {@code session} if not null. */
  public Map<String, String> mdc(String session) {
    Map<String, String> mdc = new HashMap<>(4);
    mdc.put("connection", connectionId);
    String p = principal;
    if (p != null) {
      mdc.put("principal", p);
    }
    if (session != null) {
      mdc.put("session", session);
    }
    return mdc;
  }

  void opened() {
    TandemMetrics.connectionOpened(encoding, NO_CLIENT);
    inContext(() -> log.info("connection opened {}", kv("encoding", encoding)));
  }

  /** The hello was accepted. */
  void identified(String principal, String clientKind) {
    this.principal = principal;
    String before = client;
    client = clientKind;
    TandemMetrics.connectionIdentified(encoding, before, clientKind);
  }

  /** One frame read from the socket; {@code type} is {@code invalid} when it did not decode. */
  void received(String type, long bytes) {
    framesIn.incrementAndGet();
    bytesIn.addAndGet(bytes);
    TandemMetrics.frameReceived(type, bytes);
  }

  @Override
  public void sent(ServerFrame frame, int bytes) {
    framesOut.incrementAndGet();
    bytesOut.addAndGet(bytes);
    TandemMetrics.frameSent(frame.type(), bytes);
    if (frame instanceof ErrorFrame e) {
      TandemMetrics.errorSent(e.code());
    }
  }

  /**
   * The socket is gone. {@code code} is the close code the node chose, or {@code client} when the
   * client closed (or the socket failed) first. Only the first call counts.
   */
  void closed(String code, String reason) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    TandemMetrics.connectionClosed(encoding, client);
    inContext(
        () ->
            log.info(
                "connection closed {} {} {} {} {} {} {} {}",
                kv("code", code),
                kv("reason", reason),
                kv("durationMs", (System.nanoTime() - openedNanos) / 1_000_000),
                kv("client", client),
                kv("framesIn", framesIn.get()),
                kv("bytesIn", bytesIn.get()),
                kv("framesOut", framesOut.get()),
                kv("bytesOut", bytesOut.get())));
  }

  private void inContext(Runnable line) {
    Map<String, String> before = MDC.getCopyOfContextMap();
    try {
      mdc(null).forEach(MDC::put);
      line.run();
    } finally {
      if (before == null) {
        MDC.clear();
      } else {
        MDC.setContextMap(before);
      }
    }
  }
}
