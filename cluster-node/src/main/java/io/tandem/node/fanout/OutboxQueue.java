package io.tandem.node.fanout;

import io.tandem.node.xr.DetailPlan;
import io.tandem.node.xr.Gaze;
import io.tandem.node.xr.Lod;
import io.tandem.node.xr.QualityEstimator;
import io.tandem.node.xr.XrSettings;
import io.tandem.protocol.CloseCode;
import io.tandem.protocol.Encoding;
import io.tandem.protocol.FrameCodec;
import io.tandem.protocol.MemberEntry;
import io.tandem.protocol.ObjectState;
import io.tandem.protocol.PoseData;
import io.tandem.protocol.Poses;
import io.tandem.protocol.PresenceChanged;
import io.tandem.protocol.Quality;
import io.tandem.protocol.Resync;
import io.tandem.protocol.ServerFrame;
import io.tandem.protocol.SessionId;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.pekko.japi.Pair;

/**
 * The bounded, coalescing outbound queue of one WebSocket connection (protocol section 6), apart
 * from any transport: a {@link Port} (a Pekko stream stage, {@link OutboxStage}, or a Netty
 * channel) drives it on one thread and writes what it hands over; producers reach it through the
 * {@link Outbox} of {@link #outbox}.
 *
 * <ul>
 *   <li>Replies and snapshots are kept in order; more than {@code maxReplies} unread replies means
 *       the client does not read at all, and the connection is closed with 4429.
 *   <li>Presence coalesces: while a session's presence frame waits in the queue, newer entries are
 *       merged into it, so only the latest entry per member is ever sent and memory is bounded by
 *       the number of members.
 *   <li>Poses coalesce the same way: while a session's {@code poses} frame waits, a newer tick
 *       merges into it (the latest pose per member, the latest live state per object, the newest
 *       tick number), so a reader that stops gets only the newest tick, never a backlog.
 *   <li>For XR connections ({@link Outbox#trackQuality}) the queue recommends a level of detail,
 *       estimated by a {@link QualityEstimator} from how long the head of its queue waited, the
 *       bytes it sent and the round trips: a change goes ahead of everything queued.
 *   <li>For those connections it also recommends, per room, which objects to load at high detail:
 *       the hub hands it each room's objects in gaze order ({@link Outbox#focus}), a {@link
 *       DetailPlan} per room applies the focus cone, ramp, budget and hysteresis to it under the
 *       connection's level, and a {@code quality{lod, objects}} frame with the room's session is
 *       queued when an object's level changes, at most once per {@code lodUpdateInterval} per room.
 *       A newer one replaces one still waiting for the same room, like poses.
 *   <li>Durable frames wait within {@code maxDurableFrames} and {@code maxDurableBytes}. Past
 *       either, every queued durable frame is dropped, its sessions are marked stale and further
 *       durable frames for them are dropped; once the client has read everything still queued, it
 *       gets {@code resync{session}} and {@link Listener#onResync} asks for a fresh snapshot.
 *   <li>A map's ephemeral values coalesce per key ({@link KeyedChanges}): a slow reader gets the
 *       latest value of each key, never the backlog. Their bytes count against {@code
 *       maxDurableBytes}; past it the map's queued frames go and it gets {@code resync}.
 * </ul>
 *
 * Frames are encoded here, lazily, at most once per encoding ({@link OutFrame}). Producers' calls
 * reach the queue's thread as {@link Offer}s through the port's {@code submit}. Never blocks.
 *
 * <p>Why this file is over 500 lines: the rules above all decide one thing, what leaves next and
 * what may be merged or dropped, over one queue, and each reads the others' bookkeeping (a presence
 * frame merged in place keeps its position ahead of later durable frames; a stale session's frames
 * leave the byte count). The parts that stand alone are their own classes: {@link
 * QualityEstimator}, {@link DetailPlan}, {@link KeyedChanges}, {@link OutFrame}.
 */
public final class OutboxQueue {

  /** What the queue tells its connection. Called on the queue's thread: must not block. */
  public interface Listener {
    /**
     * {@code resync{session}} was sent: deliver a fresh snapshot through {@link Outbox#snapshot}.
     */
    void onResync(SessionId session);
  }

  /** Told of every frame handed to the socket, with its encoded size; must not block. */
  public interface SentFrames {
    void sent(ServerFrame frame, int bytes);
  }

  /** Bounds of one outbox. */
  public record Bounds(int maxDurableFrames, long maxDurableBytes, int maxReplies) {}

