package io.tandem.node.metrics;

import io.tandem.protocol.ErrorCode;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import kamon.Kamon;
import kamon.metric.Counter;
import kamon.metric.Gauge;
import kamon.metric.Histogram;
import kamon.metric.MeasurementUnit;
import kamon.tag.TagSet;

/**
 * Tandem's own metrics, as Kamon instruments. Kamon names are dotted; the Prometheus reporter turns
 * them into {@code tandem_...} names (counters get {@code _total}, time histograms {@code
 * _seconds}, byte histograms {@code _bytes}). docs/operations.md lists every one with its type and
 * tags.
 *
 * <p>Every tag has a small, fixed set of values (frame types, error codes, encodings, client kinds,
 * entity types, member statuses): never a session, room, user or connection id. Instruments work
 * whether or not {@code Kamon.init} ran (then nothing reports them). Thread-safe; blocks on
 * nothing.
 */
public final class TandemMetrics {
  private TandemMetrics() {}

  private static final MeasurementUnit NANOS = MeasurementUnit.time().nanoseconds();
  private static final MeasurementUnit BYTES = MeasurementUnit.information().bytes();

  private static final kamon.metric.Metric.Gauge CONNECTIONS =
      Kamon.gauge("tandem.connections.open", "open WebSocket connections");
  private static final kamon.metric.Metric.Counter CONNECTIONS_OPENED =
      Kamon.counter("tandem.connections.opened", "WebSocket connections accepted");
  private static final kamon.metric.Metric.Counter HELLO_FAILURES =
      Kamon.counter("tandem.hello.failures", "connections that never got a welcome, by reason");
  private static final kamon.metric.Metric.Gauge SESSIONS =
      Kamon.gauge("tandem.sessions.active", "sessions with members connected to this node");
  private static final kamon.metric.Metric.Counter FRAMES_IN =
      Kamon.counter("tandem.frames.received", "frames received from clients, by type");
  private static final kamon.metric.Metric.Counter FRAMES_OUT =
      Kamon.counter("tandem.frames.sent", "frames handed to client sockets, by type");
  private static final Counter BYTES_IN =
      Kamon.counter("tandem.ws.received.bytes", "WebSocket message bytes received").withoutTags();
  private static final Counter BYTES_OUT =
      Kamon.counter("tandem.ws.sent.bytes", "WebSocket message bytes sent").withoutTags();
  private static final kamon.metric.Metric.Counter COALESCED =
      Kamon.counter(
          "tandem.coalesced", "presence or pose entries replaced by a newer one before sending");
  private static final Counter OBJECT_LEVELS =
      Kamon.counter(
              "tandem.xr.object.lod.updates",
              "per-room quality frames (which objects to load at high detail) sent to XR clients")
          .withoutTags();
  private static final Counter RESYNCS =
      Kamon.counter("tandem.resyncs", "resync frames sent to readers that fell behind")
          .withoutTags();
  private static final Counter REBALANCED =
      Kamon.counter(
              "tandem.connections.rebalanced",
              "connections asked to reconnect elsewhere to even out the cluster")
          .withoutTags();
  private static final Counter DROPPED =
      Kamon.counter("tandem.outbound.dropped.frames", "durable frames dropped for a resync")
          .withoutTags();
  private static final kamon.metric.Metric.Counter ERRORS =
      Kamon.counter("tandem.errors.sent", "error frames sent, by code");
  private static final Counter RATE_LIMITED =
      Kamon.counter("tandem.rate.limited.frames", "frames refused by the rate limit").withoutTags();
  private static final Histogram QUEUE_DEPTH =
      Kamon.histogram(
              "tandem.outbound.queue.depth",
              "entries waiting in a connection's outbox, sampled at each enqueue")
          .withoutTags();
  private static final Histogram DELIVERY =
      Kamon.histogram(
              "tandem.delivery.latency",
              "from an entity's change (its timestamp) to the frame handed to the socket",
              NANOS)
          .withoutTags();
  private static final kamon.metric.Metric.Histogram JOURNAL_WRITE =
      Kamon.histogram(
          "tandem.journal.write.latency", "one journal write, from request to completion", NANOS);
  private static final kamon.metric.Metric.Histogram JOURNAL_BATCH =
      Kamon.histogram("tandem.journal.write.events", "events in one atomic journal write");
  private static final kamon.metric.Metric.Counter JOURNAL_FAILURES =
      Kamon.counter("tandem.journal.write.failures", "journal writes that failed or were rejected");
  private static final kamon.metric.Metric.Counter RECOVERIES =
      Kamon.counter("tandem.entity.recoveries", "entities started and recovered on this node");
  private static final kamon.metric.Metric.Histogram RECOVERY_TIME =
      Kamon.histogram(
          "tandem.entity.recovery.time", "from an entity's start to its recovery completed", NANOS);
  private static final Counter REPLAY_EVENTS =
      Kamon.counter("tandem.replay.events", "recorded changes sent by replays").withoutTags();
  private static final Gauge LIVE_BUFFER =
      Kamon.gauge(
              "tandem.recording.live.buffer",
              "bytes held in memory by the live buffers of this node's recordings",
              BYTES)
          .withoutTags();
  private static final Counter LIVE_DROPPED =
      Kamon.counter(
              "tandem.recording.memory.dropped.bytes",
              "recording bytes that left the live buffer (they stay in the journal)")
          .withoutTags();
  private static final kamon.metric.Metric.Gauge MEMBERS =
      Kamon.gauge("tandem.cluster.members", "cluster members by status, as this node sees them");
  private static final Gauge UNREACHABLE =
      Kamon.gauge("tandem.cluster.unreachable", "members this node sees as unreachable")
          .withoutTags();
  private static final kamon.metric.Metric.Gauge SHARDS =
      Kamon.gauge("tandem.shards.hosted", "shards hosted by this node, by entity type");
  private static final kamon.metric.Metric.Gauge ENTITIES =
      Kamon.gauge("tandem.entities.hosted", "entities running on this node, by entity type");

