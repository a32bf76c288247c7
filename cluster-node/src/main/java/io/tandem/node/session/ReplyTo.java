package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.persistence.CborSerializable;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a session entity sends its answer to one request.
 *
 * <p>A connection does not ask: an ask makes a temporary actor, a future and a scheduled timeout
 * per request, and its continuation hops through an executor. Instead it sends its own adapter with
 * a tag ({@link Tagged}) and matches the {@link Answer} to the request by the tag, with one timeout
 * sweep for all its requests. {@link Direct} serves callers that take a bare {@link SessionReply}
 * (the persistence testkit, probes, asks).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({
  @JsonSubTypes.Type(value = ReplyTo.Direct.class, name = "direct"),
  @JsonSubTypes.Type(value = ReplyTo.Tagged.class, name = "tagged")
})
public sealed interface ReplyTo extends CborSerializable {

  /** Sends the reply where it belongs. */
  void tell(SessionReply reply);

  /** A reply address for a bare {@link SessionReply}. */
  static ReplyTo of(ActorRef<SessionReply> to) {
    return new Direct(to);
  }

  /** The reply goes to {@code to} as it is. */
  record Direct(ActorRef<SessionReply> to) implements ReplyTo {
    @Override
    public void tell(SessionReply reply) {
      to.tell(reply);
    }
  }

  /** The reply goes to {@code to} as an {@link Answer} carrying {@code tag}. */
  record Tagged(ActorRef<Answer> to, long tag) implements ReplyTo {
    @Override
    public void tell(SessionReply reply) {
      to.tell(new Answer(tag, reply));
    }
  }

  /** A reply with the tag of the request it answers. */
  record Answer(long tag, SessionReply reply) implements CborSerializable {}
}