  /**
   * The socket side, as the queue sees it. Every call comes on the queue's thread (the one that
   * calls {@link #offer}, {@link #pull} and {@link #stopped}).
   */
  public interface Port {
    /** Whether the socket takes one more message now (else {@link #pull} follows when it does). */
    boolean ready();

    /** Writes one frame, encoded in the connection's encoding (it was {@link #ready}). */
    void push(OutFrame frame);

    /** Ends the outbound side: the socket closes with the code in the close signal. */
    void complete();

    /** Calls {@code tick} every {@code period} on the queue's thread until the socket is gone. */
    void every(Duration period, Runnable tick);
  }

  private final Encoding encoding;
  private final FrameCodec codec;
  private final Bounds bounds;
  private final Listener listener;
  private final AtomicReference<Pair<CloseCode, String>> closeSignal;
  private final OutboundStats stats;
  private final SentFrames sent;
  private final Port port;

  /** What waits in the queue. */
  private sealed interface Entry {}

  /**
   * A producer's call of an {@link Outbox} method, as it reaches the queue's thread. Each kind
   * names the handler it goes to ({@link #offerTo}): the compiler checks that every kind has one (a
   * {@code switch} over a sealed type needs Java 21; this code is built for 17). A reply, snapshot,
   * durable change, quality or close is queued as the offer itself (no copy).
   */
  public sealed interface Offer {
    void offerTo(OutboxQueue logic);
  }