  private static final Map<String, Counter> framesIn = new ConcurrentHashMap<>();
  private static final Map<String, Counter> framesOut = new ConcurrentHashMap<>();
  private static final Map<ErrorCode, Counter> errors = new ConcurrentHashMap<>();

  private static <K> Counter cached(Map<K, Counter> cache, K key, Function<K, Counter> create) {
    Counter c = cache.get(key);
    return c != null ? c : cache.computeIfAbsent(key, create);
  }

  /**
   * Creates the series whose tags are known in advance, at zero, so that Prometheus sees them (and
   * {@code rate()} works) before the first event of their kind.
   */
  public static void registerKnownSeries() {
    for (String reason : new String[] {"token", "timeout", "not_hello"}) {
      HELLO_FAILURES.withTag("reason", reason);
    }
    for (String kind : new String[] {"presence", "pose", "quality"}) {
      COALESCED.withTag("kind", kind);
    }
    for (String kind : new String[] {"room", "recording"}) {
      SESSIONS.withTag("kind", kind);
      JOURNAL_FAILURES.withTag("kind", kind);
      RECOVERIES.withTag("kind", kind);
      RECOVERY_TIME.withTag("kind", kind);
      JOURNAL_WRITE.withTag("kind", kind);
      JOURNAL_BATCH.withTag("kind", kind);
    }
    for (String encoding : new String[] {"json", "cbor"}) {
      CONNECTIONS_OPENED.withTag("encoding", encoding);
    }
    for (ErrorCode code : ErrorCode.values()) {
      cached(errors, code, c -> ERRORS.withTag("code", c.wire()));
    }
  }

  // ------------------------------------------------------------ connections

  /** {@code client} is the hello's client kind, or {@code none} before a welcome. */
  public static void connectionOpened(String encoding, String client) {
    CONNECTIONS_OPENED.withTag("encoding", encoding).increment();
    connections(encoding, client).increment();
  }

