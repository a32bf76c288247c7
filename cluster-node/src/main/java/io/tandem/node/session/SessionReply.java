package io.tandem.node.session;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.tandem.persistence.CborSerializable;
import io.tandem.protocol.ErrorCode;
import java.util.List;

/** What a session entity answers to a request: accepted (with seqs when it changed) or not. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({
  @JsonSubTypes.Type(value = SessionReply.Accepted.class, name = "accepted"),
  @JsonSubTypes.Type(value = SessionReply.Published.class, name = "published"),
  @JsonSubTypes.Type(value = SessionReply.Rejected.class, name = "rejected")
})
public sealed interface SessionReply extends CborSerializable {

  /** Done; {@code seq} is the new seq when a durable change was made, else null. */
  record Accepted(Long seq) implements SessionReply {}

  /** Publish batches were recorded; the seq of each batch's last event, in order. */
  record Published(List<Long> lastSeqs) implements SessionReply {}

  /** Refused with a protocol error code; nothing changed. */
  record Rejected(ErrorCode code, String message) implements SessionReply {}
}