  private record ReplyEntry(ServerFrame frame) implements Entry, Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.offerReply(this);
    }
  }

  private record SnapshotEntry(SessionId session, OutFrame frame) implements Entry, Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.queue.add(this);
    }
  }

  /** {@code bytes} is -1 in the offer, the encoded size once queued. */
  private record DurableEntry(SessionId session, long seq, OutFrame frame, int bytes)
      implements Entry, Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.offerDurable(this);
    }
  }

  private static final class MembersEntry implements Entry {
    final SessionId session;
    final LinkedHashMap<String, MemberEntry> members = new LinkedHashMap<>();
    // the hub's frame of exactly `members` while nothing was merged into it, else null
    OutFrame shared;

    MembersEntry(SessionId session) {
      this.session = session;
    }
  }

  private static final class PosesEntry implements Entry {
    final SessionId session;
    long tick;
    final LinkedHashMap<String, PoseData> poses = new LinkedHashMap<>();
    final LinkedHashMap<String, ObjectState> objects = new LinkedHashMap<>();

    PosesEntry(SessionId session) {
      this.session = session;
    }
  }

  private record PosesOffer(
      SessionId session, long tick, Map<String, PoseData> poses, Map<String, ObjectState> objects)
      implements Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.offerPoses(this);
    }
  }

  private record CloseEntry(CloseCode code, String reason) implements Entry, Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.queue.add(this);
    }
  }

  /** The connection's level, recommended from outside the stage. */
  private record QualityEntry(Quality quality) implements Entry, Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.offerQuality(this);
    }
  }

  private record TrackQuality(XrSettings settings, Consumer<Quality> onChange) implements Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.trackQuality(this);
    }
  }

  private record RoundTrip(long millis) implements Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.roundTrip(millis);
    }
  }

  private record FocusOffer(SessionId session, List<Gaze.Ranked> ranking) implements Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.offerFocus(this);
    }
  }

  /** A per-room recommendation waiting in the queue; a newer one for its room replaces it. */
  private static final class RoomQualityEntry implements Entry {
    final SessionId session;
    Quality quality;

    RoomQualityEntry(SessionId session, Quality quality) {
      this.session = session;
      this.quality = quality;
    }
  }

  /** The per-room recommendation of one room: its latest ranking and what was last queued. */
  private static final class Focus {
    final SessionId session;
    final DetailPlan plan;
    List<Gaze.Ranked> ranking = List.of();
    Map<String, String> sent = Map.of();
    long lastQueuedAt;
    boolean queuedOnce;
    boolean dirty;

    Focus(SessionId session, DetailPlan plan) {
      this.session = session;
      this.plan = plan;
    }
  }

  private record Forget(SessionId session) implements Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.forget(session);
    }
  }

  private record MembersOffer(SessionId session, Map<String, MemberEntry> members, OutFrame shared)
      implements Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.offerMembers(this);
    }
  }

  /** A map's coalescing values in the queue. */
  private record KeyedEntry(KeyedChanges changes) implements Entry {}

  private record KeyedOffer(
      SessionId session,
      Map<String, com.fasterxml.jackson.databind.JsonNode> entries,
      long bytes,
      OutFrame frame)
      implements Offer {
    @Override
    public void offerTo(OutboxQueue logic) {
      logic.offerKeyed(this);
    }
  }

  private final ArrayDeque<Entry> queue = new ArrayDeque<>();
  private final Map<SessionId, MembersEntry> queuedMembers = new HashMap<>();
  private final Map<SessionId, PosesEntry> queuedPoses = new HashMap<>();
  private final Map<SessionId, RoomQualityEntry> queuedRoomQuality = new HashMap<>();

  /** The per-room recommendations of the rooms the hubs ranked for this connection. */
  private final Map<SessionId, Focus> focus = new LinkedHashMap<>();

  /** Sessions whose durable frames were dropped and that still need their resync. */
  private final Set<SessionId> stale = new LinkedHashSet<>();

  /** Sessions that got resync and wait for their fresh snapshot. */
  private final Set<SessionId> awaitingSnapshot = new LinkedHashSet<>();

  private int durableFrames;
  private long durableBytes;

  /** Per map, the entry of ephemeral values that newer ones merge into; their bytes. */
  private final Map<SessionId, KeyedEntry> openKeyed = new HashMap<>();

  private long keyedBytes;
  private int replies;

  /** Since when the head of the queue waits (monotonic nanos), or -1 while it is empty. */
  private long waitingSince = -1;

  /** Every byte handed to the socket. */
  private long bytesOut;

  private boolean closed;

  // the level of detail (XR connections only, from their trackQuality on)
  private XrSettings xr;
  private QualityEstimator estimator;
  private Consumer<Quality> onQualityChange;

  /** The level recommended before the estimate started (it starts from it). */
  private Lod levelBeforeTracking = Lod.HIGH;

  public OutboxQueue(
      Encoding encoding,
      FrameCodec codec,
      Bounds bounds,
      Listener listener,
      AtomicReference<Pair<CloseCode, String>> closeSignal,
      OutboundStats stats,
      SentFrames sent,
      Port port) {
    this.encoding = encoding;
    this.codec = codec;
    this.bounds = bounds;
    this.listener = listener;
    this.closeSignal = closeSignal;
    this.stats = stats;
    this.sent = sent;
    this.port = port;
  }

  /**
   * The producers' side: each call becomes an {@link Offer} that {@code submit} must hand to {@link
   * #offer} on the queue's thread.
   */
  public Outbox outbox(Consumer<Offer> submit) {
    return new Outbox() {
      @Override
      public void reply(ServerFrame frame) {
        submit.accept(new ReplyEntry(frame));
      }

      @Override
      public void snapshot(SessionId session, OutFrame snapshot) {
        submit.accept(new SnapshotEntry(session, snapshot));
      }

      @Override
      public void durable(SessionId session, long seq, OutFrame frame) {
        submit.accept(new DurableEntry(session, seq, frame, -1));
      }

      @Override
      public void members(SessionId session, Map<String, MemberEntry> members) {
        submit.accept(new MembersOffer(session, members, null));
      }

      @Override
      public void members(SessionId session, Map<String, MemberEntry> members, OutFrame frame) {
        submit.accept(new MembersOffer(session, members, frame));
      }

      @Override
      public void poses(
          SessionId session,
          long tick,
          Map<String, PoseData> poses,
          Map<String, ObjectState> objects) {
        submit.accept(new PosesOffer(session, tick, poses, objects));
      }

      @Override
      public void quality(Quality quality) {
        submit.accept(new QualityEntry(quality));
      }

      @Override
      public void trackQuality(XrSettings settings, Consumer<Quality> onChange) {
        submit.accept(new TrackQuality(settings, onChange));
      }

      @Override
      public void focus(SessionId session, List<Gaze.Ranked> ranking) {
        submit.accept(new FocusOffer(session, ranking));
      }

      @Override
      public void roundTrip(long millis) {
        submit.accept(new RoundTrip(millis));
      }

      @Override
      public void keyed(
          SessionId session,
          Map<String, com.fasterxml.jackson.databind.JsonNode> entries,
          long bytes,
          OutFrame frame) {
        submit.accept(new KeyedOffer(session, entries, bytes, frame));
      }

      @Override
      public void close(CloseCode code, String reason) {
        submit.accept(new CloseEntry(code, reason));
      }

      @Override
      public void forget(SessionId session) {
        submit.accept(new Forget(session));
      }
    };
  }

  /** Whether a {@link #pull} would hand the socket something (a frame or a resync). */
  public boolean hasNext() {
    return !closed && (!queue.isEmpty() || !stale.isEmpty());
  }

  /** The socket can take a message: the next one goes. Call on the queue's thread. */
  public void pull() {
    pushNext();
  }

  /** A producer's call, on the queue's thread. */
  public void offer(Offer offer) {
    boolean wasEmpty = queue.isEmpty();
    offer.offerTo(this);
    if (closed) {
      return;
    }
    io.tandem.node.metrics.TandemMetrics.queueDepth(queue.size());
    if (wasEmpty && !queue.isEmpty()) {
      // the queue's head starts waiting now
      waitingSince = System.nanoTime();
    }
    if (port.ready()) {
      pushNext();
    }
  }

  private void offerReply(ReplyEntry r) {
    if (++replies > bounds.maxReplies()) {
      closeNow(CloseCode.RATE_LIMITED, "client does not read its replies");
      return;
    }
    queue.add(r);
  }

  private void offerMembers(MembersOffer m) {
    MembersEntry entry = queuedMembers.get(m.session());
    if (entry == null) {
      entry = new MembersEntry(m.session());
      entry.shared = m.shared();
      queuedMembers.put(m.session(), entry);
      queue.add(entry);
    } else {
      // merged with what waits: this connection's frame is its own now
      entry.shared = null;
    }
    for (Map.Entry<String, MemberEntry> e : m.members().entrySet()) {
      if (entry.members.containsKey(e.getKey())) {
        stats.coalesced(1);
      }
      entry.members.put(e.getKey(), e.getValue());
    }
  }

  private void trackQuality(TrackQuality t) {
    Lod start = level();
    xr = t.settings();
    estimator = new QualityEstimator(xr);
    estimator.set(start);
    onQualityChange = t.onChange();
    port.every(java.time.Duration.ofMillis(QualityEstimator.CHECK_MILLIS), this::onTimer);
  }

  private void roundTrip(long millis) {
    // pings start with the tracking: there is no round trip before it
    if (estimator != null) {
      estimator.roundTrip(millis);
    }
  }

  private Lod level() {
    return estimator == null ? levelBeforeTracking : estimator.level();
  }

  private void offerQuality(QualityEntry q) {
    Lod before = level();
    Lod now = Lod.fromWire(q.quality().lod());
    if (estimator == null) {
      levelBeforeTracking = now;
    } else {
      estimator.set(now);
    }
    queueQuality(q.quality());
    levelChanged(before);
  }

  private void onTimer() {
    checkLevel();
    long now = System.nanoTime();
    boolean wasEmpty = queue.isEmpty();
    for (Focus f : focus.values()) {
      refreshFocus(f, now);
    }
    if (wasEmpty && !queue.isEmpty()) {
      waitingSince = now;
    }
    if (!queue.isEmpty() && port.ready()) {
      pushNext();
    }
  }

  private void checkLevel() {
    long now = System.nanoTime();
    long delayMs = waitingSince < 0 || queue.isEmpty() ? 0 : (now - waitingSince) / 1_000_000;
    Lod before = estimator.level();
    QualityEstimator.Change change = estimator.check(now, delayMs, bytesOut);
    if (change == null) {
      return;
    }
    Quality q =
        new Quality(
            change.lod().wire(), change.reason(), change.bytesPerSecond(), change.queueDelayMs());
    queueQuality(q);
    stats.qualityChanged(change.lod());
    onQualityChange.accept(q);
    levelChanged(before);
    if (port.ready()) {
      pushNext();
    }
  }

  /** Every room's recommendation follows the connection's level; a raise restarts the ramp. */
  private void levelChanged(Lod before) {
    Lod lod = level();
    if (lod == before) {
      return;
    }
    long now = System.nanoTime();
    for (Focus f : focus.values()) {
      if (lod == Lod.HIGH) {
        f.plan.restartRamp();
      }
      f.dirty = true;
      refreshFocus(f, now);
    }
  }

  private void offerFocus(FocusOffer offer) {
    if (xr == null) {
      // not an XR connection: it gets no recommendation
      return;
    }
    Focus f = focus.computeIfAbsent(offer.session(), s -> new Focus(s, new DetailPlan(xr)));
    f.ranking = offer.ranking();
    f.dirty = true;
    refreshFocus(f, System.nanoTime());
  }

  /**
   * Plans a room again when its inputs changed or its ramp is still rising, and queues the result
   * when an object's level changed; within {@code lodUpdateInterval} of the last one it waits for a
   * later timer tick instead (then the latest inputs win).
   */
  private void refreshFocus(Focus f, long now) {
    if (!f.dirty && !f.plan.ramping()) {
      return;
    }
    if (f.queuedOnce && now - f.lastQueuedAt < xr.lodUpdateInterval().toNanos()) {
      return;
    }
    Lod lod = level();
    Map<String, String> levels = f.plan.plan(lod, f.ranking, now);
    f.dirty = false;
    if (levels.equals(f.sent)) {
      return;
    }
    f.sent = levels;
    f.lastQueuedAt = now;
    f.queuedOnce = true;
    Quality q = Quality.forRoom(f.session, lod.wire(), levels);
    RoomQualityEntry waiting = queuedRoomQuality.get(f.session);
    if (waiting != null) {
      waiting.quality = q;
      stats.roomQualityCoalesced();
    } else {
      RoomQualityEntry entry = new RoomQualityEntry(f.session, q);
      queuedRoomQuality.put(f.session, entry);
      queue.add(entry);
    }
  }

  /** The recommendation goes ahead of everything queued; an older one still waiting goes. */
  private void queueQuality(Quality q) {
    queue.removeIf(e -> e instanceof QualityEntry);
    queue.addFirst(new QualityEntry(q));
  }

  private void offerPoses(PosesOffer p) {
    PosesEntry entry = queuedPoses.get(p.session());
    if (entry == null) {
      entry = new PosesEntry(p.session());
      queuedPoses.put(p.session(), entry);
      queue.add(entry);
    } else {
      stats.posesCoalesced(1);
    }
    entry.tick = Math.max(entry.tick, p.tick());
    for (Map.Entry<String, PoseData> e : p.poses().entrySet()) {
      // re-inserted so that the frame lists members in the order of their latest change
      entry.poses.remove(e.getKey());
      entry.poses.put(e.getKey(), e.getValue());
    }
    if (p.objects() != null) {
      entry.objects.putAll(p.objects());
    }
  }

  private void offerKeyed(KeyedOffer k) {
    SessionId session = k.session();
    if (stale.contains(session) || awaitingSnapshot.contains(session)) {
      return;
    }
    KeyedEntry open = openKeyed.get(session);
    KeyedChanges entry;
    long before = 0;
    if (open == null) {
      entry = new KeyedChanges(session, k.entries(), k.bytes(), k.frame());
      open = new KeyedEntry(entry);
      openKeyed.put(session, open);
      queue.add(open);
    } else {
      entry = open.changes();
      before = entry.bytes();
      int replaced = entry.merge(k.entries());
      if (replaced > 0) {
        stats.valuesCoalesced(replaced);
      }
    }
    keyedBytes += entry.bytes() - before;
    if (keyedBytes > bounds.maxDurableBytes()) {
      // even coalesced per key the map's values pass the bound: a fresh snapshot instead
      stale.add(session);
      dropQueuedOf(session);
    }
  }

  /** Drops the queued durable frames and ephemeral values of {@code session}. */
  private void dropQueuedOf(SessionId session) {
    long dropped = 0;
    for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e instanceof DurableEntry d && d.session().equals(session)) {
        durableFrames--;
        durableBytes -= d.bytes();
        stats.queued(-d.bytes());
        dropped++;
        it.remove();
      } else if (e instanceof KeyedEntry k && k.changes().session.equals(session)) {
        keyedBytes -= k.changes().bytes();
        dropped++;
        it.remove();
      }
    }
    openKeyed.remove(session);
    stats.dropped(dropped);
  }

  private void offerDurable(DurableEntry offered) {
    SessionId session = offered.session();
    if (stale.contains(session) || awaitingSnapshot.contains(session)) {
      return;
    }
    int bytes = offered.frame().size(encoding, codec);
    if (durableFrames + 1 > bounds.maxDurableFrames()
        || durableBytes + bytes > bounds.maxDurableBytes()) {
      stale.add(session);
      for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
        if (it.next() instanceof DurableEntry d) {
          stale.add(d.session());
          it.remove();
        }
      }
      stats.dropped(durableFrames + 1L);
      stats.queued(-durableBytes);
      durableFrames = 0;
      durableBytes = 0;
      for (SessionId s : List.copyOf(stale)) {
        if (openKeyed.containsKey(s) || keyedBytes > 0) {
          dropQueuedOf(s);
        }
      }
      return;
    }
    // values offered after this change queue behind it
    openKeyed.remove(session);
    durableFrames++;
    durableBytes += bytes;
    stats.queued(bytes);
    queue.add(new DurableEntry(session, offered.seq(), offered.frame(), bytes));
  }

  private void forget(SessionId session) {
    stale.remove(session);
    awaitingSnapshot.remove(session);
    queuedMembers.remove(session);
    queuedPoses.remove(session);
    focus.remove(session);
    queuedRoomQuality.remove(session);
    for (Iterator<Entry> it = queue.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e instanceof DurableEntry d && d.session().equals(session)) {
        durableFrames--;
        durableBytes -= d.bytes();
        stats.queued(-d.bytes());
        it.remove();
      } else if (e instanceof SnapshotEntry s && s.session().equals(session)) {
        it.remove();
      } else if (e instanceof MembersEntry m && m.session.equals(session)) {
        it.remove();
      } else if (e instanceof PosesEntry p && p.session.equals(session)) {
        it.remove();
      } else if (e instanceof RoomQualityEntry q && q.session.equals(session)) {
        it.remove();
      } else if (e instanceof KeyedEntry k && k.changes().session.equals(session)) {
        keyedBytes -= k.changes().bytes();
        it.remove();
      }
    }
    openKeyed.remove(session);
  }

  private void pushNext() {
    Entry next = queue.poll();
    // whatever comes next starts waiting now
    waitingSince = queue.isEmpty() ? -1 : System.nanoTime();
    if (next == null) {
      if (!stale.isEmpty()) {
        SessionId session = stale.iterator().next();
        stale.remove(session);
        awaitingSnapshot.add(session);
        send(new OutFrame(new Resync(session)));
        stats.resynced();
        listener.onResync(session);
      }
      return;
    }
    if (next instanceof ReplyEntry r) {
      replies--;
      send(new OutFrame(r.frame()));
    } else if (next instanceof SnapshotEntry s) {
      stale.remove(s.session());
      awaitingSnapshot.remove(s.session());
      send(s.frame());
    } else if (next instanceof DurableEntry d) {
      durableFrames--;
      durableBytes -= d.bytes();
      stats.queued(-d.bytes());
      send(d.frame());
      if (d.frame().originMillis() > 0) {
        io.tandem.node.metrics.TandemMetrics.deliveredAfter(
            (System.currentTimeMillis() - d.frame().originMillis()) * 1_000_000L);
      }
    } else if (next instanceof MembersEntry m) {
      queuedMembers.remove(m.session);
      send(m.shared != null ? m.shared : new OutFrame(new PresenceChanged(m.session, m.members)));
    } else if (next instanceof PosesEntry p) {
      queuedPoses.remove(p.session);
      send(new OutFrame(new Poses(p.session, p.tick, p.poses, p.objects)));
    } else if (next instanceof KeyedEntry entry) {
      KeyedChanges k = entry.changes();
      long before = k.bytes();
      OutFrame frame = k.take(codec.maxFrameBytes() - io.tandem.node.map.MapSizes.FRAME_OVERHEAD);
      keyedBytes -= before - k.bytes();
      if (!k.isEmpty()) {
        // the rest goes next, still open to newer values
        queue.addFirst(entry);
      } else if (openKeyed.get(k.session) == entry) {
        openKeyed.remove(k.session);
      }
      send(frame);
    } else if (next instanceof QualityEntry q) {
      send(new OutFrame(q.quality()));
    } else if (next instanceof RoomQualityEntry q) {
      queuedRoomQuality.remove(q.session);
      stats.sentRoomQuality();
      send(new OutFrame(q.quality));
    } else if (next instanceof CloseEntry c) {
      closeNow(c.code(), c.reason());
    }
  }

  private void send(OutFrame frame) {
    int bytes = frame.size(encoding, codec);
    sent.sent(frame.frame(), bytes);
    bytesOut += bytes;
    port.push(frame);
  }

  private void closeNow(CloseCode code, String reason) {
    closed = true;
    closeSignal.compareAndSet(null, Pair.create(code, reason));
    port.complete();
  }

  /** The socket is gone: what is still queued leaves with the connection. */
  public void stopped() {
    // whatever is still queued leaves with the connection
    stats.queued(-durableBytes);
    durableBytes = 0;
  }
}
