package io.tandem.node.session;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.node.cluster.NodeAddress;
import io.tandem.node.fanout.FanoutStats;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The ephemeral side of a session entity: its members, the hubs (one per node) they are reached
 * through, and the presence changes not yet announced. Owned by one entity actor and used only from
 * it (not thread-safe, never sent anywhere).
 *
 * <p>Every hub is watched while it has members; when one stops, the entity gets {@link
 * SessionCommand.HubTerminated} and removes that hub's members.
 */
public final class SessionMembers {

  /** A member and the hub of the node its connection is on. */
  public record Member(String memberId, MemberInfo info, ActorRef<Subscriber.Message> hub) {}

  private final ActorContext<SessionCommand> ctx;
  private final Map<String, Member> members = new LinkedHashMap<>();
  private final Map<ActorRef<Subscriber.Message>, Integer> hubs = new HashMap<>();
  private final Map<String, MemberInfo> pending = new LinkedHashMap<>();
  private final FanoutStats stats;
  private final Runnable onAnnouncement;

  /** How many times the members changed (a join, a leave, a presence, a deletion). */
  private long changes;

  /**
   * @param onAnnouncement runs whenever a join, leave or presence change is queued for the next
   *     tick (the entity's tick sleeps while there is nothing to announce)
   */
  public SessionMembers(ActorContext<SessionCommand> ctx, Runnable onAnnouncement) {
    this.ctx = ctx;
    this.onAnnouncement = onAnnouncement;
    this.stats = FanoutStats.get(ctx.getSystem());
  }

  public boolean contains(String memberId) {
    return members.containsKey(memberId);
  }

  public Member get(String memberId) {
    return members.get(memberId);
  }

  public int size() {
    return members.size();
  }

  public boolean isEmpty() {
    return members.isEmpty();
  }

  /** Adds (or replaces) a member and announces it at the next tick. */
  public void add(String memberId, MemberInfo info, ActorRef<Subscriber.Message> hub) {
    changes++;
    Member previous = members.put(memberId, new Member(memberId, info, hub));
    if (previous != null) {
      releaseHub(previous.hub());
    }
    if (hubs.merge(hub, 1, Integer::sum) == 1) {
      ctx.watchWith(hub, new SessionCommand.HubTerminated(hub));
    }
    announce(memberId, info);
  }

  /** Removes a member and announces that it left; null when it was not a member. */
  public Member remove(String memberId) {
    Member m = members.remove(memberId);
    if (m != null) {
      changes++;
      releaseHub(m.hub());
      announce(memberId, null);
    }
    return m;
  }

  /** Replaces a member's presence; announced at the next tick. */
  public void setPresence(String memberId, JsonNode presence) {
    Member m = members.get(memberId);
    if (m != null) {
      changes++;
      MemberInfo info = m.info().withPresence(presence);
      members.put(memberId, new Member(memberId, info, m.hub()));
      announce(memberId, info);
    }
  }

  /** Queues a member's join or presence ({@code info}) or leave (null) for the next tick. */
  private void announce(String memberId, MemberInfo info) {
    pending.put(memberId, info);
    onAnnouncement.run();
  }

  /**
   * A count that moves with every change of the members (entries added, replaced or removed): two
   * equal counts mean the same members with the same entries.
   */
  public long changes() {
    return changes;
  }

  /** The ids of the members reached through {@code hub}. */
  public List<String> membersOf(ActorRef<Subscriber.Message> hub) {
    List<String> out = new ArrayList<>();
    members
        .values()
        .forEach(
            m -> {
              if (m.hub().equals(hub)) {
                out.add(m.memberId());
              }
            });
    return out;
  }

  /**
   * The session was deleted: tells every hub ({@link Subscriber.Deleted}), then forgets every
   * member and hub without announcing their leaves (their connections are told by the hubs).
   */
  public void deleted() {
    broadcast(new Subscriber.Deleted(ctx.getSelf()));
    hubs.keySet().forEach(ctx::unwatch);
    hubs.clear();
    members.clear();
    pending.clear();
    changes++;
  }

  /** Forgets a stopped hub (after its members were removed). */
  public void hubGone(ActorRef<Subscriber.Message> hub) {
    hubs.remove(hub);
  }

  /** Sends {@code message} once to every hub with members. */
  public void broadcast(Subscriber.Message message) {
    hubs.keySet().forEach(h -> h.tell(message));
  }

  /** Sends every durable change among {@code events} once to every hub, in order. */
  public void publishChanges(List<?> events) {
    if (hubs.isEmpty()) {
      return;
    }
    for (Object e : events) {
      if (e instanceof ChangeEvent c) {
        broadcast(new Subscriber.Updated(c.change()));
        stats.published(hubs.size());
      }
    }
  }

  public boolean hasHubs() {
    return !hubs.isEmpty();
  }

  /** The presence changes since the last call, as one message, if there were any. */
  public Optional<Subscriber.MembersChanged> takeAnnouncements() {
    if (pending.isEmpty()) {
      return Optional.empty();
    }
    Subscriber.MembersChanged batch =
        new Subscriber.MembersChanged(Collections.unmodifiableMap(new LinkedHashMap<>(pending)));
    pending.clear();
    return Optional.of(batch);
  }

  /**
   * The current members' infos, read-only and live: no copy, for what runs on every presence (the
   * room's state budget). Use {@link #view()} for anything kept or sent.
   */
  public Map<String, MemberInfo> infos() {
    return infos;
  }

  private final Map<String, MemberInfo> infos =
      new java.util.AbstractMap<>() {
        @Override
        public MemberInfo get(Object memberId) {
          Member m = members.get(memberId);
          return m == null ? null : m.info();
        }

        @Override
        public boolean containsKey(Object memberId) {
          return members.containsKey(memberId);
        }

        @Override
        public int size() {
          return members.size();
        }

        @Override
        public java.util.Set<Map.Entry<String, MemberInfo>> entrySet() {
          return new java.util.AbstractSet<>() {
            @Override
            public java.util.Iterator<Map.Entry<String, MemberInfo>> iterator() {
              var it = members.values().iterator();
              return new java.util.Iterator<>() {
                @Override
                public boolean hasNext() {
                  return it.hasNext();
                }

                @Override
                public Map.Entry<String, MemberInfo> next() {
                  Member m = it.next();
                  return Map.entry(m.memberId(), m.info());
                }
              };
            }

            @Override
            public int size() {
              return members.size();
            }
          };
        }
      };

  /** The current members as a late joiner sees them. */
  public Map<String, MemberInfo> view() {
    Map<String, MemberInfo> view = new LinkedHashMap<>();
    members.forEach((id, m) -> view.put(id, m.info()));
    return Collections.unmodifiableMap(view);
  }

  /**
   * The entity stops (sharding hands its shard to another node, or it passivates): hubs that still
   * have members join them again at once, wherever the session starts next.
   */
  public void announceStopping() {
    broadcast(new Subscriber.Moving(ctx.getSelf()));
  }

  /** The node an entity runs on, named as everywhere else ({@link NodeAddress}). */
  public static String nodeOf(ActorContext<?> ctx) {
    return NodeAddress.of(ctx.getSystem().address());
  }

  private void releaseHub(ActorRef<Subscriber.Message> hub) {
    Integer left = hubs.computeIfPresent(hub, (h, c) -> c > 1 ? c - 1 : null);
    if (left == null) {
      ctx.unwatch(hub);
    }
  }
}
