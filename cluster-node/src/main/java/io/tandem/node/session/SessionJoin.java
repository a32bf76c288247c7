package io.tandem.node.session;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * What every session kind's {@code Join} command carries. Each entity keeps its own {@code Join}
 * record (with a stable manifest of its own in {@code NodeManifests}); the record implements this
 * so that {@link SessionLifecycle} can admit it. The answer goes to {@code hub}; with {@code since}
 * and {@code epoch} the hub gets the missed changes instead of a snapshot.
 */
public interface SessionJoin {
  String memberId();

  String connectionId();

  MemberInfo info();

  Long ref();

  Long since();

  String epoch();

  ActorRef<Subscriber.Message> hub();
}
