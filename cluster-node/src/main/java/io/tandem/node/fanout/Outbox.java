package io.tandem.node.fanout;

import io.tandem.node.xr.Gaze;
import io.tandem.node.xr.XrSettings;
import io.tandem.protocol.CloseCode;
import io.tandem.protocol.MemberEntry;
import io.tandem.protocol.ObjectState;
import io.tandem.protocol.PoseData;
import io.tandem.protocol.Quality;
import io.tandem.protocol.ServerFrame;
import io.tandem.protocol.SessionId;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The outbound side of one WebSocket connection, as its producers (the connection actor, session
 * hubs) see it. Every method is thread-safe and never blocks: it hands the frame to the {@link
 * OutboxQueue}, which decides what is kept, coalesced or dropped within its bounds.
 */
public interface Outbox {

  /** A direct reply (ok, error, welcome, pong, bye): always delivered, in order. */
  void reply(ServerFrame frame);

  /**
   * A session's snapshot (a join's answer or a refresh after resync): delivered in order; durable
   * frames for that session flow again after it.
   */
  void snapshot(SessionId session, OutFrame snapshot);

  /** A durable change of a session (delta, events, ended): dropped for resync past the bound. */
  void durable(SessionId session, long seq, OutFrame frame);

  /** Presence of members (null entry: left); coalesced per member while waiting to be sent. */
  void members(SessionId session, Map<String, MemberEntry> members);

  /**
   * As {@link #members(SessionId, Map)}, with {@code frame}, the {@code presence} frame of exactly
   * these members, shared by every connection of the session: a connection with nothing of the
   * session's presence waiting sends it as it is, encoded once for all.
   */
  default void members(SessionId session, Map<String, MemberEntry> members, OutFrame frame) {
    members(session, members);
  }

  /**
   * One tick of XR poses (and live object moves); coalesced per member and per object while waiting
   * to be sent, so a slow reader gets only the newest of each, in one frame.
   */
  void poses(
      SessionId session, long tick, Map<String, PoseData> poses, Map<String, ObjectState> objects);

  /**
   * A recommendation of the level of detail, sent ahead of anything queued (a newer one replaces
   * one still waiting); it also becomes the level the connection's own estimate starts from.
   */
  default void quality(Quality quality) {}

  /**
   * Starts recommending levels of detail for this connection ({@code quality} frames) from its
   * outbound queue delay and round trips, with {@code settings}' thresholds; every change is also
   * handed to {@code onChange} (on the stream's thread: it must not block).
   */
  default void trackQuality(XrSettings settings, Consumer<Quality> onChange) {}

  /**
   * The shared objects of a room in the order of this connection's gaze (see {@link Gaze#rank}),
   * the newest replacing the previous: for a connection that {@link #trackQuality tracks quality},
   * the stage turns it into the per-room recommendation ({@code quality} with the room's session),
   * sent when an object's level changes, at most once per {@code lod-update-interval}.
   */
  default void focus(SessionId session, List<Gaze.Ranked> ranking) {}

  /** A round trip measured by a ping of the server: counts for the level of detail. */
  default void roundTrip(long millis) {}

  /**
   * Ephemeral values of a map ({@code changes} without seq, protocol 4.5), coalesced per key while
   * waiting: a newer value of a key replaces the waiting one. {@code frame} is the same values as
   * one frame, shared by every connection of the node (sent as it is when nothing merged into it);
   * {@code bytes} their estimated size. Counted against the durable bytes bound: past it the
   * session's queued frames go and the client gets {@code resync} and a fresh snapshot.
   */
  default void keyed(
      SessionId session,
      Map<String, com.fasterxml.jackson.databind.JsonNode> entries,
      long bytes,
      OutFrame frame) {
    reply(frame.frame());
  }

  /** Sends everything queued before it, then closes the socket with {@code code}. */
  void close(CloseCode code, String reason);

  /** Forgets a session the connection left: its queued frames are dropped. */
  void forget(SessionId session);
}
