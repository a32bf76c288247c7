package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.persistence.CborSerializable;
import io.tandem.protocol.ErrorCode;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What an entity sends to a node that has subscribers to its session (the node's session hub).
 * Entities send each message once per subscribed node, never once per client; all messages for one
 * session come from one entity to one hub, so they arrive in the order they were sent.
 */
public final class Subscriber {
  private Subscriber() {}

  /** The protocol of a subscribed node's hub. */
  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
  @JsonSubTypes({
    @JsonSubTypes.Type(value = Admitted.class, name = "admitted"),
    @JsonSubTypes.Type(value = Resumed.class, name = "resumed"),
    @JsonSubTypes.Type(value = ResumeFromJournal.class, name = "resume-journal"),
    @JsonSubTypes.Type(value = Refused.class, name = "refused"),
    @JsonSubTypes.Type(value = Updated.class, name = "updated"),
    @JsonSubTypes.Type(value = MembersChanged.class, name = "members"),
    @JsonSubTypes.Type(value = Refreshed.class, name = "refreshed"),
    @JsonSubTypes.Type(value = Moving.class, name = "moving"),
    @JsonSubTypes.Type(value = PosesTicked.class, name = "poses"),
    @JsonSubTypes.Type(value = Settings.class, name = "settings"),
    @JsonSubTypes.Type(value = MapPart.class, name = "map-part"),
    @JsonSubTypes.Type(value = MapTicked.class, name = "map-ticked"),
    @JsonSubTypes.Type(value = MapEphemeral.class, name = "map-ephemeral"),
    @JsonSubTypes.Type(value = MapControl.class, name = "map-control"),
    @JsonSubTypes.Type(value = Deleted.class, name = "deleted"),
    @JsonSubTypes.Type(value = Undelivered.class, name = "undelivered")
  })
  public interface Message extends CborSerializable {}

  /**
   * A join was accepted: the connection gets this full snapshot before any later update. Every join
   * answer names the {@code entity} incarnation that gave it: the hub watches it, and joins its
   * connections again (resuming from what they saw) when it stops, wherever it restarts.
   */
  public record Admitted(
      String connectionId, Long ref, String memberId, SessionView view, ActorRef<?> entity)
      implements Message {}

  /**
   * A join with {@code since} was accepted and every missed change is in {@code changes}, in order.
   */
  public record Resumed(
      String connectionId,
      Long ref,
      String memberId,
      long since,
      String epoch,
      Map<String, MemberInfo> members,
      List<SessionUpdate> changes,
      ActorRef<?> entity)
      implements Message {
    /** The session's seq when this answer was given. */
    public long seq() {
      return changes.isEmpty() ? since : changes.get(changes.size() - 1).seq();
    }
  }

  /**
   * A join with {@code since} was accepted but the missed changes {@code (since, upTo]} are no
   * longer in the entity's memory: the hub reads them from the journal, from sequence number {@code
   * journalFrom} on (0: the start), before anything later.
   */
  public record ResumeFromJournal(
      String connectionId,
      Long ref,
      String memberId,
      String persistenceId,
      long since,
      long upTo,
      String epoch,
      Map<String, MemberInfo> members,
      ActorRef<?> entity,
      long journalFrom)
      implements Message {}

  /**
   * The last join or refresh sent for {@code connectionId} reached no entity (dropped in a shard's
   * hand-off, or left in a stopping incarnation's mailbox): the hub sends it again shortly, rather
   * than at its timeout.
   */
  public record Undelivered(String connectionId) implements Message {}

  /** A join was refused. */
  public record Refused(String connectionId, Long ref, ErrorCode code, String message)
      implements Message {}

  /**
   * The session was deleted ({@code DELETE /v1/sessions/{session}}): every connection of the hub
   * gets {@code error{not_found}} and is no longer joined; the {@code entity} forgot its members.
   */
  public record Deleted(ActorRef<?> entity) implements Message {}

  /** A durable change, for every subscribed connection. */
  public record Updated(SessionUpdate update) implements Message {}

  /** Presence, joins and leaves since the last tick; a {@code null} value means the member left. */
  public record MembersChanged(Map<String, MemberInfo> members) implements Message {}

  /**
   * The entity is stopping because its shard moves to another node (a rebalance or a node leaving):
   * the hub joins its connections again at once, to wherever the session starts next.
   */
  public record Moving(ActorRef<?> entity) implements Message {}

  /**
   * One room tick of XR motion: the poses that changed and the live transforms of held objects that
   * moved. Ephemeral; the hub turns it into one {@code poses} frame per receiver.
   */
  public record PosesTicked(
      long tick,
      long ts,
      Map<String, io.tandem.node.room.MemberPose> poses,
      Map<String, io.tandem.node.room.ObjectView> objects)
      implements Message {}

  /**
   * A room's settings: sent to a hub just before its join answer ({@code by} null), and to every
   * hub when an editor ({@code by}) changes them.
   */
  public record Settings(int tickHz, String by) implements Message {}

  /**
   * A fresh snapshot for one connection that fell behind (after {@code resync}), or, with {@code
   * connectionId} null, the view a hub asked for itself (a room's object positions).
   */
  public record Refreshed(String connectionId, SessionView view) implements Message {}

  /**
   * Part {@code part} (1 to parts - 1) of a map's snapshot for one connection, right after the
   * {@link Admitted} or {@link Refreshed} whose {@code MapView} announced the parts, and before
   * anything else for the session. {@code version} is the view's: equal seq and version, equal
   * part.
   */
  public record MapPart(
      String connectionId,
      long seq,
      long version,
      int part,
      Map<String, com.fasterxml.jackson.databind.JsonNode> entries)
      implements Message {}

  /**
   * One map tick: ephemeral values put since the last one (a null or JSON null value: deleted),
   * coalesced per key, in chunks that each fit one frame ({@code bytes} their estimated size).
   */
  public record MapTicked(List<EntryChunk> chunks) implements Message {}

  /**
   * Ephemeral values for one connection only, after its join answer: on a resume every key's
   * current ephemeral value, after a snapshot the ones changed since the snapshot was cut.
   */
  public record MapEphemeral(String connectionId, List<EntryChunk> chunks) implements Message {}

  /** Entries that fit one frame; {@code bytes} their estimated encoded size. */
  public record EntryChunk(Map<String, com.fasterxml.jackson.databind.JsonNode> entries, long bytes)
      implements CborSerializable {}

  /** A member's {@code control} for the publishers {@code to} (member ids) of a map. */
  public record MapControl(
      String by, com.fasterxml.jackson.databind.node.ObjectNode control, List<String> to)
      implements Message {}
}