  /** A connection's client kind became known (its hello was accepted). */
  public static void connectionIdentified(String encoding, String from, String to) {
    connections(encoding, from).decrement();
    connections(encoding, to).increment();
  }

  public static void connectionClosed(String encoding, String client) {
    connections(encoding, client).decrement();
  }

  private static Gauge connections(String encoding, String client) {
    return CONNECTIONS.withTags(TagSet.of("encoding", encoding).withTag("client", client));
  }

  /** {@code reason}: {@code token}, {@code timeout} or {@code not_hello}. */
  public static void helloFailed(String reason) {
    HELLO_FAILURES.withTag("reason", reason).increment();
  }

  public static Gauge sessionsActive(String kind) {
    return SESSIONS.withTag("kind", kind);
  }

  // ------------------------------------------------------------ traffic

  /** {@code type}: the frame's wire type, or {@code invalid} when it did not decode. */
  public static void frameReceived(String type, long bytes) {
    cached(framesIn, type, t -> FRAMES_IN.withTag("type", t)).increment();
    BYTES_IN.increment(bytes);
  }

  public static void frameSent(String type, long bytes) {
    cached(framesOut, type, t -> FRAMES_OUT.withTag("type", t)).increment();
    BYTES_OUT.increment(bytes);
  }

  public static void errorSent(ErrorCode code) {
    cached(errors, code, c -> ERRORS.withTag("code", c.wire())).increment();
  }

  /** One per-room {@code quality} frame (object levels of detail) went to a socket. */
  public static void objectLevelsSent() {
    OBJECT_LEVELS.increment();
  }

  /**
   * {@code kind}: {@code presence}, {@code pose} or {@code quality} (a per-room recommendation).
   */
  public static void coalesced(String kind, long entries) {
    COALESCED.withTag("kind", kind).increment(entries);
  }

  public static void resyncSent() {
    RESYNCS.increment();
  }

  public static void connectionsRebalanced(long connections) {
    REBALANCED.increment(connections);
  }

  public static void durableDropped(long frames) {
    DROPPED.increment(frames);
  }

  public static void rateLimited() {
    RATE_LIMITED.increment();
  }

  public static void queueDepth(int entries) {
    QUEUE_DEPTH.record(entries);
  }

  public static void deliveredAfter(long nanos) {
    DELIVERY.record(Math.max(0, nanos));
  }

  // ------------------------------------------------------------ persistence

  /** {@code kind}: the entity type (room, recording), from the persistence id. */
  public static void journalWrite(String kind, long nanos, int events) {
    JOURNAL_WRITE.withTag("kind", kind).record(Math.max(0, nanos));
    JOURNAL_BATCH.withTag("kind", kind).record(events);
  }

  public static void journalWriteFailed(String kind) {
    JOURNAL_FAILURES.withTag("kind", kind).increment();
  }

  public static void recovered(String kind, long nanos) {
    RECOVERIES.withTag("kind", kind).increment();
    RECOVERY_TIME.withTag("kind", kind).record(Math.max(0, nanos));
  }

  public static void replayed(long events) {
    REPLAY_EVENTS.increment(events);
  }

  /** Bytes held by live buffers changed by {@code delta}. */
  public static void liveBufferChanged(long delta) {
    if (delta > 0) {
      LIVE_BUFFER.increment(delta);
    } else if (delta < 0) {
      LIVE_BUFFER.decrement(-delta);
    }
  }

  public static void liveBufferDropped(long bytes) {
    if (bytes > 0) {
      LIVE_DROPPED.increment(bytes);
    }
  }

  // ------------------------------------------------------------ cluster (sampled)

  public static void members(String status, int count) {
    MEMBERS.withTag("status", status).update(count);
  }

  public static void unreachable(int count) {
    UNREACHABLE.update(count);
  }

  public static void hosted(String type, int shards, int entities) {
    SHARDS.withTag("type", type).update(shards);
    ENTITIES.withTag("type", type).update(entities);
  }
}
